"""A SIGTERM landing mid-write: the write ends whole, the signal arrives after it, and the store is
free for the next write (recording the run as interrupted), on SQLite and PostgreSQL.

The signal is raised from inside the write itself (SQLAlchemy's ``after_cursor_execute``, after
the first row went in), where a stopped sync's signal can land.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from okrmodel.storage import Store
from okrmodel.storage.sessions import signals_held

D1, D2, AS_OF = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


class Stopped(BaseException):
    """What the test's SIGTERM handler raises, as Prefect's and the CLI's raise theirs."""


@contextmanager
def stopping_on_sigterm() -> Iterator[list[str]]:
    """SIGTERM raises ``Stopped``; yields where the handler notes each call, in order."""
    assert threading.current_thread() is threading.main_thread(), "signals reach the main thread only"
    calls: list[str] = []

    def stop(_number, _frame):
        calls.append("stopped")
        raise Stopped

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield calls
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signalled_after_first_insert(store: Store, times: int = 1) -> Iterator[None]:
    def send(_connection, _cursor, statement, *_rest):
        nonlocal left
        if left and statement.lstrip().upper().startswith("INSERT INTO OBSERVATIONS"):
            left -= 1
            signal.raise_signal(signal.SIGTERM)

    left = times
    event.listen(store.engine, "after_cursor_execute", send)
    try:
        yield
    finally:
        event.remove(store.engine, "after_cursor_execute", send)


def test_a_signal_mid_write_arrives_after_the_write_and_the_store_stays_writable(database_url):
    with Store(database_url) as store, stopping_on_sigterm() as calls:
        run = store.start_run(AS_OF)
        with signalled_after_first_insert(store), pytest.raises(Stopped):
            store.save_observations(run, "mqls", "hubspot", {D1: 3, D2: 4})
            calls.append("write returned")  # never reached: the signal is raised as the write ends
        assert calls == ["stopped"]
        # What was being written is stored whole, and the next write is not kept waiting.
        assert [(value.day, value.value) for value in store.daily_values("mqls", D1, D2)] == [(D1, 3.0), (D2, 4.0)]
        store.finish_run(run, "interrupted", "stopped by SIGTERM")
        assert [(row.status, row.message) for row in store.runs()] == [("interrupted", "stopped by SIGTERM")]
        assert signal.getsignal(signal.SIGTERM).__name__ == "stop", "the handler is back after the write"


def test_a_second_signal_mid_write_is_not_held(database_url):
    with Store(database_url) as store, stopping_on_sigterm() as calls:
        run = store.start_run(AS_OF)
        with signalled_after_first_insert(store, times=1), signals_held(), pytest.raises(Stopped):
            signal.raise_signal(signal.SIGTERM)  # the first, held
            store.save_observations(run, "mqls", "hubspot", {D1: 3, D2: 4})  # the second, inside the write
        assert calls == ["stopped"], "asked twice, the handler ran at once, and only then"
        assert store.daily_values("mqls", D1, D2) == [], "the write it cut short was rolled back whole"


def test_signals_held_outside_the_main_thread_leaves_the_handlers_alone():
    before = signal.getsignal(signal.SIGTERM)
    seen = []

    def in_thread():
        with signals_held():
            seen.append(signal.getsignal(signal.SIGTERM))

    worker = threading.Thread(target=in_thread)
    worker.start()
    worker.join()
    assert seen == [before]
