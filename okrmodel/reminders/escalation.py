"""Escalation, never hiding: when an owner let ``reminders.escalate_after`` reminders for a KR's
check-in go unanswered, the KR's objective's owner is told, once per streak (a check-in ends
the streak; the next streak is told again)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from okrmodel.briefing.silence import Silence, SilenceReader, long_silences
from okrmodel.config import Config
from okrmodel.storage.models import ReminderDelivery

__all__ = ["EscalatedKeyResult", "Escalation", "due_escalations"]


@dataclass(frozen=True)
class EscalatedKeyResult:
    key_result_id: str
    title: str
    owner: str | None
    silence: Silence


@dataclass(frozen=True)
class Escalation:
    """One message to an objective's owner about its silent KRs."""

    objective_id: str
    objective_title: str
    owner: str | None
    """The objective's owner (None: the objective names none, and nobody can be told)."""
    day: date
    key_results: tuple[EscalatedKeyResult, ...]

    def contents(self) -> dict[str, object]:
        """What the delivery record keeps: the KRs it told about and each one's missed reminders."""
        return {"key_results": [kr.key_result_id for kr in self.key_results], "missed": {kr.key_result_id: kr.silence.missed for kr in self.key_results}}


def due_escalations(config: Config, reader: SilenceReader, day: date) -> list[Escalation]:
    """The escalations of reminder day ``day``, one per objective with KRs whose streak of missed
    reminders reached ``escalate_after`` and was not told yet (an escalation of ``day`` itself
    does not count, so a re-run of the day plans it again and finds it recorded as sent)."""
    silent = long_silences(config, reader, day)
    if not silent:
        return []
    told = reader.reminder_deliveries(kind="escalation", before=day)
    escalations = []
    for objective in config.objectives:
        key_results = tuple(
            EscalatedKeyResult(kr.id, kr.title, config.owner_of(objective, kr), silent[kr.id])
            for kr in objective.key_results
            if kr.id in silent and not _told_in_streak(kr.id, silent[kr.id], told)
        )
        if key_results:
            escalations.append(Escalation(objective.id, objective.title, objective.owner, day, key_results))
    return escalations


def _told_in_streak(key_result_id: str, silence: Silence, told: list[ReminderDelivery]) -> bool:
    # An escalation after the streak's first missed reminder told about this streak.
    return any(e.reminder_day > silence.first_missed and key_result_id in e.contents.get("key_results", []) for e in told)
