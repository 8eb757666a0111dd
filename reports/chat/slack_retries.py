"""How a post to a Slack webhook is retried: ``slack_sdk``'s retry handlers, on a refused or reset
connection and a timeout, a 5xx (the SDK's own handler knows 500 and 503 only), and a 429 after
its ``Retry-After`` when that is short. Imported by ``send_slack`` alone, with the SDK."""

from __future__ import annotations

import random
import time

from slack_sdk.http_retry import ConnectionErrorRetryHandler, HttpRequest, HttpResponse, RateLimitErrorRetryHandler, RetryHandler, RetryState
from slack_sdk.http_retry.interval_calculator import RetryIntervalCalculator

from reports.chat.transport import MAX_RETRY_AFTER

__all__ = ["SLACK_RETRIES", "slack_retry_handlers"]

SLACK_RETRIES = 2
_sleep = time.sleep
_BACKOFF_SECONDS = 1.0
"""The first retry after a failed connection or a 5xx waits about this long, the second twice as long."""


class _ServerErrorRetryHandler(RetryHandler):
    """Retries an answer of 500, 502, 503 or 504 (the SDK's own handler knows 500 and 503 only)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


class _BoundedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Slack's 429 waits for its ``Retry-After`` (at most ``MAX_RETRY_AFTER`` seconds; a longer
    wait is not retried, so a nightly run never hangs on it)."""

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None) -> bool:
        return super()._can_retry(state=state, request=request, response=response, error=error) and _retry_after(response) <= MAX_RETRY_AFTER

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        _sleep(_retry_after(response) + random.random() * 0.5)
        state.increment_current_attempt()


def _retry_after(response: HttpResponse | None) -> float:
    values = next((value for name, value in (response.headers if response else {}).items() if name.lower() == "retry-after"), None)
    try:
        return max(float(values[0] if isinstance(values, list) else values), 0.0) if values else 1.0
    except ValueError:
        return 1.0


class _Backoff(RetryIntervalCalculator):
    def calculate_sleep_duration(self, current_attempt: int) -> float:
        return _BACKOFF_SECONDS * 2**current_attempt * (1 + random.random() * 0.25)


def slack_retry_handlers() -> list[RetryHandler]:
    """Up to two retries: on a refused or reset connection and a timeout, a 5xx, and a 429 after its ``Retry-After``."""
    backoff = _Backoff()
    return [
        ConnectionErrorRetryHandler(max_retry_count=SLACK_RETRIES, interval_calculator=backoff, error_types=[OSError]),
        _ServerErrorRetryHandler(max_retry_count=SLACK_RETRIES, interval_calculator=backoff),
        _BoundedRateLimitRetryHandler(max_retry_count=SLACK_RETRIES),
    ]
