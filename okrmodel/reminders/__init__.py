"""Owners kept accountable: when reminders are due, what each owner's says, and whom silence is escalated to.

Plain functions over the config and the store (no network, no Prefect): ``flows`` sends what
``plan_reminders`` plans and records each delivery, so a re-run of the day sends nothing twice.
"""

from okrmodel.reminders.agenda import CheckinReader, OwnedAction, OwnedKeyResult, OwnerAgenda, checkin_due, owner_agendas
from okrmodel.reminders.escalation import EscalatedKeyResult, Escalation, due_escalations
from okrmodel.reminders.plan import PlannedEscalation, PlannedReminder, ReminderPlan, plan_reminders
from okrmodel.reminders.schedule import CATCH_UP, due_reminder_day, is_reminder_day, reminder_moment

__all__ = [
    "CATCH_UP",
    "CheckinReader",
    "EscalatedKeyResult",
    "Escalation",
    "OwnedAction",
    "OwnedKeyResult",
    "OwnerAgenda",
    "PlannedEscalation",
    "PlannedReminder",
    "ReminderPlan",
    "checkin_due",
    "due_escalations",
    "due_reminder_day",
    "is_reminder_day",
    "owner_agendas",
    "plan_reminders",
    "reminder_moment",
]
