"""When reminders are due: weekly, on ``reminders.weekday`` from ``reminders.time`` on the company's clock.

The nightly sync runs once a night, rarely at the reminders' time; so a run sends the week's
reminders when their moment has come and is less than a day old: the first run at or after
it (``okr remind`` from cron at that time sends them on the minute). A week whose runs all
failed for a day is skipped rather than sent days late; the next week's reminder lists
everything still due.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from okrmodel.config import ReminderSettings

__all__ = ["CATCH_UP", "due_reminder_day", "is_reminder_day", "reminder_moment"]

CATCH_UP = timedelta(hours=24)
"""How long after its moment a reminder may still go out: the next nightly run catches up."""


def reminder_moment(settings: ReminderSettings, zone: ZoneInfo, day: date) -> datetime:
    """``day`` at the reminders' time on the company's clock, in UTC."""
    return datetime.combine(day, settings.time, tzinfo=zone).astimezone(UTC)


def is_reminder_day(settings: ReminderSettings, day: date) -> bool:
    return day.weekday() == settings.weekday.number


def due_reminder_day(settings: ReminderSettings, zone: ZoneInfo, now: datetime) -> date | None:
    """The day of the reminders a run at ``now`` (aware) sends: the newest reminder moment at or
    before ``now``, when it is less than ``CATCH_UP`` old; None otherwise."""
    local_day = now.astimezone(zone).date()
    day = local_day - timedelta(days=(local_day.weekday() - settings.weekday.number) % 7)
    if reminder_moment(settings, zone, day) > now:
        day -= timedelta(days=7)
    return day if now - reminder_moment(settings, zone, day) < CATCH_UP else None
