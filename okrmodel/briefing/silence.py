"""Silence that was asked about: a key result whose check-in reminders went unanswered.

A reminder that listed a KR's check-in as due is missed when a week (the reminders' rhythm)
passed after it with no check-in of that KR on or after its day. Misses count from the KR's
newest check-in: any check-in ends the streak. After ``escalate_after`` misses the objective's
owner is told (``okrmodel.reminders``) and the report says "no check-in for N weeks" beside the
KR; it never drops a KR for its silence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from okrmodel.config import Config
from okrmodel.storage.models import CheckIn, ReminderDelivery

__all__ = ["REMINDER_INTERVAL", "Silence", "SilenceReader", "long_silences", "silences"]

REMINDER_INTERVAL = timedelta(days=7)
"""Reminders go out weekly: one unanswered for this long is missed."""


class SilenceReader(Protocol):
    def latest_checkin(self, key_result: str, on_or_before: date) -> CheckIn | None: ...

    def reminder_deliveries(self, *, kind: str | None = None, before: date | None = None) -> list[ReminderDelivery]: ...


@dataclass(frozen=True)
class Silence:
    """A KR whose check-in was asked for in vain."""

    key_result_id: str
    missed: int
    """Reminders in a row that listed its check-in and got none."""
    first_missed: date
    """The day of the first of them (the streak began then)."""
    last_checkin: date | None
    """Its newest check-in's day (None: never checked in)."""
    weeks: int
    """Whole weeks without a check-in: since the newest one, or since the first missed reminder."""


def silences(config: Config, reader: SilenceReader, on: date) -> dict[str, Silence]:
    """Every KR of the file with at least one missed reminder as of ``on``, by id."""
    asked: dict[str, list[date]] = {}
    for delivery in reader.reminder_deliveries(kind="reminder", before=on - REMINDER_INTERVAL + timedelta(days=1)):
        for key_result_id in delivery.contents.get("checkins_due", []):
            asked.setdefault(key_result_id, []).append(delivery.reminder_day)
    found: dict[str, Silence] = {}
    for objective in config.objectives:
        for key_result in objective.key_results:
            days = asked.get(key_result.id)
            if not days:
                continue
            latest = reader.latest_checkin(key_result.id, on)
            missed = sorted({day for day in days if latest is None or day > latest.day})
            if missed:
                since = latest.day if latest is not None else missed[0]
                found[key_result.id] = Silence(key_result.id, len(missed), missed[0], latest.day if latest else None, (on - since).days // 7)
    return found


def long_silences(config: Config, reader: SilenceReader, on: date) -> dict[str, Silence]:
    """The silences long enough to escalate (``reminders.escalate_after`` misses); none without ``reminders:``."""
    if config.reminders is None:
        return {}
    return {kr_id: silence for kr_id, silence in silences(config, reader, on).items() if silence.missed >= config.reminders.escalate_after}
