"""Requests counted as the source counts them: every one that left, resends included.

A source counts each request that reaches it against its limits (HubSpot's
daily quota, Plausible's hourly one), whether our side sends it for the first
time or resends it after a 5xx, a 429 or an answer cut short, and whether the
read it belongs to succeeds or fails. So a read runs inside a
``counted_requests()`` block: each client calls ``count_request`` as it sends
a request, and a ``CountingRetry`` (every retry ``retrying_session`` and
HubSpot's client use) counts each resend urllib3 makes. A ``SourceError``
leaving the block carries the count as its ``api_calls``, so a failed read
is recorded with what it cost. The count lives in a context variable, so
reads running in parallel threads each count their own, even on one client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from urllib3.util.retry import Retry

from connectors.errors import SourceError

__all__ = ["CountingRetry", "RequestCount", "count_request", "counted_requests", "counting", "withdraw_request"]


class RequestCount:
    """The requests a block sent so far."""

    def __init__(self) -> None:
        self.value = 0


_CURRENT: ContextVar[RequestCount | None] = ContextVar("requests_counted", default=None)


@contextmanager
def counted_requests() -> Iterator[RequestCount]:
    """Count the requests sent within the block (in this thread): ``count.value``, read at any time;
    a ``SourceError`` leaving the block carries it as ``api_calls``."""
    count = RequestCount()
    token = _CURRENT.set(count)
    try:
        yield count
    except SourceError as error:
        error.api_calls = count.value
        raise
    finally:
        _CURRENT.reset(token)


def count_request() -> None:
    """One more request on the wire, for the block counting (none: not counted)."""
    count = _CURRENT.get()
    if count is not None:
        count.value += 1


def withdraw_request() -> None:
    """A resend counted when its retry was granted will not go out after all (its wait was cut short)."""
    count = _CURRENT.get()
    if count is not None:
        count.value -= 1


class CountingRetry(Retry):
    """Mixed into a ``Retry`` class: each resend it grants counts as a request (``count_request``);
    a subclass whose wait before the resend is cut short takes it back (``withdraw_request``)."""

    def increment(self, *args: Any, **kw: Any) -> Retry:
        retry = super().increment(*args, **kw)
        count_request()  # no MaxRetryError: the request goes out again, and the source will count it
        return retry


_COUNTING_CLASSES: dict[type[Retry], type[Retry]] = {}


def counting(retry: Retry) -> Retry:
    """``retry`` itself when it counts its resends already, else a copy of it (any ``Retry`` class,
    its settings kept) that does."""
    cls = type(retry)
    if issubclass(cls, CountingRetry):
        return retry
    cls = _COUNTING_CLASSES.setdefault(cls, type(f"Counting{cls.__name__}", (CountingRetry, cls), {}))
    counted = cls.__new__(cls)
    counted.__dict__.update(retry.__dict__)
    return counted
