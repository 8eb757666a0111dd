"""The digest as Slack Block Kit, and its delivery through the SDK's WebhookClient to a real
HTTP endpoint on loopback (the SDK sends with urllib, which ``responses`` does not see)."""

from __future__ import annotations

import logging
import time

import pytest

import reports.chat.slack_retries as slack_retries
from reports.chat import ChatDeliveryError, send_slack, slack_escape, slack_message
from reports.view import AttentionEntry, Badge, ChangeEntry

LINK = "https://okr.acme.example/reports/2026-Q4/2026-12-01.html"
HOSTILE = "<!channel> <https://evil.example|click> *bold* [x](http://e.example) & co"


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> dict:
    return {"type": "section", "text": mrkdwn(text)}


def test_the_payload_is_the_digest_in_block_kit(view_of, block_kit):
    view = view_of(
        banner="The last sync (1 Dec 03:00 UTC) could not read 1 metric (newsletters).",
        status_changes=(ChangeEntry("Send 12 newsletters", "On track \u2192 Stale", Badge("Stale", "stale"), "#kr-newsletters"),),
        movers=(ChangeEntry("Create 110 new deals", "+5 pts progress (30% \u2192 35%), +6 deals", Badge("Off track", "bad"), "#kr-deals"),),
    )
    payload = slack_message(view, LINK)
    assert payload == {
        "text": "Acme Cloud OKRs, 1 Dec: 1 off track",
        "unfurl_links": False,
        "unfurl_media": False,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Acme Cloud OKRs, 1 Dec: 1 off track", "emoji": True}},
            {"type": "context", "elements": [mrkdwn("As of 1 Dec 2026 (Europe/Berlin) \u00b7 67% of the quarter elapsed")]},
            section("\U0001f534 *1 off track*   \U0001f7e2 *2 on track*"),
            section("\u26a0\ufe0f *Data health:* The last sync (1 Dec 03:00 UTC) could not read 1 metric (newsletters)."),
            {"type": "divider"},
            section("*Needs attention* (2)"),
            section(f"\U0001f534 *<{LINK}#kr-deals|Create 110 new deals>* \u00b7 Off track\n"
                    "Well behind pace: 41 of 110 deals, 74 deals expected by now\nsam@acme.example"),
            section(f"\U0001f534 *<{LINK}#objective-pipeline|Clean CRM data>* \u00b7 Overdue\n"
                    "Due 15 Nov, still in progress (16 days overdue)\nmaria@acme.example \u00b7 since 15 Nov 2026"),
            {"type": "divider"},
            section("*Changes since 24 Nov 2026*\n_Status changes_\n\u2022 \U0001f7e3 Send 12 newsletters: On track \u2192 Stale\n"
                    "_Biggest movers_\n\u2022 \U0001f534 Create 110 new deals: +5 pts progress (30% \u2192 35%), +6 deals"),
            section(f"\U0001f4c4 <{LINK}|Open the full report>"),
        ],
    }
    assert block_kit(payload) == []


def test_without_a_published_report_nothing_links_and_nothing_needing_attention_says_so(view_of, block_kit):
    payload = slack_message(view_of(attention=(), changes_note="First report: nothing to compare with yet.", report_url=None), None)
    assert block_kit(payload) == []
    texts = [block["text"]["text"] for block in payload["blocks"] if block["type"] == "section"]
    assert "\U0001f7e2 *Nothing needs attention today*" in texts
    assert "*Changes since 24 Nov 2026*\nFirst report: nothing to compare with yet." in texts
    assert not any("<http" in text for text in texts) and "Open the full report" not in str(payload)


def test_a_long_attention_list_is_cut_with_and_n_more_and_the_link(view_of, items, block_kit):
    payload = slack_message(view_of(attention=items(37)), LINK)
    assert block_kit(payload) == []
    listed = [block for block in payload["blocks"] if block["type"] == "section" and "Key result number" in block["text"]["text"]]
    assert len(listed) == 10 and "|Key result number 10>" in listed[-1]["text"]["text"]
    assert "*Needs attention* (37)" in str(payload)
    [more] = [block for block in payload["blocks"] if block["type"] == "context" and "more" in block["elements"][0]["text"]]
    assert more["elements"][0]["text"] == f"\u2026and 27 more in <{LINK}|the report>"


def test_however_many_items_are_asked_for_the_message_stays_within_slacks_limits(view_of, items, block_kit):
    reason = "Behind pace because " + "& <x> " * 900  # each character escapes to several
    payload = slack_message(view_of(attention=items(200, reason=reason), banner="<b>" * 2000, company="A" * 400), LINK, max_items=200)
    assert block_kit(payload) == []
    assert len(payload["blocks"]) <= 50
    assert payload["blocks"][0]["text"]["text"].endswith("\u2026") and len(payload["blocks"][0]["text"]["text"]) == 150
    more = payload["blocks"][-4]["elements"][0]["text"]
    assert more.startswith("\u2026and ") and more.endswith(f"more in <{LINK}|the report>")
    shown = sum(1 for block in payload["blocks"] if "Key result number" in str(block))
    assert more == f"\u2026and {200 - shown} more in <{LINK}|the report>"
    # an escape is never cut in half: every & starts a whole entity
    for block in payload["blocks"]:
        text = block.get("text", {}).get("text", "")
        assert all(text[index:].startswith(("&amp;", "&lt;", "&gt;")) for index in range(len(text)) if text[index] == "&"), text


def test_config_text_can_neither_ping_nor_link(view_of, block_kit):
    view = view_of(
        company="<!here> Acme & Co",
        attention=(AttentionEntry(HOSTILE, "reason <@U123> <#C42>", Badge("Off track", "bad"), "<!everyone>", None, "#kr-x"),),
        status_changes=(ChangeEntry(HOSTILE, "On track \u2192 Stale", Badge("Stale", "stale"), "#kr-x"),),
    )
    payload = slack_message(view, LINK)
    assert block_kit(payload) == []
    escaped = "&lt;!channel&gt; &lt;https://evil.example|click&gt; *bold* [x](http://e.example) &amp; co"
    assert payload["text"] == "&lt;!here&gt; Acme &amp; Co OKRs, 1 Dec: 1 off track"
    assert payload["blocks"][0]["text"] == {"type": "plain_text", "text": "<!here> Acme & Co OKRs, 1 Dec: 1 off track", "emoji": True}  # plain_text: never parsed
    item = payload["blocks"][5]["text"]["text"]
    assert item == f"\U0001f534 *<{LINK}#kr-x|{escaped}>* \u00b7 Off track\nreason &lt;@U123&gt; &lt;#C42&gt;\n&lt;!everyone&gt;"
    assert f"\u2022 \U0001f7e3 {escaped}: On track" in str(payload)
    # the only links and mentions left are ours: every "<" opens one of our report links
    for block in payload["blocks"][1:]:  # the header is plain_text, which Slack never parses
        for text in [block.get("text", {}).get("text", "")] + [element["text"] for element in block.get("elements", [])]:
            assert text.count("<") == text.count(f"<{LINK}"), text
    assert all(block["text"]["verbatim"] for block in payload["blocks"] if block["type"] == "section")


def test_slack_escape_is_the_three_entities_and_one_line():
    assert slack_escape("a & b <c>\nd") == "a &amp; b &lt;c&gt; d"
    assert slack_escape("&amp;") == "&amp;amp;"  # text that looks escaped is still shown as written


def test_a_report_url_cannot_break_out_of_its_link(view_of):
    payload = slack_message(view_of(), "https://okr.example/r|<!channel>>x (1).html")
    item = payload["blocks"][5]["text"]["text"]
    assert item.startswith("\U0001f534 *<https://okr.example/r%7C%3C!channel%3E%3Ex%20%281%29.html#kr-deals|Create 110 new deals>*"), item


# --- delivery -------------------------------------------------------------------


@pytest.fixture
def no_waiting(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(slack_retries, "_sleep", waits.append)
    monkeypatch.setattr(slack_retries, "_BACKOFF_SECONDS", 0.0)
    return waits


def test_the_webhook_receives_the_payload(webhook_server, view_of):
    payload = slack_message(view_of(), LINK)
    send_slack(payload, webhook_server.slack_url(), timeout=5)
    [received] = webhook_server.received
    assert received.path == "/services/T0ACME/B0DIGEST/xoxb9Secret7TokenValue42"
    assert received.headers["Content-Type"].startswith("application/json")
    assert received.body == payload


def test_a_rate_limit_is_waited_out_as_slack_asks(webhook_server, view_of, no_waiting):
    webhook_server.answer(429, "rate_limited", headers={"Retry-After": "7"})
    send_slack(slack_message(view_of(), LINK), webhook_server.slack_url(), timeout=5)
    assert len(webhook_server.received) == 2
    assert len(no_waiting) == 1 and 7 <= no_waiting[0] < 7.5


def test_a_rate_limit_longer_than_a_minute_is_not_waited_for(webhook_server, view_of, no_waiting, secret_free):
    webhook_server.answer(429, "rate_limited", headers={"Retry-After": "3600"})
    with pytest.raises(ChatDeliveryError) as caught:
        send_slack(slack_message(view_of(), LINK), webhook_server.slack_url(), timeout=5)
    assert str(caught.value).startswith("Slack answered 429 rate_limited (rate limited; asked to wait 3600 s")
    assert len(webhook_server.received) == 1 and no_waiting == []
    secret_free(str(caught.value))


def test_the_actual_wait_honours_retry_after(webhook_server, view_of):
    webhook_server.answer(429, "rate_limited", headers={"Retry-After": "1"})
    send_slack(slack_message(view_of(), LINK), webhook_server.slack_url(), timeout=5)
    first, second = webhook_server.received
    assert second.at - first.at >= 1.0


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_server_error_is_retried(webhook_server, view_of, status, monkeypatch):
    monkeypatch.setattr(slack_retries, "_BACKOFF_SECONDS", 0.0)
    webhook_server.answer(status, "internal_error")
    send_slack(slack_message(view_of(), LINK), webhook_server.slack_url(), timeout=5)
    assert [received.body["text"] for received in webhook_server.received] == ["Acme Cloud OKRs, 1 Dec: 1 off track"] * 2


def test_a_timeout_is_retried(webhook_server, view_of, monkeypatch):
    monkeypatch.setattr(slack_retries, "_BACKOFF_SECONDS", 0.0)
    webhook_server.answer(200, "ok", delay=2.0)
    started = time.monotonic()
    send_slack(slack_message(view_of(), LINK), webhook_server.slack_url(), timeout=0.5)
    assert len(webhook_server.received) == 2 and time.monotonic() - started < 2.0


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, "no_service", "Slack answered 404 no_service: the webhook does not exist any more (deleted, or its app removed)"),
        (410, "channel_is_archived", "Slack answered 410 channel_is_archived: the webhook's channel is archived"),
        (403, "action_prohibited", "Slack answered 403 action_prohibited: Slack refused to post with this webhook"),
        (400, "invalid_blocks", "Slack answered 400 invalid_blocks: Slack refused the message"),
    ],
)
def test_a_refusal_is_not_retried_and_says_why_without_the_url(webhook_server, view_of, status, body, expected, secret_free):
    webhook_server.answer(status, body)
    with pytest.raises(ChatDeliveryError) as caught:
        send_slack(slack_message(view_of(), LINK), webhook_server.slack_url(), timeout=5)
    assert str(caught.value).startswith(expected), str(caught.value)
    assert len(webhook_server.received) == 1
    secret_free(str(caught.value))


def test_an_answer_quoting_the_url_is_redacted(webhook_server, view_of, secret_free):
    webhook_server.answer(400, f"invalid_payload for {webhook_server.slack_url()}")
    with pytest.raises(ChatDeliveryError) as caught:
        send_slack(slack_message(view_of(), LINK), webhook_server.slack_url(), timeout=5)
    assert str(caught.value).startswith("Slack answered 400 invalid_payload for [redacted]")
    secret_free(str(caught.value))


def test_nothing_listening_is_retried_then_reported_without_the_url(webhook_server, view_of, monkeypatch, caplog, secret_free):
    monkeypatch.setattr(slack_retries, "_BACKOFF_SECONDS", 0.0)
    url = webhook_server.slack_url()
    webhook_server.httpd.shutdown()
    webhook_server.httpd.server_close()  # nothing listens on the port any more
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ChatDeliveryError) as caught:
        send_slack(slack_message(view_of(), LINK), url, timeout=2)
    assert str(caught.value) == "could not reach Slack after retries: URLError (ConnectionRefusedError)"
    secret_free(str(caught.value), caplog.text, repr(caught.value.__context__), repr(caught.value.__cause__))


def test_the_sdk_logs_nothing_of_the_url(webhook_server, view_of, caplog, no_waiting, secret_free):
    caplog.set_level(logging.DEBUG)
    webhook_server.answer(429, "rate_limited", headers={"Retry-After": "0"})
    webhook_server.answer(500, "oops")
    send_slack(slack_message(view_of(), LINK), webhook_server.slack_url(), timeout=5)
    assert len(webhook_server.received) == 3
    secret_free(caplog.text)


def test_a_report_url_too_long_to_link_leaves_the_titles_unlinked(view_of, block_kit):
    payload = slack_message(view_of(), "https://okr.example/" + "x" * 5000)
    assert block_kit(payload) == []
    assert "<https://okr.example/" not in str(payload) and "Open the full report" not in str(payload)
