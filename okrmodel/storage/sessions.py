"""Store sessions that SIGTERM and Ctrl-C cannot cut in two.

Both signals raise an exception wherever the main thread happens to be
(Prefect's handler during a flow run, ``flows.signals`` in the CLI). Raised
inside a SQLite statement, the exception leaves that statement unfinished and
its connection, kept alive by the exception's traceback, holding the
database's lock: the write that records the run as interrupted then waits out
the busy timeout and fails, and the stopped command ends in a traceback with
its run still ``running``. So each session holds both signals back until it
has committed or rolled back (milliseconds), then hands them to the handler
they were meant for. A second signal while one is held goes through at once,
cutting the write short (it rolls back): whoever asks twice does not wait on
a stuck database, and means the process to end (``flows.signals`` ends it).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Sessions", "signals_held"]

_HELD = (signal.SIGTERM, signal.SIGINT)
_holding = False
"""Whether a ``signals_held`` block is open (in the main thread): a block within it holds nothing more."""

Handler = Callable[[int, FrameType | None], Any] | int | None


@contextmanager
def signals_held() -> Iterator[None]:
    """SIGTERM and SIGINT arriving within the block reach their handlers when it ends (the outermost
    block's end, when nested; main thread only: signals are delivered nowhere else)."""
    global _holding
    if _holding or threading.current_thread() is not threading.main_thread():
        yield  # an outer block holds them already, or this thread gets no signals
        return
    received: list[int] = []

    def hold(number: int, frame: FrameType | None) -> None:
        if not received:
            received.append(number)
            return
        received.clear()  # asked again while one is held: both are the handler's now, at once
        _deliver(previous[number], number, frame)

    previous: dict[int, Handler] = {number: signal.signal(number, hold) for number in _HELD}
    _holding = True
    try:
        yield
    finally:
        _holding = False
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
        if received:
            _deliver(previous[received[0]], received[0], None)


def _deliver(handler: Handler, number: int, frame: FrameType | None) -> None:
    """What ``number`` would have done had nothing held it: call its handler, or take the default action."""
    if callable(handler):
        handler(number, frame)
    elif handler != signal.SIG_IGN:  # the default (or a handler not set from Python): end as the signal does
        signal.signal(number, signal.SIG_DFL)
        signal.raise_signal(number)


class Sessions:
    """``sessionmaker``'s two ways in, ``with sessions() as session`` and ``with sessions.begin() as session``,
    each with the signals held until the session is closed."""

    def __init__(self, maker: sessionmaker[Session]):
        self._maker = maker

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        with signals_held(), self._maker() as session:
            yield session

    @contextmanager
    def begin(self) -> Iterator[Session]:
        with signals_held(), self._maker.begin() as session:
            yield session
