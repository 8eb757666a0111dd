"""Which window of each metric a sync has to fetch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from okrmodel.config import Config, MetricNature
from okrmodel.periods import Window, WindowKind, window_for

__all__ = ["fetch_windows", "incremental_window", "incremental_windows"]

StoredDays = Callable[[str, date, date], set[date]]
"""``(metric, first_day, last_day) -> days stored``, such as ``Store.stored_days``."""


def fetch_windows(config: Config, as_of: date, *, today: date) -> dict[str, Window]:
    """For each metric, the smallest window covering every KR that reads it as of ``as_of``.

    Flow metrics always cover the period to date, so reports can draw the
    quarter's trend even for a metric no KR reads yet; a ``last_30_days`` KR
    early in a quarter stretches the window back into the previous one.
    Snapshot metrics are read once, for ``as_of``, and only when ``as_of`` is
    ``today`` or later (today in the config's zone): a source can count what
    is in a stage now, not what was there on a past day, so a sync as of a past
    day leaves them out instead of storing today's count under that day.
    """
    period, zone = config.current_period(as_of), config.zone
    windows: dict[str, Window] = {}
    for name, metric in config.metrics.items():
        if metric.nature is MetricNature.SNAPSHOT:
            if as_of >= today:
                windows[name] = window_for(WindowKind.LATEST, period, as_of, zone)
        else:
            windows[name] = window_for(WindowKind.PERIOD, period, as_of, zone)
    for objective in config.objectives:
        for key_result in objective.key_results:
            if key_result.metric is None or key_result.metric not in windows:
                continue
            kind = config.window_kind(key_result)
            if kind is not WindowKind.LATEST:
                windows[key_result.metric] = windows[key_result.metric].union(window_for(kind, period, as_of, zone))
    return windows


def incremental_window(window: Window, stored: set[date], as_of: date, look_back_days: int) -> Window | None:
    """The part of ``window`` a night must read again, or None when every day of it is final.

    A day is final once it is stored and more than ``look_back_days`` before
    ``as_of`` (HubSpot's search index lags writes, so recent days can still
    grow). The result runs from the earliest day that is not final to the
    window's end: windows are contiguous, so a gap stored by no run (a failed
    night) is re-read together with everything after it. A first run, with
    nothing stored, reads the whole window.
    """
    settled_before = as_of - timedelta(days=look_back_days)
    for day in window.days():
        if day not in stored or day >= settled_before:
            return Window.from_days(day, window.last_day, window.start.tzinfo)  # type: ignore[arg-type]
    return None


def incremental_windows(config: Config, as_of: date, stored_days: StoredDays, *, today: date) -> dict[str, Window]:
    """``fetch_windows`` narrowed to the days not yet final (see ``incremental_window``), with
    each source's ``look_back_days``. Metrics with nothing left to read are left out; snapshots
    are read whenever ``fetch_windows`` plans them.

    A flow metric's window also covers the days still in flux, ``as_of - look_back_days``
    through ``as_of``, within the listed periods whichever period they belong to: on the
    first days of a quarter the last days of the previous one can still grow.
    """
    listed = config.periods
    windows: dict[str, Window] = {}
    for name, window in fetch_windows(config, as_of, today=today).items():
        metric = config.metrics[name]
        if metric.nature is MetricNature.SNAPSHOT:
            windows[name] = window
            continue
        look_back = getattr(config.sources.get(metric.source), "look_back_days", 0)
        in_flux_first = max(as_of - timedelta(days=look_back), listed[0].first_day)
        in_flux_last = min(as_of, listed[-1].last_day)
        if in_flux_first <= in_flux_last:
            window = window.union(Window.from_days(in_flux_first, in_flux_last, config.zone))
        narrowed = incremental_window(window, stored_days(name, window.first_day, window.last_day), as_of, look_back)
        if narrowed is not None:
            windows[name] = narrowed
    return windows
