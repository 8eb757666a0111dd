"""One HubSpot SDK client per run, with retries, timeouts, rate limits, call counting and typed errors.

The SDK builds a new configuration and connection pool on every
``client.crm.x.y_api`` access, so the API objects are built once here and
reused. Its README's retry example never retries search (a POST), so the
``Retry`` (``connectors.transport.session.default_retry``) allows every method, backs off
exponentially with jitter when HubSpot sends no ``Retry-After`` (from the
first retry on: urllib3 would retry a 429 at once), and returns the last
response instead of raising, letting the SDK turn it into an
``ApiException`` that ``connectors.transport.classify`` turns into our error,
worded by ``errors.HubSpotAnswers``. Every request first
passes the portal's ``PortalRateLimiter`` and carries a timeout; so does
every resend of it by the ``Retry`` (``_rate_limited``), which takes its slot
after backing off; a request's slot is dated by its answer, since HubSpot
counts requests when they arrive. ``calls`` and a reading's ``api_calls`` still count the
requests asked for, once each, however often the transport resent them.

The analytics reports and the campaigns list have no SDK module (v12): they
are built with the SDK's own ``api_request`` request builder (auth, base URL)
and sent through a ``requests`` session carrying the same ``Retry`` and the
timeout, the two things ``client.api_request`` lacks (``transport.session.send``).
Every message is scrubbed of the token (``transport.scrub``).

Lists a run reads once (properties, pipelines, emails, campaigns: see
``portal.py``) are kept by ``shared``, whose cache every fork shares.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
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
from hubspot.crm.pipelines import ApiException as PipelinesApiException
from hubspot.crm.properties import ApiException as PropertiesApiException
from hubspot.marketing.emails import ApiException as EmailsApiException
from hubspot.utils.requests.http_request_builder import Request as SdkRequest
from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.errors import FatalSourceError, SourceError
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.errors import HubSpotAnswers
from connectors.hubspot.rate_limit import PortalRateLimiter
from connectors.transport.classify import classify, classify_failure, error_body, parse_json, parse_json_object
from connectors.transport.paging import CursorPaginator
from connectors.transport.session import default_retry, retrying_session, send

__all__ = ["NEXT_AFTER", "HubSpotClient", "SearchFilter", "SearchPage", "default_retry"]

NEXT_AFTER = ("paging", "next", "after")
"""Where every HubSpot v3 listing (search, emails, campaigns) names its next page's cursor."""

SearchFilter = dict[str, Any]
"""A CRM search filter as HubSpot's JSON spells it: propertyName, operator, value(s)."""

_ApiExceptions = (ContactsApiException, DealsApiException, EmailsApiException, PipelinesApiException, PropertiesApiException)
# Each CRM object's SDK module has its own (identically shaped) search models.
_SEARCH_MODELS = {
    "contacts": (ContactSearchRequest, ContactFilterGroup, ContactFilter),
    "deals": (DealSearchRequest, DealFilterGroup, DealFilter),
}
T = TypeVar("T")
_CAMPAIGNS_PAGE_SIZE = 100


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
        self.rate_limiter = PortalRateLimiter(source.search_requests_per_second, source.requests_per_10_seconds)
        retry = _rate_limited(retry or default_retry(), self.rate_limiter)
        # base_url is what the SDK's api_request builder reads; host is what the generated APIs read.
        sdk = HubSpot(access_token=token.get_secret_value(), host=source.base_url, base_url=source.base_url, retry=retry)
        self._sdk_config = sdk.config
        self._search_apis = {"contacts": sdk.crm.contacts.search_api, "deals": sdk.crm.deals.search_api}
        self._properties_api = sdk.crm.properties.core_api
        self._pipelines_api = sdk.crm.pipelines.pipelines_api
        self._emails_api = sdk.marketing.emails.marketing_emails_api
        self._session = retrying_session(retry)
        self._answers = HubSpotAnswers(f"HubSpot at {source.base_url}", token)
        self._calls = 0
        self._shared_lock = threading.Lock()
        # Shared by every fork: once the portal rejects the token, the run's
        # other reads fail at once instead of spending calls on the same 401.
        self._rejected_token: list[SourceError] = []
        self._shared: dict[Hashable, _SharedValue] = {}

    def fork(self) -> HubSpotClient:
        """A client sharing this one's API objects and connection pools, with its
        own call count, so concurrent metric reads each count only their calls."""
        forked = copy.copy(self)
        forked._calls = 0
        return forked

    def close(self) -> None:
        """Close the analytics session's pooled connections (the SDK's close with the process)."""
        self._session.close()

    @property
    def calls(self) -> int:
        """API requests this client asked for (urllib3's resends of one request count once,
        though each passes the rate limiter)."""
        return self._calls

    def search(
        self,
        object_type: str,
        filters: list[SearchFilter],
        properties: list[str],
        *,
        limit: int,
        after: str | None = None,
        sort_by_id: bool = False,
    ) -> SearchPage:
        """One CRM search request: records matching all ``filters``; ``sort_by_id``
        orders them by ``hs_object_id`` ascending (numerically), for keyset paging."""
        request_model, group_model, filter_model = _SEARCH_MODELS[object_type]
        request = request_model(
            filter_groups=[group_model(filters=[filter_model(**_snake(f)) for f in filters])],
            properties=properties, limit=limit, after=after,
            sorts=[{"propertyName": "hs_object_id", "direction": "ASCENDING"}] if sort_by_id else None,
        )
        api = self._search_apis[object_type]
        # Raw JSON: the SDK's models parse two datetimes per record with dateutil, ~0.1 s per page of 200.
        response = self._call(
            lambda: api.do_search(public_object_search_request=request, _preload_content=False, _request_timeout=self.timeout),
            search=True,
        )
        body = self._json_answer(response, "search")
        return SearchPage(
            total=int(body.get("total") or 0),
            records=[result.get("properties") or {} for result in body.get("results") or []],
            after=CursorPaginator(self.source_name, "search", NEXT_AFTER).cursor(body),
        )

    def shared(self, key: Hashable, load: Callable[[], T]) -> T:
        """``load()``'s result for ``key``, computed once per run and shared by every fork and
        thread: one asking while another loads waits for it. A failed load is not kept."""
        with self._shared_lock:
            slot = self._shared.setdefault(key, _SharedValue())
        with slot.lock:
            if not slot.loaded:
                slot.value, slot.loaded = load(), True
            return slot.value

    def properties(self, object_type: str) -> list[dict[str, Any]]:
        """Every property of ``contacts`` or ``deals`` with its type and options, as raw JSON: one call.

        Raw, because a real portal lists hundreds of properties and the SDK's
        models parse two datetimes for each with dateutil.
        """
        response = self._call(
            lambda: self._properties_api.get_all(object_type, archived=False, _preload_content=False, _request_timeout=self.timeout)
        )
        return self._results(self._json_answer(response, f"{object_type} properties"), f"{object_type} properties")

    def pipelines(self, object_type: str) -> list[dict[str, Any]]:
        """Every pipeline of ``object_type`` with its stages, as raw JSON: one call.

        Raw, as for properties; the SDK's pipeline models also reject an answer that lacks
        any of the timestamps they require, which checking a stage id does not need.
        """
        response = self._call(lambda: self._pipelines_api.get_all(object_type, _preload_content=False, _request_timeout=self.timeout))
        return self._results(self._json_answer(response, f"{object_type} pipelines"), f"{object_type} pipelines")

    def campaigns_page(self, *, after: str | None) -> dict[str, Any]:
        """One page of the portal's marketing campaigns with their name (``properties.hs_name``), as raw JSON."""
        params = {"limit": str(_CAMPAIGNS_PAGE_SIZE), "properties": "hs_name", **({"after": after} if after else {})}
        response = self._get("/marketing/v3/campaigns", params)
        return parse_json_object(self.source_name, response.content, "campaigns", status=response.status_code)

    def analytics_report(self, path: str, params: dict[str, str]) -> Any:
        """``GET`` an analytics report (``/analytics/v2/reports/...``) as parsed JSON."""
        response = self._get(path, params)
        return parse_json(self.source_name, response.content, "analytics report", status=response.status_code)

    def _get(self, path: str, params: dict[str, str]) -> requests.Response:
        """``GET`` an endpoint the SDK has no module for, with the SDK's request builder
        (auth, base URL), our retry and timeout: the successful answer, or its typed error."""
        built = SdkRequest(self._sdk_config, {"method": "GET", "path": path, "qs": params})
        return self._call(
            lambda: send(
                self._session, "GET", built.get_url(), source=self.source_name, hooks=self._answers,
                timeout=self.timeout, **built.get_options_for_sending(),
            )
        )

    def marketing_emails_page(self, *, after: str | None) -> dict[str, Any]:
        """One page of marketing emails, drafts included, with their statistics, as raw JSON.

        Raw, because the SDK's email model insists on fields (content, from,
        subcategory, ...) that real responses do not always carry. Drafts and
        statistics come along so that one listing serves every use in a run:
        checking names, counting, summing, the catalogue. Campaign names are
        asked for, since whether HubSpot sends ``campaignName`` unasked is unverified.
        """
        response = self._call(
            lambda: self._emails_api.get_page(
                include_stats=True, marketing_campaign_names=True, limit=100, after=after,
                _preload_content=False, _request_timeout=self.timeout,
            )
        )
        return self._json_answer(response, "marketing emails")

    def _json_answer(self, response: urllib3.BaseHTTPResponse, what: str) -> dict[str, Any]:
        try:
            return parse_json_object(self.source_name, response.data, what, status=response.status)
        finally:
            response.release_conn()

    def _results(self, body: dict[str, Any], what: str) -> list[dict[str, Any]]:
        results = body.get("results")
        if not isinstance(results, list) or not all(isinstance(item, dict) for item in results):
            raise FatalSourceError(self.source_name, f"{what} answer has no list of results")
        return results

    def _call(self, request: Callable[[], T], *, search: bool = False) -> T:
        if self._rejected_token:
            # A copy: re-raising one instance from many threads would chain their tracebacks.
            raise copy.copy(self._rejected_token[0])
        self.rate_limiter.acquire(search=search)
        self._calls += 1
        try:
            return request()
        except SourceError as error:
            failure = error  # transport.send's, for the reads without an SDK module
        except _ApiExceptions as error:
            failure = classify(
                self.source_name, getattr(error, "status", None), error_body(getattr(error, "body", None)), self._answers, reason=getattr(error, "reason", None)
            )
        except Exception as error:
            # A timeout, a refused connection, or a request the HTTP stack would not send
            # (a ValueError for a header value, quoting it): classified by type alone.
            failure = classify_failure(self.source_name, error, self._answers)
        finally:
            # The answer (or the failure) is in: HubSpot counted the request by now.
            self.rate_limiter.answered()
        if failure.status == 401:
            self._rejected_token.append(failure)
        raise failure  # outside the handlers, so that not even __context__ keeps the original


class _SharedValue:
    """One entry of ``HubSpotClient.shared``: its lock makes concurrent askers wait for one load."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.value: Any = None


class _RateLimitedRetry(Retry):
    """Mixed into the run's ``Retry`` class: each resend passes the portal's rate limiter after
    the backoff, as the first try did in ``_call``. ``new()`` (urllib3 makes one per attempt)
    hands the limiter on."""

    rate_limiter: PortalRateLimiter | None = None

    def new(self, **kw: Any) -> _RateLimitedRetry:
        retry = super().new(**kw)
        retry.rate_limiter = self.rate_limiter
        return retry

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        super().sleep(response)
        if self.rate_limiter is not None:
            last = self.history[-1] if self.history else None
            self.rate_limiter.acquire(search=bool(last is not None and last.url and "/search" in last.url))


_RATE_LIMITED_CLASSES: dict[type[Retry], type[Retry]] = {}


def _rate_limited(retry: Retry, limiter: PortalRateLimiter) -> Retry:
    """A copy of ``retry`` (any ``Retry`` class, its backoff kept) whose resends pass ``limiter``."""
    cls = type(retry)
    if not issubclass(cls, _RateLimitedRetry):
        cls = _RATE_LIMITED_CLASSES.setdefault(cls, type(f"RateLimited{cls.__name__}", (_RateLimitedRetry, cls), {}))
    limited = cls.__new__(cls)
    limited.__dict__.update(retry.__dict__)
    limited.rate_limiter = limiter  # type: ignore[attr-defined]
    return limited


def _snake(search_filter: SearchFilter) -> dict[str, Any]:
    names = {"propertyName": "property_name", "highValue": "high_value"}
    return {names.get(key, key): value for key, value in search_filter.items()}
