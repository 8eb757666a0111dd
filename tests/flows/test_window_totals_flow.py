"""Unique visitors end to end: the nightly flow reads each window's total from the sandbox, stores it, and
the KR and its report show that total, not the (larger) sum of the days.

Expected figures are counted person by person from the sandbox's records: each
day's first-time visitors, plus those who came back from a visit before the window.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors import load_config
from connectors.sandbox import Fault
from flows.cli import app
from flows.nightly import SyncIncomplete, nightly_sync
from okrmodel.evaluation import evaluate
from okrmodel.progress import Status
from okrmodel.storage import Store
from reports.formatting import format_number

AS_OF = date(2026, 11, 27)
QUARTER_START = date(2026, 10, 1)
TOTAL_PATH = "/analytics/v2/reports/totals/total"
TRAFFIC = """
  - id: traffic
    title: Increase website traffic
    owner: lee@acme.example
    key_results:
      - {id: unique-visitors, title: "Grow unique visitors to 30,000 this quarter", metric: site_visitors, target: 30000, unit: visitors}
      - {id: visitors-30d, title: "12,000 visitors in 30 days", metric: site_visitors, window: last_30_days, target: 12000, unit: visitors}
      - {id: daily-visitors, title: 500 visitors a day, metric: site_visitors, aggregation: average, target: 500, unit: visitors}
"""


@pytest.fixture
def traffic_config(demo_config: Path) -> Path:
    text = demo_config.read_text().replace("metrics:\n", "metrics:\n  site_visitors: {source: hubspot, kind: web_sessions, measure: visitors}\n", 1)
    demo_config.write_text(text.rstrip("\n") + "\n" + TRAFFIC)
    return demo_config


def people(dataset, first: date, last: date) -> int:
    count = 0
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for source, row in dataset.traffic.get(day, {}).items():
            back = dataset.returning.get(day, {}).get(source, {})
            count += row["visitors"] - sum(back.values())
            count += sum(number for gap, number in back.items() if day - timedelta(days=gap) < first)
    return count


def day_sum(dataset, first: date, last: date) -> int:
    return sum(row["visitors"] for day, rows in dataset.traffic.items() if first <= day <= last for row in rows.values())


def total_calls(sandbox) -> int:
    return sum(1 for _method, path in sandbox.calls if path == TOTAL_PATH)


def test_the_kr_shows_the_windows_total_read_once_per_window_each_night(prefect_harness, traffic_config: Path, sandbox, tmp_path):
    first_night = AS_OF - timedelta(days=1)
    nightly_sync(str(traffic_config), as_of=first_night, report_path=str(tmp_path / "first.html"), today=first_night)
    assert total_calls(sandbox) == 2  # the quarter to date, and the last 30 days

    sandbox.reset_calls()
    report_path = tmp_path / "report.html"
    summary = nightly_sync(str(traffic_config), as_of=AS_OF, report_path=str(report_path), today=AS_OF)

    assert summary.status == "succeeded"
    # An incremental night: the days in flux once, and each open window's total once.
    assert total_calls(sandbox) == 2
    [outcome] = [o for o in summary.metrics if o.metric == "site_visitors"]
    # The look-back days' report, one total per window, and (the source's first metric) the portal's id, asked
    # because the run shares the portal's limits on the session's Prefect server.
    assert outcome.api_calls == 1 + 2 + 1
    assert summary.api_calls == sandbox.call_count

    config = load_config(traffic_config)
    with Store(config.storage_url()) as store:
        krs = {kr.id: kr for objective in evaluate(config, store, AS_OF).objectives for kr in objective.key_results}
        daily = {value.day: value.value for value in store.daily_values("site_visitors", QUARTER_START, AS_OF)}
    quarter, rolling = krs["unique-visitors"], krs["visitors-30d"]
    expected = people(sandbox.dataset, QUARTER_START, AS_OF)
    assert quarter.actual == expected
    assert sum(daily.values()) == day_sum(sandbox.dataset, QUARTER_START, AS_OF) > expected, "the days must add up to more than the people"
    assert (quarter.status is not Status.STALE, quarter.window_last_day, quarter.source) == (True, AS_OF, "hubspot:site_visitors")
    assert rolling.actual == people(sandbox.dataset, AS_OF - timedelta(days=29), AS_OF)
    assert krs["daily-visitors"].actual == pytest.approx(sum(daily.values()) / len(daily))

    html = report_path.read_text()
    assert f"{format_number(expected)} of 30,000 visitors" in html
    assert "Window total" in html and "Average daily visitors" in html
    assert "Daily visitors, each day counted on its own" in html
    assert format_number(sum(daily.values())) not in html  # the sum of days is shown nowhere

    sandbox.reset_calls()
    again = nightly_sync(str(traffic_config), as_of=AS_OF, report_path=str(report_path), today=AS_OF)
    assert total_calls(sandbox) == 2  # still in flux: read again, and nothing new stored
    with Store(config.storage_url()) as store:
        assert store.window_total("site_visitors", QUARTER_START, AS_OF).revision == 1
    assert [o.status for o in again.metrics if o.metric == "site_visitors"] == ["succeeded"]


def test_a_total_that_cannot_be_read_fails_its_metric_and_the_kr_shows_no_sum(prefect_harness, traffic_config: Path, sandbox, tmp_path):
    sandbox.faults.push(Fault(status=400, on=TOTAL_PATH, times=2, message="Report unavailable."))
    with pytest.raises(SyncIncomplete) as caught:
        nightly_sync(str(traffic_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
    [outcome] = [o for o in caught.value.summary.metrics if o.metric == "site_visitors"]
    assert outcome.status == "failed" and outcome.values_added > 0  # the days are stored all the same
    assert outcome.error.startswith(f"total of {QUARTER_START} to {AS_OF} not read: hubspot: ")
    assert "Report unavailable." in outcome.error

    config = load_config(traffic_config)
    with Store(config.storage_url()) as store:
        krs = {kr.id: kr for objective in evaluate(config, store, AS_OF).objectives for kr in objective.key_results}
    quarter = krs["unique-visitors"]
    assert (quarter.actual, quarter.status) == (None, Status.NO_DATA)
    assert quarter.status_reason.startswith("not synced yet: the last sync failed (total of 2026-10-01 to 2026-11-27 not read")


def test_preview_says_which_figure_is_the_window_total_and_which_the_daily_series(traffic_config: Path, sandbox):
    runner = CliRunner()
    sandbox.reset_calls()
    result = runner.invoke(app, ["metrics", "preview", "site_visitors", "--as-of", AS_OF.isoformat(), "--json", "-c", str(traffic_config)])
    assert result.exit_code == 0, result.output
    preview = json.loads(result.stdout)
    expected = people(sandbox.dataset, QUARTER_START, AS_OF)
    assert (preview["value"], preview["value_is"], preview["adds_up_over_days"]) == (expected, "window_total", False)
    assert preview["daily_sum"] == sum(day["value"] for day in preview["daily"]) == day_sum(sandbox.dataset, QUARTER_START, AS_OF)
    assert preview["api_calls"] == sandbox.call_count == 2  # the days, and the window's total
    assert total_calls(sandbox) == 1

    text = runner.invoke(app, ["metrics", "preview", "site_visitors", "--as-of", AS_OF.isoformat(), "-c", str(traffic_config)])
    assert text.exit_code == 0, text.output
    lines = " ".join(text.stdout.split())
    assert f"period 2026-10-01 to {AS_OF}: {format_number(expected)} (window total, each counted once)" in lines
    assert "daily values (each day counted on its own)" in lines
    assert f"the daily values above sum to {format_number(preview['daily_sum'])}" in lines and "key results use the window total" in lines
