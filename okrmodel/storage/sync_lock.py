"""One sync of a company at a time, and the runs a dead process left ``running``.

Two syncs of one company must never overlap (a cron ``okr sync`` and a
deployment run, two triggers of one deployment): they would read the same
portal twice over and race on the same days. So a sync holds a lock in the
company's store for its whole run (``company_lock``):

- PostgreSQL: a session-scoped advisory lock keyed from the company
  (``pg_try_advisory_lock``), on a connection the sync keeps open in
  autocommit, so no transaction stays open for the run. The server drops it
  with the connection, so the lock of a killed sync goes with its process.
- SQLite: ``flock`` on a file beside the database (``okr.db.sync-lock``):
  the database's lock is its company's, since a database holds one company.
  The kernel releases it when its process ends, however it ends (SIGKILL
  included): it cannot go stale, and unlike a row naming the holder's pid it
  needs no liveness check, which pid reuse can fool, nor a lease, which a slow
  or suspended run outlives. ``flock`` locks belong to the open file, not to
  the process (a POSIX ``fcntl`` lock vanishes when any descriptor of the
  file closes), so two stores in one process exclude each other too. SQLite's
  own locking needs the same file-locking to work, so where SQLite is safe,
  this lock is.

A second sync finds the lock taken and fails at once with ``SyncLocked``,
naming the run holding it (its host, pid and start), or waits its turn.

While a sync holds the lock, no other sync of the company runs, so every run
still marked ``running`` was left by a process that died (killed, crashed,
its machine stopped): the sync marks them ``abandoned`` (``abandon_left_runs``).
Outside a sync, ``abandon_dead_runs`` marks at once those whose process on
this machine is gone; a run on another machine waits for the next sync.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, text

from okrmodel.storage.models import SyncRun
from okrmodel.storage.store import Store

__all__ = ["SyncLocked", "abandon_dead_runs", "abandon_left_runs", "company_lock", "lock_file_of"]

WAIT_POLL_SECONDS = 0.5
"""How often a waiting sync tries the lock again."""


class SyncLocked(Exception):
    """Another sync of ``company`` holds its lock; ``holder`` says which run, on what process, since when."""

    def __init__(self, company: str, holder: str):
        self.company, self.holder = company, holder
        super().__init__(f"another sync of {company} is running ({holder})")

    def __reduce__(self):
        return SyncLocked, (self.company, self.holder)


def describe_holder(run: SyncRun | None) -> str:
    """``run 1a2b3c4d, pid 4242 on web-1, since 2026-11-27 03:00:12 UTC``: who holds the lock since when."""
    if run is None:
        return "it has not recorded its run yet"
    return f"run {run.id[:8]}, {_process(run)}, since {run.started_at:%Y-%m-%d %H:%M:%S} UTC"


@contextmanager
def company_lock(store: Store, company: str, *, wait: bool = False, on_wait: Callable[[SyncLocked], None] | None = None) -> Iterator[None]:
    """Hold ``company``'s sync lock in ``store`` for the block. Taken: raise ``SyncLocked`` at once,
    or with ``wait``, tell ``on_wait`` who holds it and try again until it is free."""
    lock = _lock_for(store, company)
    if not lock.try_acquire():
        held = SyncLocked(company, describe_holder(_newest(store.running_runs())))
        if not wait:
            raise held
        if on_wait is not None:
            on_wait(held)
        while not lock.try_acquire():
            time.sleep(WAIT_POLL_SECONDS)
    try:
        yield
    finally:
        lock.release()


def abandon_left_runs(store: Store) -> list[SyncRun]:
    """With the company's lock held: mark every run still ``running`` abandoned (its process is gone,
    or it would hold the lock). Returns them."""
    return _abandon(store, store.running_runs(), "noticed by the next sync")


def abandon_dead_runs(store: Store) -> list[SyncRun]:
    """Mark abandoned at once the ``running`` runs of this machine whose process is gone. Returns them."""
    here = socket.gethostname()
    dead = [run for run in store.running_runs() if run.host == here and run.pid is not None and not _alive(run.pid)]
    return _abandon(store, dead, "its process is gone")


def lock_file_of(database: str) -> Path:
    """The file a SQLite database's sync lock is taken on, beside it."""
    return Path(f"{database}.sync-lock")


def _abandon(store: Store, runs: list[SyncRun], noticed: str) -> list[SyncRun]:
    message = "its process ({}) ended without finishing the run (killed, crashed, or its machine stopped); {}"
    return [run for run in runs if store.abandon_run(run.id, message.format(_process(run), noticed))]


def _process(run: SyncRun) -> str:
    return f"pid {run.pid} on {run.host}" if run.pid is not None else "a process not recorded"


def _newest(runs: list[SyncRun]) -> SyncRun | None:
    return max(runs, key=lambda run: run.started_at, default=None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: alive, though not ours to signal
    return True


def _lock_key(company: str) -> int:
    """A signed 64-bit advisory lock key from the company's name."""
    return int.from_bytes(hashlib.blake2b(f"okr-sync:{company}".encode(), digest_size=8).digest(), "big", signed=True)


class _AdvisoryLock:
    def __init__(self, store: Store, company: str):
        self.store, self.key = store, _lock_key(company)
        self.connection: Connection | None = None

    def try_acquire(self) -> bool:
        connection = self.store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        if connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}):
            self.connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            finally:
                self.connection.close()  # the lock goes with the session anyway
                self.connection = None


class _FileLock:
    def __init__(self, path: Path):
        self.path = path
        self.descriptor: int | None = None

    def try_acquire(self) -> bool:
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return False
        self.descriptor = descriptor
        return True

    def release(self) -> None:
        if self.descriptor is not None:
            os.close(self.descriptor)  # closing the last descriptor of the open file releases its flock
            self.descriptor = None


class _ProcessLocalLock:
    """An in-memory SQLite database is this process's alone: nobody else can sync it."""

    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def _lock_for(store: Store, company: str) -> _AdvisoryLock | _FileLock | _ProcessLocalLock:
    dialect = store.engine.dialect.name
    if dialect == "postgresql":
        return _AdvisoryLock(store, company)
    database = store.engine.url.database
    if dialect == "sqlite" and database and database != ":memory:":
        return _FileLock(lock_file_of(database))
    return _ProcessLocalLock()
