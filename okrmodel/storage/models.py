"""Tables: sync runs, per-metric fetch outcomes, observed values, check-ins, action updates,
reminders sent and sign-in links used.

Nothing is updated in place. A changed value for a metric's day is a new row
with the next ``revision``, so the history of every number stays readable and
a re-run that sees the same value writes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ActionUpdate",
    "Base",
    "CheckIn",
    "MetricFetch",
    "Observation",
    "PeriodScore",
    "ReminderDelivery",
    "SignInLinkUse",
    "SyncRun",
    "UtcDateTime",
    "WindowTotalObservation",
]


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


class SyncRun(Base):
    """One execution of the nightly sync."""

    __tablename__ = "sync_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    """running, succeeded, partial (some metrics failed), failed, interrupted (stopped by SIGTERM or
    SIGINT, recorded by the run itself) or abandoned (its process died without a word: killed,
    crashed, the machine stopped; recorded by whoever noticed: the next sync, or ``okr runs``)."""
    flow_run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    """The machine whose process runs the sync (None for runs recorded before it was kept)."""
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """That process's id, so a run whose process is gone can be told from one still running."""


class MetricFetch(Base):
    """How fetching one metric went within one run."""

    __tablename__ = "metric_fetches"
    __table_args__ = (UniqueConstraint("sync_run_id", "metric"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sync_run_id: Mapped[str] = mapped_column(ForeignKey("sync_runs.id"))
    metric: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    """succeeded or failed."""
    first_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    api_calls: Mapped[int] = mapped_column(Integer, default=0)
    values_added: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    warning: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Read fine but doubtful, such as 0 over the whole window while the unfiltered query is not."""


class Observation(Base):
    """A metric's value for one day (a daily total, or a snapshot taken that day)."""

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("metric", "day", "revision"),
        Index("ix_observations_metric_day", "metric", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    metric: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    records: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """For a sum over records (a day's deal amounts): how many records it adds up, which the
    nightly reconciliation checks by counting; None for every other value."""
    source: Mapped[str] = mapped_column(String(100))
    sync_run_id: Mapped[str] = mapped_column(ForeignKey("sync_runs.id"))
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WindowTotalObservation(Base):
    """A metric's figure over a whole window (``first_day``..``last_day``), as the source counts it.

    Unique counts (visitors, users) over a window are no sum of its days, so they are read
    as one figure per window and kept like daily values: a changed figure for the same
    window is a new ``revision``, with its provenance.
    """

    __tablename__ = "window_totals"
    __table_args__ = (
        UniqueConstraint("metric", "first_day", "last_day", "revision"),
        Index("ix_window_totals_metric_last_day", "metric", "last_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    metric: Mapped[str] = mapped_column(String(200))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    revision: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(100))
    sync_run_id: Mapped[str] = mapped_column(ForeignKey("sync_runs.id"))
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CheckIn(Base):
    """A value a person reported for a key result.

    On a KR with a metric it overrides the synced value until a newer synced
    value arrives, or for good while ``pinned`` (until a newer check-in).
    """

    __tablename__ = "checkins"
    __table_args__ = (Index("ix_checkins_key_result_day", "key_result", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_result: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[float] = mapped_column(Float)
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    confidence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """How sure the author is to reach the target, 1 (unlikely) to 10 (certain); None when not said."""


class PeriodScore(Base):
    """A key result's or objective's final state, frozen when its period was closed.

    One row per (period, kind, item): closing twice, or two closers racing,
    cannot overwrite what was frozen first.
    """

    __tablename__ = "period_scores"
    __table_args__ = (UniqueConstraint("period", "item_kind", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(20))
    item_kind: Mapped[str] = mapped_column(String(20))
    """key_result or objective."""
    item_id: Mapped[str] = mapped_column(String(200))
    actual: Mapped[float | None] = mapped_column(Float, nullable=True)
    progress: Mapped[float | None] = mapped_column(Float, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_by: Mapped[str] = mapped_column(String(200))


class StoreOwner(Base):
    """The company whose OKRs the database holds (one row): rows carry no company, so a second
    company writing here would mix its metrics into the first one's."""

    __tablename__ = "store_owner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    company: Mapped[str] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ActionUpdate(Base):
    """An owner's word on an action (started, done...), kept like a check-in: never changed, the
    newest one is the action's status (over the file's ``status:``)."""

    __tablename__ = "action_updates"
    __table_args__ = (Index("ix_action_updates_action", "action_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(String(200))
    """``Objective.action_id``: the action's own id, else its objective's id and title as a slug."""
    status: Mapped[str] = mapped_column(String(20))
    """An ``ActionStatus``: planned, in_progress (started), done, blocked or dropped."""
    author: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ReminderDelivery(Base):
    """A reminder (or an escalation) mailed to an owner, recorded once sent: one per (owner, the
    reminder's local day, kind, objective), so a re-run of the day never mails it again."""

    __tablename__ = "reminder_deliveries"
    __table_args__ = (UniqueConstraint("owner", "reminder_day", "kind", "objective"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner: Mapped[str] = mapped_column(String(200))
    """The ``owner:`` name it went to (the address is the config's, and may change)."""
    reminder_day: Mapped[date] = mapped_column(Date)
    """The day it was due, on the company's clock (the reminders' weekday)."""
    kind: Mapped[str] = mapped_column(String(20))
    """reminder (to a KR's or action's owner) or escalation (to an objective's owner)."""
    objective: Mapped[str] = mapped_column(String(200), default="")
    """The objective an escalation is about; empty for a reminder, which covers all of an owner's
    items (empty, not NULL: NULLs never collide in a unique key)."""
    contents: Mapped[dict] = mapped_column(JSON)
    """What it listed: ``{"checkins_due": [KR ids], "key_results": [...], "overdue_actions": [action ids]}``
    for a reminder, ``{"key_results": [KR ids], "missed": {KR id: reminders missed}}`` for an escalation."""
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignInLinkUse(Base):
    """A mailed sign-in link that was followed: its nonce may not sign anyone in again."""

    __tablename__ = "sign_in_link_uses"

    nonce: Mapped[str] = mapped_column(String(128), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime)
