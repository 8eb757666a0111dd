"""Window totals in a sync, as plain functions: plan which to read, read them, store them.

A unique count (visitors, users) over a KR's window is read from its source as
one figure per metric and window (``Connector.read_total``), beside the metric's
daily values; ``okrmodel.window_totals`` says which windows, this module runs
the reads (in a sync, each window is its own task, retried when the source was
only busy: ``flows.retries``). A window that could not be read is said in one
line per window and makes the metric's outcome failed, so its KRs read stale
(or no data), never a sum of days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from connectors.base import WindowTotal
from connectors.errors import SourceError
from flows.pipeline import failure_message
from okrmodel.config import Config
from okrmodel.periods import Window
from okrmodel.storage import Store
from okrmodel.window_totals import totals_to_read

__all__ = ["TotalsReading", "closed_periods", "plan_window_totals", "read_window_totals", "save_window_totals"]


@dataclass(frozen=True)
class TotalsReading:
    """The totals read for one metric in a run, the calls they took, and the windows that failed."""

    metric: str
    totals: list[WindowTotal] = field(default_factory=list)
    api_calls: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        """Every failed window in one line, or None when all were read."""
        return "; ".join(self.errors) or None


def closed_periods(config: Config, store: Store) -> set[str]:
    """The listed periods ``okr close`` froze: their totals are final with their scores."""
    return {period.label for period in config.periods if store.frozen_scores(period.label)}


def plan_window_totals(config: Config, store: Store, as_of: date, *, full_refresh: bool = False) -> dict[str, list[Window]]:
    """Per metric, the window totals this sync reads (``okrmodel.window_totals.totals_to_read`` on the store)."""
    return totals_to_read(
        config, as_of, lambda metric, first_day, last_day: store.window_total(metric, first_day, last_day) is not None,
        closed_periods=closed_periods(config, store), full_refresh=full_refresh,
    )


def read_window_totals(config: Config, name: str, windows: list[Window], read: Callable[[Window], WindowTotal]) -> TotalsReading:
    """Metric ``name``'s total over each of ``windows``, as ``read(window)`` gives it (in a sync, the
    window's task); a window that fails is worded (located, for a mapping) and the others are still read,
    the requests it sent counted all the same. Never raises: the daily values must not depend on it."""
    totals, errors, calls = [], [], 0
    for window in windows:
        try:
            total = read(window)
        except Exception as error:  # one window's failure is said and the others still read
            errors.append(f"total of {window.first_day} to {window.last_day} not read: {failure_message(config, error)}")
            calls += error.api_calls if isinstance(error, SourceError) else 0
            continue
        totals.append(total)
        calls += total.api_calls
    return TotalsReading(name, totals, calls, errors)


def save_window_totals(store: Store, run_id: str, source: str, reading: TotalsReading) -> int:
    """Store each total read (a revision only when it changed); return how many revisions were added."""
    return sum(
        store.save_window_total(run_id, reading.metric, source, total.window.first_day, total.window.last_day, total.value)
        for total in reading.totals
    )
