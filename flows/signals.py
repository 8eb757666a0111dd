"""SIGTERM and SIGINT stop a command promptly, as an exception its clean-up sees.

By default SIGTERM kills Python without running ``finally`` blocks or
``atexit``: a sync stopped so leaves its run ``running`` and the Prefect
server it started listening. Inside ``StopOnSignals()`` both signals
raise ``Interrupted`` in the main thread instead (a ``KeyboardInterrupt``, so
code that lets Ctrl-C through lets it through too), and everything unwinds:
the flow records its run as interrupted, the server is stopped, and the
command exits ``128 + signal`` with one line. During a flow run Prefect turns
SIGTERM into its own ``TerminationSignal`` first, then sends it again, which
lands here. A second signal while unwinding ends the process at once: the
server still goes, since it watches this process (``flows.prefect_api``).
"""

from __future__ import annotations

import os
import signal
from types import FrameType
from typing import Any

__all__ = ["Interrupted", "StopOnSignals", "received_signal"]

_STOPPING = (signal.SIGTERM, signal.SIGINT)
_received: int | None = None
"""The signal a ``StopOnSignals`` block of this process received, if one did (signals are the process's)."""


def received_signal() -> int | None:
    """The signal that is stopping this process (``StopOnSignals``), or None: for code that must tell a
    stop from a failure when a library has turned the signal's exception into an error of its own."""
    return _received


class Interrupted(KeyboardInterrupt):
    """The process got ``signal`` (SIGTERM or SIGINT) and is stopping."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal = signal_number


class StopOnSignals:
    """Within the block SIGTERM and SIGINT raise ``Interrupted`` (main thread only; elsewhere the
    handlers stay as they are); the previous handlers come back after it. A block a signal stopped
    ends without raising, whatever exception unwound it: ``signal`` says which signal it was (None
    when none came), so a stop stays a stop when a library turned ``Interrupted`` into an error
    of its own (pydantic, serializing, makes it a ``PydanticSerializationError``) or swallowed it."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopOnSignals:
        global _received
        _received = None
        try:
            self._previous = {number: signal.signal(number, self._stop) for number in _STOPPING}
        except ValueError:  # not the main thread: signals are not ours to handle
            pass
        return self

    def __exit__(self, _type: type[BaseException] | None, error: BaseException | None, _traceback: object) -> bool:
        global _received
        _received = None
        for number, handler in self._previous.items():
            signal.signal(number, handler)
        self._previous = {}
        if error is not None and self.signal is None:
            self.signal = _signal_of(error)
        return error is not None and self.signal is not None

    def _stop(self, signal_number: int, _frame: FrameType | None) -> None:
        global _received
        if self.signal is not None:
            os._exit(128 + signal_number)  # asked twice: the clean-up is taking too long
        self.signal = _received = signal_number
        raise Interrupted(signal_number)


def _signal_of(error: BaseException) -> int | None:
    """The signal a stop ``error`` carries, one this process's handler did not see: SIGTERM for Prefect's
    ``TerminationSignal`` (raised in a flow run, where Prefect's handler comes first)."""
    from prefect.exceptions import TerminationSignal

    return error.signal if isinstance(error, Interrupted | TerminationSignal) else None
