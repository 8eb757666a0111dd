"""A local HTTP server that answers the HubSpot endpoints the connector uses, from a ``SandboxDataset``.

Point the official SDK at it with ``hubspot.HubSpot(access_token=server.token,
host=server.base_url)``. Answers and errors use HubSpot's JSON shapes; every
API call needs ``Authorization: Bearer <token>``. Endpoints:

- ``POST /crm/v3/objects/{contacts|deals}/search`` (semantics in ``search.py``)
- ``GET /crm/v3/objects/{contacts|deals}`` (the list API full-pull connectors
  page through: ``limit`` up to 100, ``after``, ``properties``)
- ``GET /marketing/v3/emails``
- ``GET /crm/v3/properties/{contacts|deals}`` and ``.../{propertyName}``
- ``GET /analytics/v2/reports/{totals|sources}/daily?start=YYYYMMDD&end=YYYYMMDD``
- ``GET /__sandbox/calls`` (``DELETE`` resets them): the calls answered so
  far; control endpoints need no token and are not counted.

Faults are set per instance (``faults.py``): ``rate_limits`` answers HubSpot's
429s, ``faults.push(Fault(...))`` scripts the next answers, and
``latency_seconds`` delays every one. ``call_log`` keeps each call's arrival
time and status, so tests can check rates without timing themselves.

Standard library only, one thread per connection, silent on stderr.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.sandbox.dataset import SandboxDataset, property_definitions, property_types
from connectors.sandbox.faults import FaultQueue, RateLimits, error_body, rate_limit_body
from connectors.sandbox.index import RecordIndex
from connectors.sandbox.search import SearchValidationError, list_marketing_emails, search_records

__all__ = ["DEFAULT_TOKEN", "SandboxCall", "SandboxServer"]

DEFAULT_TOKEN = "sandbox-token"

_CONTROL_PREFIX = "/__sandbox/"
_CONTENT_TYPE = "application/json;charset=utf-8"
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


@dataclass
class SandboxCall:
    """One HubSpot API call the sandbox received: when it arrived (``time.monotonic()``) and the
    status it was answered with (0 while a delayed answer is still pending)."""

    method: str
    path: str
    arrived: float
    status: int = 0


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: dict[str, str]
    authorization: str
    body: bytes


class SandboxServer:
    """Serves ``dataset`` as HubSpot on ``host:port`` (port 0 picks a free one) from a daemon thread.

    ``start()`` returns the base URL; ``stop()`` (or leaving the ``with``
    block) shuts the server down. ``calls`` lists the HubSpot API calls
    answered, as ``(method, path)`` in arrival order, failed ones included;
    ``call_count`` is their number. Both are safe to read while serving.
    The dataset's lists are served live, so records appended later are found.
    """

    def __init__(
        self,
        dataset: SandboxDataset,
        *,
        token: str = DEFAULT_TOKEN,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limits: RateLimits | None = None,
        latency_seconds: float = 0.0,
    ) -> None:
        self.dataset = dataset
        self.token = token
        self.rate_limits = rate_limits
        self.latency_seconds = latency_seconds
        self.faults = FaultQueue()
        self._address = (host, port)
        self._property_types = {object_type: property_types(object_type, dataset) for object_type in _OBJECT_TYPES}
        self._indexes = {
            "contacts": RecordIndex(dataset.contacts, self._property_types["contacts"]),
            "deals": RecordIndex(dataset.deals, self._property_types["deals"]),
        }
        self._calls: list[SandboxCall] = []
        self._accepted: dict[str, deque[float]] = {"search": deque(), "all": deque()}
        self._rate_limited = 0
        self._calls_lock = threading.Lock()
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    # --- lifecycle ---

    def start(self) -> str:
        """Bind, serve from a daemon thread, and return the base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._httpd is not None:
            raise RuntimeError("the sandbox server is already running")
        self._httpd = _HttpServer(self._address, self)
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
        """Forget the calls answered so far."""
        with self._calls_lock:
            self._calls.clear()

    # --- dispatch ---

    def _respond(self, request: _Request) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Status, body and extra headers for ``request``: scripted fault, rate limit, or the real answer."""
        if request.path.startswith(_CONTROL_PREFIX):
            return (*self._control(request), {})
        arrived = time.monotonic()
        # Logged on arrival: a client that timed out has still made the call.
        call = SandboxCall(request.method, request.path, arrived)
        with self._calls_lock:
            self._calls.append(call)
        fault = self.faults.take(request.path)
        delay = self.latency_seconds + (fault.delay_seconds if fault else 0.0)
        if delay > 0:
            time.sleep(delay)
        headers: dict[str, str] = {}
        if fault is not None and fault.status is not None:
            status, body = fault.status, error_body(fault.status, fault.message, missing_scopes=fault.missing_scopes)
            if fault.retry_after is not None:
                headers["Retry-After"] = f"{fault.retry_after:g}"
        else:
            limited = self._over_rate_limit(request, arrived)
            if limited is not None:
                status, body, headers = limited
            else:
                status, body = self._answer(request)
        call.status = int(status)
        return status, body, headers

    def _over_rate_limit(self, request: _Request, arrived: float) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        limits = self.rate_limits
        if limits is None:
            return None
        is_search = request.method == "POST" and request.path.rstrip("/").endswith("/search")
        with self._calls_lock:
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
            if is_search:
                self._accepted["search"].append(arrived)
        return None

    def _answer(self, request: _Request) -> Answer:
        scheme, _, token = request.authorization.partition(" ")
        if scheme.lower() != "bearer" or token != self.token:
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

    def _control(self, request: _Request) -> Answer:
        if request.path.rstrip("/") == "/__sandbox/calls":
            if request.method == "DELETE":
                self.reset_calls()
            if request.method in ("GET", "DELETE"):
                calls = self.calls
                return HTTPStatus.OK, {"count": len(calls), "calls": [list(call) for call in calls]}
        return _error(HTTPStatus.NOT_FOUND, "OBJECT_NOT_FOUND", f"The HubSpot sandbox has no endpoint {request.method} {request.path}.")

    # --- endpoints ---

    def _search(self, request: _Request, object_type: str) -> Answer:
        try:
            body = json.loads(request.body or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            return _error(HTTPStatus.BAD_REQUEST, "VALIDATION_ERROR", f"Invalid input JSON: {error}")
        return HTTPStatus.OK, search_records(
            self._indexes[object_type].candidates(body),
            body,
            property_types=self._property_types[object_type],
            default_properties=_DEFAULT_PROPERTIES[object_type],
            always_properties=_ALWAYS_PROPERTIES[object_type],
            link_base=f"{self.base_url}/crm/v3/objects/{object_type}/search",
            memo=self._indexes[object_type].memo,
        )

    def _emails(self, request: _Request) -> Answer:
        return HTTPStatus.OK, list_marketing_emails(self.dataset.emails, request.query, link_base=f"{self.base_url}/marketing/v3/emails")

    def _list_objects(self, request: _Request, object_type: str) -> Answer:
        """The CRM list API: every record by id, ``limit`` (max 100) at a time, ``after`` an offset cursor."""
        limit = _query_int(request.query, "limit", 10, _MAX_LIST_PAGE_SIZE)
        after = _query_int(request.query, "after", 0, None)
        wanted = [name for name in request.query.get("properties", "").split(",") if name]
        names = wanted or list(_DEFAULT_PROPERTIES[object_type])
        names += [name for name in _ALWAYS_PROPERTIES[object_type] if name not in names]
        records = self._indexes[object_type].by_id()
        page = records[after : after + limit]
        body: dict[str, Any] = {
            "results": [
                {**{key: record[key] for key in ("id", "createdAt", "updatedAt", "archived")},
                 "properties": {name: record["properties"].get(name) for name in names}}
                for record in page
            ]
        }
        if after + limit < len(records):
            next_after = str(after + limit)
            body["paging"] = {"next": {"after": next_after, "link": f"{self.base_url}/crm/v3/objects/{object_type}?after={next_after}"}}
        return HTTPStatus.OK, body

    def _analytics(self, request: _Request, breakdown: str) -> Answer:
        """Daily traffic, keyed by ``YYYY-MM-DD`` from ``start`` to ``end`` (inclusive): one row
        per source, or a single ``totals`` row summing them."""
        try:
            first = datetime.strptime(request.query.get("start", ""), "%Y%m%d").date()
            last = datetime.strptime(request.query.get("end", ""), "%Y%m%d").date()
        except ValueError:
            raise SearchValidationError("start and end are required, as YYYYMMDD.") from None
        answer: dict[str, list[dict[str, Any]]] = {}
        for day in sorted(self.dataset.traffic):
            if not first <= day <= last:
                continue
            rows = self.dataset.traffic[day]
            if breakdown == "totals":
                totals = {field: sum(row[field] for row in rows.values()) for field in ("visits", "visitors", "rawViews")}
                answer[day.isoformat()] = [{"breakdown": "totals", **totals}]
            else:
                answer[day.isoformat()] = [{"breakdown": source, **row} for source, row in rows.items()]
        return HTTPStatus.OK, answer

    def _properties(self, request: _Request, object_type: str) -> Answer:
        return HTTPStatus.OK, {"results": property_definitions(object_type, self.dataset)}

    def _property(self, request: _Request, object_type: str, name: str) -> Answer:
        for definition in property_definitions(object_type, self.dataset):
            if definition["name"] == name:
                return HTTPStatus.OK, definition
        return _error(HTTPStatus.NOT_FOUND, "OBJECT_NOT_FOUND", f"Unable to find property {name} for object type {object_type}.")


_OBJECT_TYPE_PATTERN = "|".join(_OBJECT_TYPES)
_ROUTES: tuple[tuple[str, re.Pattern[str], Callable[..., Answer]], ...] = (
    ("POST", re.compile(rf"/crm/v3/objects/({_OBJECT_TYPE_PATTERN})/search/?"), SandboxServer._search),
    ("GET", re.compile(rf"/crm/v3/objects/({_OBJECT_TYPE_PATTERN})/?"), SandboxServer._list_objects),
    ("GET", re.compile(r"/analytics/v2/reports/(totals|sources)/daily/?"), SandboxServer._analytics),
    # The SDK asks for "/marketing/v3/emails/", with the trailing slash.
    ("GET", re.compile(r"/marketing/v3/emails/?"), SandboxServer._emails),
    ("GET", re.compile(rf"/crm/v3/properties/({_OBJECT_TYPE_PATTERN})/?"), SandboxServer._properties),
    ("GET", re.compile(rf"/crm/v3/properties/({_OBJECT_TYPE_PATTERN})/([^/]+)/?"), SandboxServer._property),
)


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


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not keep the process alive

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        super().__init__(address, _RequestHandler)
        self.sandbox = sandbox

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent: a client that timed out and hung up is a scenario here, not a failure."""


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the SDK's pooled connections open across calls, like the real API.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms to every call.
    disable_nagle_algorithm = True
    server: _HttpServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: tests, demos and benchmarks own stderr."""

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = _Request(
            method=self.command,
            path=url.path,
            # HubSpot reads one value per parameter; the last one wins.
            query={name: values[-1] for name, values in parse_qs(url.query, keep_blank_values=True).items()},
            authorization=self.headers.get("Authorization", ""),
            body=self.rfile.read(length) if length else b"",
        )
        headers: dict[str, str] = {}
        try:
            status, payload, headers = self.server.sandbox._respond(request)
        except Exception as error:  # a sandbox bug must reach the caller as an answer, not a dropped connection
            status, payload = _error(HTTPStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", f"HubSpot sandbox error: {error!r}")
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", _CONTENT_TYPE)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
