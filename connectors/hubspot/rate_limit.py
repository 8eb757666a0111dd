"""Client-side rate limits per HubSpot portal, shared by every thread of a run.

HubSpot allows 5 CRM search requests per second per portal and a burst of
100 (Free/Starter) or 190 requests per rolling 10 seconds for everything.
Staying under both on our side means a normal run never sees a 429: a 429
costs a retry with backoff, so waiting a few milliseconds here is cheaper.
Each limit is a sliding window over the moments requests were sent; a thread
that would exceed it sleeps until the oldest request leaves the window.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["PortalRateLimiter", "SlidingWindowLimit"]

# Requests leave here a little before HubSpot sees them and latency varies; a
# window 10 % longer than HubSpot's keeps its count under the limit anyway.
_SAFETY_MARGIN = 1.1


class SlidingWindowLimit:
    """At most ``max_requests`` per ``period_seconds`` (thread-safe, blocking)."""

    def __init__(self, max_requests: int, period_seconds: float, *, clock: Callable[[], float] = time.monotonic):
        if max_requests < 1:
            raise ValueError(f"max_requests must be at least 1, got {max_requests}")
        self.max_requests = max_requests
        self.period_seconds = period_seconds * _SAFETY_MARGIN
        self._clock = clock
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Book the next free slot and return how long to wait for it (0 when free now)."""
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0] <= now - self.period_seconds:
                self._sent.popleft()
            if len(self._sent) < self.max_requests:
                self._sent.append(now)
                return 0.0
            # The slot frees when the request max_requests back leaves the window.
            slot = self._sent[-self.max_requests] + self.period_seconds
            self._sent.append(slot)
            return slot - now


class PortalRateLimiter:
    """Both HubSpot limits of one portal: ``search_per_second`` and ``burst_per_10_seconds``.

    ``acquire(search=True)`` before a CRM search, ``acquire()`` before any
    other call; it blocks until the request may go. One instance per portal
    and run, shared by all threads.
    """

    def __init__(self, search_per_second: float, burst_per_10_seconds: int, *, sleep: Callable[[float], None] = time.sleep):
        # A fractional search rate (2.5/s) becomes whole requests over a longer window (5 per 2 s).
        search_requests = max(1, round(search_per_second)) if search_per_second >= 1 else 1
        self._search = SlidingWindowLimit(search_requests, search_requests / search_per_second)
        self._burst = SlidingWindowLimit(burst_per_10_seconds, 10.0)
        self._sleep = sleep

    def acquire(self, *, search: bool = False) -> None:
        """Wait until one more request fits every limit that applies to it."""
        # The tight search limit is booked last, so its booked slot is when the request really goes.
        limits = (self._burst, self._search) if search else (self._burst,)
        for limit in limits:
            wait = limit.reserve()
            if wait > 0:
                self._sleep(wait)
