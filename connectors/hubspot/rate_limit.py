"""Client-side rate limits per HubSpot portal, shared by every thread of a run.

HubSpot allows 5 CRM search requests per second per portal and a burst of
100 (Free/Starter) or 190 requests per rolling 10 seconds for everything.
Staying under both on our side means a normal run never sees a 429: a 429
costs a retry with backoff, so waiting a few milliseconds here is cheaper.

HubSpot counts a request when it arrives, which is some time after we send it
and before its answer comes back (pitfall 8 of the API notes): booking a slot
at send time, any margin smaller than connection set-up plus latency still
draws 429s when requests bunch up on the way. So a request holds its slot
while it is in flight, and its slot's moment is when its answer arrived: if
fewer than the limit were in flight or answered within the window when a
request left, fewer than the limit can have arrived at HubSpot within any
window, whatever the latency.

That limiter knows only its own process. Several processes reading one portal
(two syncs, a cron run and a worker's, two configs with two tokens of one
portal) would each stay under the limit while together they go over it, so
the wiring layer can hand the client ``SharedPortalLimits``: the client asks
the portal's id and holds the portal's lease from opening to closing, so that
one run at a time reads a portal, at the full rate its own limiter allows
(``flows.portal_limits`` keeps the lease on the Prefect server).

HubSpot counts what arrived in its windows, not who holds a lease, so the
holders of a portal take over from one another with care. A holder hands the
portal over (``hand_over``) once none of its searches is left in the search
window and no more than three tenths of the 10-second burst are left in that
window; its successor starts as if those three tenths were its own, sent the
moment it took over (``take_over``), so whatever its predecessors left counts
until it has surely left HubSpot's window. A tenth of the burst is never the
holder's: runs waiting for the lease have each sent one request, the portal's
id, outside it. This package knows no Prefect: it defines the lease's shape.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["PortalLease", "PortalRateLimiter", "SharedLimitError", "SharedPortalLimits", "SlidingWindowLimit"]

# Arrivals are bounded by answers on our clock; the small margin covers HubSpot's
# window edges and clock granularity, not latency.
_SAFETY_MARGIN = 1.05
# When every slot is taken by a request still in flight, nobody knows when one frees: look again soon.
_IN_FLIGHT_POLL_SECONDS = 0.02


# Shares of HubSpot's 10-second burst when one run at a time holds a portal: what a holder may leave
# in the window for its successor, and what is left to the id calls of runs opening the portal meanwhile.
_HANDED_OVER_SHARE = 0.3
_OPENERS_SHARE = 0.1


class SharedLimitError(Exception):
    """The portal's lease could not be had (its server unreachable, waited too long); the message
    says why, in one line."""


class PortalLease(Protocol):
    """This run's turn at reading one portal, held from the connector's opening to its closing."""

    limiter: PortalRateLimiter
    """The portal's limiter in this process: two connectors of one portal in one run count against one."""

    def release(self) -> None:
        """Give the portal back to the runs waiting for it; a second call does nothing."""
        ...


class SharedPortalLimits(Protocol):
    """Where leases come from: one per portal, named by its id, so that every config and token of
    one portal waits for the same one."""

    def hold(self, portal_id: str, limiter: PortalRateLimiter) -> PortalLease:
        """Block until this run may read the portal alone (``limiter``: the opening connector's own,
        which the lease hands on unless this run already reads the portal); raise ``SharedLimitError``
        when the lease cannot be had."""
        ...


class _Slot:
    """One request's place in a window: taken when it leaves, dated when its answer arrives."""

    __slots__ = ("at", "answered")

    def __init__(self, at: float):
        self.at = at
        self.answered = False


class SlidingWindowLimit:
    """At most ``max_requests`` in flight or answered per ``period_seconds`` (thread-safe)."""

    def __init__(self, max_requests: int, period_seconds: float, *, clock: Callable[[], float] = time.monotonic):
        if max_requests < 1:
            raise ValueError(f"max_requests must be at least 1, got {max_requests}")
        self.max_requests = max_requests
        self.period_seconds = period_seconds * _SAFETY_MARGIN
        self._clock = clock
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()

    def try_take(self) -> tuple[_Slot | None, float]:
        """A slot for a request leaving now, or None and how long to wait before asking again."""
        with self._lock:
            now = self._clock()
            horizon = now - self.period_seconds
            self._slots = [slot for slot in self._slots if not (slot.answered and slot.at <= horizon)]
            if len(self._slots) < self.max_requests:
                slot = _Slot(now)
                self._slots.append(slot)
                return slot, 0.0
            answered = [slot.at for slot in self._slots if slot.answered]
            wait = min(answered) + self.period_seconds - now if answered else _IN_FLIGHT_POLL_SECONDS
            return None, max(wait, _IN_FLIGHT_POLL_SECONDS)

    def answered(self, slot: _Slot) -> None:
        """Date ``slot`` by its answer's arrival (or failure): from now on it leaves the window in time."""
        with self._lock:
            slot.at = max(slot.at, self._clock())
            slot.answered = True

    def occupy(self, requests: int) -> None:
        """Count ``requests`` sent elsewhere and answered now: they leave the window a period from now."""
        with self._lock:
            now = self._clock()
            for _ in range(min(requests, self.max_requests)):
                slot = _Slot(now)
                slot.answered = True
                self._slots.append(slot)

    def until_at_most(self, requests: int) -> float:
        """Seconds until no more than ``requests`` of the slots taken remain in the window, with no new
        ones taken; a slot still in flight counts as answered now."""
        with self._lock:
            now = self._clock()
            leaving = sorted((slot.at if slot.answered else now) + self.period_seconds for slot in self._slots)
        leaving = [at for at in leaving if at > now]
        excess = len(leaving) - requests
        return leaving[excess - 1] - now if excess > 0 else 0.0


class PortalRateLimiter:
    """Both HubSpot limits of one portal: ``search_per_second`` and ``burst_per_10_seconds``.

    ``acquire(search=True)`` before a CRM search, ``acquire()`` before any
    other call; it blocks until the request may go. ``answered()`` once its
    answer (or failure) is in. A resend of the same request (the transport's
    retry) calls ``acquire`` again, which first dates the previous try by its
    answer. One instance per portal and run, shared by all threads; a thread's
    request in flight is kept per thread, as a thread sends one at a time.
    ``leased``: the run reads the portal under its lease, leaving the openers'
    share of the burst unused; ``take_over`` once it has the lease, ``hand_over``
    before giving it back.
    """

    def __init__(
        self, search_per_second: float, burst_per_10_seconds: int, *, leased: bool = False, sleep: Callable[[float], None] = time.sleep
    ):
        # A fractional search rate (2.5/s) becomes whole requests over a longer window (5 per 2 s).
        search_requests = max(1, round(search_per_second)) if search_per_second >= 1 else 1
        self._search = SlidingWindowLimit(search_requests, search_requests / search_per_second)
        own = burst_per_10_seconds - int(burst_per_10_seconds * _OPENERS_SHARE) if leased else burst_per_10_seconds
        self._burst = SlidingWindowLimit(own, 10.0)
        self._handed_over = int(burst_per_10_seconds * _HANDED_OVER_SHARE)
        self._sleep = sleep
        self._in_flight = threading.local()

    def adopt(self, other: PortalRateLimiter) -> None:
        """Count every request from now on against ``other``'s windows: one portal's connectors in one
        run share its limits. Called before the first request, while no other thread uses either."""
        self._search, self._burst = other._search, other._burst

    def acquire(self, *, search: bool = False) -> None:
        """Wait until one more request fits every limit that applies to it, and take its slots."""
        self.answered()
        taken = []
        # The tight search limit is taken last, so its slot's moment is when the request really goes.
        for limit in (self._burst, self._search) if search else (self._burst,):
            while True:
                slot, wait = limit.try_take()
                if slot is not None:
                    taken.append((limit, slot))
                    break
                self._sleep(wait)
        self._in_flight.slots = taken

    def take_over(self) -> None:
        """The run has just taken the portal's lease: count what its predecessors may have left in
        HubSpot's burst window (their handed-over share) as sent now."""
        self._burst.occupy(self._handed_over)

    def hand_over(self) -> None:
        """Wait, sending nothing more, until the next holder of the portal may start: none of this
        run's searches left in the search window, and no more than the handed-over share of the
        burst (what it took over included) in the 10-second one."""
        wait = max(self._search.until_at_most(0), self._burst.until_at_most(self._handed_over))
        if wait > 0:
            self._sleep(wait)

    def answered(self) -> None:
        """The calling thread's request in flight has its answer (or failed): date its slots."""
        for limit, slot in getattr(self._in_flight, "slots", ()):
            limit.answered(slot)
        self._in_flight.slots = ()
