"""Key-result math: directions, progress, expected pace and status.

Plain functions over numbers, so the rules are easy to test at their edges.
Progress is kept raw (1.4 = 40 % beyond the target, -0.2 = moving the wrong
way) and clamped to 0..1 only where a share is needed: status, objective
roll-up and score.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Direction",
    "Status",
    "StatusThresholds",
    "clamp_progress",
    "infer_direction",
    "progress",
    "status_for",
    "worst_status",
]


class Status(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    DONE = "done"
    NO_DATA = "no_data"
    STALE = "stale"
    """Data exists, but the newest is older than the metric's freshness allows."""


class Direction(StrEnum):
    """Which way a key result's value has to move, or hold.

    ``increase``/``decrease`` travel from baseline to target; ``stay_above``
    and ``stay_below`` name a threshold (the target) that must hold all
    period; ``milestone`` is done or not done (an actual at or above the
    target, 1 by default, means done).
    """

    INCREASE = "increase"
    DECREASE = "decrease"
    STAY_ABOVE = "stay_above"
    STAY_BELOW = "stay_below"
    MILESTONE = "milestone"

    @property
    def is_threshold(self) -> bool:
        return self in (Direction.STAY_ABOVE, Direction.STAY_BELOW)


# Worst first: an objective is as healthy as its weakest key result. No data
# and stale rank just above off track, so silence can never make an objective
# look green.
_SEVERITY = [Status.OFF_TRACK, Status.STALE, Status.NO_DATA, Status.AT_RISK, Status.ON_TRACK, Status.DONE]


@dataclass(frozen=True)
class StatusThresholds:
    """Progress as a share of expected pace at or above which a KR is on track / at risk."""

    on_track: float = 0.9
    at_risk: float = 0.7

    def __post_init__(self) -> None:
        if not 0 <= self.at_risk <= self.on_track:
            raise ValueError(f"thresholds need 0 <= at_risk <= on_track, got at_risk={self.at_risk}, on_track={self.on_track}")


def infer_direction(baseline: float, target: float) -> Direction:
    """``decrease`` when the target is below the baseline, else ``increase``."""
    return Direction.DECREASE if target < baseline else Direction.INCREASE


def progress(actual: float, baseline: float, target: float, direction: Direction | None = None) -> float:
    """Direction-aware progress, unclamped: 1.4 means 40 % beyond target.

    ``increase``/``decrease``: ``(actual - baseline) / (target - baseline)``
    (baseline 120, target 90, actual 105 is halfway). When baseline equals
    target there is no distance to travel: reaching it (at or beyond, in the
    direction's sense) is 1, else 0. Thresholds and milestones are binary:
    1 while the threshold holds or the milestone is reached, else 0.
    Raises ValueError when an explicit direction contradicts the numbers.
    """
    direction = direction or infer_direction(baseline, target)
    if direction is Direction.STAY_ABOVE or direction is Direction.MILESTONE:
        return 1.0 if actual >= target else 0.0
    if direction is Direction.STAY_BELOW:
        return 1.0 if actual <= target else 0.0
    if direction is Direction.INCREASE and target < baseline:
        raise ValueError(f"direction increase needs target >= baseline, got {baseline} -> {target}")
    if direction is Direction.DECREASE and target > baseline:
        raise ValueError(f"direction decrease needs target <= baseline, got {baseline} -> {target}")
    if target == baseline:
        reached = actual >= target if direction is Direction.INCREASE else actual <= target
        return 1.0 if reached else 0.0
    return (actual - baseline) / (target - baseline)


def clamp_progress(raw_progress: float) -> float:
    """Progress as a share 0..1: over-achievement counts as 1, going backwards as 0."""
    return min(max(raw_progress, 0.0), 1.0)


def status_for(
    actual_progress: float | None,
    expected: float,
    thresholds: StatusThresholds = StatusThresholds(),
    direction: Direction = Direction.INCREASE,
) -> Status:
    """Status from how far progress is behind the expected pace.

    ``increase``/``decrease``: ``done`` once the target is reached; otherwise
    on track when progress is at least ``thresholds.on_track`` x expected, at
    risk when at least ``thresholds.at_risk`` x expected, else off track.
    Thresholds: on track while holding, ``done`` when it held to the end
    (expected 1), off track as soon as it breaks. Milestones: ``done`` when
    reached, on track until their time is up, then off track.
    """
    if actual_progress is None:
        return Status.NO_DATA
    reached = actual_progress >= 1.0
    if direction.is_threshold:
        if not reached:
            return Status.OFF_TRACK
        return Status.DONE if expected >= 1.0 else Status.ON_TRACK
    if reached:
        return Status.DONE
    if direction is Direction.MILESTONE:
        return Status.OFF_TRACK if expected >= 1.0 else Status.ON_TRACK
    clamped = clamp_progress(actual_progress)
    if clamped >= thresholds.on_track * expected:
        return Status.ON_TRACK
    if clamped >= thresholds.at_risk * expected:
        return Status.AT_RISK
    return Status.OFF_TRACK


def worst_status(statuses: list[Status]) -> Status:
    """The weakest status; ``no_data`` counts like ``stale`` (worse than at risk), and when empty."""
    if not statuses:
        return Status.NO_DATA
    return min(statuses, key=_SEVERITY.index)
