"""``StopOnSignals``: SIGTERM and SIGINT as ``Interrupted``, a stopped block ending quietly, and the
signal still known when a library turned that exception into its own or swallowed it (run in the
main thread, where signals land)."""

from __future__ import annotations

import signal
import threading

import pytest
from prefect.exceptions import TerminationSignal
from pydantic import BaseModel, model_serializer

from flows.signals import StopOnSignals, received_signal


class SignalledWhileSerialized(BaseModel):
    """Serializing it raises SIGTERM, as a signal landing while Prefect dumps its settings does."""

    @model_serializer
    def _serialize(self) -> dict:
        signal.raise_signal(signal.SIGTERM)
        return {}


def test_a_signal_ends_the_block_at_once_and_the_handlers_come_back():
    assert threading.current_thread() is threading.main_thread()
    before = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    reached = []
    with StopOnSignals() as stop:
        assert received_signal() is None
        signal.raise_signal(signal.SIGINT)
        reached.append("after the signal")
    assert (stop.signal, reached) == (signal.SIGINT, [])
    assert {number: signal.getsignal(number) for number in before} == before
    assert received_signal() is None, "known only while the block is open"


def test_the_signal_is_known_when_a_library_made_another_error_of_it():
    seen = []
    with StopOnSignals() as stop:
        try:
            SignalledWhileSerialized().model_dump()
        except Exception as error:  # pydantic wrapped the signal's exception: no KeyboardInterrupt
            seen.append(received_signal())
            raise error
    assert (seen, stop.signal) == ([signal.SIGTERM], signal.SIGTERM)


def test_the_signal_is_known_when_a_library_swallowed_it():
    with StopOnSignals() as stop:
        try:
            signal.raise_signal(signal.SIGTERM)
        except BaseException:  # what a careless library does
            pass
    assert stop.signal == signal.SIGTERM


def test_prefects_termination_signal_is_a_stop_by_sigterm():
    with StopOnSignals() as stop:
        raise TerminationSignal(signal=signal.SIGTERM)
    assert stop.signal == signal.SIGTERM


def test_without_a_signal_errors_go_through():
    with pytest.raises(ValueError), StopOnSignals() as stop:
        raise ValueError("a real failure")
    assert stop.signal is None
