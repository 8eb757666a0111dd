"""Unique counts over a KR's window: which totals a sync reads, and which figure the KR shows.

Evaluation runs over a real SQLite store. The stored daily visitors add up to
more than the window's total on purpose: the KR must show the total.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors import parse_config
from okrmodel.aggregation import Aggregation
from okrmodel.briefing import build_report_data
from okrmodel.closing import close_period
from okrmodel.evaluation import evaluate
from okrmodel.periods import Window
from okrmodel.progress import Status
from okrmodel.storage import Store
from okrmodel.window_totals import total_windows, totals_to_read

ZONE = ZoneInfo("UTC")
AS_OF = date(2026, 11, 15)
QUARTER_START = date(2026, 10, 1)

CONFIG_TEXT = """
company: Acme
timezone: UTC
period: {period}
sources:
  plausible: {{type: plausible, site_id: acme.example, look_back_days: 1}}
metrics:
  visitors: {{source: plausible, kind: plausible_metric, metric: visitors}}
  pageviews: {{source: plausible, kind: plausible_metric, metric: pageviews}}
objectives:
  - id: traffic
    title: Increase website traffic
    key_results:
      - {{id: quarter-visitors, title: Grow unique visitors to 5000 this quarter, metric: visitors, target: 5000, unit: visitors{q4}}}
      - {{id: monthly-visitors, title: 2000 visitors a month, metric: visitors, window: month, target: 2000, unit: visitors{q4}}}
      - {{id: rolling-visitors, title: 2000 visitors in 30 days, metric: visitors, window: last_30_days, target: 2000, unit: visitors{q4}}}
      - {{id: campaign-visitors, title: 1500 visitors during the campaign, metric: visitors, start: 2026-11-01, due: 2026-11-10, target: 1500{q4}}}
      - {{id: daily-visitors, title: 100 visitors a day, metric: visitors, aggregation: average, target: 100, unit: visitors{q4}}}
      - {{id: views, title: 20000 page views, metric: pageviews, target: 20000{q4}}}
      - {{id: late-visitors, title: December visitors, metric: visitors, start: 2026-12-01, target: 900{q4}}}
      - {{id: stretch-visitors, title: Stretch to 8000 visitors, metric: visitors, target: 8000{q4}}}
"""
CONFIG = parse_config(CONFIG_TEXT.format(period="2026-Q4", q4=""))


def window(first: date, last: date) -> Window:
    return Window.from_days(first, last, ZONE)


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as opened:
        yield opened


def fill_days(store: Store, first: date, last: date, per_day: float) -> None:
    run = store.start_run(last)
    store.save_observations(run, "visitors", "plausible", {first + timedelta(days=n): per_day for n in range((last - first).days + 1)})


def save_total(store: Store, first: date, last: date, value: float) -> None:
    store.save_window_total(store.start_run(last), "visitors", "plausible", first, last, value)


def key_results(store: Store, as_of: date = AS_OF, config=CONFIG):
    report = evaluate(config, store, as_of)
    return {kr.id: kr for kr in report.objectives[0].key_results}


# --- the plan ----------------------------------------------------------------


def test_every_open_window_a_kr_measures_by_its_total_is_planned_once():
    assert total_windows(CONFIG, AS_OF) == {
        "visitors": [
            window(QUARTER_START, AS_OF),  # the period, for two KRs; the daily average needs no total, December has not begun
            window(date(2026, 11, 1), AS_OF),  # the month
            window(date(2026, 10, 17), AS_OF),  # the last 30 days
            window(date(2026, 11, 1), date(2026, 11, 10)),  # the KR's own start..due, ended
        ],
    }
    assert "pageviews" not in total_windows(CONFIG, AS_OF)  # page views add up over days
    assert CONFIG.aggregation(CONFIG.objectives[0].key_results[4]) is Aggregation.AVERAGE


def test_a_night_reads_open_windows_and_skips_stored_final_ones():
    stored = {("visitors", date(2026, 11, 1), date(2026, 11, 10)), ("visitors", QUARTER_START, AS_OF)}
    has_total = lambda metric, first, last: (metric, first, last) in stored  # noqa: E731
    planned = totals_to_read(CONFIG, AS_OF, has_total)["visitors"]
    # The campaign ended five days ago, beyond the one look-back day: final. Today's windows may still grow.
    assert window(date(2026, 11, 1), date(2026, 11, 10)) not in planned
    assert window(QUARTER_START, AS_OF) in planned and len(planned) == 3
    assert len(totals_to_read(CONFIG, AS_OF, has_total, full_refresh=True)["visitors"]) == 4
    # The day after it ended, the campaign's window is still within the look-back: read again.
    assert window(date(2026, 11, 1), date(2026, 11, 10)) in totals_to_read(CONFIG, date(2026, 11, 11), has_total)["visitors"]


def test_a_closed_periods_windows_are_frozen_and_an_earlier_open_one_still_read():
    two = parse_config(CONFIG_TEXT.format(period="[2026-Q3, 2026-Q4]", q4=", period: 2026-Q4").replace(
        "    key_results:\n", "    key_results:\n      - {id: q3-visitors, title: Q3 visitors, metric: visitors, target: 4000, period: 2026-Q3}\n"
    ))
    early_q4 = date(2026, 10, 2)
    nothing_stored = lambda metric, first, last: False  # noqa: E731
    assert window(date(2026, 7, 1), date(2026, 9, 30)) in totals_to_read(two, early_q4, nothing_stored)["visitors"]
    assert window(date(2026, 7, 1), date(2026, 9, 30)) not in totals_to_read(two, early_q4, nothing_stored, closed_periods={"2026-Q3"})["visitors"]


# --- what the KR shows ---------------------------------------------------------


def test_the_kr_shows_the_windows_total_not_the_sum_of_its_days(store):
    fill_days(store, QUARTER_START, AS_OF, 100)  # 46 days of 100: a sum of 4,600
    save_total(store, QUARTER_START, AS_OF - timedelta(days=7), 1900)
    save_total(store, QUARTER_START, AS_OF, 2300)
    save_total(store, date(2026, 11, 1), AS_OF, 900)
    krs = key_results(store)
    quarter = krs["quarter-visitors"]
    assert (quarter.actual, quarter.aggregation, quarter.unique_units, quarter.status) == (2300, Aggregation.TOTAL, "visitors", Status.ON_TRACK)
    assert (quarter.window_first_day, quarter.window_last_day, quarter.stale) == (QUARTER_START, AS_OF, False)
    assert quarter.progress == pytest.approx(2300 / 5000)
    # The forecast follows the totals night by night (0 the day before the window, 1,900, 2,300), not the days' rate.
    assert quarter.forecast is not None and quarter.forecast < 4600 / 46 * 92
    assert krs["monthly-visitors"].actual == 900
    assert krs["daily-visitors"].actual == 100  # the daily average: the days themselves
    assert krs["daily-visitors"].unique_units == "visitors" and krs["daily-visitors"].aggregation is Aggregation.AVERAGE


def test_without_its_windows_total_the_kr_never_falls_back_to_the_days(store):
    fill_days(store, QUARTER_START, AS_OF, 100)
    quarter = key_results(store)["quarter-visitors"]
    assert (quarter.actual, quarter.status) == (None, Status.NO_DATA)
    assert quarter.status_reason.startswith("no total of visitors over this window read yet")
    assert quarter.automated_actual is None


def test_an_older_total_stands_in_as_data_through_its_last_day_and_turns_stale(store):
    fill_days(store, QUARTER_START, AS_OF, 100)
    save_total(store, QUARTER_START, AS_OF - timedelta(days=1), 2250)
    yesterday = key_results(store)["quarter-visitors"]
    assert (yesterday.actual, yesterday.stale, yesterday.window_last_day) == (2250, False, AS_OF - timedelta(days=1))  # this morning, before tonight's sync
    save_total(store, date(2026, 10, 14), AS_OF - timedelta(days=3), 1500)
    rolling = key_results(store)["rolling-visitors"]
    assert (rolling.actual, rolling.stale, rolling.status) == (1500, True, Status.STALE)  # 30 days ending three days ago
    assert rolling.status_reason.startswith("newest total of visitors runs through")


def test_a_failed_total_fetch_makes_the_kr_stale_with_the_reason(store):
    fill_days(store, QUARTER_START, AS_OF, 100)
    save_total(store, QUARTER_START, AS_OF, 2300)
    run = store.start_run(AS_OF)
    store.record_fetch(run, "visitors", "plausible", status="failed", error="total of 2026-10-01 to 2026-11-15 not read: plausible: 503")
    quarter = key_results(store)["quarter-visitors"]
    assert (quarter.actual, quarter.status, quarter.last_known_status) == (2300, Status.STALE, Status.ON_TRACK)
    assert "the last sync failed (total of 2026-10-01 to 2026-11-15 not read" in quarter.status_reason


def test_closing_freezes_the_periods_totals(store):
    last_day = date(2026, 12, 31)
    fill_days(store, QUARTER_START, last_day, 100)
    save_total(store, QUARTER_START, last_day, 4800)
    report, frozen_now = close_period(CONFIG, store, "2026-Q4", "lee", as_of=date(2027, 1, 2), today=date(2027, 1, 2))
    assert frozen_now
    save_total(store, QUARTER_START, last_day, 4950)  # a late revision after closing
    quarter = key_results(store, last_day)["quarter-visitors"]
    assert (quarter.actual, quarter.frozen) == (4800, True)


def test_the_trend_is_the_daily_series_labelled_as_daily(store):
    fill_days(store, QUARTER_START, AS_OF, 100)
    save_total(store, QUARTER_START, AS_OF, 2300)
    trends = build_report_data(CONFIG, store, AS_OF).trends
    quarter = trends["quarter-visitors"]
    assert quarter.daily_counts and quarter.label.startswith("daily visitors")
    assert (quarter.pace, quarter.target, quarter.forecast) == ([], None, None)
    assert {value for _, value in quarter.points} == {100.0}
    assert trends["daily-visitors"].label == "average daily visitors since 1 Oct"
