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
the wiring layer can hand the client a ``SharedLimit``: a gate every process
reading the portal passes (``flows.portal_limits`` keeps it on the Prefect
server), taken after this process's own slots, right before each request and
each resend leaves. This package knows no Prefect: it defines the gate's shape.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["PortalRateLimiter", "SharedLimit", "SharedLimitError", "SharedPortalLimits", "SlidingWindowLimit"]

# Arrivals are bounded by answers on our clock; the small margin covers HubSpot's
# window edges and clock granularity, not latency.
_SAFETY_MARGIN = 1.05
# When every slot is taken by a request still in flight, nobody knows when one frees: look again soon.
_IN_FLIGHT_POLL_SECONDS = 0.02


class SharedLimitError(Exception):
    """A slot of the shared limit could not be taken (its server unreachable, waited too long); the
    message says why, in one line."""


class SharedLimit(Protocol):
    """One portal's limits as every process reading it shares them."""

    def take(self, *, search: bool) -> None:
        """Block until one more request (a CRM search when ``search``) may leave for the portal,
        counting it; raise ``SharedLimitError`` when no slot can be had."""
        ...


class SharedPortalLimits(Protocol):
    """Where shared limits come from: one per portal, named by its id, so that every config and
    token of one portal shares it."""

    def for_portal(self, portal_id: str, *, search_per_second: float, requests_per_10_seconds: int) -> SharedLimit:
        """The portal's shared limit, made to fit HubSpot's ``search_per_second`` and ``requests_per_10_seconds``
        (created where it is kept if needed); raise ``SharedLimitError`` when that fails."""
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


class PortalRateLimiter:
    """Both HubSpot limits of one portal: ``search_per_second`` and ``burst_per_10_seconds``.

    ``acquire(search=True)`` before a CRM search, ``acquire()`` before any
    other call; it blocks until the request may go. ``answered()`` once its
    answer (or failure) is in. A resend of the same request (the transport's
    retry) calls ``acquire`` again, which first dates the previous try by its
    answer. One instance per portal and run, shared by all threads; a thread's
    request in flight is kept per thread, as a thread sends one at a time.
    With a ``shared`` limit (``share``), each acquire also takes its slot there,
    after this process's own.
    """

    def __init__(self, search_per_second: float, burst_per_10_seconds: int, *, sleep: Callable[[float], None] = time.sleep):
        # A fractional search rate (2.5/s) becomes whole requests over a longer window (5 per 2 s).
        search_requests = max(1, round(search_per_second)) if search_per_second >= 1 else 1
        self._search = SlidingWindowLimit(search_requests, search_requests / search_per_second)
        self._burst = SlidingWindowLimit(burst_per_10_seconds, 10.0)
        self._sleep = sleep
        self._in_flight = threading.local()
        self.shared: SharedLimit | None = None

    def share(self, shared: SharedLimit) -> None:
        """From now on, every request also takes a slot of ``shared`` (other processes' requests count there too)."""
        self.shared = shared

    def acquire(self, *, search: bool = False) -> None:
        """Wait until one more request fits every limit that applies to it, and take its slots;
        ``SharedLimitError`` when the shared limit cannot be had (this process's slots are given back)."""
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
        if self.shared is not None:
            # Last, right before the request leaves: other processes' requests are dated by it alone.
            try:
                self.shared.take(search=search)
            except BaseException:
                self.answered()  # nothing leaves: the slots age out as if answered now
                raise

    def answered(self) -> None:
        """The calling thread's request in flight has its answer (or failed): date its slots."""
        for limit, slot in getattr(self._in_flight, "slots", ()):
            limit.answered(slot)
        self._in_flight.slots = ()
