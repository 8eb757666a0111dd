"""The sandbox's HTTP layer: one thread per connection, HTTP/1.1 keep-alive, JSON answers, silent on stderr.

``HttpServer`` parses each request into a ``Request`` and writes back whatever
its ``respond`` callable answers; what to answer is ``server.py``'s business.
A body wrapped in ``CutShort`` goes out cut in half, as a scripted fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.sandbox.faults import error_body

__all__ = ["CutShort", "HttpServer", "Request", "Responder"]

_CONTENT_TYPE = "application/json;charset=utf-8"


@dataclass(frozen=True)
class Request:
    """One HTTP request as the sandbox reads it."""

    method: str
    path: str
    query: dict[str, str]
    """One value per parameter: HubSpot reads one, and the last one wins."""
    authorization: str
    body: bytes
    query_all: dict[str, list[str]] = field(default_factory=dict)
    """Every value of each query parameter, for those HubSpot reads as lists (``properties``)."""


@dataclass(frozen=True)
class CutShort:
    """A JSON body sent cut in half: with ``dropped``, under a ``Content-Length`` announcing the whole
    body and on a connection closed after half; else under the half's own length."""

    body: dict[str, Any]
    dropped: bool


Responder = Callable[[Request], tuple[int, dict[str, Any] | CutShort, dict[str, str]]]
"""Status, JSON body (or one to cut short) and extra headers for a request."""


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True  # idle keep-alive connections must not keep the process alive

    def __init__(self, address: tuple[str, int], respond: Responder) -> None:
        super().__init__(address, _RequestHandler)
        self.respond = respond

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Silent: a client that timed out and hung up is a scenario here, not a failure."""


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps the SDK's pooled connections open across calls, like the real API.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, delayed ACKs add ~40 ms to every call.
    disable_nagle_algorithm = True
    server: HttpServer

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
        query = parse_qs(url.query, keep_blank_values=True)
        request = Request(
            method=self.command,
            path=url.path,
            query={name: values[-1] for name, values in query.items()},
            authorization=self.headers.get("Authorization", ""),
            body=self.rfile.read(length) if length else b"",
            query_all=query,
        )
        headers: dict[str, str] = {}
        try:
            status, payload, headers = self.server.respond(request)
        except Exception as error:  # a sandbox bug must reach the caller as an answer, not a dropped connection
            status, payload = HTTPStatus.INTERNAL_SERVER_ERROR, error_body(500, f"HubSpot sandbox error: {error!r}")
        cut = payload if isinstance(payload, CutShort) else None
        data = json.dumps(cut.body if cut else payload).encode()
        announced = len(data)
        if cut is not None:
            data = data[: len(data) // 2]
            announced = announced if cut.dropped else len(data)
            self.close_connection = cut.dropped
        self.send_response(status)
        self.send_header("Content-Type", _CONTENT_TYPE)
        self.send_header("Content-Length", str(announced))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
