"""How a key result turns a metric's daily values over its window into one actual.

``sum`` adds flows up (MQLs this quarter), ``latest`` takes the newest
snapshot (contacts in a stage now), ``average`` is a rate: per day, or per
month for targets such as "average 4,000 organic sessions a month".
``total`` is a unique count over the whole window as the source counts it
(visitors this quarter): no sum of days, since a visitor back on ten days is
one visitor; it is read as one figure per window (``okrmodel.window_totals``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Protocol

__all__ = ["DAYS_PER_MONTH", "Aggregation", "AveragePer", "DatedValue", "aggregate", "missing_days"]

DAYS_PER_MONTH = 365.25 / 12
"""A month for per-month averages: partial months are pro-rated, so a 45-day
window with 6,000 sessions averages 6,000 / 45 x 30.44 = 4,058 a month."""


class Aggregation(StrEnum):
    SUM = "sum"
    LATEST = "latest"
    AVERAGE = "average"
    TOTAL = "total"


class AveragePer(StrEnum):
    DAY = "day"
    MONTH = "month"


class DatedValue(Protocol):
    """A metric's value for one day (``DailyValue`` from storage satisfies it)."""

    @property
    def day(self) -> date: ...

    @property
    def value(self) -> float: ...


def missing_days(values: Sequence[DatedValue], first_day: date, last_day: date) -> int:
    """How many days of ``first_day..last_day`` have no value."""
    present = {value.day for value in values if first_day <= value.day <= last_day}
    return (last_day - first_day).days + 1 - len(present)


def aggregate(
    values: Sequence[DatedValue],
    aggregation: Aggregation,
    first_day: date,
    last_day: date,
    *,
    every_day_required: bool = True,
    per: AveragePer = AveragePer.DAY,
) -> float | None:
    """The actual over ``first_day..last_day`` inclusive, or None when it cannot be known.

    ``sum`` and ``average`` of a flow need every day of the window
    (``every_day_required``): a partial sum would pass for a real, too-low
    actual. Snapshot averages (``every_day_required=False``) take the mean of
    the days that were observed, since snapshots exist only for synced days.
    ``latest`` is the newest value given, whatever its day.
    """
    in_window = sorted((value for value in values if first_day <= value.day <= last_day), key=lambda value: value.day)
    if aggregation is Aggregation.LATEST:
        newest = max(values, key=lambda value: value.day, default=None)
        return newest.value if newest is not None else None
    if not in_window or (every_day_required and missing_days(in_window, first_day, last_day)):
        return None
    total = sum(value.value for value in in_window)
    if aggregation is Aggregation.SUM:
        return total
    per_day = total / len(in_window)
    return per_day * DAYS_PER_MONTH if per is AveragePer.MONTH else per_day
