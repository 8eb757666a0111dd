"""Status chips for KRs, objectives, actions and sources: one label and tone per state."""

from __future__ import annotations

from datetime import date

from okrmodel.config import Action, ActionStatus
from okrmodel.progress import Status
from reports.formatting import format_status
from reports.palette import STATUS_TONES
from reports.view.sections import Badge

__all__ = ["action_badge", "status_badge"]

_ACTION_TONES = {
    ActionStatus.DONE: "done",
    ActionStatus.BLOCKED: "warn",
    ActionStatus.IN_PROGRESS: "muted",
    ActionStatus.PLANNED: "muted",
    ActionStatus.DROPPED: "muted",
}


def status_badge(status: Status) -> Badge:
    return Badge(format_status(status.value), STATUS_TONES[status])


def action_badge(action: Action, as_of: date) -> Badge:
    if action.is_overdue(as_of):
        return Badge("Overdue", "bad")
    return Badge(format_status(action.status.value), _ACTION_TONES[action.status])
