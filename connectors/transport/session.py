"""The retrying ``requests`` session of every HTTP source, and one way to send on it.

urllib3's ``Retry`` retries the first failure at once (backoff 0), which
against a 429 without ``Retry-After`` only earns a second 429, so
``BackoffRetry`` waits from the first retry on. It returns the last response
instead of raising when retries run out, so that ``raise_for_answer`` words
the final answer with the source's own message (``classify``). ``send`` is
the request, its failure and its answer in one call, for clients that talk
``requests`` directly (Plausible, CSV downloads, HubSpot's reads without an
SDK module); the HubSpot SDK's calls share the ``Retry`` and ``classify``.
"""

from __future__ import annotations

import random
from itertools import takewhile
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from connectors.transport.classify import AnswerHooks, classify, classify_failure, error_body

__all__ = ["BackoffRetry", "default_retry", "raise_for_answer", "retrying_session", "send"]


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


def raise_for_answer(response: requests.Response, source: str, hooks: AnswerHooks) -> None:
    """Return for an answer under HTTP 400; raise its typed error, worded by ``hooks``, for any other."""
    if response.status_code >= 400:
        raise classify(source, response.status_code, error_body(response.content), hooks, reason=response.reason)


def send(session: requests.Session, method: str, url: str, *, source: str, hooks: AnswerHooks, **options: Any) -> requests.Response:
    """``session.request(method, url, **options)``'s successful answer, or the typed error for
    the request that got no answer (``classify_failure``) or the error answer (``raise_for_answer``)."""
    try:
        response = session.request(method, url, **options)
    except Exception as error:  # any failure: its text may quote the headers, so only its type is named
        failure = classify_failure(source, error, hooks)
    else:
        raise_for_answer(response, source, hooks)
        return response
    raise failure  # outside the handler, so that not even __context__ keeps the original
