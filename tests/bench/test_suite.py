"""``make bench`` on a tiny portal: every figure lands in results.json and RESULTS.md is rendered from it.

Nothing here is timed: the wall times are only checked to be there. The peer
does not run (its venv comes from PyPI; ``test_peer_metrics.py`` checks its
adapter); the in-script full pull does, and its values must equal ours.
"""

from __future__ import annotations

import json

import pytest

from bench.__main__ import main
from bench.measure import GNU_TIME
from bench.results_md import render_results

SPREAD = {"min", "median", "max", "runs", "values"}
NIGHT_FIGURES = {"calls", "searches", "rate_limited", "fetch_seconds", "floor_seconds", "wall_over_floor", "command_seconds", "peak_rss_bytes"}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    if not GNU_TIME.exists():
        pytest.fail(f"{GNU_TIME} is missing: install Debian's time package (make test and make bench do)")
    folder = tmp_path_factory.mktemp("bench")
    argv = ["--sizes", "1500", "--repeats", "1", "--no-peer", "--full-pull-sizes", "1500", "--shared-limit-sizes", "1500", "--prefect-repeats", "1", "--startup-repeats", "1",
            "--render-sizes", "5", "--render-runs", "5", "--companies", "2", "--company-contacts", "800", "--work", str(folder / "work"), "--out-dir", str(folder)]
    assert main(argv) == 0
    return json.loads((folder / "results.json").read_text()), (folder / "RESULTS.md").read_text()


def test_every_figure_of_both_nights_is_measured_without_a_429(results):
    figures, _ = results
    (size,) = figures["sizes"]
    assert size["contacts"] > 1000 and size["deals"] > 50
    for night in ("first_night", "next_night"):
        measured = size["ours"][night]
        assert set(measured) == NIGHT_FIGURES
        assert all(set(measured[name]) == SPREAD and measured[name]["runs"] == 1 for name in NIGHT_FIGURES)
        assert measured["rate_limited"]["max"] == 0
        assert measured["searches"]["median"] < measured["calls"]["median"]
        assert measured["fetch_seconds"]["median"] > 0 and measured["peak_rss_bytes"]["median"] > 0
    assert size["sandbox"]["peak_rss_bytes"] >= size["sandbox"]["rss_after_generation_bytes"] > 0


def test_the_same_nights_with_limits_shared_through_the_prefect_server_make_the_same_calls_without_a_429(results):
    figures, markdown = results
    (size,) = figures["sizes"]
    for night in ("first_night", "next_night"):
        shared, alone = size["ours_shared_limits"][night], size["ours"][night]
        assert shared["rate_limited"]["max"] == 0 and shared["calls"]["runs"] == 1
        # The shared limits cost one call: the portal's id, which names them.
        assert shared["calls"]["median"] == alone["calls"]["median"] + 1
    assert "a sync holds its portal's reader limit" in markdown


def test_the_full_pull_pages_every_record_and_agrees_with_ours(results):
    figures, _ = results
    pull = figures["sizes"][0]["full_pull"]
    assert pull["measured"] and pull["values_equal_ours"]
    assert pull["calls"] == pull["pages_expected"] == -(-figures["sizes"][0]["contacts"] // 100) - (-figures["sizes"][0]["deals"] // 100)


def test_prefect_rendering_and_many_companies_are_measured(results):
    figures, _ = results
    assert set(figures["prefect"]) == {"import_only_seconds", "ephemeral_noop_flow_seconds", "server_noop_flow_seconds", "server_start_seconds"}
    rendering = figures["rendering"]["sizes"]["5"]
    assert all(rendering[f"{kind}_seconds"]["runs"] == 5 for kind in ("web", "email", "text"))
    many = figures["many_companies"]
    assert many["companies"] == many["portal_ids"] == 2 and many["rate_limited"]["max"] == 0  # two accounts: limits of their own
    assert many["calls"]["median"] > 0 and many["all_companies_seconds"]["median"] > 0


def test_okr_syncs_fixed_cost_and_the_commands_without_prefect_are_measured(results):
    figures, markdown = results
    startup = figures["startup"]
    assert startup["baseline"] is None and set(startup["codes"]) == {"current"}
    measured = startup["codes"]["current"]
    assert set(measured) == {"import_cli_seconds", "status_seconds"} | {
        f"sync_{mode}_{figure}" for mode in ("ephemeral", "server") for figure in ("seconds", "fetch_seconds", "fixed_seconds")
    }
    assert all(set(figure) == SPREAD and figure["runs"] == 1 for figure in measured.values())
    for mode in ("ephemeral", "server"):
        wall, fetch, fixed = (measured[f"sync_{mode}_{figure}"]["median"] for figure in ("seconds", "fetch_seconds", "fixed_seconds"))
        assert 0 < fetch < wall and fixed == wall - fetch  # the sync read the portal, within its wall time
    assert "### `okr sync`'s fixed cost, and a command without Prefect" in markdown


def test_only_startup_replaces_that_part_beside_a_baseline_and_keeps_the_rest(results, tmp_path):
    figures, _ = results
    (tmp_path / "results.json").write_text(json.dumps(figures))
    argv = ["--only", "startup", "--startup-repeats", "1", "--baseline", "HEAD", "--work", str(tmp_path / "work"), "--out-dir", str(tmp_path)]
    assert main(argv) == 0
    updated, markdown = json.loads((tmp_path / "results.json").read_text()), (tmp_path / "RESULTS.md").read_text()
    assert {key: value for key, value in updated.items() if key != "startup"} == {key: value for key, value in figures.items() if key != "startup"}
    startup = updated["startup"]
    assert startup["baseline"] == "HEAD" and set(startup["codes"]) == {"current", "baseline"}
    assert startup["codes"]["baseline"].keys() == startup["codes"]["current"].keys()
    assert startup["command"] == "python -m bench " + " ".join(argv)
    assert markdown == render_results(updated) and "| process | before (HEAD) | after (" in markdown


def test_only_needs_results_to_update(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["--only", "startup", "--out-dir", str(tmp_path)])
    assert f"--only startup: no {tmp_path / 'results.json'} to update; run the whole benchmark first" in capsys.readouterr().err


def test_machine_facts_and_versions_are_recorded(results):
    figures, _ = results
    assert figures["machine"]["cores"] >= 1 and figures["machine"]["python"]
    assert figures["packages"]["prefect"] != "not installed" and figures["packages"]["hubspot-api-client"] != "not installed"
    assert "peer_packages" not in figures  # no peer in this run


def test_results_md_is_the_rendering_of_results_json(results):
    figures, markdown = results
    assert markdown == render_results(figures)
    for title in ("## 1. Our sync against HubSpot's physical limit", "## 2. Against a real peer", "## 3. Memory", "## 4. Prefect's fixed cost",
                  "## 5. Report rendering", "## 6. Many companies", "## Machine"):
        assert title in markdown
    assert f"| {figures['sizes'][0]['contacts']:,} | first night (quarter backfill) | {figures['sizes'][0]['ours']['first_night']['calls']['median']:,.0f} |" in markdown
