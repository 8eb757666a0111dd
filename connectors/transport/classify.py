"""Error answers, requests that got no answer, and answers we cannot parse, as our typed errors.

What to do about an error answer follows from its HTTP status alone, the same
for every source (as the Singer SDK's ``validate_response`` sorts retriable
from fatal by status): 429 and 5xx are retriable, since our retries ran out
on them; any other 4xx is the configuration's (a token, a scope, a name: a
person must fix it); anything else is an answer we do not understand. A
source adds only how its error bodies read and what to tell the person, in an
``AnswerHooks`` subclass, the one place its wording lives.

One answer a source's hooks may set apart: a quota spent until a known time
(``AnswerHooks.quota_exhausted``: HubSpot's daily limit) is a
``QuotaExhaustedError``, which no retry sends again and which stops the run
asking that source.

A request that got no answer is retriable when the network failed (refused,
reset, timed out) and fatal when the request itself was unsendable (a header
value with a newline, a malformed URL). Its exception's text may quote the
request's headers, the token included, so only its type is named.

A successful answer cut short (the connection dropped before the length it
announced) or that is not JSON is an ``UnreadableAnswer``: the same request
sent again will likely be answered in full, so it is resent like a 5xx
(``session.resend_unreadable``). A JSON answer of the wrong shape stays fatal:
sending it again would get the same.

Every text passes ``scrub`` with the source's secrets before it becomes an error.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from pydantic import SecretStr

from connectors.errors import FatalSourceError, QuotaExhaustedError, RetriableSourceError, SourceConfigurationError, SourceError
from connectors.transport.scrub import scrub

__all__ = [
    "AnswerHooks",
    "ErrorAnswer",
    "UnreadableAnswer",
    "classify",
    "classify_failure",
    "error_body",
    "error_kind",
    "failure_name",
    "is_unreachable",
    "parse_json",
    "parse_json_object",
]

class UnreadableAnswer(RetriableSourceError):
    """A successful answer cut short or not JSON: resent like a 5xx (``session.resend_unreadable``),
    and retriable as it stands where no resend is possible."""


# The network failed, not the request: the retry resent these until it gave up.
_UNREACHABLE = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError, urllib3.exceptions.HTTPError)


@dataclass(frozen=True)
class ErrorAnswer:
    """An error answer as a source's hooks see it: ``message`` is the source's own (``AnswerHooks.message``),
    else the HTTP reason, else ``"no message"``; ``retried`` says whether retries ran out on it."""

    status: int | None
    message: str
    body: Mapping[str, Any]
    retried: bool = True

    @property
    def after_retries(self) -> str:
        return " after retries" if self.retried else ""


class AnswerHooks:
    """How one source's answers read: override what differs from the shared wording.

    ``label`` names the source in messages (``"HubSpot"``); ``endpoint`` says where it
    was asked when it did not answer (``"HubSpot at https://api.hubapi.com"``);
    ``secrets`` (kept as ``SecretStr``, so no repr shows them) never reach a message.
    """

    def __init__(self, label: str, *, endpoint: str | None = None, secrets: Iterable[str | SecretStr] = ()):
        self.label = label
        self.endpoint = endpoint or label
        self.secrets = tuple(secret if isinstance(secret, SecretStr) else SecretStr(secret) for secret in secrets)

    def message(self, body: Mapping[str, Any]) -> str | None:
        """The source's own message in an error body (``None``: the HTTP reason stands in)."""
        return None

    def correlation_id(self, body: Mapping[str, Any]) -> str | None:
        """The id support finds the request by, where the source sends one."""
        return None

    def explain(self, answer: ErrorAnswer) -> str | None:
        """The source's own text for ``answer``, saying what to fix; ``None`` for the shared wording."""
        return None

    def quota_exhausted(self, status: int | None, body: Mapping[str, Any]) -> bool:
        """Whether an error answer says the source's quota is spent until a known time (HubSpot's daily
        limit), which no retry within the run can fix: such an answer is never resent."""
        return False


def error_kind(status: int | None) -> type[SourceError]:
    """The error class an answer of HTTP ``status`` earns, whatever the source."""
    if status is not None and (status == 429 or 500 <= status < 600):
        return RetriableSourceError
    if status is not None and 400 <= status < 500:
        return SourceConfigurationError
    return FatalSourceError


def classify(source: str, status: int | None, body: Mapping[str, Any], hooks: AnswerHooks, *, reason: str | None = None, retried: bool = True) -> SourceError:
    """The typed error for an error answer: its class by ``error_kind``, its text by ``hooks.explain``
    or else the shared wording, scrubbed; ``body`` is the answer's JSON object (``error_body``)."""
    answer = ErrorAnswer(status, str(hooks.message(body) or reason or "no message"), body, retried)
    kind = error_kind(status)
    if kind is RetriableSourceError and hooks.quota_exhausted(status, body):
        kind = QuotaExhaustedError
    text = hooks.explain(answer)
    if text is None:
        if issubclass(kind, RetriableSourceError):
            text = f"{hooks.label} kept failing{answer.after_retries}: {answer.message}"
        elif kind is SourceConfigurationError:
            text = f"{hooks.label} rejected the request: {answer.message}"
        else:
            text = f"unexpected answer: {answer.message}"
    return kind(source, scrub(text, hooks.secrets), status=status, correlation_id=hooks.correlation_id(body))


def classify_failure(source: str, error: BaseException, hooks: AnswerHooks, *, retried: bool = True) -> SourceError:
    """The typed error for a request that got no answer: ``RetriableSourceError`` when the network failed,
    ``FatalSourceError`` when the request could not be sent. Raise it outside the ``except`` that caught
    ``error``, so that not even ``__context__`` keeps the original's text."""
    name = failure_name(error)
    if is_unreachable(error):
        after = " after retries" if retried else ""
        return RetriableSourceError(source, scrub(f"{hooks.endpoint} unreachable{after}: {name}", hooks.secrets))
    return FatalSourceError(source, f"request failed: {name}")


def is_unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the network failed (refused, reset, timed out), which a retry may fix,
    rather than the request (a ``ValueError``: a header or URL the HTTP stack will not send)."""
    return isinstance(error, _UNREACHABLE) and not isinstance(error, ValueError)


def failure_name(error: BaseException) -> str:
    """``error``'s type, and what really happened when it is urllib3's ``MaxRetryError`` (or a
    ``requests`` error carrying one), whose own type says only that retries ran out:
    ``MaxRetryError (ReadTimeoutError)``, ``ConnectionError (NewConnectionError)``."""
    wrapped = error.args[0] if isinstance(error, requests.RequestException) and error.args else error
    reason = wrapped.reason if isinstance(wrapped, urllib3.exceptions.MaxRetryError) else None
    return f"{type(error).__name__} ({type(reason).__name__})" if reason is not None else type(error).__name__


def error_body(raw: bytes | str | None) -> dict[str, Any]:
    """An error answer's JSON object; ``{}`` when it sent none (an HTML page, nothing), as error answers may."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def parse_json(source: str, raw: bytes | str | None, what: str, *, status: int | None = None) -> Any:
    """A successful answer's JSON; ``UnreadableAnswer("<what> answer is not JSON")`` when it is not."""
    try:
        return json.loads(raw or b"")
    except ValueError:
        raise UnreadableAnswer(source, f"{what} answer is not JSON", status=status) from None


def parse_json_object(source: str, raw: bytes | str | None, what: str, *, status: int | None = None) -> dict[str, Any]:
    """A successful answer's JSON object; ``UnreadableAnswer`` when it is not JSON, ``FatalSourceError``
    when it is JSON but not an object."""
    parsed = parse_json(source, raw, what, status=status)
    if not isinstance(parsed, dict):
        raise FatalSourceError(source, f"{what} answer is not a JSON object", status=status)
    return parsed
