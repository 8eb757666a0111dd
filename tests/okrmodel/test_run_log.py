"""What ops see: recent runs with their outcomes, and each metric's freshness."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from typer.testing import CliRunner

from connectors import load_config
from flows.cli import app
from okrmodel.run_log import metric_freshness, recent_runs
from okrmodel.storage import Store

D1, D2 = date(2026, 11, 26), date(2026, 11, 27)


def record_two_nights(store: Store) -> tuple[str, str]:
    first = store.start_run(D1)
    store.save_observations(first, "new_contacts", "hubspot", {D1: 12})
    store.record_fetch(first, "new_contacts", "hubspot", status="succeeded", api_calls=3, values_added=1)
    store.record_fetch(first, "newsletters", "hubspot", status="succeeded", api_calls=1)
    store.finish_run(first, "succeeded")
    second = store.start_run(D2)
    store.record_fetch(second, "new_contacts", "hubspot", status="failed", api_calls=1, error="hubspot: token invalid or expired (HTTP 401)")
    store.record_fetch(second, "newsletters", "hubspot", status="succeeded", api_calls=2)
    store.finish_run(second, "partial", "1 metrics failed")
    return first, second


def test_recent_runs_count_outcomes_newest_first(demo_config: Path):
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        first, second = record_two_nights(store)
        runs = recent_runs(store)
    assert [run.id for run in runs] == [second, first]
    assert (runs[0].status, runs[0].metrics_succeeded, runs[0].metrics_failed, runs[0].api_calls) == ("partial", 1, 1, 3)
    assert (runs[1].status, runs[1].metrics_succeeded, runs[1].api_calls) == ("succeeded", 2, 4)


def test_freshness_keeps_the_last_success_when_the_latest_attempt_failed(demo_config: Path):
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        first, _second = record_two_nights(store)
        rows = {row.metric: row for row in metric_freshness(config, store, D2)}
        first_started = store.runs()[-1].started_at
    contacts = rows["new_contacts"]
    assert (contacts.newest_day, contacts.last_success_at, contacts.last_attempt_failed) == (D1, first_started, True)
    assert contacts.last_error == "hubspot: token invalid or expired (HTTP 401)"
    assert (rows["newsletters"].last_attempt_failed, rows["newsletters"].newest_day) == (False, None)
    assert rows["mqls_now"].last_success_at is None  # never fetched
    assert list(rows) == list(config.metrics)


def test_okr_runs_json_and_table(demo_config: Path):
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        record_two_nights(store)
    runner = CliRunner()
    result = runner.invoke(app, ["runs", "--json", "-c", str(demo_config), "--as-of", D2.isoformat()])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [run["status"] for run in document["runs"]] == ["partial", "succeeded"]
    assert {row["metric"]: row["last_attempt_failed"] for row in document["metrics"]}["new_contacts"] is True
    table = runner.invoke(app, ["runs", "-c", str(demo_config), "--as-of", D2.isoformat()])
    assert table.exit_code == 0
    assert "new_contacts: hubspot: token invalid or expired (HTTP 401)" in table.stderr


def test_okr_runs_marks_a_run_whose_process_is_gone_abandoned_and_says_so(demo_config: Path):
    import socket
    import subprocess
    import sys

    # A sync process that recorded its run and was killed before it could finish it.
    killed = subprocess.Popen([
        sys.executable, "-c",
        "import os, sys; from datetime import date; from okrmodel.storage import Store; "
        "Store(sys.argv[1]).start_run(date(2026, 11, 27)); os.kill(os.getpid(), 9)",
        load_config(demo_config).storage_url(),
    ])
    killed.wait()
    table = CliRunner().invoke(app, ["runs", "-c", str(demo_config), "--as-of", D2.isoformat()])
    assert table.exit_code == 0, table.output
    assert "abandoned" in table.stdout
    assert f"abandoned: its process (pid {killed.pid} on {socket.gethostname()}) ended without finishing the run" in table.stderr
    with Store(load_config(demo_config).storage_url()) as store:
        [run] = store.runs()
    assert (run.status, run.finished_at) == ("abandoned", None)
