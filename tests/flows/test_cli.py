"""The okr CLI as a user drives it: exit codes, messages, JSON contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors import load_config
from flows.cli import app

runner = CliRunner()
AS_OF = "2026-11-27"


def okr(*args: str):
    return runner.invoke(app, list(args))


def test_validate_ok(demo_config: Path):
    result = okr("validate", "-c", str(demo_config))
    assert result.exit_code == 0, result.output
    assert "valid (3 objectives, 10 key results, 7 metrics, period 2026-Q4)" in result.stdout


def test_validate_reports_located_errors_with_exit_2_and_no_traceback(demo_config: Path):
    demo_config.write_text(demo_config.read_text().replace("metric: newsletters,", "metric: newslleters,"))
    result = okr("validate", "-c", str(demo_config))
    assert result.exit_code == 2
    assert f"{demo_config}: objectives[0].key_results[2].metric: unknown metric 'newslleters' (did you mean 'newsletters'?)" in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_config_path_from_environment(demo_config: Path, monkeypatch, tmp_path):
    monkeypatch.setenv("OKR_CONFIG", str(demo_config))
    assert okr("validate").exit_code == 0
    monkeypatch.delenv("OKR_CONFIG")
    monkeypatch.chdir(tmp_path / "..")
    result = okr("validate")
    assert result.exit_code == 2 and "okrs.yaml: file not found" in result.stderr


@pytest.mark.parametrize(("as_of", "message"), [("27/11/2026", "is not a date in the form YYYY-MM-DD"), ("2026-09-30", "is before period 2026-Q4 starts")])
def test_bad_as_of(demo_config: Path, as_of, message):
    result = okr("status", "-c", str(demo_config), "--as-of", as_of)
    assert result.exit_code == 2 and message in result.stderr


def test_checkin_then_status_json_contract(demo_config: Path):
    assert okr("checkin", "crm-training", "3", "--note", "three trained", "--author", "lee", "-c", str(demo_config), "--as-of", AS_OF).exit_code == 0
    result = okr("status", "--json", "-c", str(demo_config), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    # The README's contract keys are there (test_status_json pins every key).
    assert {"period", "as_of", "objectives"} <= set(document)
    assert (document["period"], document["as_of"]) == ("2026-Q4", AS_OF)
    objective = document["objectives"][2]
    assert {"id", "title", "owner", "progress", "status", "key_results"} <= set(objective)
    key_result = {kr["id"]: kr for kr in objective["key_results"]}["crm-training"]
    assert {"id", "title", "owner", "metric", "actual", "baseline", "target", "progress", "expected", "status", "source", "updated_at"} <= set(key_result)
    assert (key_result["actual"], key_result["progress"], key_result["source"]) == (3.0, 0.6, "checkin:lee")
    assert key_result["expected"] == pytest.approx(58 / 92, abs=1e-4)
    assert key_result["status"] == "on_track"  # 0.6 >= 0.9 x the expected 0.63
    assert {kr["status"] for o in document["objectives"] for kr in o["key_results"]} <= {"on_track", "at_risk", "off_track", "done", "no_data", "stale"}
    assert (key_result["direction"], key_result["checkin"]["author"], key_result["checkin"]["wins"]) == ("increase", "lee", True)
    assert key_result["forecast"] is None  # a single check-in is no trend yet
    synced = document["objectives"][0]["key_results"][0]
    assert (synced["actual"], synced["status"]) == (None, "no_data")  # nothing synced yet: never green


def test_checkin_unknown_key_result(demo_config: Path):
    result = okr("checkin", "crm-trainin", "3", "-c", str(demo_config))
    assert result.exit_code == 2
    assert "no key result 'crm-trainin' (did you mean 'crm-training'?)" in result.stderr


def test_sync_then_report_from_stored_data_only(prefect_harness, demo_config: Path, sandbox, tmp_path):
    result = okr("sync", "-c", str(demo_config), "--as-of", AS_OF, "--out", str(tmp_path / "sync.html"))
    assert result.exit_code == 0, result.output
    assert "succeeded" in result.stdout and f"Report: {tmp_path / 'sync.html'}" in result.stdout
    calls = sandbox.call_count
    result = okr("report", "-c", str(demo_config), "--as-of", AS_OF, "--out", str(tmp_path / "again.html"))
    assert result.exit_code == 0, result.output
    assert sandbox.call_count == calls, "report must not touch the network"
    again = (tmp_path / "again.html").read_text()
    assert all(objective.title in again for objective in load_config(demo_config).objectives)
    status = json.loads(okr("status", "--json", "-c", str(demo_config), "--as-of", AS_OF).stdout)
    assert all(kr["actual"] is not None for kr in status["objectives"][0]["key_results"])


def test_lint_demo_is_clean_and_strict_fails_on_findings(demo_config: Path):
    result = okr("lint", "--strict", "-c", str(demo_config))
    assert result.exit_code == 0, result.output
    assert "follows the method (no findings)" in result.stdout
    demo_config.write_text(demo_config.read_text().replace("title: Improve the sales pipeline", "title: Market research"))
    relaxed = okr("lint", "-c", str(demo_config))
    assert relaxed.exit_code == 0 and "1 finding" in relaxed.stdout
    assert "objectives[1].title (line 46): objective 'Market research' does not start with a verb of change" in relaxed.stderr
    assert "[objective-lacks-verb: " in relaxed.stderr
    assert okr("lint", "--strict", "-c", str(demo_config)).exit_code == 1


def test_lint_of_an_invalid_file_is_a_schema_error(demo_config: Path):
    demo_config.write_text(demo_config.read_text().replace("target: 5, unit: people", "target: five, unit: people"))
    result = okr("lint", "-c", str(demo_config))
    assert result.exit_code == 2 and "key_results[1].target: must be a number (line 60)" in result.stderr


def test_pinned_checkin_and_history(demo_config: Path):
    assert okr("checkin", "crm-training", "2", "--author", "lee", "-c", str(demo_config), "--as-of", "2026-11-20").exit_code == 0
    pinned = okr("checkin", "crm-training", "3", "--pin", "--note", "three trained", "--author", "maria", "-c", str(demo_config), "--as-of", AS_OF)
    assert pinned.exit_code == 0 and f"Checked in crm-training = 3 for {AS_OF} (pinned)" in pinned.stdout
    result = okr("history", "crm-training", "-c", str(demo_config))
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if "checkin" in line]
    assert len(lines) == 2
    assert "day 2026-11-20  value 2  checkin by lee" in lines[0]
    assert f"day {AS_OF}  value 3  checkin by maria (pinned)  note: three trained" in lines[1]
    assert okr("history", "crm-trainin", "-c", str(demo_config)).exit_code == 2


def test_close_freezes_the_period(demo_config: Path):
    # A quarter that has ended whenever the test runs: a close as of a day after today is refused.
    demo_config.write_text(demo_config.read_text().replace('period: "2026-Q4"', 'period: "2026-Q3"'))
    assert okr("checkin", "exec-approval", "3", "--author", "lee", "-c", str(demo_config), "--as-of", "2026-09-30").exit_code == 0
    early = okr("close", "2026-Q3", "-c", str(demo_config), "--as-of", "2026-09-15")
    assert early.exit_code == 2 and "force it" in early.stderr, early.output  # the quarter has not ended on Sep 15
    closed = okr("close", "2026-q3", "--by", "maria", "-c", str(demo_config), "--as-of", "2026-10-01")
    assert closed.exit_code == 0, closed.output
    assert closed.stdout.startswith("Closed 2026-Q3, score ")
    assert okr("close", "2026-Q3", "-c", str(demo_config)).stdout.startswith("Already closed: 2026-Q3")
    document = json.loads(okr("status", "--json", "-c", str(demo_config), "--as-of", "2026-09-30").stdout)
    assert document["closed"] is True
    exec_approval = {kr["id"]: kr for kr in document["objectives"][2]["key_results"]}["exec-approval"]
    assert (exec_approval["score"], exec_approval["frozen"], exec_approval["status"]) == (1.0, True, "done")
    unknown = okr("close", "2027-Q1", "-c", str(demo_config))
    assert unknown.exit_code == 2 and "period 2027-Q1 is not listed in the config (2026-Q3)" in unknown.stderr


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://nobody:secret-pw@127.0.0.1:1/x", "sqlite:////proc/okr-missing/okr.db", "notaurl"],
)
def test_a_database_that_cannot_be_opened_is_one_line_without_the_password(demo_config: Path, monkeypatch, url):
    monkeypatch.setenv("OKR_DATABASE_URL", url)
    for command in (["status"], ["runs"], ["sync", "--as-of", AS_OF]):
        result = okr(*command, "-c", str(demo_config))
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.startswith("cannot open the database ")
        assert "secret-pw" not in result.output and "Traceback" not in result.output
        assert len(result.stderr.strip().splitlines()) == 1


def test_a_report_path_that_cannot_be_written_is_refused(demo_config: Path, tmp_path: Path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert okr("report", "-c", str(demo_config), "--as-of", AS_OF, "--out", str(folder)).stderr.startswith(f"--out: {folder} is a folder")
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = okr("sync", "-c", str(demo_config), "--as-of", AS_OF, "--out", str(blocker / "r.html"))
    assert result.exit_code == 2 and result.stderr.startswith(f"--out: cannot create the folder of {blocker / 'r.html'}: {blocker} is a file")
