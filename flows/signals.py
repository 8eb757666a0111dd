"""SIGTERM and SIGINT stop a command promptly, as an exception its clean-up sees.

By default SIGTERM kills Python without running ``finally`` blocks or
``atexit``: a sync stopped so leaves its run ``running`` and the Prefect
server it started listening. Inside ``stopped_by_signals()`` both signals
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
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Interrupted", "stopping_signal", "stopped_by_signals"]

_STOPPING = (signal.SIGTERM, signal.SIGINT)


class Interrupted(KeyboardInterrupt):
    """The process got ``signal`` (SIGTERM or SIGINT) and is stopping."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal = signal_number

    @property
    def name(self) -> str:
        return signal.Signals(self.signal).name

    @property
    def exit_code(self) -> int:
        """The shell's code for a process ended by the signal: 143 for SIGTERM, 130 for SIGINT."""
        return 128 + self.signal


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGINT raise ``Interrupted`` within the block (main thread only; elsewhere the
    handlers stay as they are); the previous handlers come back after it."""
    received: list[int] = []

    def stop(signal_number: int, _frame: FrameType | None) -> None:
        if received:
            os._exit(128 + signal_number)  # asked twice: the clean-up is taking too long
        received.append(signal_number)
        raise Interrupted(signal_number)

    try:
        previous = {number: signal.signal(number, stop) for number in _STOPPING}
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def stopping_signal(error: BaseException) -> int | None:
    """The signal ``error`` says stopped the command: ``Interrupted``'s, or SIGTERM for Prefect's
    ``TerminationSignal`` (raised in a flow run); None for any other error."""
    if isinstance(error, Interrupted):
        return error.signal
    from prefect.exceptions import TerminationSignal

    return error.signal if isinstance(error, TerminationSignal) else None
