"""What ops see: recent runs with their outcomes, and each metric's freshness."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors import load_config
from flows.cli import app
from okrmodel.run_log import SyncFreshness, metric_freshness, own_run_since, recent_runs
from okrmodel.storage import Store
from okrmodel.storage.models import SyncRun

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


NOW = datetime(2026, 12, 1, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("last_success_at", "runs_since", "warning"),
    [
        (datetime(2026, 11, 30, 3, 4, tzinfo=UTC), 0, None),  # last night's: fine
        (NOW - timedelta(hours=36), 0, None),  # 36 hours is still a late night
        (NOW - timedelta(hours=36, minutes=1), 0, "last successful sync 36 hours ago (2026-11-29 15:29 UTC): is the worker or okr serve running?"),
        (datetime(2026, 11, 29, 3, 4, tzinfo=UTC), 0, "last successful sync 2 days ago (2026-11-29 03:04 UTC): is the worker or okr serve running?"),
        (datetime(2026, 11, 29, 3, 4, tzinfo=UTC), 2, "last successful sync 2 days ago (2026-11-29 03:04 UTC); the 2 runs since did not succeed: see okr runs"),
        (None, 0, "no successful sync yet: is the worker or okr serve running?"),
        (None, 1, "no successful sync yet; the run so far did not succeed: see okr runs"),
    ],
)
def test_a_last_success_older_than_36_hours_is_a_warning(last_success_at, runs_since, warning):
    freshness = SyncFreshness(last_success_at, runs_since, NOW, syncs_anything=True)
    assert (freshness.warning, freshness.overdue) == (warning, warning is not None)
    assert SyncFreshness(None, 0, NOW, syncs_anything=False).warning is None  # no metrics: nothing to sync


def test_okr_runs_and_status_warn_when_the_last_success_is_older_than_36_hours(demo_config: Path):
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        first, _second = record_two_nights(store)
        success = next(run for run in store.runs() if run.id == first)
        partial = next(run for run in store.runs() if run.id != first)
    when = f"{success.started_at:%Y-%m-%d %H:%M} UTC"
    runner = CliRunner()
    late = success.started_at + timedelta(days=2, hours=1)  # the wall clock as the command sees it
    runs = runner.invoke(app, ["runs", "-c", str(demo_config), "--as-of", D2.isoformat()], obj=late)
    assert runs.exit_code == 0, runs.output
    assert f"warning: last successful sync 2 days ago ({when}); the run since did not succeed: see okr runs" in runs.stderr
    document = json.loads(runner.invoke(app, ["runs", "--json", "-c", str(demo_config)], obj=late).stdout)
    assert document["sync"] == {"last_success_at": success.started_at.isoformat(), "runs_since": 1, "overdue": True, "warning": document["sync"]["warning"]}
    assert document["sync"]["warning"].startswith("last successful sync 2 days ago")
    status = runner.invoke(app, ["status", "-c", str(demo_config), "--as-of", D2.isoformat()], obj=late)
    assert status.exit_code == 0 and "warning: last successful sync 2 days ago" in status.stderr
    assert json.loads(runner.invoke(app, ["status", "--json", "-c", str(demo_config), "--as-of", D2.isoformat()], obj=late).stdout)["sync"]["overdue"] is True

    soon = partial.started_at + timedelta(hours=1)  # a day after the success: nothing to say
    assert "last successful sync" not in runner.invoke(app, ["runs", "-c", str(demo_config)], obj=soon).stderr
    quiet = json.loads(runner.invoke(app, ["status", "--json", "-c", str(demo_config), "--as-of", D2.isoformat()], obj=soon).stdout)
    assert quiet["sync"] == {"last_success_at": success.started_at.isoformat(), "runs_since": 1, "overdue": False, "warning": None}


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


def test_own_run_since_is_the_run_this_process_began_after_the_newest_it_saw(database_url):
    import os

    from sqlalchemy import update

    with Store(database_url) as store:
        assert own_run_since(store, None) is None  # nothing begun: a sync stopped before its run
        first = store.start_run(D1)
        assert own_run_since(store, None).id == first
        assert own_run_since(store, first) is None, "a run older than the sync is not its own, same pid or not"
        # Another process's run (here: another pid) is never taken for this one's.
        other = store.start_run(D2)
        with store.engine.begin() as connection:
            connection.execute(update(SyncRun).where(SyncRun.id == other).values(pid=os.getpid() + 1))
        assert own_run_since(store, first) is None
        mine = store.start_run(D2)
        assert own_run_since(store, first).id == mine
