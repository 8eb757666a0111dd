"""Owners' reminders and escalations, sent: plain functions the nightly flow's task and ``okr remind`` share.

What is due comes from ``okrmodel.reminders``; each message goes out over ``email:``'s SMTP and
is recorded once handed over, so a re-run of the day finds it sent and sends nothing twice.
A message that cannot be sent is one line in the outcome (retried by the day's next run), never
an exception: the sync's data is stored either way. Callers hold the company's sync lock, so
two runs never send the same day's messages at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parseaddr

from flows.pipeline import smtp_password
from flows.secret_blocks import SecretBlocks
from okrmodel.config import Config
from okrmodel.reminders import ReminderPlan, due_reminder_day, plan_reminders
from okrmodel.storage import Store
from reports import EmailDeliveryError, send_email
from reports.reminders import OwnerMessageView, build_owner_email, escalation_view, reminder_view

__all__ = ["RemindersOutcome", "remind_owners", "send_planned"]


@dataclass
class RemindersOutcome:
    day: date | None
    """The reminder day whose messages were sent (None: no reminders are due at this moment)."""
    sent: list[str] = field(default_factory=list)
    """``reminder to Lee <lee@acme.example>``, ``escalation to Maria (enablement)``."""
    already_sent: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    """Owners with something due whom ``people:`` lists no address for."""
    errors: list[str] = field(default_factory=list)
    """One line per message not sent: ``reminder to Lee: could not reach mail.acme.example:587: ...``."""


def remind_owners(config: Config, store: Store, now: datetime, as_of: date, secrets: SecretBlocks) -> RemindersOutcome:
    """The nightly run's reminders: those whose moment came less than a day before ``now``
    (``okrmodel.reminders.schedule``), from the report as of ``as_of``; nothing without ``reminders:``."""
    day = due_reminder_day(config.reminders, config.zone, now) if config.reminders is not None and config.email is not None else None
    if day is None:
        return RemindersOutcome(None)
    return send_planned(config, store, plan_reminders(config, store, day, as_of=as_of), secrets)


def send_planned(config: Config, store: Store, plan: ReminderPlan, secrets: SecretBlocks) -> RemindersOutcome:
    """Send what ``plan`` holds and was not sent yet: the escalations, then the reminders."""
    assert config.email is not None and config.reminders is not None, "reminders need email: (checked when the config loads)"
    settings = config.email
    outcome = RemindersOutcome(plan.day, unreachable=list(plan.unreachable))
    try:
        password = smtp_password(settings, secrets)
    except EmailDeliveryError as error:
        outcome.errors.append(f"no reminder sent: {error}")
        return outcome
    report_page = f"{config.report_url}/latest.html" if config.report_url else None

    def deliver(label: str, address: str, kind: str, owner: str, view: OwnerMessageView, contents: dict[str, object], objective: str = "") -> None:
        if store.reminder_sent(owner, plan.day, kind, objective=objective):
            outcome.already_sent.append(label)
            return
        try:
            send_email(build_owner_email(view, settings, address), settings, password)
        except EmailDeliveryError as error:
            outcome.errors.append(f"{label}: {error}")
            return
        store.record_reminder_delivery(owner, plan.day, kind, contents, objective=objective)
        bare = parseaddr(address)[1]
        outcome.sent.append(label if bare == owner else f"{label} <{bare}>")

    for planned in plan.escalations:
        if planned.address is None or planned.owner is None:
            continue
        escalation = planned.escalation
        deliver(
            f"escalation to {planned.owner} ({escalation.objective_id})", planned.address, "escalation", planned.owner,
            escalation_view(config.company, planned), escalation.contents(), escalation.objective_id,
        )
    for reminder in plan.reminders:
        if reminder.address is None:
            continue
        view = reminder_view(config.company, reminder, config.reminders.escalate_after, report_page)
        deliver(f"reminder to {reminder.owner}", reminder.address, "reminder", reminder.owner, view, reminder.contents())
    return outcome
