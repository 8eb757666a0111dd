"""The chat digest's fixtures: a webhook endpoint on loopback that answers as scripted and keeps
every request (Slack's SDK sends with urllib, which ``responses`` cannot see), hand-made views
whose every string is known, and secret-shaped webhook URLs to look for in every output."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reports.view import (
    AttentionEntry,
    AttentionSection,
    Badge,
    BannerSection,
    ChangeEntry,
    ChangesSection,
    Footer,
    Header,
    HealthSection,
    ReportView,
)

SLACK_SECRET = "xoxb9Secret7TokenValue42"
TEAMS_SIGNATURE = "sIgN4tur3-Sec7et_Value-0123456789"
REPORT_LINK = "https://okr.acme.example/reports/2026-Q4/2026-12-01.html"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict
    at: float


@dataclass
class Answer:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class WebhookServer:
    """Answers each POST with the next scripted ``Answer`` (200 ``ok`` once none is left)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: deque[Answer] = deque()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with server._lock:
                    server.received.append(Received(self.path, dict(self.headers.items()), json.loads(raw or b"{}"), time.monotonic()))
                    answer = server.answers.popleft() if server.answers else Answer()
                time.sleep(answer.delay)
                try:
                    payload = answer.body.encode()
                    self.send_response(answer.status)
                    for name, value in {"Content-Type": "text/plain", **answer.headers}.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting

            def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, status: int = 200, body: str = "ok", *, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        self.answers.append(Answer(status, body, headers or {}, delay))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def slack_url(self) -> str:
        return f"{self.base}/services/T0ACME/B0DIGEST/{SLACK_SECRET}"

    def teams_url(self) -> str:
        return f"{self.base}/workflows/0f1e2d3c4b5a/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={TEAMS_SIGNATURE}"


@pytest.fixture
def webhook_server():
    server = WebhookServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def assert_no_secret(*texts: str) -> None:
    """Not the URL, nor any part of it that grants posting."""
    for text in texts:
        for secret in (SLACK_SECRET, TEAMS_SIGNATURE, "/services/T0ACME", "0f1e2d3c4b5a"):
            assert secret not in text, f"{secret!r} leaked into: {text}"


@pytest.fixture
def secret_free():
    return assert_no_secret


def make_view(
    *,
    company: str = "Acme Cloud",
    attention: tuple[AttentionEntry, ...] | None = None,
    banner: str | None = None,
    status_changes: tuple[ChangeEntry, ...] = (),
    movers: tuple[ChangeEntry, ...] = (),
    changes_note: str | None = None,
    report_url: str | None = "https://okr.acme.example/reports/2026-Q4",
) -> ReportView:
    """A view model as ``build_view`` makes one, every string chosen by the test."""
    if attention is None:
        attention = (
            AttentionEntry("Create 110 new deals", "Well behind pace: 41 of 110 deals, 74 deals expected by now", Badge("Off track", "bad"),
                           "sam@acme.example", None, "#kr-deals"),
            AttentionEntry("Clean CRM data", "Due 15 Nov, still in progress (16 days overdue)", Badge("Overdue", "bad"),
                           "maria@acme.example", "since 15 Nov 2026", "#objective-pipeline"),
        )
    summary = "1 off track"
    sections = ([BannerSection(banner)] if banner else []) + [
        AttentionSection(attention),
        ChangesSection("Changes since 24 Nov 2026", changes_note, status_changes, movers),
        HealthSection("Last sync: succeeded, 1 Dec 2026, 03:00 UTC.", ()),
    ]
    return ReportView(
        headline=f"{company} OKRs, 1 Dec: {summary}",
        summary=summary,
        preheader="",
        header=Header(f"{company} OKRs", "2026-Q4 (1 Oct to 31 Dec 2026)", "As of 1 Dec 2026 (Europe/Berlin)", "67% of the quarter elapsed",
                      (Badge("1 off track", "bad"), Badge("2 on track", "good")), None, report_url),
        sections=tuple(sections),
        footer=Footer("Generated 1 Dec 2026, 03:00 UTC by OKR Autopilot", report_url, "method"),
    )


@pytest.fixture
def view_of():
    """``make_view``: a view with the given parts (defaults: two attention items, nothing changed)."""
    return make_view


def many_items(count: int, *, reason: str = "Behind pace: 3 of 10 things, 6 things expected by now") -> tuple[AttentionEntry, ...]:
    return tuple(
        AttentionEntry(f"Key result number {n}", reason, Badge("At risk", "warn"), f"owner{n}@acme.example", None, f"#kr-{n}")
        for n in range(1, count + 1)
    )


@pytest.fixture
def items():
    return many_items


@pytest.fixture
def teams_webhook() -> str:
    """A Workflows trigger URL, shaped like the ones Teams gives (the signature is the secret)."""
    return (
        "https://prod-00.westeurope.logic.azure.com:443/workflows/0f1e2d3c4b5a/triggers/manual/paths/invoke"
        f"?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={TEAMS_SIGNATURE}"
    )


# --- Slack's Block Kit, as documented: block types, limits; the SDK's models as a second reader ---

SLACK_PAYLOAD_KEYS = {"text", "blocks", "unfurl_links", "unfurl_media"}


def block_kit_problems(payload: dict) -> list[str]:
    """What Slack would refuse in an incoming-webhook payload, as far as it can be told statically."""
    from slack_sdk.models.blocks import Block

    problems = []
    if not set(payload) <= SLACK_PAYLOAD_KEYS:
        problems.append(f"unknown payload keys {set(payload) - SLACK_PAYLOAD_KEYS}")
    if not isinstance(payload.get("text"), str) or not payload["text"]:
        problems.append("no fallback text")
    blocks = payload.get("blocks")
    if not isinstance(blocks, list) or not 1 <= len(blocks) <= 50:
        return problems + [f"blocks must be 1 to 50, got {len(blocks) if isinstance(blocks, list) else blocks!r}"]
    for index, block in enumerate(blocks):
        where = f"blocks[{index}] ({block.get('type')})"
        parsed = Block.parse(block)
        if parsed is None:
            problems.append(f"{where}: not a block type Slack knows")
            continue
        try:
            parsed.validate_json()
        except Exception as error:  # SlackObjectFormationError: a documented limit
            problems.append(f"{where}: {error}")
        if parsed.to_dict() != block:
            problems.append(f"{where}: keys the SDK's model does not know: {block} vs {parsed.to_dict()}")
        kind = block["type"]
        if kind == "header":
            text = block["text"]
            if text.get("type") != "plain_text" or not 1 <= len(text.get("text", "")) <= 150:
                problems.append(f"{where}: a header is plain_text of 1 to 150 characters")
        elif kind == "section":
            text = block.get("text") or {}
            if text.get("type") not in ("mrkdwn", "plain_text") or not 1 <= len(text.get("text", "")) <= 3000:
                problems.append(f"{where}: section text must be 1 to 3000 characters")
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                problems.append(f"{where}: a context has 1 to 10 elements")
            for element in elements:
                if element.get("type") not in ("mrkdwn", "plain_text", "image") or len(element.get("text", "")) > 3000:
                    problems.append(f"{where}: bad context element {element}")
        elif kind == "divider":
            if set(block) != {"type"}:
                problems.append(f"{where}: a divider has no other keys")
        else:
            problems.append(f"{where}: not a block this digest should use")
    return problems


@pytest.fixture
def block_kit():
    return block_kit_problems


# --- Adaptive Cards 1.4, as the schema (adaptivecards.io/schemas/1.4.0) defines the parts used ---

_ENUMS = {
    "color": {"default", "dark", "light", "accent", "good", "warning", "attention"},
    "size": {"default", "small", "medium", "large", "extralarge"},
    "weight": {"default", "lighter", "bolder"},
    "spacing": {"default", "none", "small", "medium", "large", "extralarge", "padding"},
    "horizontalAlignment": {"left", "center", "right"},
    "fontType": {"default", "monospace"},
}
_CONTAINER_STYLES = {"default", "emphasis", "good", "attention", "warning", "accent"}
_ELEMENT_COMMON = {"type", "fallback", "height", "separator", "spacing", "id", "isVisible", "requires"}
_ELEMENT_KEYS = {
    "TextBlock": _ELEMENT_COMMON | {"text", "color", "fontType", "horizontalAlignment", "isSubtle", "maxLines", "size", "weight", "wrap"},
    "Container": _ELEMENT_COMMON | {"items", "selectAction", "style", "verticalContentAlignment", "bleed", "backgroundImage", "minHeight"},
    "FactSet": _ELEMENT_COMMON | {"facts"},
    "ActionSet": _ELEMENT_COMMON | {"actions"},
}
_REQUIRED = {"TextBlock": "text", "Container": "items", "FactSet": "facts", "ActionSet": "actions"}
_CARD_KEYS = {"$schema", "type", "version", "body", "actions", "fallbackText", "speak", "lang", "selectAction", "minHeight", "verticalContentAlignment",
              "msteams"}  # msteams: Teams' documented host extension (width)
_OPEN_URL_KEYS = {"type", "url", "title", "iconUrl", "style", "fallback", "requires"}


def adaptive_card_problems(payload: dict, *, max_bytes: int = 28_000) -> list[str]:
    """What a Teams workflow or Teams would refuse in the payload, as far as it can be told statically."""
    problems = []
    size = len(json.dumps(payload).encode())
    if size > max_bytes:
        problems.append(f"{size} bytes: over Teams' ~28 KB")
    if payload.get("type") != "message" or set(payload) != {"type", "attachments"}:
        problems.append("the envelope is {type: message, attachments: [...]}")
    attachments = payload.get("attachments") or []
    if len(attachments) != 1 or attachments[0].get("contentType") != "application/vnd.microsoft.card.adaptive":
        return problems + ["one attachment of contentType application/vnd.microsoft.card.adaptive"]
    card = attachments[0].get("content") or {}
    if card.get("type") != "AdaptiveCard" or card.get("version") not in ("1.4", "1.5"):
        problems.append("content is an AdaptiveCard of version 1.4 or 1.5")
    if not set(card) <= _CARD_KEYS:
        problems.append(f"unknown card keys {set(card) - _CARD_KEYS}")
    if not isinstance(card.get("body"), list) or not card["body"]:
        problems.append("a card has a body")
    for index, element in enumerate(card.get("body") or []):
        problems += _element_problems(element, f"body[{index}]")
    for index, action in enumerate(card.get("actions") or []):
        where = f"actions[{index}]"
        if action.get("type") != "Action.OpenUrl" or not isinstance(action.get("url"), str) or not set(action) <= _OPEN_URL_KEYS:
            problems.append(f"{where}: an Action.OpenUrl with a url, got {action}")
    return problems


def _element_problems(element: dict, where: str) -> list[str]:
    kind = element.get("type")
    if kind not in _ELEMENT_KEYS:
        return [f"{where}: element type {kind!r} is not one this digest should use"]
    problems = []
    if not set(element) <= _ELEMENT_KEYS[kind]:
        problems.append(f"{where}: unknown keys {set(element) - _ELEMENT_KEYS[kind]}")
    if _REQUIRED[kind] not in element:
        problems.append(f"{where}: {kind} needs {_REQUIRED[kind]}")
    for key, allowed in _ENUMS.items():
        if key in element and str(element[key]).lower() not in allowed:
            problems.append(f"{where}.{key}: {element[key]!r} is not one of {sorted(allowed)}")
    for key in ("wrap", "isSubtle", "separator", "isVisible", "bleed"):
        if key in element and not isinstance(element[key], bool):
            problems.append(f"{where}.{key} must be a boolean")
    if kind == "TextBlock" and not isinstance(element.get("text"), str):
        problems.append(f"{where}.text must be a string")
    if kind == "Container":
        if "style" in element and str(element["style"]).lower() not in _CONTAINER_STYLES:
            problems.append(f"{where}.style: {element['style']!r}")
        for index, item in enumerate(element.get("items") or []):
            problems += _element_problems(item, f"{where}.items[{index}]")
    return problems


@pytest.fixture
def adaptive_card():
    return adaptive_card_problems
