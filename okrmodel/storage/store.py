"""The Store: every observed value (daily, and window totals), check-in and sync run, on SQLite or PostgreSQL
(action updates, reminders sent and sign-in links used: ``follow_up.py``).

Opening a Store brings the schema to the newest Alembic revision, so a new
database and an old one both work without a separate migrate step. A database
already at the newest revision (every open but the first) is only read: one
query of ``alembic_version``, no Alembic loaded and no lock taken (on SQLite a
write lock, which waits behind whoever is writing).
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, func, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from okrmodel.storage.follow_up import FollowUpRecords
from okrmodel.storage.models import CheckIn, MetricFetch, Observation, PeriodScore, StoreOwner, SyncRun, WindowTotalObservation
from okrmodel.storage.sessions import Sessions
from okrmodel.storage.totals import WindowTotalValue, current_totals, total_value

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

__all__ = ["DailyValue", "SaveResult", "Store", "WindowTotalValue", "migrate", "newest_revision"]

MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class DailyValue:
    """The current value of a metric for one day, and when it was fetched."""

    day: date
    value: float
    fetched_at: datetime
    records: int | None = None
    """How many records a sum adds up, where the source told (see ``Observation.records``)."""


@dataclass(frozen=True)
class SaveResult:
    added: int
    unchanged: int


def _alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


MIGRATION_LOCK_KEY = 0x4F4B52  # "OKR": the PostgreSQL advisory lock serializing migrations
MIGRATION_ATTEMPTS = 5
# Alembic keeps the running migration in module-global proxies (alembic.context, alembic.op), so
# threads of one process migrating at once, even different databases (okr sync --all syncs
# companies side by side), would run in each other's context: they take turns here.
_ALEMBIC_IN_PROCESS = threading.Lock()


def migrate(engine: Engine, revision: str = "head", downgrade: bool = False) -> None:
    """Upgrade (or downgrade) the schema of ``engine``'s database to ``revision``.

    Processes opening one database at once take turns: PostgreSQL through a
    transaction-scoped advisory lock, SQLite through a write transaction
    begun before the first DDL (its driver would otherwise commit each
    CREATE TABLE on its own), so the second finds the schema at its head.
    """
    from alembic import command

    config = _alembic_config(engine)
    with _ALEMBIC_IN_PROCESS, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        elif connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        config.attributes["connection"] = connection
        (command.downgrade if downgrade else command.upgrade)(config, revision)


def newest_revision() -> str:
    """The head of the migrations, without loading Alembic: revisions are numbered and each file is
    named after its own (``0006_run_process.py`` is revision ``0006``; a test holds this to Alembic's head)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def _at_newest_revision(engine: Engine) -> bool:
    """Whether the database's schema is already at the head (a new database has no version table)."""
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except (OperationalError, ProgrammingError):
        return False
    return versions == [newest_revision()]


def _migrate_on_open(engine: Engine) -> None:
    """Bring the schema to its head, retrying when another process migrated the same new database meanwhile.

    Schemas only move forward while stores are open, so one found at its head needs nothing; one
    behind migrates under the lock, where Alembic reads the version again and does what is left."""
    if _at_newest_revision(engine):
        return
    for attempt in range(1, MIGRATION_ATTEMPTS + 1):
        try:
            migrate(engine)
            return
        except (OperationalError, ProgrammingError, IntegrityError):
            # "table ... already exists": the other process won; the next try finds its version table.
            if attempt == MIGRATION_ATTEMPTS:
                raise
            time.sleep(0.1 * attempt)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Several writers (nightly flow, a check-in) may meet; wait instead of failing.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _utcnow() -> datetime:
    return datetime.now(UTC)


class DatabaseOfAnotherCompany(Exception):
    """The database already holds another company's OKRs."""

    def __init__(self, owner: str, company: str):
        self.owner, self.company = owner, company
        super().__init__(f"the database holds the OKRs of {owner!r}, not of {company!r}: give each company its own database_url")


class Store(FollowUpRecords):
    """Append-only storage for what the product observes and what people report."""

    def __init__(self, url: str):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        with self.engine.connect():
            pass  # an unreachable database fails here once, not after every retry below
        _migrate_on_open(self.engine)
        # A signal waits for the session it lands in to end (``sessions``): the store is never left locked.
        self._sessions = Sessions(sessionmaker(self.engine, expire_on_commit=False))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def claim(self, company: str) -> None:
        """Make this the database of ``company`` (on first use), or raise ``DatabaseOfAnotherCompany``."""
        try:
            with self._sessions.begin() as session:
                if session.get(StoreOwner, 1) is None:
                    session.add(StoreOwner(id=1, company=company, claimed_at=_utcnow()))
        except IntegrityError:
            pass  # another process claimed it first: read whose it is below
        with self._sessions() as session:
            owner = session.get_one(StoreOwner, 1)
        if owner.company != company:
            raise DatabaseOfAnotherCompany(owner.company, company)

    # --- sync runs -------------------------------------------------------

    def start_run(self, as_of: date, flow_run_id: str | None = None) -> str:
        """Record a run starting now in this process (its host and pid kept, see ``abandon_run``)."""
        run_id = str(uuid.uuid4())
        with self._sessions.begin() as session:
            session.add(
                SyncRun(
                    id=run_id, as_of=as_of, started_at=_utcnow(), status="running", flow_run_id=flow_run_id,
                    host=socket.gethostname(), pid=os.getpid(),
                )
            )
        return run_id

    def running_runs(self) -> list[SyncRun]:
        """The runs recorded as ``running``, newest first."""
        with self._sessions() as session:
            return list(session.scalars(select(SyncRun).where(SyncRun.status == "running").order_by(SyncRun.started_at.desc())))

    def abandon_run(self, run_id: str, message: str) -> bool:
        """Mark a run whose process is gone ``abandoned``, its start kept and no finish invented;
        False when it is no longer ``running`` (it finished meanwhile, or another noticed first)."""
        with self._sessions.begin() as session:
            marked = session.execute(
                update(SyncRun).where(SyncRun.id == run_id, SyncRun.status == "running").values(status="abandoned", message=message)
            )
            return bool(marked.rowcount)

    def finish_run(self, run_id: str, status: str, message: str | None = None) -> None:
        with self._sessions.begin() as session:
            run = session.get_one(SyncRun, run_id)
            run.status, run.message, run.finished_at = status, message, _utcnow()

    def record_fetch(
        self,
        run_id: str,
        metric: str,
        source: str,
        *,
        status: str,
        first_day: date | None = None,
        last_day: date | None = None,
        api_calls: int = 0,
        values_added: int = 0,
        error: str | None = None,
        warning: str | None = None,
    ) -> None:
        with self._sessions.begin() as session:
            session.add(
                MetricFetch(
                    sync_run_id=run_id, metric=metric, source=source, status=status, first_day=first_day,
                    last_day=last_day, api_calls=api_calls, values_added=values_added, error=error, warning=warning,
                )
            )

    def runs(self, limit: int = 20) -> list[SyncRun]:
        with self._sessions() as session:
            return list(session.scalars(select(SyncRun).order_by(SyncRun.started_at.desc()).limit(limit)))

    def fetches(self, run_id: str) -> list[MetricFetch]:
        with self._sessions() as session:
            return list(session.scalars(select(MetricFetch).where(MetricFetch.sync_run_id == run_id).order_by(MetricFetch.metric)))

    def latest_fetch(self, metric: str, *, succeeded_only: bool = False, as_of: date | None = None) -> tuple[MetricFetch, SyncRun] | None:
        """The newest attempt to fetch ``metric`` (or its newest success) with the run it was part of;
        with ``as_of``, only runs as of that day or earlier (a report on a past day sees its past)."""
        query = select(MetricFetch, SyncRun).join(SyncRun, MetricFetch.sync_run_id == SyncRun.id).where(MetricFetch.metric == metric)
        if succeeded_only:
            query = query.where(MetricFetch.status == "succeeded")
        if as_of is not None:
            query = query.where(SyncRun.as_of <= as_of)
        with self._sessions() as session:
            row = session.execute(query.order_by(SyncRun.started_at.desc(), MetricFetch.id.desc()).limit(1)).first()
        return (row[0], row[1]) if row else None

    def fetch_history(self, metric: str, *, as_of: date | None = None, limit: int = 100) -> list[tuple[MetricFetch, SyncRun]]:
        """The newest ``limit`` attempts to fetch ``metric``, newest first, each with its run;
        with ``as_of``, only runs as of that day or earlier."""
        query = select(MetricFetch, SyncRun).join(SyncRun, MetricFetch.sync_run_id == SyncRun.id).where(MetricFetch.metric == metric)
        if as_of is not None:
            query = query.where(SyncRun.as_of <= as_of)
        with self._sessions() as session:
            rows = session.execute(query.order_by(SyncRun.started_at.desc(), MetricFetch.id.desc()).limit(limit)).all()
        return [(row[0], row[1]) for row in rows]

    def runs_as_of(self, as_of: date, limit: int = 20) -> list[SyncRun]:
        """The newest ``limit`` runs as of ``as_of`` or earlier, newest first (a report on a past day sees its past)."""
        with self._sessions() as session:
            query = select(SyncRun).where(SyncRun.as_of <= as_of).order_by(SyncRun.started_at.desc()).limit(limit)
            return list(session.scalars(query))

    def run_of_flow(self, flow_run_id: str) -> SyncRun | None:
        """The sync run a Prefect flow run recorded (its newest, should the flow run have been retried)."""
        with self._sessions() as session:
            query = select(SyncRun).where(SyncRun.flow_run_id == flow_run_id).order_by(SyncRun.started_at.desc()).limit(1)
            return session.scalars(query).first()

    def latest_run(self, *, status: str | None = None, before: datetime | None = None) -> SyncRun | None:
        """The newest run (with ``status``; started before ``before``), or None."""
        query = select(SyncRun)
        if status is not None:
            query = query.where(SyncRun.status == status)
        if before is not None:
            query = query.where(SyncRun.started_at < before)
        with self._sessions() as session:
            return session.scalars(query.order_by(SyncRun.started_at.desc()).limit(1)).first()

    def runs_between(self, after: datetime | None, before: datetime) -> list[SyncRun]:
        """The runs started after ``after`` (from the first one when None) and before ``before``, oldest first."""
        query = select(SyncRun).where(SyncRun.started_at < before)
        if after is not None:
            query = query.where(SyncRun.started_at > after)
        with self._sessions() as session:
            return list(session.scalars(query.order_by(SyncRun.started_at)))

    # --- observations ----------------------------------------------------

    def save_observations(
        self, run_id: str, metric: str, source: str, values: dict[date, float], records: Mapping[date, float] | None = None
    ) -> SaveResult:
        """Append the values that differ from the current ones; same values write nothing. With
        ``records`` (a sum's records per day), a day whose count of records changed is new too.

        Two writers racing on the same day collide on the (metric, day,
        revision) key; the loser re-reads and tries again, so no duplicate
        can ever be stored.
        """
        for _attempt in range(5):
            try:
                with self._sessions.begin() as session:
                    return self._append_changed(session, run_id, metric, source, values, records or {})
            except IntegrityError:
                continue
        raise RuntimeError(f"could not save metric {metric!r}: concurrent writers kept colliding")

    def _append_changed(
        self, session: Session, run_id: str, metric: str, source: str, values: dict[date, float], records: Mapping[date, float]
    ) -> SaveResult:
        if not values:
            return SaveResult(added=0, unchanged=0)
        current = self._current_rows(session, metric, min(values), max(values))
        fetched_at = _utcnow()
        added = 0
        for day, value in sorted(values.items()):
            existing = current.get(day)
            count = round(records[day]) if day in records else None
            if existing is not None and existing.value == value and (count is None or existing.records == count):
                continue
            if existing is not None and existing.value == value and existing.records is None:
                existing.records = count  # the count of a value stored before counts were kept: no new revision
                continue
            session.add(
                Observation(
                    metric=metric, day=day, value=float(value), records=count, source=source, sync_run_id=run_id,
                    fetched_at=fetched_at, revision=existing.revision + 1 if existing else 1,
                )
            )
            added += 1
        return SaveResult(added=added, unchanged=len(values) - added)

    @staticmethod
    def _current_rows(session: Session, metric: str, first_day: date, last_day: date) -> dict[date, Observation]:
        newest = (
            select(Observation.day, func.max(Observation.revision).label("revision"))
            .where(Observation.metric == metric, Observation.day >= first_day, Observation.day <= last_day)
            .group_by(Observation.day)
            .subquery()
        )
        rows = session.scalars(
            select(Observation).join(
                newest, (Observation.day == newest.c.day) & (Observation.revision == newest.c.revision)
            ).where(Observation.metric == metric)
        )
        return {row.day: row for row in rows}

    def daily_values(self, metric: str, first_day: date, last_day: date) -> list[DailyValue]:
        """Current value of each stored day in ``first_day..last_day``, oldest first."""
        with self._sessions() as session:
            rows = self._current_rows(session, metric, first_day, last_day)
        return [DailyValue(day=row.day, value=row.value, fetched_at=row.fetched_at, records=row.records) for day, row in sorted(rows.items())]

    def stored_days(self, metric: str, first_day: date, last_day: date) -> set[date]:
        """The days in ``first_day..last_day`` that have any value stored for ``metric``."""
        with self._sessions() as session:
            return set(
                session.scalars(
                    select(Observation.day)
                    .where(Observation.metric == metric, Observation.day >= first_day, Observation.day <= last_day)
                    .distinct()
                )
            )

    def latest_value(self, metric: str, on_or_before: date) -> DailyValue | None:
        """The newest stored day's current value on or before a day (for snapshots)."""
        with self._sessions() as session:
            row = session.scalars(
                select(Observation)
                .where(Observation.metric == metric, Observation.day <= on_or_before)
                .order_by(Observation.day.desc(), Observation.revision.desc())
                .limit(1)
            ).first()
        return DailyValue(day=row.day, value=row.value, fetched_at=row.fetched_at) if row else None

    def observation_count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(Observation)) or 0

    # --- window totals -----------------------------------------------------

    def save_window_total(self, run_id: str, metric: str, source: str, first_day: date, last_day: date, value: float) -> bool:
        """Append ``value`` as the figure of ``metric`` over ``first_day..last_day`` when it differs
        from the current one; True when a revision was added. Racing writers collide on the
        (metric, first_day, last_day, revision) key and the loser re-reads, as for daily values."""
        for _attempt in range(5):
            try:
                with self._sessions.begin() as session:
                    current = current_totals(session, metric, last_day, last_day, first_day=first_day)
                    existing = current[0] if current else None
                    if existing is not None and existing.value == value:
                        return False
                    session.add(
                        WindowTotalObservation(
                            metric=metric, first_day=first_day, last_day=last_day, value=float(value), source=source,
                            sync_run_id=run_id, fetched_at=_utcnow(), revision=existing.revision + 1 if existing else 1,
                        )
                    )
                    return True
            except IntegrityError:
                continue
        raise RuntimeError(f"could not save the total of metric {metric!r}: concurrent writers kept colliding")

    def window_total(self, metric: str, first_day: date, last_day: date) -> WindowTotalValue | None:
        """The current figure of ``metric`` over exactly ``first_day..last_day``, or None."""
        with self._sessions() as session:
            rows = current_totals(session, metric, last_day, last_day, first_day=first_day)
        return total_value(rows[0]) if rows else None

    def window_totals(self, metric: str, ending_from: date, ending_to: date) -> list[WindowTotalValue]:
        """The current figure of every stored window of ``metric`` that ends in ``ending_from..ending_to``,
        by last day, then first day."""
        with self._sessions() as session:
            return [total_value(row) for row in current_totals(session, metric, ending_from, ending_to)]

    # --- check-ins -------------------------------------------------------

    def add_checkin(
        self, key_result: str, day: date, value: float, author: str, note: str | None = None, *, pinned: bool = False, confidence: int | None = None
    ) -> CheckIn:
        """Append a check-in; ``pinned`` keeps it winning over newer synced values; ``confidence`` 1-10 or None."""
        if confidence is not None and not 1 <= confidence <= 10:
            raise ValueError(f"confidence is 1 to 10, not {confidence}")
        checkin = CheckIn(
            key_result=key_result, day=day, value=float(value), author=author, note=note, created_at=_utcnow(), pinned=pinned, confidence=confidence
        )
        with self._sessions.begin() as session:
            session.add(checkin)
        return checkin

    def latest_checkin(self, key_result: str, on_or_before: date) -> CheckIn | None:
        with self._sessions() as session:
            return session.scalars(
                select(CheckIn)
                .where(CheckIn.key_result == key_result, CheckIn.day <= on_or_before)
                .order_by(CheckIn.day.desc(), CheckIn.created_at.desc(), CheckIn.id.desc())
                .limit(1)
            ).first()

    def checkins(self, key_result: str, on_or_before: date | None = None) -> list[CheckIn]:
        """Every check-in of a KR (up to a day), in the order they were made."""
        query = select(CheckIn).where(CheckIn.key_result == key_result)
        if on_or_before is not None:
            query = query.where(CheckIn.day <= on_or_before)
        with self._sessions() as session:
            return list(session.scalars(query.order_by(CheckIn.created_at, CheckIn.id)))

    # --- history and freshness ---------------------------------------------

    def observation_history(self, metric: str, first_day: date, last_day: date) -> list[Observation]:
        """Every stored revision of a metric's days in ``first_day..last_day``, by day then revision."""
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Observation)
                    .where(Observation.metric == metric, Observation.day >= first_day, Observation.day <= last_day)
                    .order_by(Observation.day, Observation.revision)
                )
            )

    def newest_observed_day(self, metric: str, on_or_before: date) -> date | None:
        """The newest day with a stored value for ``metric`` on or before a day (failed fetches store none)."""
        with self._sessions() as session:
            return session.scalar(select(func.max(Observation.day)).where(Observation.metric == metric, Observation.day <= on_or_before))

    # --- closed periods ----------------------------------------------------

    def freeze_period(self, period: str, scores: list[PeriodScore]) -> bool:
        """Store a period's final scores at once; False (and nothing written) when it was closed already."""
        closed_at = _utcnow()
        try:
            with self._sessions.begin() as session:
                if session.scalar(select(func.count()).select_from(PeriodScore).where(PeriodScore.period == period)):
                    return False
                for score in scores:
                    score.period, score.closed_at = period, closed_at
                    session.add(score)
        except IntegrityError:
            # Another closer won the race; its rows are the frozen ones.
            return False
        return True

    def frozen_scores(self, period: str) -> list[PeriodScore]:
        """What ``freeze_period`` stored for ``period`` (empty while it is open)."""
        with self._sessions() as session:
            return list(session.scalars(select(PeriodScore).where(PeriodScore.period == period).order_by(PeriodScore.id)))
