"""Unique counts over a key result's window: which totals a sync reads, and which stored total a KR shows.

A unique count (visitors, users) over a window is not the sum of its days: a
visitor back on ten days is one visitor of the quarter and ten of its days.
So a KR on such a metric (``aggregation: total``, its default) is measured by
the source's own figure over the KR's window, read as one total per metric and
window and stored as its own observation; the daily values stay for trends.

The windows are the ones evaluation measures the KRs over: ``window_for`` of
the KR's window kind within its own span (``start``..``due`` in its period).
A period-to-date window ends on the as-of day, so each night asks for a new
window; a window that ended more than the source's ``look_back_days`` before the
as-of day and is stored is final and not read again, and a closed period's
windows never are (their results are frozen with the period).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from okrmodel.aggregation import Aggregation
from okrmodel.config import Config, KeyResult
from okrmodel.periods import Period, Window, WindowKind, window_for

__all__ = [
    "StoredTotal",
    "TotalMeasurement",
    "key_result_span",
    "pick_window_total",
    "total_windows",
    "totals_to_read",
]

HasTotal = Callable[[str, date, date], bool]
"""``(metric, first_day, last_day) -> whether a total is stored for that window``."""


def key_result_span(period: Period, key_result: KeyResult) -> Period:
    """The KR's own span: its ``start``/``due`` within the period, else the whole period."""
    return Period(label=period.label, first_day=key_result.start or period.first_day, last_day=key_result.due or period.last_day)


def total_windows(config: Config, as_of: date, *, closed_periods: Collection[str] = ()) -> dict[str, list[Window]]:
    """Per metric, every distinct window some KR measures by its total as of ``as_of``, in file order.

    Every listed period that has started and is not closed counts, not only the current one:
    on the first days of a quarter the last one's windows may still change (look-back), and
    ``okr close`` scores them.
    """
    windows: dict[str, list[Window]] = {}
    for period in config.periods:
        if period.label in closed_periods or as_of < period.first_day:
            continue
        for objective in config.objectives:
            for key_result in config.key_results_in(objective, period):
                if key_result.metric not in config.metrics or config.aggregation(key_result) is not Aggregation.TOTAL:
                    continue
                span = key_result_span(period, key_result)
                if as_of < span.first_day:
                    continue
                window = window_for(config.window_kind(key_result), span, as_of, config.zone)
                known = windows.setdefault(key_result.metric, [])
                if window not in known:
                    known.append(window)
    return windows


def totals_to_read(
    config: Config, as_of: date, has_total: HasTotal, *, closed_periods: Collection[str] = (), full_refresh: bool = False
) -> dict[str, list[Window]]:
    """``total_windows`` without the final ones: stored, and ended more than the source's
    ``look_back_days`` before ``as_of`` (a source may still revise the days in between).
    ``full_refresh`` reads them all again."""
    plan: dict[str, list[Window]] = {}
    for name, windows in total_windows(config, as_of, closed_periods=closed_periods).items():
        look_back = getattr(config.sources.get(config.metrics[name].source), "look_back_days", 0)
        settled_before = as_of - timedelta(days=look_back)
        wanted = [
            window for window in windows
            if full_refresh or window.last_day >= settled_before or not has_total(name, window.first_day, window.last_day)
        ]
        if wanted:
            plan[name] = wanted
    return plan


class StoredTotal(Protocol):
    """A stored window total (``okrmodel.storage.WindowTotalValue`` satisfies it)."""

    @property
    def first_day(self) -> date: ...

    @property
    def last_day(self) -> date: ...

    @property
    def value(self) -> float: ...

    @property
    def fetched_at(self) -> datetime: ...


@dataclass(frozen=True)
class TotalMeasurement:
    """The total a KR shows for its window, and the comparable totals before it (its course)."""

    total: StoredTotal | None
    """The window's own total, or the newest one of the same shape ending earlier (then older
    than the window: its last day says through when); None when none is stored."""
    course: tuple[tuple[date, float], ...]
    """``(last day, total)`` of every comparable window up to the KR's, oldest first; a window with
    a fixed first day starts from 0 the day before it (an empty window counts no one)."""


def pick_window_total(kind: WindowKind, window_first: date, window_last: date, totals: Sequence[StoredTotal]) -> TotalMeasurement:
    """Pick, among stored ``totals``, the one that stands for the KR's window ``window_first..window_last``.

    Comparable windows have the KR's window's shape: the same first day (period, month, a KR's
    own start), or for ``last_30_days`` the same length, and end on or before its last day.
    """
    length = (window_last - window_first).days

    def comparable(total: StoredTotal) -> bool:
        same_shape = (total.last_day - total.first_day).days == length if kind is WindowKind.LAST_30_DAYS else total.first_day == window_first
        return same_shape and total.last_day <= window_last

    matching = sorted((total for total in totals if comparable(total)), key=lambda total: total.last_day)
    course = [(total.last_day, total.value) for total in matching]
    if kind is not WindowKind.LAST_30_DAYS:
        course.insert(0, (window_first - timedelta(days=1), 0.0))
    return TotalMeasurement(total=matching[-1] if matching else None, course=tuple(course) if matching else ())
