"""``okr history KR_ID``: every value a key result was ever given, with its provenance.

Storage never updates in place, so this is a plain read: each synced
revision of the KR's metric (source, sync run, when fetched; superseded
ones marked) and each check-in (author, note, pinned), in the order they
were recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from okrmodel.storage.models import CheckIn, Observation

__all__ = ["HistoryEntry", "HistoryReader", "key_result_history"]


class HistoryReader(Protocol):
    """What history reads from storage (the Store implements it)."""

    def observation_history(self, metric: str, first_day: date, last_day: date) -> list[Observation]: ...

    def checkins(self, key_result: str, on_or_before: date | None = None) -> list[CheckIn]: ...


@dataclass(frozen=True)
class HistoryEntry:
    """One recorded value: a synced revision of a metric's day, or a check-in."""

    recorded_at: datetime
    day: date
    value: float
    kind: str
    """``sync`` or ``checkin``."""
    source: str
    """``hubspot:<metric>`` for synced values, ``checkin`` for people."""
    sync_run_id: str | None = None
    revision: int | None = None
    author: str | None = None
    note: str | None = None
    pinned: bool = False
    confidence: int | None = None
    """A check-in's 1-10 confidence, when its author gave one."""
    superseded: bool = False
    """A later revision of the same day replaced this synced value."""


def key_result_history(reader: HistoryReader, key_result_id: str | None, metric: str | None, first_day: date, last_day: date) -> list[HistoryEntry]:
    """Everything recorded for a KR (or, with ``key_result_id`` None, a metric) between two
    days, oldest record first.

    Synced values are the metric's days in ``first_day..last_day``;
    check-ins are all of the KR's, whatever their day, since there are few.
    """
    entries: list[HistoryEntry] = []
    if metric is not None:
        observations = reader.observation_history(metric, first_day, last_day)
        newest_revision: dict[date, int] = {}
        for observation in observations:
            newest_revision[observation.day] = max(newest_revision.get(observation.day, 0), observation.revision)
        entries.extend(
            HistoryEntry(
                recorded_at=observation.fetched_at, day=observation.day, value=observation.value, kind="sync",
                source=f"{observation.source}:{metric}", sync_run_id=observation.sync_run_id, revision=observation.revision,
                superseded=observation.revision < newest_revision[observation.day],
            )
            for observation in observations
        )
    entries.extend(
        HistoryEntry(
            recorded_at=checkin.created_at, day=checkin.day, value=checkin.value, kind="checkin", source="checkin",
            author=checkin.author, note=checkin.note, pinned=checkin.pinned, confidence=checkin.confidence,
        )
        for checkin in (reader.checkins(key_result_id) if key_result_id is not None else [])
    )
    return sorted(entries, key=lambda entry: (entry.recorded_at, entry.day, entry.kind))
