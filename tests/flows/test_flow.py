"""The nightly flow once, end to end: sandbox -> SDK -> storage -> evaluation -> HTML."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors import load_config
from connectors.sandbox import Fault, RateLimits
from flows.archive import archive_folder
from flows.nightly import SyncIncomplete, nightly_sync
from okrmodel.evaluation import evaluate
from okrmodel.progress import Status
from okrmodel.run_log import recent_runs
from okrmodel.storage import Store

AS_OF = date(2026, 11, 27)
ZONE = ZoneInfo("Europe/Berlin")


def quarter_contacts(dataset) -> int:
    start, end = datetime(2026, 10, 1, tzinfo=ZONE), datetime(2026, 11, 28, tzinfo=ZONE)
    return sum(
        1 for c in dataset.contacts
        if start <= datetime.fromisoformat(c["properties"]["createdate"].replace("Z", "+00:00")) < end
    )


def test_sync_stores_computes_renders_and_is_idempotent(prefect_harness, demo_config: Path, sandbox, tmp_path):
    report_path = tmp_path / "out" / "report.html"
    summary = nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(report_path), today=AS_OF)

    assert summary.status == "succeeded"
    assert {outcome.metric for outcome in summary.metrics} == set(load_config(demo_config).metrics)
    assert summary.api_calls == sandbox.call_count
    # Fewest calls: one search per metric that fits a page, pages only for big windows.
    assert sandbox.call_count <= 12, sandbox.calls

    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        stored = store.observation_count()
        [run] = store.runs()
        assert (run.status, run.as_of) == ("succeeded", AS_OF)
        assert run.flow_run_id  # the Prefect flow run this sync belongs to
        status = evaluate(config, store, AS_OF)
    by_id = {kr.id: kr for objective in status.objectives for kr in objective.key_results}
    assert by_id["new-contacts"].actual == quarter_contacts(sandbox.dataset)
    assert by_id["new-contacts"].source == "hubspot:new_contacts"
    assert by_id["crm-training"].status is Status.NO_DATA  # manual KR without check-ins
    html = report_path.read_text()
    assert f"{int(by_id['new-contacts'].actual):,} contacts" in html
    assert "<link" not in html and "<script" not in html  # self-contained

    calls_before = sandbox.call_count
    again = nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(report_path), today=AS_OF)
    assert all(outcome.values_added == 0 for outcome in again.metrics)
    with Store(config.storage_url()) as store:
        assert store.observation_count() == stored
        assert len(store.runs()) == 2
    assert sandbox.call_count - calls_before == again.api_calls
    # The second night re-reads only the look-back days: every metric's window shrinks to 3 days.
    assert {(o.last_day - o.first_day).days + 1 for o in again.metrics if o.metric != "mqls_now"} == {3}

    full = nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(report_path), full_refresh=True, today=AS_OF)
    assert {(o.first_day, o.last_day) for o in full.metrics if o.metric == "new_contacts"} == {(date(2026, 10, 1), AS_OF)}
    assert full.api_calls == summary.api_calls  # the same reads as the first night
    assert all(outcome.values_added == 0 for outcome in full.metrics)  # nothing changed, nothing written


def test_a_failing_source_fails_its_metrics_only(prefect_harness, demo_config: Path, tmp_path, monkeypatch):
    text = demo_config.read_text()
    text = text.replace("  newsletters: {source: hubspot,", "  newsletters: {source: broken,")
    text = text.replace("sources:\n", "sources:\n  broken: {type: hubspot, token_env: OKR_TEST_UNSET_TOKEN, base_url: \"http://127.0.0.1:9\"}\n")
    demo_config.write_text(text)
    monkeypatch.delenv("OKR_TEST_UNSET_TOKEN", raising=False)

    with pytest.raises(SyncIncomplete) as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"))
    summary = caught.value.summary
    failed = {outcome.metric: outcome.error for outcome in summary.failed}
    assert list(failed) == ["newsletters"]
    assert "OKR_TEST_UNSET_TOKEN is not set" in failed["newsletters"]
    assert summary.status == "partial"
    assert (tmp_path / "r.html").exists(), "the report still renders from what is stored"
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        [run] = store.runs()
        assert run.status == "partial"
        assert store.daily_values("newsletters", date(2026, 10, 1), AS_OF) == []  # nothing, not zeros
        assert len(store.daily_values("new_contacts", date(2026, 10, 1), AS_OF)) == 58


def test_a_csv_source_syncs_beside_hubspot(prefect_harness, demo_config: Path, sandbox, tmp_path):
    # One row per day of the quarter to date, 2 Oct missing (a day without signups) and 5 Oct on two rows.
    rows = ["date,signups"] + [f"2026-10-{day:02d},1" for day in (1, 5)] + [f"{date.fromordinal(n).isoformat()},{n % 7}" for n in range(date(2026, 10, 3).toordinal(), AS_OF.toordinal() + 1)]
    (demo_config.parent / "data").mkdir()
    (demo_config.parent / "data" / "signups.csv").write_text("\n".join(rows) + "\n")
    text = demo_config.read_text()
    text = text.replace("sources:\n", "sources:\n  sheet: {type: csv, path: data/signups.csv}\n", 1)
    text = text.replace("metrics:\n", "metrics:\n  webinar_signups: {source: sheet, kind: csv_column, column: signups}\n", 1)
    demo_config.write_text(text)

    summary = nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"))

    assert summary.status == "succeeded"
    [outcome] = [o for o in summary.metrics if o.metric == "webinar_signups"]
    assert (outcome.source, outcome.first_day, outcome.last_day, outcome.api_calls) == ("sheet", date(2026, 10, 1), AS_OF, 0)
    assert summary.api_calls == sandbox.call_count  # the CSV added no API call
    expected = {date(2026, 10, 1): 1.0, date(2026, 10, 2): 0.0}
    expected |= {date.fromordinal(n): float(n % 7) for n in range(date(2026, 10, 3).toordinal(), AS_OF.toordinal() + 1)}
    expected[date(2026, 10, 5)] += 1.0
    with Store(load_config(demo_config).storage_url()) as store:
        stored = {value.day: value.value for value in store.daily_values("webinar_signups", date(2026, 10, 1), AS_OF)}
    assert stored == expected


def test_an_unwritable_report_keeps_the_data_and_marks_the_run_partial(prefect_harness, demo_config: Path, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    with pytest.raises(SyncIncomplete, match="report \\(cannot write") as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(blocker / "r.html"))
    summary = caught.value.summary
    config = load_config(demo_config)
    # The archive still has the day's report; only the extra copy asked for is missing.
    assert (summary.status, summary.failed) == ("partial", [])
    assert summary.report_path == (archive_folder(config) / f"{AS_OF}.html").resolve() and summary.report_path.exists()
    with Store(config.storage_url()) as store:
        [run] = store.runs()
        assert run.status == "partial" and run.message.startswith("report not written: cannot write")
        assert store.observation_count() > 0


def test_the_scheduled_run_reports_on_the_day_that_just_closed(prefect_harness, demo_config: Path, tmp_path):
    # What the nightly deployment does at 03:00 on Nov 28: report as of Nov 27, snapshots included.
    summary = nightly_sync(str(demo_config), report_path=str(tmp_path / "r.html"), as_of_days_ago=1, today=AS_OF + timedelta(days=1))
    assert summary.as_of == AS_OF
    assert {(o.metric, o.first_day) for o in summary.metrics if o.metric == "mqls_now"} == {("mqls_now", AS_OF)}


def test_a_run_under_faults_records_every_request_the_portal_counted(prefect_harness, demo_config: Path, sandbox, tmp_path):
    # A 502 and an answer cut short are resent; then the portal's daily quota runs out mid-run.
    sandbox.faults.push(Fault(status=502, on="/search"))
    sandbox.faults.push(Fault(on="/search", truncated="dropped"))
    sandbox.rate_limits = RateLimits(search_per_second=None, per_10_seconds=None, per_day=4)
    try:
        with pytest.raises(SyncIncomplete) as caught:
            nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
        log = sandbox.call_log
    finally:
        sandbox.rate_limits = None
        sandbox.faults.clear()
    summary = caught.value.summary
    assert summary.failed and all("daily API limit of the portal reached" in outcome.error for outcome in summary.failed)
    statuses = [call.status for call in log]
    assert statuses.count(502) == 1 and statuses.count(200) >= 4
    # A DAILY 429 is never resent: each read meets it once at most, then the run stops asking.
    assert statuses.count(429) <= len(summary.failed)
    with Store(load_config(demo_config).storage_url()) as store:
        [run] = recent_runs(store)
    assert run.api_calls == summary.api_calls == len(log), "the run's record counts every request the portal counted"


QUARTER_START = date(2026, 10, 1)
DAILY_TRAFFIC, TOTAL_TRAFFIC = "/analytics/v2/reports/totals/daily", "/analytics/v2/reports/totals/total"
CLIENT_TRIES = 1 + 5
"""A read's first try and the HubSpot client's own urllib3 retries (``default_retry``: total 5)."""


@pytest.fixture
def visitors_config(demo_config: Path, monkeypatch) -> Path:
    """The demo plus unique visitors on one KR: one daily read and one window total, each its own task."""
    monkeypatch.setenv("OKR_RETRY_DELAY_SECONDS", "0.1")
    text = demo_config.read_text().replace("metrics:\n", "metrics:\n  site_visitors: {source: hubspot, kind: web_sessions, measure: visitors}\n", 1)
    demo_config.write_text(text.rstrip("\n") + """
  - id: traffic
    title: Increase website traffic
    owner: lee@acme.example
    key_results:
      - {id: unique-visitors, title: "Grow unique visitors to 30,000 this quarter", metric: site_visitors, target: 30000, unit: visitors}
""")
    return demo_config


def unique_visitors(dataset, first: date, last: date) -> int:
    """Each day's first-time visitors, plus those back from a visit before ``first``: counted person by person."""
    count = 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for source, row in dataset.traffic.get(day, {}).items():
            back = dataset.returning.get(day, {}).get(source, {})
            count += row["visitors"] - sum(back.values())
            count += sum(number for gap, number in back.items() if day - timedelta(days=gap) < first)
    return count


def statuses_on(log, path: str) -> list[int]:
    return [call.status for call in log if call.path == path]


def task_attempts(run_id: str, database_url: str) -> dict[str, int]:
    """How many times Prefect ran each task of the sync run ``run_id``, by task run name."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    with Store(database_url) as store:
        [run] = [run for run in store.runs() if run.id == run_id]
    with get_client(sync_client=True) as client:
        task_runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.flow_run_id])))
    return {task_run.name: task_run.run_count for task_run in task_runs}


def test_a_5xx_burst_longer_than_the_clients_retries_is_retried_by_the_task_and_the_run_succeeds(prefect_harness, visitors_config: Path, sandbox, tmp_path):
    # HubSpot answers 503 (Retry-After: 1) to every try of the client, twice over: the daily read and the window's total.
    for path in (DAILY_TRAFFIC, TOTAL_TRAFFIC):
        sandbox.faults.push(Fault(status=503, on=path, times=CLIENT_TRIES, retry_after=1))
    try:
        summary = nightly_sync(str(visitors_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
        log = sandbox.call_log
    finally:
        sandbox.faults.clear()

    assert summary.status == "succeeded"
    # The client gave up after its tries; the task's second attempt was answered.
    assert statuses_on(log, DAILY_TRAFFIC) == statuses_on(log, TOTAL_TRAFFIC) == [503] * CLIENT_TRIES + [200]
    attempts = task_attempts(summary.run_id, load_config(visitors_config).storage_url())
    assert (attempts["read-site_visitors"], attempts[f"total-site_visitors-{QUARTER_START}"], attempts["read-new_contacts"]) == (2, 2, 1)
    [outcome] = [o for o in summary.metrics if o.metric == "site_visitors"]
    # With a Prefect server others reach, HubSpot's limits are shared per portal: the portal id's one call
    # counts with whichever of the source's metrics asked first.
    portal_id_calls = sum(1 for call in log if call.path.startswith("/account-info/"))
    assert outcome.api_calls - 2 * (CLIENT_TRIES + 1) in {0, portal_id_calls}, "every attempt's requests count, the failed ones too"
    config = load_config(visitors_config)
    with Store(config.storage_url()) as store:
        [run] = recent_runs(store)
        days = {value.day: value.value for value in store.daily_values("site_visitors", QUARTER_START, AS_OF)}
        total = store.window_total("site_visitors", QUARTER_START, AS_OF)
    assert run.api_calls == summary.api_calls == len(log)
    expected_days = {
        QUARTER_START + timedelta(days=n): float(sum(row["visitors"] for row in sandbox.dataset.traffic.get(QUARTER_START + timedelta(days=n), {}).values()))
        for n in range((AS_OF - QUARTER_START).days + 1)
    }
    assert days == expected_days
    assert total.value == unique_visitors(sandbox.dataset, QUARTER_START, AS_OF)


def test_a_rejected_token_is_tried_once(prefect_harness, visitors_config: Path, sandbox, tmp_path):
    sandbox.faults.push(Fault(status=401, on=DAILY_TRAFFIC))
    try:
        with pytest.raises(SyncIncomplete) as caught:
            nightly_sync(str(visitors_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
        log = sandbox.call_log
    finally:
        sandbox.faults.clear()
    summary = caught.value.summary
    failed = {outcome.metric: outcome.error for outcome in summary.failed}
    assert "site_visitors" in failed and "HTTP 401" in failed["site_visitors"]
    # Neither the client nor the task sent it again; the portal's other reads stopped at the refusal.
    assert statuses_on(log, DAILY_TRAFFIC) == [401]
    assert task_attempts(summary.run_id, load_config(visitors_config).storage_url())["read-site_visitors"] == 1
    assert 401 not in [call.status for call in log if call.path != DAILY_TRAFFIC]
    assert summary.api_calls == len(log)
