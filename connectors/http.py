"""HTTP retry shared by the ``requests``-based connectors (HubSpot, Plausible, CSV over https).

urllib3's ``Retry`` retries the first failure at once (backoff 0), which
against a 429 without ``Retry-After`` only earns a second 429, so
``BackoffRetry`` waits from the first retry on. It returns the last response
instead of raising when retries run out, so each connector classifies the
final answer with the source's own message.
"""

from __future__ import annotations

import random
from itertools import takewhile

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

__all__ = ["BackoffRetry", "default_retry", "retrying_session"]


class BackoffRetry(Retry):
    """urllib3's ``Retry`` with a backoff from the first retry on.

    The n-th retry waits ``backoff_factor * 2**(n-1)`` plus up to
    ``backoff_jitter`` seconds, capped at ``backoff_max``; a ``Retry-After``
    header still wins.
    """

    def get_backoff_time(self) -> float:
        failures = len(list(takewhile(lambda attempt: attempt.redirect_location is None, reversed(self.history))))
        if failures == 0:
            return 0.0
        backoff = self.backoff_factor * (2 ** (failures - 1)) + random.random() * self.backoff_jitter
        return float(max(0.0, min(self.backoff_max, backoff)))


def default_retry(*, total: int = 5, backoff_factor: float = 1.0, backoff_jitter: float = 0.5, backoff_max: float = 30.0) -> Retry:
    """Retry 429 (with or without ``Retry-After``), 5xx, timeouts and connection failures, for every method (POST search too)."""
    return BackoffRetry(
        total=total,
        backoff_factor=backoff_factor,
        backoff_jitter=backoff_jitter,
        backoff_max=backoff_max,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def retrying_session(retry: Retry | None = None) -> requests.Session:
    """A ``requests`` session whose http and https requests all carry ``retry`` (default: ``default_retry()``)."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry or default_retry())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
