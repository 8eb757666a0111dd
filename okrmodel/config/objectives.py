"""Objectives, their key results and actions, and the status thresholds: the OKRs themselves."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator

from okrmodel.aggregation import Aggregation, AveragePer
from okrmodel.config.base import Amount, Day, Identifier, Name, Number, StrictModel
from okrmodel.periods import WindowKind, parse_period
from okrmodel.progress import Direction, Status, StatusThresholds, infer_direction

__all__ = ["Action", "ActionStatus", "CheckinCadence", "KeyResult", "Objective", "Thresholds", "Weight"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")

Weight = Annotated[Number, Field(gt=0, le=1000)]
"""How much an item counts against its siblings in a weighted roll-up."""


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


class Action(StrictModel):
    """A tactical step planned to reach the key results (an initiative).

    Belongs to one period: ``period``, else the listed period containing
    ``due``, else the newest listed period. ``id`` names it in status updates (the console's
    "started" and "done"); without one it is named after its objective and title (see
    ``Objective.action_id``), so give one to keep its updates through a change of title.
    """

    id: Identifier | None = None
    title: Name
    owner: Name | None = None
    due: Day | None = None
    status: ActionStatus = ActionStatus.PLANNED
    period: str | None = None

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str | None) -> str | None:
        return parse_period(value).label if value is not None else None

    def is_overdue(self, as_of: date) -> bool:
        """Past its due day and neither done nor dropped."""
        return self.due is not None and self.due < as_of and self.status not in (ActionStatus.DONE, ActionStatus.DROPPED)

    def with_status(self, status: ActionStatus) -> Action:
        """This action as its newest status update left it (updates win over the file's ``status``)."""
        return self.model_copy(update={"status": status})


class CheckinCadence(StrEnum):
    """How often a manual key result is checked in; silence beyond it reads ``stale``."""

    WEEK = "week"
    TWO_WEEKS = "two_weeks"
    MONTH = "month"

    @property
    def days(self) -> int:
        return {"week": 7, "two_weeks": 14, "month": 31}[self.value]


class KeyResult(StrictModel):
    """A measurable result: progress runs from ``baseline`` (default 0) to ``target``.

    With ``metric`` set the actual comes from synced data; without it, from
    manual check-ins (``okr checkin``), expected every ``checkin_every``.
    ``direction`` defaults to ``decrease`` when the target is below the
    baseline, else ``increase``; a ``milestone`` is reached at ``target``
    (default 1). ``aggregation`` defaults to ``sum`` for flow metrics,
    ``total`` for unique counts (visitors, users: the window's own figure) and
    ``latest`` for snapshots. ``start``/``due`` narrow the pace to part of the
    period. ``target`` may be left out only so ``okr lint`` can say why a KR
    needs one; such a KR is never measured.
    """

    id: Identifier
    title: Name
    owner: Name | None = None
    metric: Name | None = None
    window: WindowKind | None = None
    aggregation: Aggregation | None = None
    average_per: AveragePer | None = None
    direction: Direction | None = None
    baseline: Amount | None = None
    target: Amount | None = None
    unit: Name | None = None
    weight: Weight = 1.0
    start: Day | None = None
    due: Day | None = None
    period: str | None = None
    checkin_every: CheckinCadence | None = None

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str | None) -> str | None:
        return parse_period(value).label if value is not None else None

    @property
    def start_value(self) -> float:
        return self.baseline if self.baseline is not None else 0.0

    @property
    def target_value(self) -> float | None:
        """The target, with a milestone's implicit 1 (done) filled in."""
        if self.target is None and self.direction is Direction.MILESTONE:
            return 1.0
        return self.target

    @property
    def effective_direction(self) -> Direction:
        if self.direction is not None:
            return self.direction
        return infer_direction(self.start_value, self.target if self.target is not None else self.start_value)


class Objective(StrictModel):
    """A qualitative direction, measured by its key results; it persists across periods.

    ``parent`` aligns it under another objective (company -> team), whose
    roll-up then includes it with this ``weight``. ``status`` overrides the
    computed status (its weakest KR's), e.g. when leadership knows better.
    """

    id: Identifier
    title: Name
    owner: Name | None = None
    description: str | None = None
    parent: Name | None = None
    weight: Weight = 1.0
    status: Status | None = None
    key_results: list[KeyResult] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)

    def action_id(self, index: int) -> str:
        """The id of ``actions[index]``: its own, else ``<objective id>.<title as a slug>``
        (``pipeline.launch-the-webinar-series``), else ``<objective id>.action-<n>`` for a title
        with no letter or digit a slug keeps."""
        action = self.actions[index]
        if action.id is not None:
            return action.id
        slug = _NOT_SLUG.sub("-", action.title.lower()).strip("-")[:60].rstrip("-")
        return f"{self.id}.{slug or f'action-{index + 1}'}"


class Thresholds(StrictModel):
    """Status thresholds as shares of the expected pace (``thresholds:`` in the file)."""

    on_track: Annotated[Number, Field(gt=0, le=1)] = 0.9
    at_risk: Annotated[Number, Field(ge=0, le=1)] = 0.7

    def as_status_thresholds(self) -> StatusThresholds:
        return StatusThresholds(on_track=self.on_track, at_risk=self.at_risk)
