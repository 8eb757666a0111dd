"""Prefect task retries for source reads: which failures a later attempt can fix, how long to wait, every attempt counted.

Each connector's own urllib3 retries (``connectors.transport.session``) ride
out seconds: a 429 burst, a 502, a dropped connection, backing off for about
30 s in all. A source down for longer (HubSpot deploying, the network at
03:00) outlasts them and the read fails with a ``RetriableSourceError``; its
task then runs again after 30 s, then after 2 minutes, each with up to 50 %
jitter so that a pool of companies does not come back at the same instant.
Only failures a later attempt may fix are retried (``connectors.errors.is_transient``);
a rejected token, a missing scope, a mapped value the source does not know, an
answer we cannot read and the portal's spent daily quota fail at once.

``OKR_RETRY_DELAY_SECONDS`` sets the first delay (the second is four times
it), read when a run starts: tests set a fraction of a second; production
leaves it unset. A run that is stopping (SIGTERM, Ctrl-C) retries nothing
(``stop_retrying``): its reads fail as its connectors close, and a retry
waiting 30 s would hold the process past its signal.

The source counted every request of every attempt, so the read that ends a
task (its success or its last failure) carries the requests of the attempts
before it too (``Attempts``), and the run's record counts them all.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from uuid import UUID

from connectors.errors import SourceError, is_transient

__all__ = [
    "RETRY_DELAY_ENV",
    "SOURCE_RETRIES",
    "Attempts",
    "retry_delays",
    "retry_if_transient",
    "stop_retrying",
]

RETRY_DELAY_ENV = "OKR_RETRY_DELAY_SECONDS"
_FIRST_DELAY_SECONDS = 30.0
_GROWTH = 4  # 30 s, then 2 min
_RETRIES = 2

R = TypeVar("R")

# Flow runs unwinding (a signal, an error): none of their reads is tried again. Ids as text (Prefect's
# runtime gives text, a task run a UUID). One is never removed: the run's reads decide after its
# body has left, and such runs are few.
_stopping: set[str] = set()
_stopping_lock = threading.Lock()


def retry_delays(environ: Mapping[str, str] | None = None) -> list[float]:
    """The wait before each retry: 30 s then 2 min, or ``OKR_RETRY_DELAY_SECONDS`` then four times it."""
    raw = (os.environ if environ is None else environ).get(RETRY_DELAY_ENV, "").strip()
    first = _FIRST_DELAY_SECONDS
    if raw:
        try:
            first = float(raw)
        except ValueError:
            first = math.nan
        if not math.isfinite(first) or first < 0:
            raise ValueError(f"{RETRY_DELAY_ENV}={raw!r} is not a number of seconds (the first retry's delay; unset: {_FIRST_DELAY_SECONDS:g})")
    return [first * _GROWTH**attempt for attempt in range(_RETRIES)]


def stop_retrying(flow_run_id: UUID | str) -> None:
    """No read of flow run ``flow_run_id`` is tried again from now on: the run is stopping."""
    with _stopping_lock:
        _stopping.add(str(flow_run_id))


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect's ``retry_condition_fn``: retry a read whose failure a later attempt may fix,
    unless its flow run is stopping."""
    with _stopping_lock:
        if str(task_run.flow_run_id) in _stopping:
            return False
    return is_transient(state.result(raise_on_failure=False))


SOURCE_RETRIES: dict[str, Any] = {
    "retries": _RETRIES,
    "retry_delay_seconds": retry_delays({}),
    "retry_jitter_factor": 0.5,
    "retry_condition_fn": retry_if_transient,
}
"""The task options of a source read; a run replaces the delays with ``retry_delays()``."""


class Attempts:
    """The requests a task's failed attempts sent, added to the read that ends it: one per task
    run, passed to every attempt (Prefect calls a retried task with the same arguments)."""

    def __init__(self) -> None:
        self.api_calls = 0

    def run(self, read: Callable[[], R]) -> R:
        """``read()``, its result's or its failure's ``api_calls`` including the earlier attempts'."""
        try:
            result = read()
        except SourceError as error:
            error.api_calls += self.api_calls
            self.api_calls = error.api_calls
            raise
        return dataclasses.replace(result, api_calls=result.api_calls + self.api_calls)  # type: ignore[type-var]
