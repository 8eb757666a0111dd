"""The digest as a Slack message: Block Kit built from the view model, posted to an incoming
webhook through the official SDK (``slack_sdk.webhook.WebhookClient``).

Config text (company, titles, owners, source errors) is escaped for mrkdwn: ``&``, ``<`` and
``>`` become entities, so a title reading ``<!channel>`` or ``<https://evil|click>`` is shown as
written and can neither ping a channel nor hide a link; ``verbatim`` text objects keep Slack
from turning bare URLs, channel names and mentions into links. The only links are ours: the
day's report and its anchors.
"""

from __future__ import annotations

import logging
from typing import Any

from reports.chat.digest import DIGEST_CHANGES, DIGEST_ITEMS, ELLIPSIS, TONE_MARKS, Digest, DigestLine, build_digest, clip, clip_escaped, safe_url
from reports.chat.transport import ChatDeliveryError, failure_name, redact
from reports.view import ReportView

__all__ = [
    "SLACK_BUTTON_CHARS",
    "SLACK_HEADER_CHARS",
    "SLACK_MAX_BLOCKS",
    "SLACK_SECTION_CHARS",
    "send_slack",
    "slack_escape",
    "slack_message",
]

# Slack's documented limits (Block Kit reference): blocks per message, characters per text object.
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_CHARS = 3000
SLACK_HEADER_CHARS = 150
SLACK_BUTTON_CHARS = 75
_TITLE_CHARS, _REASON_CHARS, _BYLINE_CHARS, _LINK_CHARS = 300, 1500, 300, 1000
# Every block the message has besides the attention items: header, context, counts, banner,
# divider, attention heading, "and N more", divider, changes, report link.
_FIXED_BLOCKS = 10
# The SDK's own logger would log the webhook URL (it formats the request at debug level and
# when it retries); it gets a logger of its own that keeps nothing. Failures are ours to word.
_SDK_LOGGER = logging.getLogger("reports.chat.slack_sdk")
_SDK_LOGGER.setLevel(logging.CRITICAL + 1)
_SDK_LOGGER.propagate = False
_SDK_LOGGER.addHandler(logging.NullHandler())
_HINTS = {
    400: "Slack refused the message (please report this, with the answer)",
    403: "Slack refused to post with this webhook (the workspace or channel forbids it)",
    404: "the webhook does not exist any more (deleted, or its app removed): create a new one and export its URL",
    410: "the webhook's channel is archived: create a webhook for another channel and export its URL",
}


def slack_escape(text: str) -> str:
    """``text`` as literal mrkdwn: ``&``, ``<`` and ``>`` as entities (Slack decodes those three
    only), line breaks as spaces (config text is one line of a message)."""
    flat = " ".join(text.splitlines())
    return flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str | None, label: str) -> str:
    """Our own link, ``<url|label>`` (``label`` is already escaped); just the label without a URL,
    or with one too long to leave room in a section for the rest."""
    if url is None:
        return label
    target = safe_url(url).replace("&", "&amp;")
    return f"<{target}|{label}>" if len(target) <= _LINK_CHARS else label


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def _section(text: str) -> dict[str, Any]:
    assert len(text) <= SLACK_SECTION_CHARS, "every part of a section is clipped to fit"
    return {"type": "section", "text": _mrkdwn(text)}


def slack_message(view: ReportView, report_link: str | None = None, *, max_items: int = DIGEST_ITEMS) -> dict[str, Any]:
    """The incoming-webhook payload: ``text`` (the notification and fallback), ``blocks``, no unfurling.
    At most ``max_items`` attention items are listed (fewer when Slack's 50 blocks would not hold
    them), then "and N more" with the link to the report."""
    digest = build_digest(view, report_link)
    shown = max(0, min(max_items, SLACK_MAX_BLOCKS - _FIXED_BLOCKS))
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": clip(" ".join(digest.headline.splitlines()), SLACK_HEADER_CHARS), "emoji": True}},
        {"type": "context", "elements": [_mrkdwn(clip_escaped(" \u00b7 ".join(filter(None, (digest.context, digest.closing))), SLACK_SECTION_CHARS, slack_escape))]},
    ]
    if digest.counts:
        blocks.append(_section("   ".join(f"{TONE_MARKS.get(tone, '')} *{slack_escape(label)}*" for label, tone in digest.counts)))
    if digest.banner:
        blocks.append(_section(f"\u26a0\ufe0f *Data health:* {clip_escaped(digest.banner, SLACK_SECTION_CHARS - 40, slack_escape)}"))
    blocks.append({"type": "divider"})
    blocks += _attention(digest, shown)
    blocks.append({"type": "divider"})
    blocks.append(_section(_changes(digest)))
    if digest.report_link and _link(digest.report_link, "") != "":
        blocks.append(_section(f"\U0001f4c4 {_link(digest.report_link, 'Open the full report')}"))
    assert len(blocks) <= SLACK_MAX_BLOCKS
    return {"text": slack_escape(digest.headline), "blocks": blocks, "unfurl_links": False, "unfurl_media": False}


def _attention(digest: Digest, shown: int) -> list[dict[str, Any]]:
    if not digest.attention:
        return [_section(f"{TONE_MARKS['good']} *{slack_escape(digest.nothing)}*")]
    blocks = [_section(f"*Needs attention* ({len(digest.attention)})")]
    blocks += [_section(_item(item)) for item in digest.attention[:shown]]
    hidden = len(digest.attention) - shown
    if hidden > 0:
        where = _link(digest.report_link, "the report")
        blocks.append({"type": "context", "elements": [_mrkdwn(f"{ELLIPSIS}and {hidden} more in {where}")]})
    return blocks


def _item(item: DigestLine) -> str:
    title = _link(item.link, clip_escaped(item.title, _TITLE_CHARS, slack_escape))
    lines = [f"{item.mark} *{title}* \u00b7 {slack_escape(item.status)}", clip_escaped(item.text, _REASON_CHARS, slack_escape)]
    if item.byline:
        lines.append(clip_escaped(item.byline, _BYLINE_CHARS, slack_escape))
    return "\n".join(lines)


def _changes(digest: Digest) -> str:
    heading = f"*{slack_escape(digest.changes_heading)}*"
    if digest.changes_note:
        return f"{heading}\n{clip_escaped(digest.changes_note, SLACK_SECTION_CHARS - len(heading) - 1, slack_escape)}"
    lines = [heading]
    if digest.status_changes:
        lines.append("_Status changes_")
        lines += [_change(change) for change in digest.status_changes[:DIGEST_CHANGES]]
        if len(digest.status_changes) > DIGEST_CHANGES:
            lines.append(f"\u2022 {ELLIPSIS}and {len(digest.status_changes) - DIGEST_CHANGES} more")
    if digest.movers:
        lines.append("_Biggest movers_")
        lines += [_change(change) for change in digest.movers]
    text = "\n".join(lines)
    while len(text) > SLACK_SECTION_CHARS:  # at most 8 lines of at most ~450 characters: never, but a limit is a limit
        lines.pop()
        text = "\n".join(lines + [f"\u2022 {ELLIPSIS}"])
    return text


def _change(change: DigestLine) -> str:
    return f"\u2022 {change.mark} {clip_escaped(change.title, 200, slack_escape)}: {clip_escaped(change.text, 200, slack_escape)}"


# --- delivery ----------------------------------------------------------------


def send_slack(payload: dict[str, Any], url: str, *, timeout: float) -> None:
    """Post ``payload`` to the incoming webhook at ``url``; raise ``ChatDeliveryError`` (never
    naming the URL) when Slack does not answer 200 after the retries."""
    # The SDK takes a tenth of a second to import, which every okr command paid: only a post loads it.
    from slack_sdk.webhook import WebhookClient

    from reports.chat.slack_retries import SLACK_RETRIES, slack_retry_handlers

    client = WebhookClient(url, timeout=timeout, logger=_SDK_LOGGER, retry_handlers=slack_retry_handlers())  # type: ignore[arg-type]  # urllib takes seconds as a float
    try:
        response = client.send_dict(payload)
    except Exception as error:  # URLError, TimeoutError, ...: the SDK gave up; its text may quote the URL
        failure = f"could not reach Slack after retries: {failure_name(error)}"
    else:
        if 200 <= response.status_code < 300:
            return
        body = clip(" ".join(str(response.body or "").split()), 200) or "no message"
        failure = f"Slack answered {response.status_code} {body}"
        if response.status_code == 429:
            failure += f" (rate limited; asked to wait {response.headers.get('Retry-After') or response.headers.get('retry-after') or '?'} s, retried at most {SLACK_RETRIES} times)"
        elif response.status_code in _HINTS:
            failure += f": {_HINTS[response.status_code]}"
    raise ChatDeliveryError(redact(failure, url))
