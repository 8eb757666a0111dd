"""Which window of each metric a sync has to fetch."""

from __future__ import annotations

from datetime import date

from okrmodel.config import Config, MetricNature
from okrmodel.periods import Window, WindowKind, window_for

__all__ = ["fetch_windows"]


def fetch_windows(config: Config, as_of: date) -> dict[str, Window]:
    """For each metric, the smallest window covering every KR that reads it as of ``as_of``.

    Flow metrics always cover the period to date, so reports can draw the
    quarter's trend even for a metric no KR reads yet; a ``last_30_days`` KR
    early in a quarter stretches the window back into the previous one.
    Snapshot metrics are read once, for ``as_of``.
    """
    period, zone = config.planning_period, config.zone
    windows: dict[str, Window] = {}
    for name, metric in config.metrics.items():
        if metric.nature is MetricNature.SNAPSHOT:
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
