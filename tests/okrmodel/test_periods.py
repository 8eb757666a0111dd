"""Periods and windows: half-open, cut at local midnight, as of the end of a day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors import parse_config
from okrmodel.fetch_plan import fetch_windows
from okrmodel.periods import Period, WindowKind, parse_period, quarter_of, window_for

BERLIN = ZoneInfo("Europe/Berlin")
Q4 = parse_period("2026-Q4")


def test_quarters_cover_whole_months():
    assert (Q4.first_day, Q4.last_day, Q4.days) == (date(2026, 10, 1), date(2026, 12, 31), 92)
    q1 = parse_period("2028-Q1")  # leap year
    assert (q1.first_day, q1.last_day, q1.days) == (date(2028, 1, 1), date(2028, 3, 31), 91)
    assert quarter_of(date(2026, 11, 27)) == Q4


@pytest.mark.parametrize("label", ["2026-Q0", "2026-Q5", "Q4-2026", "2026", ""])
def test_bad_period_labels(label):
    with pytest.raises(ValueError, match="is not a quarter"):
        parse_period(label)


def test_elapsed_share_counts_the_as_of_day_as_passed():
    assert Q4.elapsed_share(date(2026, 9, 30)) == 0.0
    assert Q4.elapsed_share(date(2026, 10, 1)) == pytest.approx(1 / 92)
    assert Q4.elapsed_share(date(2026, 11, 15)) == pytest.approx(46 / 92)
    assert Q4.elapsed_share(date(2026, 12, 31)) == 1.0
    assert Q4.elapsed_share(date(2027, 2, 1)) == 1.0


def test_period_window_runs_from_period_start_through_the_as_of_day():
    window = window_for(WindowKind.PERIOD, Q4, date(2026, 11, 15), BERLIN)
    assert window.start == datetime(2026, 10, 1, tzinfo=BERLIN)
    assert window.end == datetime(2026, 11, 16, tzinfo=BERLIN)
    assert (window.first_day, window.last_day, len(window.days())) == (date(2026, 10, 1), date(2026, 11, 15), 46)
    # Berlin is UTC+2 on Oct 1 and UTC+1 after Oct 25: the cuts follow local midnight.
    assert window.start.utcoffset() == timedelta(hours=2)
    assert window.end.utcoffset() == timedelta(hours=1)


def test_period_window_stops_at_period_end():
    window = window_for(WindowKind.PERIOD, Q4, date(2027, 1, 10), BERLIN)
    assert window.last_day == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("kind", "first_day"),
    [
        (WindowKind.MONTH, date(2026, 12, 1)),
        (WindowKind.LAST_30_DAYS, date(2026, 12, 2)),
        (WindowKind.LATEST, date(2026, 12, 31)),
    ],
)
def test_every_window_stops_at_period_end(kind, first_day):
    # As of Jan 20 a Q4 KR is scored on its quarter's last month/30 days/day, never on January.
    window = window_for(kind, Q4, date(2027, 1, 20), BERLIN)
    assert (window.first_day, window.last_day) == (first_day, date(2026, 12, 31))


def test_windows_stop_at_a_key_results_own_due_day():
    own = Period(label="2026-Q4", first_day=date(2026, 10, 15), last_day=date(2026, 11, 20))
    month = window_for(WindowKind.MONTH, own, date(2026, 12, 5), BERLIN)
    assert (month.first_day, month.last_day) == (date(2026, 11, 1), date(2026, 11, 20))
    assert window_for(WindowKind.LAST_30_DAYS, own, date(2026, 12, 5), BERLIN).last_day == date(2026, 11, 20)
    # A month window starts no earlier than the KR's own start.
    assert window_for(WindowKind.MONTH, own, date(2026, 10, 20), BERLIN).first_day == date(2026, 10, 15)


def test_month_window():
    window = window_for(WindowKind.MONTH, Q4, date(2026, 11, 15), BERLIN)
    assert (window.first_day, window.last_day) == (date(2026, 11, 1), date(2026, 11, 15))


def test_last_30_days_reaches_back_into_the_previous_quarter():
    window = window_for(WindowKind.LAST_30_DAYS, Q4, date(2026, 10, 10), BERLIN)
    assert (window.first_day, window.last_day, len(window.days())) == (date(2026, 9, 11), date(2026, 10, 10), 30)


def test_latest_window_is_the_as_of_day():
    window = window_for(WindowKind.LATEST, Q4, date(2026, 11, 15), BERLIN)
    assert window.days() == [date(2026, 11, 15)]


def test_as_of_before_the_period_is_refused():
    with pytest.raises(ValueError, match="before period 2026-Q4 starts"):
        window_for(WindowKind.PERIOD, Q4, date(2026, 9, 30), BERLIN)


def test_windows_are_half_open_so_adjacent_days_never_overlap():
    first = window_for(WindowKind.LATEST, Q4, date(2026, 10, 25), BERLIN)  # DST ends: a 25-hour day
    second = window_for(WindowKind.LATEST, Q4, date(2026, 10, 26), BERLIN)
    assert first.end == second.start
    # Aware datetimes in one zone subtract as wall time; the epochs sent to sources must not.
    assert first.end.timestamp() - first.start.timestamp() == timedelta(hours=25).total_seconds()


def test_fetch_plan_covers_every_kr_window():
    config = parse_config(
        """
company: Acme
timezone: Europe/Berlin
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
  unused: {source: hubspot, kind: contacts_created}
  pool: {source: hubspot, kind: contacts_in_stage, stage: lead}
objectives:
  - id: o
    title: Grow demand
    key_results:
      - {id: a, title: Monthly MQLs, metric: mqls, window: last_30_days, target: 30}
      - {id: b, title: Pool, metric: pool, target: 30}
"""
    )
    windows = fetch_windows(config, date(2026, 10, 10), today=date(2026, 10, 10))
    assert (windows["mqls"].first_day, windows["mqls"].last_day) == (date(2026, 9, 11), date(2026, 10, 10))
    assert (windows["unused"].first_day, windows["unused"].last_day) == (date(2026, 10, 1), date(2026, 10, 10))
    assert windows["pool"].days() == [date(2026, 10, 10)]
