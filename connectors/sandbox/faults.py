"""What can go wrong on the sandbox, per server instance: rate limits, scripted faults, latency.

- ``RateLimits``: HubSpot's per-second search limit and per-10-second burst
  limit, answered with HubSpot's 429 bodies; ``Retry-After`` is sent on every
  ``retry_after_every``-th 429 only (HubSpot does not always send it); and
  optionally the account's daily quota (``per_day``): once spent, every call
  is answered 429 with ``policyName: DAILY`` until the server's calls are reset.
- ``Fault``: one scripted answer for the next matching call(s): a status with
  HubSpot's error body (429 with or without ``Retry-After``, 5xx, 400 with a
  message, 403 with missing scopes), a 200 whose body is cut short
  (``truncated``), and/or a delay before answering (a timeout when longer
  than the client's), or an answer held until a test releases it (``hold``:
  a client mid-request at a known point, without guessing how long to wait).
- ``latency_seconds`` on the server delays every answer;
  ``arrival_delay_seconds`` (plus random ``arrival_jitter_seconds``) delays
  each call before it counts as arrived against the rate limits.

Everything here is thread-safe: the server answers from one thread per connection.
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

__all__ = ["TRUNCATIONS", "Fault", "FaultQueue", "RateLimits", "error_body", "rate_limit_body"]

TRUNCATIONS = ("dropped", "short")
"""How ``Fault.truncated`` cuts a 200's body in half: ``dropped`` announces the whole body's length and
closes the connection after half (a connection lost mid-answer: the client reads too few bytes);
``short`` announces the half it sends (a proxy passing on a broken answer: JSON that stops mid-way)."""


@dataclass(frozen=True)
class Fault:
    """The answer to the next ``times`` calls whose path contains ``on`` (``""``: any call).

    ``status`` None answers normally after ``delay_seconds``, its body cut in half
    when ``truncated`` is set (one of ``TRUNCATIONS``); otherwise the call gets
    ``status`` with HubSpot's error body: ``message`` (a default per status),
    ``category``, ``missing_scopes`` (403), ``policy`` (a 429's ``policyName``,
    ``DAILY`` for the daily quota), and ``retry_after`` seconds as a header when set.
    With ``hold``, the answer waits until the event is set (after ``delay_seconds``).
    """

    status: int | None = None
    on: str = ""
    times: int = 1
    delay_seconds: float = 0.0
    retry_after: float | None = None
    message: str | None = None
    missing_scopes: tuple[str, ...] = ()
    truncated: str | None = None
    policy: str | None = None
    hold: threading.Event | None = None

    def __post_init__(self) -> None:
        if self.truncated is not None and (self.truncated not in TRUNCATIONS or self.status is not None):
            raise ValueError(f"truncated is one of {TRUNCATIONS}, for an answer without a scripted status")


@dataclass(frozen=True)
class RateLimits:
    """HubSpot's limits as the sandbox enforces them; None switches a limit off."""

    search_per_second: int | None = 5
    per_10_seconds: int | None = 190
    retry_after_every: int = 2
    """Send ``Retry-After: 1`` on every n-th 429 only; the others carry none, as HubSpot sometimes does."""
    per_day: int | None = None
    """The account's daily quota: calls answered beyond it get HubSpot's ``DAILY`` 429 (None: no quota)."""


@dataclass
class FaultQueue:
    """Scripted faults, consumed in order by the calls they match."""

    _faults: deque[list[Any]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def push(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append([fault, fault.times])

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> Fault | None:
        """The first queued fault matching ``path``, one use of it consumed."""
        with self._lock:
            for entry in self._faults:
                fault, left = entry
                if fault.on in path:
                    if left <= 1:
                        self._faults.remove(entry)
                    else:
                        entry[1] = left - 1
                    return fault
        return None


_DEFAULT_MESSAGES = {
    400: ("VALIDATION_ERROR", "Invalid input (details will vary based on the error)"),
    401: ("INVALID_AUTHENTICATION", "Authentication credentials not found."),
    403: ("MISSING_SCOPES", "This app hasn't been granted all required scopes to make this call."),
    429: ("RATE_LIMITS", "You have reached your ten_secondly_rolling limit."),
}


def error_body(
    status: int, message: str | None = None, *, category: str | None = None, missing_scopes: tuple[str, ...] = (), policy: str | None = None
) -> dict[str, Any]:
    """HubSpot's error JSON for ``status``; a 429 names its ``policy`` (default ``TEN_SECONDLY_ROLLING``)."""
    if status == 429 and policy is not None and message is None:
        message = rate_limit_body(policy)["message"]
    default_category, default_message = _DEFAULT_MESSAGES.get(status, ("INTERNAL_ERROR" if status >= 500 else "ERROR", HTTPStatus(status).phrase))
    body: dict[str, Any] = {
        "status": "error",
        "message": message or default_message,
        "correlationId": str(uuid.uuid4()),
        "category": category or default_category,
    }
    if status == 429:
        body["errorType"] = "RATE_LIMIT"
        body["policyName"] = policy or "TEN_SECONDLY_ROLLING"
    if missing_scopes:
        body["context"] = {"requiredScopes": list(missing_scopes), "missingScopes": list(missing_scopes)}
        body["errors"] = [{"message": "missing scopes", "context": {"missingScopes": list(missing_scopes)}}]
    return body


def rate_limit_body(policy: str) -> dict[str, Any]:
    """HubSpot's 429 body for ``SECONDLY`` (search), ``TEN_SECONDLY_ROLLING`` or ``DAILY``."""
    limit = {"SECONDLY": "secondly", "DAILY": "daily"}.get(policy, "ten_secondly_rolling")
    return {
        "status": "error",
        "message": f"You have reached your {limit} limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
    }
