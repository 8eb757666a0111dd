"""The retrying ``requests`` session of every HTTP source, and one way to send on it.

urllib3's ``Retry`` retries the first failure at once (backoff 0), which
against a 429 without ``Retry-After`` only earns a second 429, so
``BackoffRetry`` waits from the first retry on. It returns the last response
instead of raising when retries run out, so that ``raise_for_answer`` words
the final answer with the source's own message (``classify``). ``send`` is
the request, its failure and its answer in one call, for clients that talk
``requests`` directly (Plausible, CSV downloads, HubSpot's reads without an
SDK module); the HubSpot SDK's calls share the ``Retry`` and ``classify``.

urllib3 resends what fails before the answer's body is read; a 200 whose body
is cut short or is not JSON shows only when the body is read, after urllib3
is done, so ``resend_unreadable`` sends such a request again itself, with the
same ``Retry``'s backoff and within its total. An error answer no resend can
fix (``AnswerHooks.quota_exhausted``: a daily quota) is read by a retry that
knows the source's hooks and raised as ``FinalAnswer`` instead of resent;
``send`` turns it into its typed error (``final_answer``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from itertools import takewhile
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.util.retry import Retry

from connectors.errors import SourceError
from connectors.transport.classify import AnswerHooks, UnreadableAnswer, classify, classify_failure, error_body, failure_name
from connectors.transport.counting import CountingRetry, counting, withdraw_request

__all__ = [
    "BackoffRetry",
    "FinalAnswer",
    "default_retry",
    "final_answer",
    "raise_for_answer",
    "resend_unreadable",
    "retrying_session",
    "send",
]

T = TypeVar("T")


class BackoffRetry(CountingRetry):
    """urllib3's ``Retry`` with a backoff from the first retry on, each resend counted (``CountingRetry``).

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


class FinalAnswer(Exception):
    """An error answer a retry read and will not resend (``final_answer``): raised out of the HTTP
    stack in its place, for the client to turn into its typed error with ``classify(retried=False)``.
    It carries the answer's status, JSON object and reason, never the request."""

    def __init__(self, status: int, body: dict[str, Any], reason: str | None):
        super().__init__(status)
        self.status, self.body, self.reason = status, body, reason


def final_answer(response: urllib3.BaseHTTPResponse, hooks: AnswerHooks) -> FinalAnswer | None:
    """For a ``Retry`` about to resend an error ``response`` (its ``increment``): the ``FinalAnswer``
    to raise when ``hooks`` say the source's quota is spent (only a 429 can say so, and its body
    tells), else None and the resend goes ahead. Reading the body costs nothing: a resend drops it."""
    if response.status != 429:
        return None
    try:
        body = error_body(response.data)
    except Exception:  # a body cut short says nothing: let the retry resend as it would
        return None
    if not hooks.quota_exhausted(response.status, body):
        return None
    response.release_conn()
    return FinalAnswer(response.status, body, response.reason)


def resend_unreadable(attempt: Callable[[], T], retry: Retry, *, method: str, url: str) -> T:
    """``attempt()``, a request and the reading of its answer, until the answer is readable.

    An ``UnreadableAnswer`` (cut short, not JSON) is sent again as urllib3 resends a 5xx: after
    ``retry``'s backoff, within its total; when the total is spent, the last one is raised, saying
    how many tries it took. urllib3 still resends within each attempt what fails before the body.
    """
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except UnreadableAnswer as unreadable:
            last = unreadable
        try:
            retry = retry.increment(method=method, url=url, error=ProtocolError(last.message))
            if isinstance(retry, CountingRetry):
                withdraw_request()  # asked for the bookkeeping and the backoff: the next attempt counts itself
        except (MaxRetryError, ProtocolError):
            raise UnreadableAnswer(last.source, f"{last.message} on each of {tries} tries", status=last.status) from None
        time.sleep(retry.get_backoff_time())


def retrying_session(retry: Retry | None = None) -> requests.Session:
    """A ``requests`` session whose http and https requests all carry ``retry`` (default: ``default_retry()``),
    each resend counted (``counting.CountingRetry``)."""
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=counting(retry or default_retry()))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def raise_for_answer(response: requests.Response, source: str, hooks: AnswerHooks) -> None:
    """Return for an answer under HTTP 400; raise its typed error, worded by ``hooks``, for any other."""
    if response.status_code >= 400:
        raise classify(source, response.status_code, error_body(response.content), hooks, reason=response.reason)


def send(session: requests.Session, method: str, url: str, *, source: str, hooks: AnswerHooks, **options: Any) -> requests.Response:
    """``session.request(method, url, **options)``'s successful answer, its body read in full, or the
    typed error for the request that got no answer (``classify_failure``), for an answer no retry
    resends (``FinalAnswer``) or for the error answer (``raise_for_answer``); an answer whose body
    was cut short is an ``UnreadableAnswer``, for ``resend_unreadable`` to send again. The caller counts
    the request (``counting.count_request``), the session's retry its resends."""
    failure: Exception
    try:
        # Streamed, so that a body cut short shows here as such rather than as a failed request.
        response = session.request(method, url, stream=True, **options)
    except FinalAnswer as final:
        failure = classify(source, final.status, final.body, hooks, reason=final.reason, retried=False)
    except SourceError as error:  # already ours: a retry that stopped waiting says why
        failure = error
    except Exception as error:  # any failure: its text may quote the headers, so only its type is named
        failure = classify_failure(source, error, hooks)
    else:
        try:
            response.content  # noqa: B018 (reads the body: it fails here when cut short)
        except requests.RequestException as error:
            failure = UnreadableAnswer(source, f"{urlsplit(url).path} answer was cut short ({failure_name(error)})", status=response.status_code)
        else:
            raise_for_answer(response, source, hooks)
            return response
    raise failure  # outside the handler, so that not even __context__ keeps the original
