"""What a reminder day sends: one reminder per owner with something due, one escalation per
objective with silent KRs, each marked when it was sent already (re-runs send nothing twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from okrmodel.briefing import build_report_data
from okrmodel.config import Config
from okrmodel.reminders.agenda import OwnerAgenda, owner_agendas
from okrmodel.reminders.escalation import Escalation, due_escalations
from okrmodel.storage import Store

__all__ = ["PlannedEscalation", "PlannedReminder", "ReminderPlan", "plan_reminders"]


@dataclass(frozen=True)
class PlannedReminder:
    agenda: OwnerAgenda
    address: str | None
    """From ``people:``; None: nothing can reach this owner (``okr lint`` names them)."""
    already_sent: bool

    @property
    def owner(self) -> str:
        return self.agenda.owner

    def contents(self) -> dict[str, list[str]]:
        """What the delivery record keeps: the check-ins it asked for (escalation counts them), its KRs and overdue actions."""
        return {
            "checkins_due": [item.status.id for item in self.agenda.checkins_due],
            "key_results": [item.status.id for item in self.agenda.key_results],
            "overdue_actions": [item.action.id or "" for item in self.agenda.overdue_actions],
        }


@dataclass(frozen=True)
class PlannedEscalation:
    escalation: Escalation
    address: str | None
    already_sent: bool

    @property
    def owner(self) -> str | None:
        return self.escalation.owner


@dataclass(frozen=True)
class ReminderPlan:
    company: str
    day: date
    """The reminder day (its weekday, on the company's clock)."""
    reminders: tuple[PlannedReminder, ...]
    escalations: tuple[PlannedEscalation, ...]

    @property
    def unreachable(self) -> tuple[str, ...]:
        """Who has something due but no address (an escalation's objective without an owner: ``objective <id>``)."""
        names = [r.owner for r in self.reminders if r.address is None]
        names += [e.owner or f"objective {e.escalation.objective_id} (no owner)" for e in self.escalations if e.address is None]
        return tuple(dict.fromkeys(names))


def plan_reminders(config: Config, store: Store, day: date, as_of: date | None = None) -> ReminderPlan:
    """The reminders and escalations of reminder day ``day``, from the report as of ``as_of``
    (default ``day``; the nightly run passes its own as-of day) compared with a week earlier.
    Owners with nothing due are left out. Escalations are planned first: they count the
    reminders before ``day``, which the day's own reminders must not change."""
    escalations = tuple(
        PlannedEscalation(
            escalation, config.address_of(escalation.owner),
            escalation.owner is not None and store.reminder_sent(escalation.owner, day, "escalation", objective=escalation.objective_id),
        )
        for escalation in due_escalations(config, store, day)
    )
    as_of = as_of or day
    data = build_report_data(config, store, as_of, compare_to=day - timedelta(days=7))
    reminders = tuple(
        PlannedReminder(agenda, config.address_of(owner), store.reminder_sent(owner, day, "reminder"))
        for owner, agenda in owner_agendas(config, data, store, day).items()
        if agenda.anything_due
    )
    return ReminderPlan(config.company, day, reminders, escalations)
