"""One sync per company at a time, and runs left ``running`` by a dead process, on SQLite and PostgreSQL.

A lock held by another process is held by a real one: a Python subprocess
that takes it and waits, killed with SIGKILL as a crashed sync would be.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date

import pytest

from okrmodel.storage import Store, SyncLocked, abandon_dead_runs, abandon_left_runs, company_lock

AS_OF = date(2026, 11, 27)
COMPANY = "Acme Cloud"

HOLDER = """
import sys, time
from datetime import date
from okrmodel.storage import Store, company_lock
with Store(sys.argv[1]) as store, company_lock(store, sys.argv[2]):
    store.start_run(date(2026, 11, 27))
    print("locked", flush=True)
    time.sleep(600)
"""


@contextmanager
def holding_process(database_url: str, company: str = COMPANY) -> Iterator[subprocess.Popen[str]]:
    """Another process holding ``company``'s lock, with a run started, until the block ends (SIGKILL)."""
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, database_url, company], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        holder.kill()
        holder.wait()


@contextmanager
def company_lock_once_released(store: Store, seconds: float = 10.0) -> Iterator[None]:
    """``company_lock`` taken as soon as a dead holder's lock is gone, failing after ``seconds``."""
    deadline = time.monotonic() + seconds
    with ExitStack() as held:
        while True:
            try:
                held.enter_context(company_lock(store, COMPANY))
                break
            except SyncLocked:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield


def test_a_second_sync_is_refused_naming_the_holder_and_runs_once_the_holder_is_killed(database_url):
    with Store(database_url) as store:
        with holding_process(database_url) as holder:
            with pytest.raises(SyncLocked) as refused:
                with company_lock(store, COMPANY):
                    pytest.fail("the lock is held by another process")
            [held_by] = store.running_runs()
            assert f"another sync of {COMPANY} is running (run {held_by.id[:8]}, pid {holder.pid} on {socket.gethostname()}, since " in str(refused.value)
        # SIGKILL: no clean-up ran, yet the lock went with the process (its connection, its open file). PostgreSQL
        # drops a dead client's session when its backend notices the closed socket: a moment after the kill.
        with company_lock_once_released(store):
            [left] = store.running_runs()
            assert left.pid == holder.pid
            assert [run.id for run in abandon_left_runs(store)] == [left.id]
        [abandoned] = store.runs()
        assert (abandoned.status, abandoned.started_at, abandoned.finished_at) == ("abandoned", left.started_at, None)
        assert f"its process (pid {holder.pid} on {socket.gethostname()}) ended without finishing the run" in abandoned.message


def test_the_lock_excludes_a_second_holder_in_the_same_process_too(database_url):
    with Store(database_url) as store, Store(database_url) as other:
        with company_lock(store, COMPANY):
            with pytest.raises(SyncLocked, match="it has not recorded its run yet"):
                with company_lock(other, COMPANY):
                    pass
        with company_lock(other, COMPANY):
            pass  # released with the block


def test_waiting_takes_the_lock_once_the_holder_releases_it(database_url):
    waiting_told, order = threading.Event(), []
    with Store(database_url) as store, Store(database_url) as other:

        def second() -> None:
            def told(held: SyncLocked) -> None:
                order.append(f"told: {held}")
                waiting_told.set()

            with company_lock(other, COMPANY, wait=True, on_wait=told):
                order.append("second holds it")

        with company_lock(store, COMPANY):
            run_id = store.start_run(AS_OF)
            waiter = threading.Thread(target=second)
            waiter.start()
            assert waiting_told.wait(60)
            order.append("first releases it")
            store.finish_run(run_id, "succeeded")
        waiter.join(60)
    assert order[0].startswith(f"told: another sync of {COMPANY} is running (run {run_id[:8]}")
    assert order[1:] == ["first releases it", "second holds it"]


def test_a_run_whose_local_process_is_gone_is_marked_abandoned_at_once(database_url):
    with Store(database_url) as store:
        with holding_process(database_url):
            [theirs] = store.running_runs()
            ours = store.start_run(AS_OF)  # this process: alive
            assert abandon_dead_runs(store) == [], "a live holder's run is running"
        # Killed and reaped: the process is gone, and the run says so without waiting for a sync.
        assert [run.id for run in abandon_dead_runs(store)] == [theirs.id]
        statuses = {run.id: run.status for run in store.runs()}
    assert statuses == {theirs.id: "abandoned", ours: "running"}


def test_an_abandoned_run_is_never_marked_twice_nor_over_a_finished_one(database_url):
    with Store(database_url) as store:
        finished = store.start_run(AS_OF)
        store.finish_run(finished, "succeeded")
        assert not store.abandon_run(finished, "too late")
        assert [run.status for run in store.runs()] == ["succeeded"]

