"""Linear projections of a key result's end-of-period value ("projected 27 of 30").

Two shapes, chosen by how the KR aggregates: a running total (``sum``) is
projected at its mean daily rate so far; a level (a snapshot, a manual
check-in series) follows the least-squares line through its points. Rates
(``average``) project to themselves: a constant rate is the linear case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

__all__ = ["least_squares_line", "project_level", "project_total"]


def least_squares_line(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """``(slope, intercept)`` of the least-squares line, or None with fewer than two distinct x."""
    if len({x for x, _ in points}) < 2:
        return None
    count = len(points)
    mean_x = sum(x for x, _ in points) / count
    mean_y = sum(y for _, y in points) / count
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return slope, mean_y - slope * mean_x


def project_level(points: Sequence[tuple[date, float]], to_day: date) -> float | None:
    """Where a level (snapshot values, check-ins) is headed by ``to_day`` along its trend line.

    None with fewer than two distinct days: one point has no trend.
    """
    if not points:
        return None
    origin = min(day for day, _ in points)
    line = least_squares_line([((day - origin).days, value) for day, value in points])
    if line is None:
        return None
    slope, intercept = line
    return intercept + slope * (to_day - origin).days


def project_total(daily_values: Sequence[float], last_day: date, period_last_day: date, rolling_days: int | None = None) -> float | None:
    """A running total at the end of the period, assuming its mean daily rate so far holds.

    ``daily_values`` are the window's days through ``last_day``. A total over
    the whole period grows by the rate for each remaining day; a rolling
    window (``rolling_days``: 30, or the days of the period's last month)
    ends up at the rate times its length. None with fewer than two days.
    """
    if len(daily_values) < 2:
        return None
    rate = sum(daily_values) / len(daily_values)
    if rolling_days is not None:
        return rate * rolling_days
    remaining_days = max((period_last_day - last_day).days, 0)
    return sum(daily_values) + rate * remaining_days
