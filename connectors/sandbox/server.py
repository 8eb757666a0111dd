"""A local HTTP server that answers the HubSpot endpoints the connector uses, from a ``SandboxDataset``.

Point the official SDK at it with ``hubspot.HubSpot(access_token=server.token,
host=server.base_url)``. Answers and errors use HubSpot's JSON shapes; every
API call needs ``Authorization: Bearer <token>``. Endpoints:

- ``POST /crm/v3/objects/{contacts|deals}/search`` (semantics in ``search.py``)
- ``GET /crm/v3/objects/{contacts|deals}`` (the list API full-pull connectors
  page through: ``limit`` up to 100, ``after``, ``properties``, ``archived``)
- ``GET /marketing/v3/emails`` (``limit``, ``after``, ``includeStats``,
  ``isPublished``, ``createdAfter``/``createdBefore``, ``archived``,
  ``marketingCampaignNames``; emails carry ``campaign`` and ``campaignName``)
- ``GET /marketing/v3/campaigns`` (``limit``, ``after``, ``name``,
  ``properties``, ``sort``) and ``.../{campaignGuid}``
- ``GET /crm/v3/properties/{contacts|deals}`` and ``.../{propertyName}``
  (404 for a property the portal does not list)
- ``GET /crm/v3/pipelines/{deals|contacts}``, ``.../{pipelineId}``,
  ``.../{pipelineId}/stages`` and ``.../stages/{stageId}``: the deal
  pipelines, and for contacts the lifecycle stage pipeline
- ``GET /analytics/v2/reports/{totals|sources}/{daily|total}?start=YYYYMMDD&end=YYYYMMDD``
  (``analytics.py``: by day, or the range rolled up with each visitor once)
- the legacy ``GET /deals/v1/deal/paged`` and ``GET /properties/v1/deals/properties``
  (``legacy.py``), and ``GET /crm/v3/schemas`` (no custom objects), which
  singer's tap-hubspot reads
- ``GET /account-info/v3/details``: the account's ``portalId`` (``portal_id``),
  type, time zone and currency; every token of the portal (``token`` and
  ``other_tokens``: two private apps of one account) answers the same id
- ``GET /__sandbox/calls`` (``DELETE`` resets them): the calls answered so
  far; ``GET /__sandbox/call_log`` the same calls with their arrival and
  answer times (seconds on the server's monotonic clock), network delay and
  status, for measuring a client from outside the process; control endpoints
  need no token and are not counted.
- ``POST /__sandbox/archive`` with ``{"objectType": "contacts", "ids": [...]}``
  (or ``"share": 0.15`` and an optional ``"seed"`` for a random share of the
  live records) and ``POST /__sandbox/merge`` with ``{"objectType": ...,
  "primaryId": ..., "mergedId": ...}``: records archived or merged between two
  syncs (``archiving.py``), as ``archive`` and ``merge`` do from code.

Faults are set per instance (``faults.py``): ``rate_limits`` answers HubSpot's
429s, ``faults.push(Fault(...))`` scripts the next answers, and
``latency_seconds`` delays every answer. ``arrival_delay_seconds`` (plus up
to ``arrival_jitter_seconds`` more, drawn per call) is the one-way network
delay before a call *arrives*: HubSpot counts a call against its limits when
it arrives, not when the client sent it, so calls a client spaced evenly can
arrive bunched and draw 429s. ``call_log`` keeps each call's arrival time
and status, so tests can check rates without timing themselves.

Standard library only; the HTTP layer (one thread per connection, silent on stderr) is ``transport.py``.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any

from connectors.sandbox.analytics import daily_report, range_report
from connectors.sandbox.archiving import archive_records, edit_record, merge_records, sample_ids
from connectors.sandbox.catalogue import Pipeline, pipeline_json, pipelines_of, property_definitions, property_types
from connectors.sandbox.dataset import SandboxDataset
from connectors.sandbox.faults import FaultQueue, RateLimits, error_body, rate_limit_body
from connectors.sandbox.index import RecordIndex
from connectors.sandbox.legacy import deal_properties_v1, list_deals_v1
from connectors.sandbox.marketing import CAMPAIGN_PROPERTIES
from connectors.sandbox.search import SearchValidationError, campaign_answer, list_campaigns, list_marketing_emails, search_records
from connectors.sandbox.transport import CutShort, HttpServer, Request

__all__ = ["DEFAULT_PORTAL_ID", "DEFAULT_TOKEN", "SandboxCall", "SandboxServer"]

DEFAULT_TOKEN = "sandbox-token"
DEFAULT_PORTAL_ID = 24681357

_CONTROL_PREFIX = "/__sandbox/"
_OBJECT_TYPES = ("contacts", "deals")

# Properties a search result always carries, and those it carries when none are requested (HubSpot's defaults).
_ALWAYS_PROPERTIES = {
    "contacts": ("hs_object_id", "createdate", "lastmodifieddate"),
    "deals": ("hs_object_id", "createdate", "hs_lastmodifieddate"),
}
_DEFAULT_PROPERTIES = {
    "contacts": ("firstname", "lastname", "email"),
    "deals": ("dealname", "amount", "pipeline", "dealstage", "closedate"),
}

Answer = tuple[int, dict[str, Any]]
_MAX_LIST_PAGE_SIZE = 100


@dataclasses.dataclass
class SandboxCall:
    """One HubSpot API call the sandbox received: when it arrived (``time.monotonic()``, after
    ``network_delay`` seconds of one-way delay), the status it was answered with (0 while a
    delayed answer is still pending), when that answer was ready (0 until then), and whether a
    fault's ``hold`` kept it waiting (``held``: set as the wait begins)."""

    method: str
    path: str
    arrived: float
    status: int = 0
    network_delay: float = 0.0
    answered: float = 0.0
    held: bool = False


class SandboxServer:
    """Serves ``dataset`` as HubSpot on ``host:port`` (port 0 picks a free one) from a daemon thread.

    ``start()`` returns the base URL; ``stop()`` (or leaving the ``with``
    block) shuts the server down. ``calls`` lists the HubSpot API calls
    answered, as ``(method, path)`` in arrival order, failed ones included;
    ``call_count`` is their number. Both are safe to read while serving.
    The dataset's lists are served live, so records appended later are found.

    ``arrival_delay_seconds`` and ``arrival_jitter_seconds`` delay each call
    before it counts as arrived (against ``rate_limits`` and in
    ``call_log``); the jitter is uniform in ``[0, arrival_jitter_seconds]``,
    drawn from a ``random.Random(arrival_seed)``. ``latency_seconds`` delays
    the answer after that. ``other_tokens`` are accepted as well as ``token``:
    further private apps of the same portal (``portal_id``).
    """

    def __init__(
        self,
        dataset: SandboxDataset,
        *,
        token: str = DEFAULT_TOKEN,
        other_tokens: Iterable[str] = (),
        portal_id: int = DEFAULT_PORTAL_ID,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: RateLimits | None = None,
        latency_seconds: float = 0.0,
        arrival_delay_seconds: float = 0.0,
        arrival_jitter_seconds: float = 0.0,
        arrival_seed: int | str | None = 0,
    ) -> None:
        if min(latency_seconds, arrival_delay_seconds, arrival_jitter_seconds) < 0:
            raise ValueError("latency and arrival delays must not be negative")
        self.dataset = dataset
        self.token = token
        self.other_tokens = frozenset(other_tokens)
        self.portal_id = portal_id
        self.rate_limits = rate_limits
        self.latency_seconds = latency_seconds
        self.arrival_delay_seconds = arrival_delay_seconds
        self.arrival_jitter_seconds = arrival_jitter_seconds
        self._jitter = random.Random(arrival_seed)
        self.faults = FaultQueue()
        self._address = (host, port)
        self._property_types = {object_type: property_types(object_type, dataset) for object_type in _OBJECT_TYPES}
        self._indexes = {
            "contacts": RecordIndex(dataset.contacts, self._property_types["contacts"]),
            "deals": RecordIndex(dataset.deals, self._property_types["deals"]),
        }
        self._calls: list[SandboxCall] = []
        self._accepted: dict[str, deque[float]] = {"search": deque(), "all": deque()}
        self._accepted_all_day = 0  # against RateLimits.per_day: calls answered within the quota since the last reset
        self._rate_limited = 0
        self._calls_lock = threading.Lock()
        self._httpd: HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    # --- lifecycle ---

    def start(self) -> str:
        """Bind, serve from a daemon thread, and return the base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._httpd is not None:
            raise RuntimeError("the sandbox server is already running")
        self._httpd = HttpServer(self._address, self._respond)
        host, port = self._httpd.server_address[:2]
        self._base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name=f"hubspot-sandbox-{port}", daemon=True
        )
        self._thread.start()
        return self._base_url

    def stop(self) -> None:
        """Stop serving and release the port; a no-op when not running."""
        if self._httpd is None or self._thread is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()
        self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the running server."""
        if self._base_url is None:
            raise RuntimeError("the sandbox server has not been started")
        return self._base_url

    # --- call accounting ---

    @property
    def call_count(self) -> int:
        """Number of HubSpot API calls answered (``/__sandbox/*`` excluded)."""
        with self._calls_lock:
            return len(self._calls)

    @property
    def calls(self) -> list[tuple[str, str]]:
        """``(method, path without query)`` of each HubSpot API call answered, in order."""
        with self._calls_lock:
            return [(call.method, call.path) for call in self._calls]

    @property
    def call_log(self) -> list[SandboxCall]:
        """Each HubSpot API call answered, with its arrival time and status, in arrival order."""
        with self._calls_lock:
            return sorted(self._calls, key=lambda call: call.arrived)

    def reset_calls(self) -> None:
        """Forget the calls answered so far; the daily quota (``RateLimits.per_day``) starts afresh."""
        with self._calls_lock:
            self._calls.clear()
            self._accepted_all_day = 0

    # --- portal changes between syncs ---

    def archive(self, object_type: str, ids: Iterable[int | str], *, at: datetime | None = None) -> list[dict[str, Any]]:
        """Archive the ``object_type`` records with ``ids`` (as deleting them in the portal does): they
        leave search, its ``total`` and the list API. Returns them; raises ``ValueError`` for an
        unknown type or an id that is not a live record's, archiving nothing."""
        archived = archive_records(self._records(object_type), ids, at=at or datetime.now(UTC))
        self._indexes[object_type].invalidate()
        return archived

    def merge(self, object_type: str, primary_id: int | str, merged_id: int | str, *, at: datetime | None = None) -> dict[str, Any]:
        """Merge record ``merged_id`` into ``primary_id`` (see ``archiving.merge_records``) and return the primary."""
        primary = merge_records(self._records(object_type), primary_id, merged_id, at=at or datetime.now(UTC))
        self._indexes[object_type].invalidate()
        return primary

    def edit(self, object_type: str, record_id: int | str, properties: dict[str, str], *, at: datetime | None = None) -> dict[str, Any]:
        """Change properties of one record, stamping it modified (see ``archiving.edit_record``), and return it."""
        edited = edit_record(self._records(object_type), record_id, properties, at=at or datetime.now(UTC))
        self._indexes[object_type].invalidate()
        return edited

    def _records(self, object_type: str) -> list[dict[str, Any]]:
        if object_type not in _OBJECT_TYPES:
            raise ValueError(f"objectType must be one of {', '.join(_OBJECT_TYPES)}, not {object_type!r}")
        return self.dataset.contacts if object_type == "contacts" else self.dataset.deals

    def prepare_indexes(self, properties: dict[str, list[str]]) -> None:
        """Build the search indexes of ``{object_type: [property, ...]}`` now (by date for
        datetimes, by value for enumerations), so the first searches on them (in a
        benchmark, say) do not pay for building them."""
        for object_type, names in properties.items():
            self._indexes[object_type].prepare(names)

    # --- dispatch ---

    def _respond(self, request: Request) -> tuple[int, dict[str, Any] | CutShort, dict[str, str]]:
        """Status, body and extra headers for ``request``: scripted fault, rate limit, or the real answer."""
        if request.path.startswith(_CONTROL_PREFIX):
            return (*self._control(request), {})
        network_delay = self._network_delay()
        if network_delay > 0:
            time.sleep(network_delay)  # still on its way: neither logged nor counted yet
        with self._calls_lock:
            # Logged on arrival: a client that timed out has still made the call. Counted against the
            # limits on arrival too, in arrival order, as HubSpot counts them.
            arrived = time.monotonic()
            call = SandboxCall(request.method, request.path, arrived, network_delay=network_delay)
            self._calls.append(call)
            fault = self.faults.take(request.path)
            limited = None if fault is not None and fault.status is not None else self._over_rate_limit(request, arrived)
        delay = self.latency_seconds + (fault.delay_seconds if fault else 0.0)
        if delay > 0:
            time.sleep(delay)
        if fault is not None and fault.hold is not None:
            call.held = True
            fault.hold.wait()
        headers: dict[str, str] = {}
        body: dict[str, Any] | CutShort
        if fault is not None and fault.status is not None:
            status, body = fault.status, error_body(fault.status, fault.message, missing_scopes=fault.missing_scopes, policy=fault.policy)
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
        elif limited is not None:
            status, body, headers = limited
        else:
            status, body = self._answer(request)
            if fault is not None and fault.truncated is not None and status == HTTPStatus.OK:
                body = CutShort(body, dropped=fault.truncated == "dropped")
        call.status = int(status)
        call.answered = time.monotonic()
        return status, body, headers

    def _network_delay(self) -> float:
        if self.arrival_jitter_seconds <= 0:
            return self.arrival_delay_seconds
        with self._calls_lock:
            return self.arrival_delay_seconds + self._jitter.uniform(0.0, self.arrival_jitter_seconds)

    def _over_rate_limit(self, request: Request, arrived: float) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """The 429 for a call arriving at ``arrived`` over a limit, else None (the call is booked).
        Called with ``_calls_lock`` held."""
        limits = self.rate_limits
        if limits is None:
            return None
        if limits.per_day is not None and self._accepted_all_day >= limits.per_day:
            # No Retry-After: the quota comes back at midnight in the account's zone, not in seconds.
            headers = {"X-HubSpot-RateLimit-Daily": str(limits.per_day), "X-HubSpot-RateLimit-Daily-Remaining": "0"}
            return HTTPStatus.TOO_MANY_REQUESTS, rate_limit_body("DAILY"), headers
        is_search = request.method == "POST" and request.path.rstrip("/").endswith("/search")
        checks = [("all", 10.0, limits.per_10_seconds, "TEN_SECONDLY_ROLLING")]
        if is_search:
            checks.insert(0, ("search", 1.0, limits.search_per_second, "SECONDLY"))
        for bucket, period, allowed, policy in checks:
            accepted = self._accepted[bucket]
            while accepted and accepted[0] <= arrived - period:
                accepted.popleft()
            if allowed is not None and len(accepted) >= allowed:
                self._rate_limited += 1
                headers = {"Retry-After": "1"} if self._rate_limited % limits.retry_after_every == 0 else {}
                return HTTPStatus.TOO_MANY_REQUESTS, rate_limit_body(policy), headers
        self._accepted["all"].append(arrived)
        self._accepted_all_day += 1
        if is_search:
            self._accepted["search"].append(arrived)
        return None

    def _answer(self, request: Request) -> Answer:
        scheme, _, token = request.authorization.partition(" ")
        if scheme.lower() != "bearer" or (token != self.token and token not in self.other_tokens):
            return _error(
                HTTPStatus.UNAUTHORIZED,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
                "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
            )
        path_known = False
        for method, pattern, endpoint in _ROUTES:
            match = pattern.fullmatch(request.path)
            if match is None:
                continue
            if method == request.method:
                try:
                    return endpoint(self, request, *match.groups())
                except SearchValidationError as error:
                    return _error(HTTPStatus.BAD_REQUEST, "VALIDATION_ERROR", str(error))
            path_known = True
        if path_known:
            return _error(HTTPStatus.METHOD_NOT_ALLOWED, "VALIDATION_ERROR", f"{request.method} is not allowed on {request.path}.")
        return _error(HTTPStatus.NOT_FOUND, "OBJECT_NOT_FOUND", f"The HubSpot sandbox has no endpoint {request.method} {request.path}.")

    def _control(self, request: Request) -> Answer:
        path = request.path.rstrip("/")
        if path == "/__sandbox/calls":
            if request.method == "DELETE":
                self.reset_calls()
            if request.method in ("GET", "DELETE"):
                calls = self.calls
                return HTTPStatus.OK, {"count": len(calls), "calls": [list(call) for call in calls]}
        if path == "/__sandbox/call_log" and request.method == "GET":
            return HTTPStatus.OK, {"calls": [dataclasses.asdict(call) for call in self.call_log]}
        if path in ("/__sandbox/archive", "/__sandbox/merge") and request.method == "POST":
            try:
                return HTTPStatus.OK, self._change_records(path.removeprefix(_CONTROL_PREFIX), json.loads(request.body or b"{}"))
            except KeyError as missing:
                return _error(HTTPStatus.BAD_REQUEST, "VALIDATION_ERROR", f"{request.path}: {missing.args[0]!r} is required")
            except (ValueError, TypeError) as error:  # json's errors are ValueErrors too
                return _error(HTTPStatus.BAD_REQUEST, "VALIDATION_ERROR", f"{request.path}: {error}")
        return _error(HTTPStatus.NOT_FOUND, "OBJECT_NOT_FOUND", f"The HubSpot sandbox has no endpoint {request.method} {request.path}.")

    def _change_records(self, change: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise TypeError("the body must be a JSON object")
        object_type = body["objectType"]
        if change == "merge":
            primary = self.merge(object_type, body["primaryId"], body["mergedId"])
            return {"id": primary["id"], "properties": primary["properties"]}
        ids = body["ids"] if "ids" in body else sample_ids(self._records(object_type), float(body["share"]), seed=body.get("seed", 0))
        return {"archived": [record["id"] for record in self.archive(object_type, ids)]}

    # --- endpoints ---

    def _search(self, request: Request, object_type: str) -> Answer:
        try:
            body = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            return _error(HTTPStatus.BAD_REQUEST, "VALIDATION_ERROR", f"Invalid input JSON: {error}")
        narrowed = self._indexes[object_type].narrow(body)
        return HTTPStatus.OK, search_records(
            narrowed.records,
            body,
            property_types=self._property_types[object_type],
            default_properties=_DEFAULT_PROPERTIES[object_type],
            always_properties=_ALWAYS_PROPERTIES[object_type],
            link_base=f"{self.base_url}/crm/v3/objects/{object_type}/search",
            memo=self._indexes[object_type].memo,
            passed=narrowed.passed,
        )

    def _emails(self, request: Request) -> Answer:
        return HTTPStatus.OK, list_marketing_emails(
            self.dataset.emails,
            request.query,
            link_base=f"{self.base_url}/marketing/v3/emails",
            campaign_names_on_request=self.dataset.campaign_names_on_request,
        )

    def _campaigns(self, request: Request) -> Answer:
        return HTTPStatus.OK, list_campaigns(
            self.dataset.campaigns,
            request.query,
            properties=_listed(request, "properties"),
            known=CAMPAIGN_PROPERTIES,
            link_base=f"{self.base_url}/marketing/v3/campaigns",
        )

    def _campaign(self, request: Request, campaign_id: str) -> Answer:
        """One campaign with its marketing emails as ``assets``."""
        found = next((item for item in self.dataset.campaigns if item["id"] == campaign_id), None)
        if found is None:
            return _error(HTTPStatus.NOT_FOUND, "OBJECT_NOT_FOUND", f"Campaign {campaign_id} does not exist.")
        emails = [{"id": mail["id"], "name": mail["name"]} for mail in self.dataset.emails if mail.get("campaign") == campaign_id]
        return HTTPStatus.OK, {
            **campaign_answer(found, _listed(request, "properties"), CAMPAIGN_PROPERTIES),
            "assets": {"MARKETING_EMAIL": {"results": emails}} if emails else {},
        }

    def _pipelines(self, request: Request, object_type: str) -> Answer:
        return HTTPStatus.OK, {"results": [pipeline_json(pipeline) for pipeline in pipelines_of(object_type, self.dataset) or []]}

    def _pipeline(self, request: Request, object_type: str, pipeline_id: str) -> Answer:
        pipeline = self._find_pipeline(object_type, pipeline_id)
        if pipeline is None:
            return _pipeline_not_found(object_type, pipeline_id)
        return HTTPStatus.OK, pipeline_json(pipeline)

    def _stages(self, request: Request, object_type: str, pipeline_id: str) -> Answer:
        pipeline = self._find_pipeline(object_type, pipeline_id)
        if pipeline is None:
            return _pipeline_not_found(object_type, pipeline_id)
        return HTTPStatus.OK, {"results": pipeline_json(pipeline)["stages"]}

    def _stage(self, request: Request, object_type: str, pipeline_id: str, stage_id: str) -> Answer:
        pipeline = self._find_pipeline(object_type, pipeline_id)
        if pipeline is None:
            return _pipeline_not_found(object_type, pipeline_id)
        stage = next((stage for stage in pipeline_json(pipeline)["stages"] if stage["id"] == stage_id), None)
        if stage is None:
            return _error(HTTPStatus.NOT_FOUND, "OBJECT_NOT_FOUND", f"Unable to find stage {stage_id} in pipeline {pipeline_id}.")
        return HTTPStatus.OK, stage

    def _find_pipeline(self, object_type: str, pipeline_id: str) -> Pipeline | None:
        return next((pipeline for pipeline in pipelines_of(object_type, self.dataset) or [] if pipeline.id == pipeline_id), None)

    def _list_objects(self, request: Request, object_type: str) -> Answer:
        """The CRM list API: every live record (with ``archived=true``, every archived one) by id,
        ``limit`` (max 100) at a time, ``after`` an offset cursor."""
        archived = request.query.get("archived", "false").lower()
        if archived not in ("true", "false"):
            raise SearchValidationError(f"archived must be true or false, not {archived!r}.")
        limit = _query_int(request.query, "limit", 10, _MAX_LIST_PAGE_SIZE)
        after = _query_int(request.query, "after", 0, None)
        wanted = [name for name in request.query.get("properties", "").split(",") if name]
        names = wanted or list(_DEFAULT_PROPERTIES[object_type])
        names += [name for name in _ALWAYS_PROPERTIES[object_type] if name not in names]
        records = self._indexes[object_type].by_id(archived=archived == "true")
        page = records[after : after + limit]
        body: dict[str, Any] = {
            "results": [
                {**{key: record[key] for key in ("id", "createdAt", "updatedAt", "archived", "archivedAt") if key in record},
                 "properties": {name: record["properties"].get(name) for name in names}}
                for record in page
            ]
        }
        if after + limit < len(records):
            next_after = str(after + limit)
            body["paging"] = {"next": {"after": next_after, "link": f"{self.base_url}/crm/v3/objects/{object_type}?after={next_after}"}}
        return HTTPStatus.OK, body

    def _analytics(self, request: Request, breakdown: str, time_period: str) -> Answer:
        """Traffic from ``start`` to ``end`` (inclusive): keyed by day, or rolled up over the range."""
        try:
            first = datetime.strptime(request.query.get("start", ""), "%Y%m%d").date()
            last = datetime.strptime(request.query.get("end", ""), "%Y%m%d").date()
        except ValueError:
            raise SearchValidationError("start and end are required, as YYYYMMDD.") from None
        if time_period == "total":
            return HTTPStatus.OK, range_report(self.dataset.traffic, self.dataset.returning, breakdown, first, last)
        return HTTPStatus.OK, daily_report(self.dataset.traffic, breakdown, first, last)

    def _deals_v1(self, request: Request) -> Answer:
        return HTTPStatus.OK, list_deals_v1(self._indexes["deals"].by_id(), request.query, request.query_all, property_types=self._property_types["deals"])

    def _deal_properties_v1(self, request: Request) -> Answer:
        return HTTPStatus.OK, deal_properties_v1(property_definitions("deals", self.dataset))

    def _custom_object_schemas(self, request: Request) -> Answer:
        return HTTPStatus.OK, {"results": []}

    def _account_details(self, request: Request) -> Answer:
        # HubSpot's shape; the zone is not the data set's (nothing reads it: configs name their own).
        return HTTPStatus.OK, {
            "portalId": self.portal_id, "accountType": "STANDARD", "timeZone": "UTC", "companyCurrency": "USD",
            "additionalCurrencies": [], "utcOffset": "+00:00", "utcOffsetMilliseconds": 0, "uiDomain": "app.hubspot.com",
            "dataHostingLocation": "na1",
        }

    def _properties(self, request: Request, object_type: str) -> Answer:
        return HTTPStatus.OK, {"results": property_definitions(object_type, self.dataset)}

    def _property(self, request: Request, object_type: str, name: str) -> Answer:
        for definition in property_definitions(object_type, self.dataset):
            if definition["name"] == name:
                return HTTPStatus.OK, definition
        return _error(HTTPStatus.NOT_FOUND, "OBJECT_NOT_FOUND", f"Unable to find property {name} for object type {object_type}.")


_OBJECT_TYPE_PATTERN = "|".join(_OBJECT_TYPES)
_PIPELINE_OBJECT_TYPES = "deals|contacts"
_ROUTES: tuple[tuple[str, re.Pattern[str], Callable[..., Answer]], ...] = (
    ("POST", re.compile(rf"/crm/v3/objects/({_OBJECT_TYPE_PATTERN})/search/?"), SandboxServer._search),
    ("GET", re.compile(rf"/crm/v3/objects/({_OBJECT_TYPE_PATTERN})/?"), SandboxServer._list_objects),
    ("GET", re.compile(r"/analytics/v2/reports/(totals|sources)/(daily|total)/?"), SandboxServer._analytics),
    ("GET", re.compile(r"/account-info/v3/details/?"), SandboxServer._account_details),
    # The SDK asks for "/marketing/v3/emails/", with the trailing slash.
    ("GET", re.compile(r"/marketing/v3/emails/?"), SandboxServer._emails),
    ("GET", re.compile(r"/marketing/v3/campaigns/?"), SandboxServer._campaigns),
    ("GET", re.compile(r"/marketing/v3/campaigns/([^/]+)/?"), SandboxServer._campaign),
    ("GET", re.compile(rf"/crm/v3/pipelines/({_PIPELINE_OBJECT_TYPES})/?"), SandboxServer._pipelines),
    ("GET", re.compile(rf"/crm/v3/pipelines/({_PIPELINE_OBJECT_TYPES})/([^/]+)/?"), SandboxServer._pipeline),
    ("GET", re.compile(rf"/crm/v3/pipelines/({_PIPELINE_OBJECT_TYPES})/([^/]+)/stages/?"), SandboxServer._stages),
    ("GET", re.compile(rf"/crm/v3/pipelines/({_PIPELINE_OBJECT_TYPES})/([^/]+)/stages/([^/]+)/?"), SandboxServer._stage),
    ("GET", re.compile(rf"/crm/v3/properties/({_OBJECT_TYPE_PATTERN})/?"), SandboxServer._properties),
    ("GET", re.compile(rf"/crm/v3/properties/({_OBJECT_TYPE_PATTERN})/([^/]+)/?"), SandboxServer._property),
    ("GET", re.compile(r"/deals/v1/deal/paged/?"), SandboxServer._deals_v1),
    ("GET", re.compile(r"/properties/v1/deals/properties/?"), SandboxServer._deal_properties_v1),
    ("GET", re.compile(r"/crm/v3/schemas/?"), SandboxServer._custom_object_schemas),
)


def _listed(request: Request, name: str) -> list[str]:
    """Every name in a list parameter, sent repeated (``a=x&a=y``) or comma-separated (``a=x,y``)."""
    return [item.strip() for value in request.query_all.get(name, []) for item in value.split(",") if item.strip()]


def _pipeline_not_found(object_type: str, pipeline_id: str) -> Answer:
    return _error(HTTPStatus.NOT_FOUND, "OBJECT_NOT_FOUND", f"Unable to find pipeline {pipeline_id} for object type {object_type}.")


def _query_int(query: dict[str, str], name: str, default: int, maximum: int | None) -> int:
    raw = query.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)  # type: ignore[arg-type]
    except ValueError:
        raise SearchValidationError(f"{name} must be an integer, not {raw!r}.") from None
    if value < 0 or (maximum is not None and value > maximum):
        raise SearchValidationError(f"{name} must be between 0 and {maximum}, not {value}.")
    return value


def _error(status: HTTPStatus, category: str, message: str) -> Answer:
    return status, {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
