"""The portal's limiter on a fake clock: a request holds its slot while in flight and is dated
by its answer, so arrivals at HubSpot (between sending and answering) stay under the limit
however long the way is (pitfall 8)."""

from __future__ import annotations

import pytest

from connectors.hubspot.rate_limit import PortalRateLimiter, SlidingWindowLimit


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


def test_a_window_says_when_no_more_than_so_many_of_its_slots_remain():
    clock = FakeClock()
    limit = SlidingWindowLimit(10, 10.0, clock=clock)
    slots = []
    for _ in range(4):
        slot, _ = limit.try_take()
        limit.answered(slot)
        slots.append(slot)
        clock.now += 1.0
    in_flight, _ = limit.try_take()  # counts as answered now
    assert limit.until_at_most(5) == 0.0
    assert limit.until_at_most(2) == pytest.approx(slots[2].at + limit.period_seconds - clock.now)  # three of five must leave
    assert limit.until_at_most(0) == pytest.approx(limit.period_seconds)  # the one in flight, dated now
    limit.answered(in_flight)
    clock.now += limit.period_seconds
    assert limit.until_at_most(0) == 0.0


def hold_and_read(limiter: PortalRateLimiter, clock: FakeClock, *, searches: int, others: int, sent: list[float] | None = None) -> None:
    for search in [True] * searches + [False] * others:
        limiter.acquire(search=search)
        if sent is not None:
            sent.append(clock.now)
        clock.now += 0.1  # the round trip
        limiter.answered()


def most_within(moments: list[float], seconds: float) -> int:
    """The most of ``moments`` within any ``seconds``."""
    moments = sorted(moments)
    return max(sum(1 for other in moments[index:] if other < start + seconds) for index, start in enumerate(moments))


def test_holders_taking_over_from_one_another_leave_the_openers_tenth_of_hubspots_burst_in_any_window():
    clock = FakeClock()
    sent: list[float] = []
    # A long read, a short one, a long one: each takes the portal over from the one before.
    for requests in (90, 5, 90):
        holder = PortalRateLimiter(5, 100, leased=True, sleep=clock.sleep)
        holder.take_over()
        hold_and_read(holder, clock, searches=0, others=requests, sent=sent)
        holder.hand_over()
    # HubSpot counts each on arrival, between its sending and its answer 0.1 s later: either way, at most 90.
    assert most_within(sent, 10.0) <= 90
    assert most_within([moment + 0.1 for moment in sent], 10.0) <= 90
    assert most_within(sent, 10.0) >= 60, "and no fewer than the burst less the openers' tenth and what is taken over"


def test_after_a_holders_last_search_the_successor_finds_none_of_its_searches_in_the_window():
    clock = FakeClock()
    limiter = PortalRateLimiter(5, 100, leased=True, sleep=clock.sleep)
    hold_and_read(limiter, clock, searches=5, others=0)
    last_answer = clock.now
    limiter.hand_over()
    assert clock.now == pytest.approx(last_answer + 1.05)  # the search window, no more: 5 requests are far below 30
    unleased = PortalRateLimiter(5, 100, sleep=clock.sleep)
    start = clock.now
    hold_and_read(unleased, clock, searches=0, others=100)
    assert clock.now - start == pytest.approx(10.0), "without a lease the whole burst is the run's"
