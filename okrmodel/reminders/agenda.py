"""Each owner's agenda: their key results with status and what changed, the manual ones whose
check-in is due, and their actions (overdue or not), from one report's data.

The same agenda feeds the weekly reminder and whatever else shows an owner their items
(the console's "my key results and actions").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from okrmodel.briefing.model import KeyResultChange, ReportData
from okrmodel.config import Action, CheckinCadence, Config, KeyResult
from okrmodel.evaluation import KeyResultStatus
from okrmodel.storage.models import CheckIn

__all__ = ["CheckinReader", "OwnedAction", "OwnedKeyResult", "OwnerAgenda", "checkin_due", "owner_agendas"]

DEFAULT_CADENCE = CheckinCadence.WEEK
"""A manual KR without ``checkin_every`` is asked for a check-in at every (weekly) reminder."""


class CheckinReader(Protocol):
    def latest_checkin(self, key_result: str, on_or_before: date) -> CheckIn | None: ...


@dataclass(frozen=True)
class OwnedKeyResult:
    objective_id: str
    objective_title: str
    status: KeyResultStatus
    change: KeyResultChange | None
    """How it moved since the compared report and over 7 days (None: no comparison)."""
    checkin_due: bool
    """A manual KR whose check-in is due on the agenda's day."""
    checkin_url: str | None
    """The console's page of the KR, with its check-in form (None without ``console:``)."""


@dataclass(frozen=True)
class OwnedAction:
    objective_id: str
    objective_title: str
    action: Action
    """With its ``id`` and its newest update's status (see ``evaluation``)."""
    overdue: bool
    days_overdue: int


@dataclass(frozen=True)
class OwnerAgenda:
    owner: str
    day: date
    key_results: tuple[OwnedKeyResult, ...]
    actions: tuple[OwnedAction, ...]

    @property
    def checkins_due(self) -> tuple[OwnedKeyResult, ...]:
        return tuple(item for item in self.key_results if item.checkin_due)

    @property
    def overdue_actions(self) -> tuple[OwnedAction, ...]:
        return tuple(item for item in self.actions if item.overdue)

    @property
    def anything_due(self) -> bool:
        """A check-in due or an action overdue: what a reminder is for (an owner with neither gets none)."""
        return bool(self.checkins_due or self.overdue_actions)


def checkin_due(config: Config, key_result: KeyResult, reader: CheckinReader, day: date) -> bool:
    """Whether ``day`` asks for a check-in of ``key_result``: a manual KR with a target, in its
    period and started, whose newest check-in is a whole cadence (``checkin_every``, a week by
    default) old or missing."""
    if key_result.metric is not None or key_result.target_value is None:
        return False
    period = next(period for period in config.periods if period.label == config.key_result_period(key_result))
    if not period.first_day <= day <= period.last_day or (key_result.start is not None and day < key_result.start):
        return False
    latest = reader.latest_checkin(key_result.id, day)
    cadence = key_result.checkin_every or DEFAULT_CADENCE
    return latest is None or (day - latest.day).days >= cadence.days


def owner_agendas(config: Config, data: ReportData, reader: CheckinReader, day: date) -> dict[str, OwnerAgenda]:
    """Every owner's agenda on ``day`` from ``data`` (a report as of ``day`` or the day before),
    by name in file order: a KR's owner (its objective's when unset), an action's owner (likewise).
    Nothing is due in a closed (frozen) period."""
    key_results: dict[str, list[OwnedKeyResult]] = {}
    actions: dict[str, list[OwnedAction]] = {}
    open_period = not data.status.closed
    for objective in data.status.objectives:
        for kr in objective.key_results:
            if kr.owner is None:
                continue
            _, configured = config.key_result(kr.id)
            due = open_period and checkin_due(config, configured, reader, day)
            url = config.console.key_result_url(kr.id) if config.console is not None else None
            key_results.setdefault(kr.owner, []).append(OwnedKeyResult(objective.id, objective.title, kr, data.changes.for_key_result(kr.id), due, url))
        for action in objective.actions:
            owner = action.owner or objective.owner
            if owner is None:
                continue
            overdue = open_period and action.is_overdue(day)
            late = (day - action.due).days if overdue and action.due is not None else 0
            actions.setdefault(owner, []).append(OwnedAction(objective.id, objective.title, action, overdue, late))
    owners = list(dict.fromkeys([*key_results, *actions]))
    return {owner: OwnerAgenda(owner, day, tuple(key_results.get(owner, ())), tuple(actions.get(owner, ()))) for owner in owners}
