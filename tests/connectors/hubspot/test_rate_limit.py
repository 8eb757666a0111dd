"""The portal's limiter on a fake clock: a request holds its slot while in flight and is dated
by its answer, so arrivals at HubSpot (between sending and answering) stay under the limit
however long the way is (pitfall 8)."""

from __future__ import annotations

import pytest

from connectors.hubspot.rate_limit import SlidingWindowLimit


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_slot_in_flight_is_held_until_its_answer_and_then_for_the_window():
    clock = FakeClock()
    limit = SlidingWindowLimit(2, 1.0, clock=clock)
    first, _ = limit.try_take()
    second, _ = limit.try_take()
    assert first is not None and second is not None
    clock.now += 5.0  # long in flight: booking at send time would have freed both long ago
    assert limit.try_take()[0] is None, "both are still in flight"
    limit.answered(first)
    slot, wait = limit.try_take()
    assert slot is None and wait == pytest.approx(limit.period_seconds), "the answered one leaves the window a period after its answer"
    clock.now += wait
    assert limit.try_take()[0] is not None
