"""The okr CLI as a user drives it: exit codes, messages, JSON contract."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app

runner = CliRunner()
AS_OF = "2026-11-27"


def okr(*args: str):
    return runner.invoke(app, list(args))


def test_validate_ok(demo_config: Path):
    result = okr("validate", "-c", str(demo_config))
    assert result.exit_code == 0, result.output
    assert "valid (3 objectives, 9 key results, 7 metrics, period 2026-Q4)" in result.stdout


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
    assert set(document) == {"period", "as_of", "objectives"}
    assert (document["period"], document["as_of"]) == ("2026-Q4", AS_OF)
    objective = document["objectives"][2]
    assert set(objective) == {"id", "title", "owner", "progress", "status", "key_results"}
    key_result = {kr["id"]: kr for kr in objective["key_results"]}["crm-training"]
    assert set(key_result) == {"id", "title", "owner", "metric", "actual", "baseline", "target", "progress", "expected", "status", "source", "updated_at"}
    assert (key_result["actual"], key_result["progress"], key_result["source"]) == (3.0, 0.6, "checkin:lee")
    assert key_result["expected"] == pytest.approx(58 / 92, abs=1e-4)
    assert key_result["status"] == "on_track"  # 0.6 >= 0.9 x the expected 0.63
    assert {kr["status"] for o in document["objectives"] for kr in o["key_results"]} <= {"on_track", "at_risk", "off_track", "done", "no_data"}
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
    assert (tmp_path / "again.html").read_text().count('class="objective"') == 3
    status = json.loads(okr("status", "--json", "-c", str(demo_config), "--as-of", AS_OF).stdout)
    assert all(kr["actual"] is not None for kr in status["objectives"][0]["key_results"])
