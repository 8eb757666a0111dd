"""Google's errors turned into ``SourceError``s that say what to do.

The REST transport raises ``GoogleAPICallError`` subclasses carrying the HTTP
status (``code``), Google's message and, where sent, the ``ErrorInfo`` reason;
``requests`` raises its own exceptions for an unreachable host; google-auth
raises a ``GoogleAuthError`` when it cannot sign a request (the client signs
its own JWT with the key, so no token endpoint is involved and a deleted key
shows as a 401 from the API). ``api_core``'s retry wraps the last error in a
``RetryError`` when its deadline passes. None of these messages hold the key
or the signed token, and only Google's message text is passed on.
"""

from __future__ import annotations

import requests
from google.api_core.exceptions import GoogleAPICallError, RetryError
from google.auth.exceptions import GoogleAuthError, TransportError

from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError, SourceError

__all__ = ["classify_google_error", "is_retriable"]

_ACCESS_HINT = "add the service account's email ({email}) as a Viewer of property {property_id} (GA4 Admin > Property access management)"
_KEY_HINT = "the key in {credentials_env} ({email}) may be deleted or disabled, or this machine's clock is off"
_API_HINT = "enable the Google Analytics Data API in the service account's Google Cloud project"


def is_retriable(error: BaseException) -> bool:
    """Rate limits (429, RESOURCE_EXHAUSTED), server errors (5xx) and unreachable hosts; the retry's predicate."""
    if isinstance(error, GoogleAPICallError):
        return error.code is not None and (int(error.code) == 429 or int(error.code) >= 500)
    return isinstance(error, (TransportError, requests.ConnectionError, requests.Timeout))


def classify_google_error(source_name: str, error: BaseException, *, property_id: str, email: str, credentials_env: str) -> SourceError:
    """The ``SourceError`` for ``error`` raised while reading property ``property_id`` as service account ``email``."""
    after_retries = ""
    if isinstance(error, RetryError) and error.cause is not None:
        error, after_retries = error.cause, " after retries"
    if isinstance(error, GoogleAPICallError):
        return _classify_answer(source_name, error, property_id=property_id, email=email, credentials_env=credentials_env, after_retries=after_retries)
    if isinstance(error, (TransportError, requests.RequestException)):
        return RetriableSourceError(source_name, f"Google unreachable{after_retries}: {type(error).__name__}")
    if isinstance(error, GoogleAuthError):
        return SourceConfigurationError(source_name, f"cannot sign in with the service-account key in {credentials_env} ({email}): {type(error).__name__}")
    return FatalSourceError(source_name, f"unexpected error from the GA4 client: {type(error).__name__}")


def _classify_answer(
    source_name: str, error: GoogleAPICallError, *, property_id: str, email: str, credentials_env: str, after_retries: str
) -> SourceError:
    status = int(error.code) if error.code is not None else None
    message = _google_message(error)
    if status == 401:
        # UNAUTHENTICATED: the signed token was refused, so the key itself is the problem; access may be fine.
        hint = _KEY_HINT.format(credentials_env=credentials_env, email=email)
        return SourceConfigurationError(source_name, f"not signed in: {message}; {hint}; else {_ACCESS_HINT.format(email=email, property_id=property_id)}", status=status)
    if status == 403:
        hint = _API_HINT if error.reason == "SERVICE_DISABLED" else _ACCESS_HINT.format(email=email, property_id=property_id)
        return SourceConfigurationError(source_name, f"permission denied: {message}; {hint}", status=status)
    if status == 429:
        return RetriableSourceError(source_name, f"GA4 quota exhausted{after_retries}: {message}", status=status)
    if status is not None and status >= 500:
        return RetriableSourceError(source_name, f"GA4 kept failing{after_retries}: {message}", status=status)
    if status == 404:
        return SourceConfigurationError(source_name, f"property {property_id} not found: {message}", status=status)
    if status is not None and 400 <= status < 500:
        return SourceConfigurationError(source_name, f"GA4 rejected the request: {message}", status=status)
    return FatalSourceError(source_name, f"unexpected answer: {message}", status=status)


def _google_message(error: GoogleAPICallError) -> str:
    """Google's ``error.message``; the exception's own text prefixes it with the method and URL."""
    try:
        return str(error.response.json()["error"]["message"])  # type: ignore[union-attr]
    except (AttributeError, KeyError, TypeError, ValueError):
        return error.message or type(error).__name__
