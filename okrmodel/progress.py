"""Key-result math: progress, expected pace and status.

Plain functions over numbers, so the rules are easy to test at their edges.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Status", "StatusThresholds", "progress", "status_for", "worst_status"]


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    DONE = "done"
    NO_DATA = "no_data"


# Worst first: an objective is as healthy as its weakest key result.
_SEVERITY = [Status.OFF_TRACK, Status.AT_RISK, Status.ON_TRACK, Status.DONE]


@dataclass(frozen=True)
class StatusThresholds:
    """Progress as a share of expected pace at or above which a KR is on track / at risk."""

    on_track: float = 0.9
    at_risk: float = 0.7


def progress(actual: float, baseline: float, target: float) -> float:
    """``(actual - baseline) / (target - baseline)``, unclamped: 1.4 means 40 % beyond target.

    Works for decreasing targets too (baseline 120, target 90). When baseline
    equals target there is no distance to travel: reaching it is 1, else 0.
    """
    if target == baseline:
        return 1.0 if actual >= target else 0.0
    return (actual - baseline) / (target - baseline)


def status_for(actual_progress: float | None, expected: float, thresholds: StatusThresholds = StatusThresholds()) -> Status:
    """Status from how far progress is behind the expected pace.

    ``done`` once the target is reached; otherwise on track when progress is
    at least ``thresholds.on_track`` x expected, at risk when at least
    ``thresholds.at_risk`` x expected, else off track.
    """
    if actual_progress is None:
        return Status.NO_DATA
    if actual_progress >= 1.0:
        return Status.DONE
    clamped = max(actual_progress, 0.0)
    if clamped >= thresholds.on_track * expected:
        return Status.ON_TRACK
    if clamped >= thresholds.at_risk * expected:
        return Status.AT_RISK
    return Status.OFF_TRACK


def worst_status(statuses: list[Status]) -> Status:
    """The weakest status among those with data; ``no_data`` when none has any."""
    measured = [status for status in statuses if status is not Status.NO_DATA]
    if not measured:
        return Status.NO_DATA
    return min(measured, key=_SEVERITY.index)
