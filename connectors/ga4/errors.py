"""Google's errors turned into ``SourceError``s that say what to do: the one place GA4's exceptions are mapped.

The REST transport raises ``GoogleAPICallError`` subclasses carrying the HTTP
status (``code``), Google's message and, where sent, the ``ErrorInfo`` reason;
``requests`` raises its own exceptions for an unreachable host; google-auth
raises a ``GoogleAuthError`` when it cannot sign a request (the client signs
its own JWT with the key, so no token endpoint is involved and a deleted key
shows as a 401 from the API). ``api_core``'s retry wraps the last error in a
``RetryError`` when its deadline passes.

An answer is classified like every source's (``connectors.transport.classify``:
the class by status, the text by ``GoogleAnswers``), a failed request likewise
by type. Only Google's message text is passed on, scrubbed like every message,
so a key, a JWT or a Bearer header could not get through even if Google echoed one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.api_core.exceptions import GoogleAPICallError, RetryError
from google.auth.exceptions import GoogleAuthError, TransportError

from connectors.errors import RetriableSourceError, SourceConfigurationError, SourceError
from connectors.transport.classify import AnswerHooks, ErrorAnswer, classify, classify_failure, is_unreachable

__all__ = ["GoogleAnswers", "classify_google_error", "is_retriable"]

_ACCESS_HINT = "add the service account's email ({email}) as a Viewer of property {property_id} (GA4 Admin > Property access management)"
_KEY_HINT = "the key in {key_place} ({email}) may be deleted or disabled, or this machine's clock is off"
_API_HINT = "enable the Google Analytics Data API in the service account's Google Cloud project"


class GoogleAnswers(AnswerHooks):
    """Google's answers for property ``property_id`` read as service account ``email``, whose key is in
    ``key_place``: the body ``classify_google_error`` hands on is ``{"message", "reason"}``."""

    def __init__(self, *, property_id: str, email: str, key_place: str):
        super().__init__("GA4", endpoint="Google")
        self.property_id = property_id
        self.email = email
        self.key_place = key_place

    def message(self, body: Mapping[str, Any]) -> str | None:
        return body.get("message")

    def explain(self, answer: ErrorAnswer) -> str | None:
        access = _ACCESS_HINT.format(email=self.email, property_id=self.property_id)
        if answer.status == 401:
            # UNAUTHENTICATED: the signed token was refused, so the key itself is the problem; access may be fine.
            return f"not signed in: {answer.message}; {_KEY_HINT.format(key_place=self.key_place, email=self.email)}; else {access}"
        if answer.status == 403:
            return f"permission denied: {answer.message}; {_API_HINT if answer.body.get('reason') == 'SERVICE_DISABLED' else access}"
        if answer.status == 404:
            return f"property {self.property_id} not found: {answer.message}"
        if answer.status == 429:
            return f"GA4 quota exhausted{answer.after_retries}: {answer.message}"
        return None


def is_retriable(error: BaseException) -> bool:
    """Rate limits (429, RESOURCE_EXHAUSTED), server errors (5xx) and unreachable hosts; the retry's predicate."""
    if isinstance(error, GoogleAPICallError):
        return error.code is not None and (int(error.code) == 429 or int(error.code) >= 500)
    return isinstance(error, TransportError) or is_unreachable(error)


def classify_google_error(source_name: str, error: BaseException, answers: GoogleAnswers) -> SourceError:
    """The ``SourceError`` for ``error``, raised by the GA4 client or its retry."""
    retried = isinstance(error, RetryError) and error.cause is not None
    if retried:
        error = error.cause  # type: ignore[union-attr]
    if isinstance(error, GoogleAPICallError):
        status = int(error.code) if error.code is not None else None
        return classify(source_name, status, {"message": _google_message(error), "reason": error.reason}, answers, retried=retried)
    if isinstance(error, TransportError):
        # google-auth's wrapper of a failed request: the network's failure, like requests' own.
        return RetriableSourceError(source_name, f"Google unreachable{' after retries' if retried else ''}: {type(error).__name__}")
    if isinstance(error, GoogleAuthError):
        return SourceConfigurationError(
            source_name, f"cannot sign in with the service-account key in {answers.key_place} ({answers.email}): {type(error).__name__}"
        )
    return classify_failure(source_name, error, answers, retried=retried)


def _google_message(error: GoogleAPICallError) -> str:
    """Google's ``error.message``; the exception's own text prefixes it with the method and URL."""
    try:
        return str(error.response.json()["error"]["message"])  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError, ValueError):
        return error.message or type(error).__name__
