"""Aggregation and forecast math on plain numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrmodel.aggregation import DAYS_PER_MONTH, Aggregation, AveragePer, aggregate, missing_days
from okrmodel.forecast import least_squares_line, project_level, project_total

D1 = date(2026, 10, 1)


@dataclass(frozen=True)
class Value:
    day: date
    value: float


def series(*values: float, start: date = D1) -> list[Value]:
    return [Value(start + timedelta(days=n), value) for n, value in enumerate(values)]


def test_sum_and_average_need_every_day_of_a_flow():
    days = series(1, 2, 3)
    assert aggregate(days, Aggregation.SUM, D1, D1 + timedelta(days=2)) == 6
    assert aggregate(days, Aggregation.AVERAGE, D1, D1 + timedelta(days=2)) == 2
    assert aggregate(days, Aggregation.AVERAGE, D1, D1 + timedelta(days=2), per=AveragePer.MONTH) == pytest.approx(2 * DAYS_PER_MONTH)
    assert aggregate(days, Aggregation.SUM, D1, D1 + timedelta(days=3)) is None  # a missing day is not a zero
    assert missing_days(days, D1, D1 + timedelta(days=3)) == 1


def test_snapshot_average_takes_the_days_observed_and_latest_the_newest():
    snapshots = [Value(D1, 100), Value(D1 + timedelta(days=10), 140)]
    assert aggregate(snapshots, Aggregation.AVERAGE, D1, D1 + timedelta(days=30), every_day_required=False) == 120
    assert aggregate(snapshots, Aggregation.LATEST, D1, D1 + timedelta(days=30)) == 140
    assert aggregate([], Aggregation.LATEST, D1, D1) is None


@given(
    slope=st.floats(min_value=-1e3, max_value=1e3),
    intercept=st.floats(min_value=-1e6, max_value=1e6),
    xs=st.lists(st.integers(min_value=0, max_value=365), min_size=2, max_size=30, unique=True),
)
def test_least_squares_recovers_an_exact_line(slope, intercept, xs):
    fitted_slope, fitted_intercept = least_squares_line([(x, intercept + slope * x) for x in xs])
    assert fitted_slope == pytest.approx(slope, abs=1e-6)
    assert fitted_intercept == pytest.approx(intercept, abs=1e-3)


def test_projections_need_two_points():
    assert least_squares_line([(1, 5), (1, 7)]) is None
    assert project_level([(D1, 5)], D1 + timedelta(days=10)) is None
    assert project_total([3.0], D1, D1 + timedelta(days=10)) is None


def test_totals_project_at_their_mean_daily_rate():
    last_day, period_end = D1 + timedelta(days=3), D1 + timedelta(days=9)
    assert project_total([1, 3, 2, 2], last_day, period_end) == 8 + 2 * 6
    assert project_total([1, 3, 2, 2], last_day, period_end, rolling_days=30) == 60
    assert project_level([(D1, 10), (D1 + timedelta(days=5), 20)], D1 + timedelta(days=10)) == pytest.approx(30)
