"""``StopOnSignals``: SIGTERM and SIGINT as ``Interrupted``, and the signal still known when a
library turned that exception into its own or swallowed it (run in the main thread, where
signals land)."""

from __future__ import annotations

import signal
import threading

import pytest
from pydantic import BaseModel, model_serializer

from flows.signals import Interrupted, StopOnSignals, received_signal


class SignalledWhileSerialized(BaseModel):
    """Serializing it raises SIGTERM, as a signal landing while Prefect dumps its settings does."""

    @model_serializer
    def _serialize(self) -> dict:
        signal.raise_signal(signal.SIGTERM)
        return {}


def test_a_signal_raises_interrupted_and_the_handlers_come_back():
    assert threading.current_thread() is threading.main_thread()
    before = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    stop = StopOnSignals()
    with pytest.raises(Interrupted) as raised, stop:
        assert received_signal() is None
        signal.raise_signal(signal.SIGINT)
    assert (raised.value.signal, stop.signal, stop.stopped_by(raised.value)) == (signal.SIGINT,) * 3
    assert {number: signal.getsignal(number) for number in before} == before
    assert received_signal() is None, "known only while the block is open"


def test_the_signal_is_known_when_a_library_made_another_error_of_it():
    stop = StopOnSignals()
    with pytest.raises(Exception) as raised, stop:
        SignalledWhileSerialized().model_dump()
    assert not isinstance(raised.value, KeyboardInterrupt), "pydantic wrapped the signal's exception"
    assert stop.stopped_by(raised.value) == signal.SIGTERM


def test_the_signal_is_known_when_a_library_swallowed_it():
    with StopOnSignals() as stop:
        try:
            signal.raise_signal(signal.SIGTERM)
        except BaseException:  # what a careless library does
            pass
        seen = received_signal()
    assert (seen, stop.signal) == (signal.SIGTERM, signal.SIGTERM)


def test_without_a_signal_an_error_is_no_stop():
    with StopOnSignals() as stop:
        pass
    assert stop.signal is None and stop.stopped_by(ValueError("a real failure")) is None
