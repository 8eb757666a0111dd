"""``okr remind``: the owners' reminders and escalations of a reminder day, shown or sent.

The nightly sync sends them on its own (``flows.nightly``); this command sends them at the
reminders' time from cron, catches up a day the sync missed, or shows with ``--dry-run`` what
each owner would read. It holds the company's sync lock, like a sync, so the two never send
one day's messages twice.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from flows.cli_common import DEFAULT_CONFIG, EXIT_FAILED, ConfigOption, as_of_day, errors, fail, load, open_store, say
from okrmodel.reminders import ReminderPlan, is_reminder_day, plan_reminders
from okrmodel.storage import company_lock
from reports.reminders import OwnerMessageView, escalation_view, recipient, reminder_view
from reports.render import owner_message_text

__all__ = ["remind"]


def remind(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: Annotated[str | None, typer.Option("--as-of", help="The reminder day, YYYY-MM-DD (default: today in the config's time zone).", show_default=False)] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print each message as its owner would read it instead of sending it.")] = False,
) -> None:
    """Send the owners' reminders (check-ins due, overdue actions) and escalations of a reminder day, once each."""
    from flows.reminders import send_planned
    from flows.secret_blocks import config_secrets

    config = load(config_path)
    if config.reminders is None:
        fail(f"{config_path}: reminders: is not configured (weekday, time, escalate_after); see the README")
    day = as_of_day(as_of, config)
    weekday = config.reminders.weekday.value
    if not is_reminder_day(config.reminders, day):
        say(f"No reminders on {day} ({day:%A}): they go out on {weekday.capitalize()}s")
        return
    with open_store(config) as store, company_lock(store, config.company, wait=True, on_wait=lambda held: say(f"{held}: waiting for it to finish")):
        plan = plan_reminders(config, store, day)
        if dry_run:
            _show(config.company, config.reminders.escalate_after, plan)
            return
        secrets = config_secrets(config, only=[config.email.password_block] if config.email and config.email.password_block else [])
        outcome = send_planned(config, store, plan, secrets)
    for line in outcome.sent:
        say(f"Sent the {day} {line}")
    for line in outcome.already_sent:
        say(f"Already sent: the {day} {line}")
    _warn_unreachable(plan)
    if not plan.reminders and not plan.escalations:
        say(f"Nothing due on {day}: no owner has a check-in due or an overdue action")
    for line in outcome.errors:
        errors.print(f"Not sent: {line}", markup=False, highlight=False, soft_wrap=True)
    if outcome.errors:
        raise typer.Exit(EXIT_FAILED)


def _show(company: str, escalate_after: int, plan: ReminderPlan) -> None:
    """Every message of the plan as plain text, the way its owner would read it."""
    messages: list[tuple[str, OwnerMessageView, bool]] = [
        (recipient(planned.owner, planned.address) if planned.address and planned.owner else f"{planned.owner}: no address", escalation_view(company, planned), planned.already_sent)
        for planned in plan.escalations
    ] + [
        (recipient(reminder.owner, reminder.address) if reminder.address else f"{reminder.owner}: no address", reminder_view(company, reminder, escalate_after), reminder.already_sent)
        for reminder in plan.reminders
    ]
    for to, view, sent in messages:
        sys.stdout.write(f"To: {to}{'  (already sent)' if sent else ''}\nSubject: {view.subject}\n\n{owner_message_text(view)}\n")
    if not messages:
        say(f"Nothing due on {plan.day}: no owner has a check-in due or an overdue action")
    _warn_unreachable(plan)


def _warn_unreachable(plan: ReminderPlan) -> None:
    for owner in plan.unreachable:
        errors.print(f"{owner} has something due but no address in people:; nothing is sent to them", markup=False, highlight=False, soft_wrap=True)
