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
counts requests when they arrive. When the run shares the portal's limits with
other processes (``shared_limits``, from the wiring layer), the client asks the
portal's id once (``GET /account-info/v3/details``) and holds the portal's lease
from then until ``close``: no other process reads the portal meanwhile, so this
one's limiter suffices (``rate_limit.SharedPortalLimits``).

Two answers are not resent as urllib3 would: a 429 whose policy is ``DAILY``
(the portal's day is spent; the ``Retry`` reads it and raises it as a
``FinalAnswer``) fails at once, and stops the run's other reads of the portal
as a rejected token does; a 200 cut short or not JSON, which shows only once
urllib3 is done, is sent again by ``transport.session.resend_unreadable`` with
the same backoff. Every request that leaves counts (``transport.counting``:
``_call`` counts first tries, the ``Retry`` its resends), so a reading's
``api_calls``, or a failed read's, say what HubSpot counted.

The analytics reports and the campaigns list have no SDK module (v12): they
are built with the SDK's own ``api_request`` request builder (auth, base URL)
and sent through a ``requests`` session carrying the same ``Retry`` and the
timeout, the two things ``client.api_request`` lacks (``transport.session.send``).
Every message is scrubbed of the token (``transport.scrub``).

Lists a run reads once (properties, pipelines, emails, campaigns: see
``portal.py``) are kept by ``shared``, computed once for every thread.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import tzinfo
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

from connectors.errors import FatalSourceError, QuotaExhaustedError, RetriableSourceError, SourceError
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.errors import HubSpotAnswers
from connectors.hubspot.rate_limit import PortalLease, PortalRateLimiter, SharedLimitError, SharedPortalLimits
from connectors.transport.classify import (
    AnswerHooks,
    UnreadableAnswer,
    classify,
    classify_failure,
    error_body,
    failure_name,
    parse_json,
    parse_json_object,
)
from connectors.transport.counting import CountingRetry, count_request, withdraw_request
from connectors.transport.paging import CursorPaginator
from connectors.transport.session import FinalAnswer, default_retry, final_answer, resend_unreadable, retrying_session, send

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

    def __init__(
        self, source_name: str, source: HubSpotSource, token: SecretStr, retry: Retry | None = None, shared_limits: SharedPortalLimits | None = None
    ):
        self.source_name = source_name
        self.timeout = source.timeout_seconds
        self.rate_limiter = PortalRateLimiter(source.search_requests_per_second, source.requests_per_10_seconds, leased=shared_limits is not None)
        self._answers = HubSpotAnswers(f"HubSpot at {source.base_url}", token)
        # Shared by every thread and in_zone copy: once the portal rejects the token or its day's quota
        # is spent (or the run is closed), the run's other reads fail at once, retries sleeping included,
        # instead of spending calls on the same answer.
        self._stop = _Stop()
        retry = self._retry = _rate_limited(retry or default_retry(), self.rate_limiter, self._answers, self._stop, source_name)
        # base_url is what the SDK's api_request builder reads; host is what the generated APIs read.
        sdk = HubSpot(access_token=token.get_secret_value(), host=source.base_url, base_url=source.base_url, retry=retry)
        self._sdk_config = sdk.config
        self._search_apis = {"contacts": sdk.crm.contacts.search_api, "deals": sdk.crm.deals.search_api}
        self._properties_api = sdk.crm.properties.core_api
        self._pipelines_api = sdk.crm.pipelines.pipelines_api
        self._emails_api = sdk.marketing.emails.marketing_emails_api
        self._session = retrying_session(retry)
        self._shared_lock = threading.Lock()
        self._shared: dict[Hashable, _SharedValue] = {}
        self._lease: PortalLease | None = None
        if shared_limits is not None:
            portal_id = self.portal_id()
            try:
                self._lease = shared_limits.hold(portal_id, self.rate_limiter)
            except SharedLimitError as error:  # nothing read: the next run, or the task's retry, will likely get the portal
                raise RetriableSourceError(source_name, f"could not take its turn at reading the portal, which other syncs share: {error}") from None
            if self._lease.limiter is self.rate_limiter:
                self.rate_limiter.take_over()
            else:
                self.rate_limiter.adopt(self._lease.limiter)

    def in_zone(self, zone: tzinfo | None) -> HubSpotClient:
        """This client (its API objects, connection pools, caches and stops shared), its messages
        knowing the account's time ``zone``, where a spent daily quota resets: they say when."""
        if zone is None:
            return self
        zoned = copy.copy(self)
        zoned._answers = copy.copy(self._answers)
        zoned._answers.zone = zone
        return zoned

    def close(self) -> None:
        """Close the analytics session's pooled connections (the SDK's close with the process); a
        read still running (the run was interrupted) fails at its next request instead of sending it.
        A portal held (``shared_limits``) is handed over once this run's last requests allow it: at
        most about ten seconds after taking it over, a second after its last search."""
        self._stop.stop(RetriableSourceError(self.source_name, "the run stopped before this read finished"))
        self._session.close()
        lease, self._lease = self._lease, None  # given back once, however often the client is closed
        if lease is not None:
            self.rate_limiter.hand_over()
            lease.release()

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
        body = self._sdk_json(
            lambda: api.do_search(public_object_search_request=request, _preload_content=False, _request_timeout=self.timeout),
            "search", path=f"/crm/v3/objects/{object_type}/search", search=True,
        )
        return SearchPage(
            total=int(body.get("total") or 0),
            records=[result.get("properties") or {} for result in body.get("results") or []],
            after=CursorPaginator(self.source_name, "search", NEXT_AFTER).cursor(body),
        )

    def shared(self, key: Hashable, load: Callable[[], T]) -> T:
        """``load()``'s result for ``key``, computed once per run and shared by every thread:
        one asking while another loads waits for it. A failed load is not kept."""
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
        body = self._sdk_json(
            lambda: self._properties_api.get_all(object_type, archived=False, _preload_content=False, _request_timeout=self.timeout),
            f"{object_type} properties", path=f"/crm/v3/properties/{object_type}",
        )
        return self._results(body, f"{object_type} properties")

    def pipelines(self, object_type: str) -> list[dict[str, Any]]:
        """Every pipeline of ``object_type`` with its stages, as raw JSON: one call.

        Raw, as for properties; the SDK's pipeline models also reject an answer that lacks
        any of the timestamps they require, which checking a stage id does not need.
        """
        body = self._sdk_json(
            lambda: self._pipelines_api.get_all(object_type, _preload_content=False, _request_timeout=self.timeout),
            f"{object_type} pipelines", path=f"/crm/v3/pipelines/{object_type}",
        )
        return self._results(body, f"{object_type} pipelines")

    def portal_id(self) -> str:
        """The portal's id (HubSpot's ``portalId``, also called the Hub ID): one call. Every token of a
        portal answers the same id, so it names what they share: the portal's rate limits."""
        body = self._get_json("/account-info/v3/details", {}, lambda response: parse_json_object(
            self.source_name, response.content, "account details", status=response.status_code
        ))
        portal_id = body.get("portalId")
        if isinstance(portal_id, bool) or not isinstance(portal_id, int | str) or not str(portal_id).isdigit():
            raise FatalSourceError(self.source_name, "account details answer has no numeric portalId")
        return str(portal_id)

    def campaigns_page(self, *, after: str | None) -> dict[str, Any]:
        """One page of the portal's marketing campaigns with their name (``properties.hs_name``), as raw JSON."""
        params = {"limit": str(_CAMPAIGNS_PAGE_SIZE), "properties": "hs_name", **({"after": after} if after else {})}
        return self._get_json("/marketing/v3/campaigns", params, lambda response: parse_json_object(
            self.source_name, response.content, "campaigns", status=response.status_code
        ))

    def analytics_report(self, path: str, params: dict[str, str]) -> Any:
        """``GET`` an analytics report (``/analytics/v2/reports/...``) as parsed JSON."""
        return self._get_json(path, params, lambda response: parse_json(self.source_name, response.content, "analytics report", status=response.status_code))

    def _get_json(self, path: str, params: dict[str, str], parse: Callable[[requests.Response], T]) -> T:
        """``GET`` an endpoint the SDK has no module for, with the SDK's request builder
        (auth, base URL), our retry and timeout: the successful answer parsed, or its typed error."""
        built = SdkRequest(self._sdk_config, {"method": "GET", "path": path, "qs": params})

        def get() -> requests.Response:
            return send(
                self._session, "GET", built.get_url(), source=self.source_name, hooks=self._answers,
                timeout=self.timeout, **built.get_options_for_sending(),
            )

        return resend_unreadable(lambda: parse(self._call(get)), self._retry, method="GET", url=path)

    def marketing_emails_page(self, *, after: str | None) -> dict[str, Any]:
        """One page of marketing emails, drafts included, with their statistics, as raw JSON.

        Raw, because the SDK's email model insists on fields (content, from,
        subcategory, ...) that real responses do not always carry. Drafts and
        statistics come along so that one listing serves every use in a run:
        checking names, counting, summing, the catalogue. Campaign names are
        asked for, since whether HubSpot sends ``campaignName`` unasked is unverified.
        """
        return self._sdk_json(
            lambda: self._emails_api.get_page(
                include_stats=True, marketing_campaign_names=True, limit=100, after=after,
                _preload_content=False, _request_timeout=self.timeout,
            ),
            "marketing emails", path="/marketing/v3/emails",
        )

    def _sdk_json(self, request: Callable[[], urllib3.BaseHTTPResponse], what: str, *, path: str, search: bool = False) -> dict[str, Any]:
        """The JSON object an SDK call (sent raw: ``_preload_content=False``) answered; sent again
        when the answer is cut short or not JSON (``resend_unreadable``), each time as a new request."""
        return resend_unreadable(
            lambda: self._json_answer(self._call(request, search=search), what), self._retry, method="POST" if search else "GET", url=path
        )

    def _json_answer(self, response: urllib3.BaseHTTPResponse, what: str) -> dict[str, Any]:
        try:
            raw = response.data
        except urllib3.exceptions.HTTPError as error:  # the connection dropped (or timed out) mid-body
            cut_short = UnreadableAnswer(self.source_name, f"{what} answer was cut short ({failure_name(error)})", status=response.status)
        else:
            return parse_json_object(self.source_name, raw, what, status=response.status)
        finally:
            response.release_conn()
        raise cut_short

    def _results(self, body: dict[str, Any], what: str) -> list[dict[str, Any]]:
        results = body.get("results")
        if not isinstance(results, list) or not all(isinstance(item, dict) for item in results):
            raise FatalSourceError(self.source_name, f"{what} answer has no list of results")
        return results

    def _call(self, request: Callable[[], T], *, search: bool = False) -> T:
        self._stop.check()
        self.rate_limiter.acquire(search=search)
        count_request()
        try:
            return request()
        except SourceError as error:
            failure = error  # transport.send's, for the reads without an SDK module
        except FinalAnswer as final:  # the Retry read it and would not resend it (a DAILY 429)
            failure = classify(self.source_name, final.status, final.body, self._answers, reason=final.reason, retried=False)
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
        if failure.status == 401 or isinstance(failure, QuotaExhaustedError):
            self._stop.stop(failure)
        raise failure  # outside the handlers, so that not even __context__ keeps the original


class _Stop:
    """Why the run's reads of the portal stop (the first reason wins), for every thread to see at once."""

    def __init__(self) -> None:
        self._reasons: list[SourceError] = []
        self._lock = threading.Lock()
        self._stopped = threading.Event()

    def stop(self, reason: SourceError) -> None:
        with self._lock:
            if not self._reasons:
                self._reasons.append(reason)
        self._stopped.set()

    def check(self) -> None:
        """Raise the reason, if the reads stopped: a copy, since re-raising one instance from many
        threads would chain their tracebacks."""
        if self._reasons:
            raise copy.copy(self._reasons[0])

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds``, waking early to raise the reason when the reads stop meanwhile."""
        self._stopped.wait(seconds)
        self.check()


class _SharedValue:
    """One entry of ``HubSpotClient.shared``: its lock makes concurrent askers wait for one load."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded = False
        self.value: Any = None


class _RateLimitedRetry(CountingRetry):
    """Mixed into the run's ``Retry`` class: each resend passes the portal's rate limiter after
    the backoff, as the first try did in ``_call``, and counts (``CountingRetry``); an answer
    ``answers`` say no resend can fix (a DAILY 429) is raised as a ``FinalAnswer`` instead of
    resent. ``new()`` (urllib3 makes one per attempt) hands both on."""

    rate_limiter: PortalRateLimiter | None = None
    answers: AnswerHooks | None = None
    stop: _Stop | None = None
    source_name: str = ""

    def new(self, **kw: Any) -> _RateLimitedRetry:
        retry = super().new(**kw)
        retry.rate_limiter, retry.answers, retry.stop, retry.source_name = self.rate_limiter, self.answers, self.stop, self.source_name
        return retry

    def increment(self, method: str | None = None, url: str | None = None, response: urllib3.BaseHTTPResponse | None = None, *args: Any, **kw: Any) -> Retry:
        if response is not None and self.answers is not None:
            final = final_answer(response, self.answers)
            if final is not None:
                raise final
        return super().increment(method, url, response, *args, **kw)

    def sleep(self, response: urllib3.BaseHTTPResponse | None = None) -> None:
        # urllib3's own sleep (Retry-After, else the backoff), cut short when the run's reads stop.
        seconds = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        if not seconds:
            seconds = self.get_backoff_time()
        if self.stop is not None:
            try:
                self.stop.sleep(seconds)
            except SourceError:
                withdraw_request()  # the resend counted when granted will not go out
                raise
        elif seconds > 0:
            time.sleep(seconds)
        if self.rate_limiter is not None:
            last = self.history[-1] if self.history else None
            self.rate_limiter.acquire(search=bool(last is not None and last.url and "/search" in last.url))


_RATE_LIMITED_CLASSES: dict[type[Retry], type[Retry]] = {}


def _rate_limited(retry: Retry, limiter: PortalRateLimiter, answers: AnswerHooks, stop: _Stop, source_name: str) -> Retry:
    """A copy of ``retry`` (any ``Retry`` class, its backoff kept) whose resends pass ``limiter``
    and count, which resends nothing ``answers`` call final, and whose waits end with ``stop``."""
    cls = type(retry)
    if not issubclass(cls, _RateLimitedRetry):
        cls = _RATE_LIMITED_CLASSES.setdefault(cls, type(f"RateLimited{cls.__name__}", (_RateLimitedRetry, cls), {}))
    limited = cls.__new__(cls)
    limited.__dict__.update(retry.__dict__)
    limited.rate_limiter = limiter  # type: ignore[attr-defined]
    limited.answers = answers  # type: ignore[attr-defined]
    limited.stop = stop  # type: ignore[attr-defined]
    limited.source_name = source_name  # type: ignore[attr-defined]
    return limited



def _snake(search_filter: SearchFilter) -> dict[str, Any]:
    names = {"propertyName": "property_name", "highValue": "high_value"}
    return {names.get(key, key): value for key, value in search_filter.items()}
