"""The digest as a Microsoft Teams message: an Adaptive Card (1.4) built from the view model,
posted to a Workflows webhook ("Post to a channel when a webhook request is received"),
which posts each card attachment of the message it receives.

Config text is escaped for the markdown TextBlocks render (CommonMark's backslash escapes):
``*``, ``_``, ``~``, backticks, ``[``, ``]``, ``<``, ``>`` and ``\\`` take a backslash, and a
leading list marker too, so a title can neither format nor inject a link (a link needs ``[``;
parentheses alone make none, and are left as they are: the report's own words are full of
them). The only links are ours.
"""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from reports.chat.digest import DIGEST_CHANGES, DIGEST_ITEMS, ELLIPSIS, TONE_MARKS, Digest, DigestLine, build_digest, clip, clip_escaped, safe_url
from reports.chat.transport import MAX_RETRY_AFTER, ChatDeliveryError, failure_name, quiet_urls, redact
from reports.view import ReportView

__all__ = ["TEAMS_CARD_VERSION", "TEAMS_MAX_BYTES", "send_teams", "teams_escape", "teams_message", "teams_retry"]

TEAMS_CARD_VERSION = "1.4"
"""Rendered by Teams on desktop, web and mobile."""
TEAMS_MAX_BYTES = 28_000
"""Teams' message size limit is about 28 KB; the card is kept under it with room for what the workflow adds."""
_BUDGET = TEAMS_MAX_BYTES - 2_000
_TITLE_CHARS, _REASON_CHARS, _BYLINE_CHARS = 300, 1000, 300
_SPECIAL = re.compile(r"([\\`*_~\[\]<>])")
_LEADING_MARKER = re.compile(r"^(?:([-+])|(\d+)([.)]))(?=\s)")
_TONE_COLOURS = {"bad": "Attention", "warn": "Warning", "good": "Good", "done": "Accent", "stale": "Accent", "muted": "Default"}
_HINTS = {
    400: "the workflow refused the message (please report this, with the answer)",
    401: "the workflow refused the URL's signature: copy the URL again from the workflow's trigger",
    403: "the workflow refused the URL's signature: copy the URL again from the workflow's trigger",
    404: "no such workflow (deleted, or its trigger changed): copy the URL again from the workflow's trigger",
}


def teams_escape(text: str) -> str:
    """``text`` as literal Adaptive Card markdown: markup characters backslash-escaped, a leading
    ``-``, ``+`` or ``1.`` too (it would start a list), line breaks as spaces."""
    escaped = _SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))
    # A list marker's punctuation takes the backslash: ``\- item``, ``1\. item`` (a backslash before a digit is just a backslash).
    return _LEADING_MARKER.sub(lambda match: f"\\{match.group(1)}" if match.group(1) else f"{match.group(2)}\\{match.group(3)}", escaped)


def _text(text: str, **options: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **options}


def teams_message(view: ReportView, report_link: str | None = None, *, max_items: int = DIGEST_ITEMS) -> dict[str, Any]:
    """The workflow's payload: a message with one Adaptive Card attachment. At most ``max_items``
    attention items are listed (fewer when the card would pass Teams' size limit), then "and N
    more" with the link to the report."""
    digest = build_digest(view, report_link)
    shown = max(0, max_items)
    while True:
        payload = _message(digest, shown)
        if shown == 0 or len(json.dumps(payload).encode("utf-8")) <= _BUDGET:
            return payload
        shown -= 1


def _message(digest: Digest, shown: int) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        _text(clip_escaped(digest.headline, 300, teams_escape), size="Large", weight="Bolder"),
        _text(clip_escaped(" \u00b7 ".join(filter(None, (digest.context, digest.closing))), 500, teams_escape), isSubtle=True, spacing="None"),
    ]
    if digest.counts:
        body.append(_text(" \u00b7 ".join(f"{TONE_MARKS.get(tone, '')} **{teams_escape(label)}**" for label, tone in digest.counts)))
    if digest.banner:
        body.append({"type": "Container", "style": "warning", "items": [_text(f"\u26a0\ufe0f **Data health:** {clip_escaped(digest.banner, 2000, teams_escape)}")]})
    body += _attention(digest, shown)
    body += _changes(digest)
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": TEAMS_CARD_VERSION,
        "fallbackText": clip_escaped(digest.headline, 300, teams_escape),
        "body": body,
        "msteams": {"width": "Full"},  # Teams' host extension: the card takes the channel's width
    }
    if digest.report_link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the full report", "url": digest.report_link}]
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def _link(url: str, label: str) -> str:
    """Our own markdown link; ``label`` is already escaped."""
    return f"[{label}]({safe_url(url)})"


def _attention(digest: Digest, shown: int) -> list[dict[str, Any]]:
    if not digest.attention:
        return [_text(f"{TONE_MARKS['good']} **{teams_escape(digest.nothing)}**", separator=True, spacing="Medium")]
    blocks = [_text(f"**Needs attention** ({len(digest.attention)})", size="Medium", separator=True, spacing="Medium")]
    blocks += [_item(item) for item in digest.attention[:shown]]
    hidden = len(digest.attention) - shown
    if hidden > 0:
        where = _link(digest.report_link, "the report") if digest.report_link else "the report"
        blocks.append(_text(f"{ELLIPSIS}and {hidden} more in {where}", isSubtle=True))
    return blocks


def _item(item: DigestLine) -> dict[str, Any]:
    title = clip_escaped(item.title, _TITLE_CHARS, teams_escape)
    if item.link:
        title = _link(item.link, title)
    items = [
        _text(f"{item.mark} **{title}** \u00b7 {teams_escape(item.status)}", color=_TONE_COLOURS.get(item.tone, "Default")),
        _text(clip_escaped(item.text, _REASON_CHARS, teams_escape), spacing="None"),
    ]
    if item.byline:
        items.append(_text(clip_escaped(item.byline, _BYLINE_CHARS, teams_escape), isSubtle=True, spacing="None"))
    return {"type": "Container", "spacing": "Small", "items": items}


def _changes(digest: Digest) -> list[dict[str, Any]]:
    blocks = [_text(f"**{teams_escape(digest.changes_heading)}**", size="Medium", separator=True, spacing="Medium")]
    if digest.changes_note:
        return blocks + [_text(clip_escaped(digest.changes_note, 1000, teams_escape))]
    if digest.status_changes:
        blocks.append(_text("Status changes", isSubtle=True, weight="Bolder"))
        blocks += [_change(change) for change in digest.status_changes[:DIGEST_CHANGES]]
        if len(digest.status_changes) > DIGEST_CHANGES:
            blocks.append(_text(f"{ELLIPSIS}and {len(digest.status_changes) - DIGEST_CHANGES} more", spacing="None", isSubtle=True))
    if digest.movers:
        blocks.append(_text("Biggest movers", isSubtle=True, weight="Bolder"))
        blocks += [_change(change) for change in digest.movers]
    return blocks


def _change(change: DigestLine) -> dict[str, Any]:
    return _text(f"{change.mark} {clip_escaped(change.title, 200, teams_escape)}: {clip_escaped(change.text, 200, teams_escape)}", spacing="None")


# --- delivery ----------------------------------------------------------------


class _BoundedRetry(Retry):
    """urllib3's ``Retry`` whose ``Retry-After`` wait is capped at ``MAX_RETRY_AFTER`` seconds."""

    def get_retry_after(self, response: Any) -> float | None:
        retry_after = super().get_retry_after(response)
        return min(retry_after, MAX_RETRY_AFTER) if retry_after is not None else None


def teams_retry() -> Retry:
    """Up to two retries: a refused connection, one read timeout, 429 (after its ``Retry-After``) and 5xx, for POST too."""
    return _BoundedRetry(
        total=2,
        connect=2,
        read=1,
        status=2,
        backoff_factor=1.0,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=None,
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def send_teams(payload: dict[str, Any], url: str, *, timeout: float) -> None:
    """Post ``payload`` to the workflow at ``url``; raise ``ChatDeliveryError`` (never naming the
    URL) when it does not answer 2xx after the retries. A workflow answers 202 once it has
    accepted the request; whether its run then posts the card, only its run history says."""
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=teams_retry()))
    session.mount("http://", HTTPAdapter(max_retries=teams_retry()))
    with quiet_urls(url), session:
        try:
            response = session.post(url, json=payload, timeout=timeout)
        except requests.RequestException as error:
            failure = f"could not reach Teams after retries: {failure_name(error)}"
        else:
            if 200 <= response.status_code < 300:
                return
            failure = f"Teams answered {response.status_code} {_error_text(response)}"
            if response.status_code in _HINTS:
                failure += f": {_HINTS[response.status_code]}"
    raise ChatDeliveryError(redact(failure, url))


def _error_text(response: requests.Response) -> str:
    """A workflow's error: ``{"error": {"code": ..., "message": ...}}``, else the body's first words."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if isinstance(error, dict) and (error.get("code") or error.get("message")):
        text = ": ".join(str(part) for part in (error.get("code"), error.get("message")) if part)
    else:
        text = response.text or response.reason or "no message"
    return clip(" ".join(text.split()), 300)
