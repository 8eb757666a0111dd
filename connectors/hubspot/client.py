"""One HubSpot SDK client per run, with retries, timeouts, call counting and typed errors.

The SDK builds a new configuration and connection pool on every
``client.crm.x.y_api`` access, so the API objects are built once here and
reused. Its README's retry example never retries search (a POST), so the
``Retry`` below allows every method, backs off exponentially with jitter when
HubSpot sends no ``Retry-After``, and returns the last response instead of
raising, letting the SDK turn it into an ``ApiException`` we can classify.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any, TypeVar

import urllib3
from hubspot import HubSpot
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts import Filter as ContactFilter
from hubspot.crm.contacts import FilterGroup as ContactFilterGroup
from hubspot.crm.contacts import PublicObjectSearchRequest as ContactSearchRequest
from hubspot.crm.deals import ApiException as DealsApiException
from hubspot.crm.deals import Filter as DealFilter
from hubspot.crm.deals import FilterGroup as DealFilterGroup
from hubspot.crm.deals import PublicObjectSearchRequest as DealSearchRequest
from hubspot.marketing.emails import ApiException as EmailsApiException
from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError, SourceError
from okrmodel.config import HubSpotSource

__all__ = ["HubSpotClient", "SearchFilter", "SearchPage", "default_retry"]

SearchFilter = dict[str, Any]
"""A CRM search filter as HubSpot's JSON spells it: propertyName, operator, value(s)."""

_ApiExceptions = (ContactsApiException, DealsApiException, EmailsApiException)
# Each CRM object's SDK module has its own (identically shaped) search models.
_SEARCH_MODELS = {
    "contacts": (ContactSearchRequest, ContactFilterGroup, ContactFilter),
    "deals": (DealSearchRequest, DealFilterGroup, DealFilter),
}
T = TypeVar("T")


def default_retry() -> Retry:
    """Retry 429, 5xx and connection failures, for POST search too."""
    return Retry(
        total=5,
        backoff_factor=1.0,
        backoff_jitter=0.5,
        backoff_max=30.0,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


@dataclass(frozen=True)
class SearchPage:
    """One page of CRM search results: ``total``, the records' properties, the next cursor."""

    total: int
    records: list[dict[str, str | None]]
    after: str | None


class HubSpotClient:
    """The calls the HubSpot connector makes, each counted and error-classified."""

    def __init__(self, source_name: str, source: HubSpotSource, token: SecretStr, retry: Retry | None = None):
        self.source_name = source_name
        self.timeout = source.timeout_seconds
        sdk = HubSpot(access_token=token.get_secret_value(), host=source.base_url, retry=retry or default_retry())
        self._search_apis = {"contacts": sdk.crm.contacts.search_api, "deals": sdk.crm.deals.search_api}
        self._emails_api = sdk.marketing.emails.marketing_emails_api
        self._calls = 0

    def fork(self) -> "HubSpotClient":
        """A client sharing this one's API objects and connection pools, with its
        own call count, so concurrent metric reads each count only their calls."""
        forked = copy.copy(self)
        forked._calls = 0
        return forked

    @property
    def calls(self) -> int:
        """API requests this client sent (urllib3's retries of one request count once)."""
        return self._calls

    def search(
        self, object_type: str, filters: list[SearchFilter], properties: list[str], *, limit: int, after: str | None = None
    ) -> SearchPage:
        """One CRM search request: records matching all ``filters``."""
        request_model, group_model, filter_model = _SEARCH_MODELS[object_type]
        request = request_model(
            filter_groups=[group_model(filters=[filter_model(**_snake(f)) for f in filters])],
            properties=properties, limit=limit, after=after,
        )
        api = self._search_apis[object_type]
        response = self._call(lambda: api.do_search(public_object_search_request=request, _request_timeout=self.timeout))
        next_page = response.paging.next if response.paging else None
        return SearchPage(
            total=response.total,
            records=[result.properties or {} for result in response.results],
            after=next_page.after if next_page else None,
        )

    def marketing_emails_page(self, *, include_stats: bool, after: str | None) -> dict[str, Any]:
        """One page of published marketing emails, as raw JSON.

        Raw, because the SDK's email model insists on fields (content, from,
        subcategory, ...) that real responses do not always carry.
        """
        response = self._call(
            lambda: self._emails_api.get_page(
                include_stats=include_stats, is_published=True, limit=100, after=after,
                _preload_content=False, _request_timeout=self.timeout,
            )
        )
        try:
            return json.loads(response.data)
        except ValueError:
            raise FatalSourceError(self.source_name, "marketing emails answer is not JSON", status=response.status) from None

    def _call(self, request: Callable[[], T]) -> T:
        self._calls += 1
        try:
            return request()
        except _ApiExceptions as error:
            raise self._classify(error) from None
        except urllib3.exceptions.HTTPError as error:
            raise RetriableSourceError(self.source_name, f"HubSpot unreachable after retries: {type(error).__name__}") from None

    def _classify(self, error: Exception) -> SourceError:
        status = getattr(error, "status", None)
        body = _json_body(getattr(error, "body", None))
        message = str(body.get("message") or getattr(error, "reason", "") or "no message")
        correlation_id = body.get("correlationId")
        if status == 401:
            return SourceConfigurationError(self.source_name, f"token invalid or expired: {message}", status=status, correlation_id=correlation_id)
        if status == 403:
            scopes = (body.get("context") or {}).get("missingScopes") or []
            missing = f"; missing scopes: {', '.join(scopes)}" if scopes else ""
            return SourceConfigurationError(self.source_name, f"permission denied{missing}: {message}", status=status, correlation_id=correlation_id)
        if status in (429,) or (status is not None and status >= 500):
            return RetriableSourceError(self.source_name, f"HubSpot kept failing after retries: {message}", status=status, correlation_id=correlation_id)
        if status is not None and 400 <= status < 500:
            return SourceConfigurationError(self.source_name, f"HubSpot rejected the request: {message}", status=status, correlation_id=correlation_id)
        return FatalSourceError(self.source_name, f"unexpected answer: {message}", status=status, correlation_id=correlation_id)


def _snake(search_filter: SearchFilter) -> dict[str, Any]:
    names = {"propertyName": "property_name", "highValue": "high_value"}
    return {names.get(key, key): value for key, value in search_filter.items()}


def _json_body(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
