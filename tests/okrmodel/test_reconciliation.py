"""Halving a window down to the days whose stored values disagree with the source's totals.

The source here is a dict of true daily values; its total over a window is their plain sum,
and every call to it is counted.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrmodel.periods import Window
from okrmodel.reconciliation import SMALL_RANGE_DAYS, differing_ranges, first_parts

ZONE = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 1, 1)


class Source:
    """True daily values; ``total`` counts how often it is asked."""

    def __init__(self, values: dict[date, float]):
        self.values, self.calls = values, 0

    def total(self, window: Window) -> float:
        self.calls += 1
        return sum(self.values.get(day, 0.0) for day in window.days())


def days_window(count: int) -> Window:
    return Window.from_days(FIRST, FIRST + timedelta(days=count - 1), ZONE)


def test_halves_cut_at_local_midnight_with_the_extra_day_last() -> None:
    # 29 Mar 2026 is 23 hours long in Berlin: the cut is still at a local midnight.
    window = Window.from_days(date(2026, 3, 27), date(2026, 3, 31), ZONE)
    first, second = window.halves()
    assert (first.first_day, first.last_day, second.first_day, second.last_day) == (date(2026, 3, 27), date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 31))
    assert first.end == second.start and second.start.hour == 0
    with pytest.raises(ValueError, match="no halves"):
        Window.from_days(FIRST, FIRST, ZONE).halves()


def test_a_window_that_agrees_costs_one_total() -> None:
    window = days_window(92)
    truth = {day: float(day.day) for day in window.days()}
    source = Source(truth)
    assert differing_ranges(window, dict(truth), source.total) == []
    assert source.calls == 1


@pytest.mark.parametrize("changed_index", [0, 100, 255])
def test_one_changed_day_in_a_long_window_is_found_in_log_n_totals(changed_index: int) -> None:
    window = days_window(256)
    stored = {day: 3.0 for day in window.days()}
    changed = FIRST + timedelta(days=changed_index)
    source = Source({**stored, changed: 1.0})  # two of that day's records were archived

    assert differing_ranges(window, stored, source.total, small_days=1) == [Window.from_days(changed, changed, ZONE)]
    assert source.calls == 1 + 8  # the window, then one total per halving: 256 = 2^8 days down to one

    source.calls = 0
    [found] = differing_ranges(window, stored, source.total)
    assert found.first_day <= changed <= found.last_day and len(found.days()) <= SMALL_RANGE_DAYS
    assert source.calls == 1 + 6  # down to 4 days (256 / 2^6), the first size of a week or less


def test_changes_on_every_day_stop_the_halving_early_and_read_the_window_once() -> None:
    window = days_window(64)
    stored = {day: 10.0 for day in window.days()}
    source = Source({day: 9.0 for day in window.days()})  # a clean-up archived a record of every day
    assert differing_ranges(window, stored, source.total) == [window]
    assert source.calls == 1 + 1 + 2  # 1, 2, then 4 ranges disagree; halving those would examine 8


def test_a_day_never_stored_counts_as_zero_and_is_found() -> None:
    window = days_window(16)
    truth = {day: 1.0 for day in window.days()}
    stored = {day: 1.0 for day in window.days() if day != FIRST + timedelta(days=9)}
    source = Source(truth)
    assert differing_ranges(window, stored, source.total, small_days=1) == [Window.from_days(FIRST + timedelta(days=9), FIRST + timedelta(days=9), ZONE)]


def test_a_short_window_that_disagrees_is_returned_whole() -> None:
    window = days_window(5)
    source = Source({FIRST: 2.0})
    assert differing_ranges(window, {FIRST: 3.0}, source.total) == [window]
    assert source.calls == 1


def test_sums_of_amounts_agree_despite_float_rounding() -> None:
    window = days_window(30)
    stored = {day: 0.1 for day in window.days()}
    source = Source({})
    assert differing_ranges(window, stored, lambda _: 3.0000000000000004) == []
    assert differing_ranges(window, stored, source.total)  # but 3 against 0 is a difference


@given(
    length=st.integers(min_value=1, max_value=120),
    removed=st.dictionaries(st.integers(min_value=0, max_value=119), st.integers(min_value=1, max_value=5), max_size=12),
    small_days=st.integers(min_value=1, max_value=10),
)
def test_every_day_that_lost_records_is_in_a_returned_range_and_every_range_lost_some(length: int, removed: dict[int, int], small_days: int) -> None:
    # Archiving only ever removes records, so differences never cancel out within a half.
    window = days_window(length)
    stored = {day: 5.0 for day in window.days()}
    truth = dict(stored)
    for index, count in removed.items():
        if index < length:
            truth[FIRST + timedelta(days=index)] -= count
    ranges = differing_ranges(window, stored, Source(truth).total, small_days=small_days)

    changed = {day for day in window.days() if truth[day] != stored[day]}
    covered = {day for part in ranges for day in part.days()}
    assert changed <= covered
    assert all(any(truth[day] != stored[day] for day in part.days()) for part in ranges)
    assert all(earlier.end < later.start for earlier, later in zip(ranges, ranges[1:])), "oldest first, adjacent ones joined"


def test_adjacent_ranges_are_joined_into_one_read() -> None:
    window = days_window(32)
    stored = {day: 2.0 for day in window.days()}
    truth = {**stored, FIRST + timedelta(days=3): 1.0, FIRST + timedelta(days=4): 1.0, FIRST + timedelta(days=20): 0.0}
    source = Source(truth)
    # Day 3 is in the range of days 0-3, day 4 in days 4-7: one read of days 0-7; day 20 in days 20-23.
    assert differing_ranges(window, stored, source.total, small_days=4) == [
        Window.from_days(FIRST, FIRST + timedelta(days=7), ZONE), Window.from_days(FIRST + timedelta(days=20), FIRST + timedelta(days=23), ZONE)
    ]
    assert source.calls == 1 + 1 + 2 + 2  # the window; its halves; both halves halved; days 0-7 and 16-23 halved


def test_with_a_cap_on_exact_totals_the_window_is_first_cut_into_parts_under_it() -> None:
    # HubSpot's total is exact only under 10,000: a quarter of 3,000 a day is counted in parts of
    # at most 8,000 stored records (two days each), one total per part, never a split total.
    window = days_window(90)
    stored = {day: 3_000.0 for day in window.days()}
    source = Source(dict(stored))
    asked: list[Window] = []

    def total(part: Window) -> float:
        asked.append(part)
        return source.total(part)

    assert differing_ranges(window, stored, total, largest_total=10_000) == []
    assert source.calls == 45 and all(len(part.days()) == 2 for part in asked)
    assert [part.first_day for part in asked] == window.days()[::2]


def test_a_change_under_a_cap_is_halved_within_its_part_only() -> None:
    window = days_window(64)
    stored = {day: 500.0 for day in window.days()}  # 16 days per part of at most 8,000
    changed = FIRST + timedelta(days=40)
    source = Source({**stored, changed: 499.0})
    [found] = differing_ranges(window, stored, source.total, largest_total=10_000, small_days=1)
    assert found == Window.from_days(changed, changed, ZONE)
    assert source.calls == 4 + 4  # the four parts, then 16 days halved down to one


def test_a_day_over_the_cap_is_a_part_of_its_own() -> None:
    window = days_window(5)
    stored = {day: value for day, value in zip(window.days(), [10.0, 9_000.0, 20_000.0, 5.0, 7.0], strict=True)}
    parts = first_parts(window, stored, 8_000)
    assert [(part.first_day.day, part.last_day.day) for part in parts] == [(1, 1), (2, 2), (3, 3), (4, 5)]
