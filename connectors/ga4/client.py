"""One GA4 Data API client per property and run: service-account credentials, REST, retry, timeout, the metadata.

The key is the JSON of a service-account key file, read from the environment
variable ``credentials_env`` (or the Prefect Secret block ``credentials_block``,
read by the wiring layer) and handed to google-auth in memory; it is never
written, logged or put into a message (only the account's email is, so an
admin knows whom to grant access). The client signs its own short-lived JWT
with the key (self-signed JWT access, scope ``analytics.readonly``), so no
OAuth token endpoint is called. ``BetaAnalyticsDataClient`` runs on the
REST transport (``requests``), so calls need no gRPC channel. Every call
(``runReport``, ``getMetadata``) carries a timeout and ``api_core``'s retry:
exponential backoff on 429 / RESOURCE_EXHAUSTED, 5xx and unreachable hosts
until its deadline. Whatever a call raises becomes a ``SourceError`` in
``errors.py`` (shared classification, scrubbed messages). The property's
metadata (its dimensions and metrics, custom ones included) is fetched once
per run and shared by every thread.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from google.analytics.data_v1beta import BetaAnalyticsDataClient
from google.analytics.data_v1beta.types import GetMetadataRequest, Metadata, RunReportRequest, RunReportResponse
from google.api_core.retry import Retry
from google.oauth2 import service_account
from pydantic import SecretStr

from connectors.errors import SourceConfigurationError
from connectors.ga4.config import GA4Source
from connectors.ga4.errors import GoogleAnswers, classify_google_error, is_retriable

__all__ = ["GA4Client", "READ_ONLY_SCOPE", "default_ga4_retry", "service_account_credentials"]

READ_ONLY_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
_KEY_FIELDS = ("client_email", "private_key", "token_uri")
_Answer = TypeVar("_Answer")


def default_ga4_retry(*, initial: float = 1.0, maximum: float = 30.0, deadline: float = 120.0) -> Retry:
    """Backoff from ``initial`` seconds, doubling up to ``maximum``, for at most ``deadline`` seconds in all."""
    return Retry(predicate=is_retriable, initial=initial, maximum=maximum, multiplier=2.0, timeout=deadline)


def service_account_credentials(source_name: str, key_place: str, key_json: SecretStr) -> service_account.Credentials:
    """Read-only credentials from a service-account key's JSON text; a ``SourceConfigurationError`` that
    names what is wrong (never the key) when the text is not such a key."""
    what = f"{key_place} must hold the JSON of a service-account key file"
    try:
        info: Any = json.loads(key_json.get_secret_value())
    except ValueError:
        raise SourceConfigurationError(source_name, f"{what}; it is not JSON") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info, dict) else type(info).__name__
        raise SourceConfigurationError(source_name, f"{what}; it holds {kind!r}, not type 'service_account'")
    missing = [name for name in _KEY_FIELDS if not info.get(name)]
    if missing:
        raise SourceConfigurationError(source_name, f"{what}; it lacks {', '.join(missing)}")
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=[READ_ONLY_SCOPE])
    except (ValueError, TypeError):
        # The library's text may quote parts of the key: say only which field is unreadable.
        raise SourceConfigurationError(source_name, f"{what}; its private_key is not a readable PEM key") from None


class GA4Client:
    """Data API calls for one property, each retried, timed out and error-classified; the metadata cached for the run."""

    def __init__(self, source_name: str, source: GA4Source, key_json: SecretStr, retry: Retry | None = None):
        self.source_name = source_name
        self.source = source
        self.property = f"properties/{source.property_id}"
        credentials = service_account_credentials(source_name, source.credentials_place.name, key_json)
        self.email: str = credentials.service_account_email
        self._answers = GoogleAnswers(property_id=source.property_id, email=self.email, key_place=source.credentials_place.name)
        self._api = BetaAnalyticsDataClient(transport="rest", credentials=credentials)
        self._retry = retry or default_ga4_retry()
        self._metadata: Metadata | None = None
        self._metadata_lock = threading.Lock()

    def run_report(self, request: RunReportRequest) -> RunReportResponse:
        """One report page (api_core's retries of it are not counted apart); raise a ``SourceError``."""
        return self._call(self._api.run_report, request)

    def metadata(self) -> tuple[Metadata, int]:
        """The property's dimensions and metrics, and the calls that took: 1 the first time in the run, then 0.

        The lock is held through the call, so threads starting together wait for one answer instead
        of each asking; a failure is not kept, so the next caller asks again."""
        with self._metadata_lock:
            if self._metadata is not None:
                return self._metadata, 0
            self._metadata = self._call(self._api.get_metadata, GetMetadataRequest(name=f"{self.property}/metadata"))
            return self._metadata, 1

    def close(self) -> None:
        """Close the REST transport's session."""
        self._api.transport.close()

    def _call(self, method: Callable[..., _Answer], request: Any) -> _Answer:
        try:
            return method(request=request, retry=self._retry, timeout=self.source.timeout_seconds)
        except Exception as error:
            # Google's, google-auth's, requests' or anything else: errors.py words it without quoting
            # the request or the key.
            failure = classify_google_error(self.source_name, error, self._answers)
        raise failure  # outside the handler, so that not even __context__ keeps the original
