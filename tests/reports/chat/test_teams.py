"""The digest as a Microsoft Teams Adaptive Card, and its delivery to a Workflows webhook:
``responses`` as the workflow (it replays urllib3's retries), and a real endpoint on loopback
where a retry's wait must really happen."""

from __future__ import annotations

import json
import logging
import re

import pytest
import responses

from reports.chat import TEAMS_MAX_BYTES, ChatDeliveryError, send_teams, teams_escape, teams_message
from reports.view import AttentionEntry, Badge, ChangeEntry

LINK = "https://okr.acme.example/reports/2026-Q4/2026-12-01.html"
HOSTILE = "<!channel> <https://evil.example|click> *bold* [x](http://e.example) _me_"


def text(content: str, **options) -> dict:
    return {"type": "TextBlock", "text": content, "wrap": True, **options}


def card_of(payload: dict) -> dict:
    [attachment] = payload["attachments"]
    return attachment["content"]


def test_the_payload_is_the_digest_as_an_adaptive_card(view_of, adaptive_card):
    view = view_of(
        banner="The last sync (1 Dec 03:00 UTC) could not read 1 metric (newsletters).",
        movers=(ChangeEntry("Create 110 new deals", "+5 pts progress (30% \u2192 35%), +6 deals", Badge("Off track", "bad"), "#kr-deals"),),
    )
    payload = teams_message(view, LINK)
    assert payload == {
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "fallbackText": "Acme Cloud OKRs, 1 Dec: 1 off track",
                "msteams": {"width": "Full"},
                "body": [
                    text("Acme Cloud OKRs, 1 Dec: 1 off track", size="Large", weight="Bolder"),
                    text("As of 1 Dec 2026 (Europe/Berlin) \u00b7 67% of the quarter elapsed", isSubtle=True, spacing="None"),
                    text("\U0001f534 **1 off track** \u00b7 \U0001f7e2 **2 on track**"),
                    {"type": "Container", "style": "warning", "items": [
                        text("\u26a0\ufe0f **Data health:** The last sync (1 Dec 03:00 UTC) could not read 1 metric (newsletters)."),
                    ]},
                    text("**Needs attention** (2)", size="Medium", separator=True, spacing="Medium"),
                    {"type": "Container", "spacing": "Small", "items": [
                        text(f"\U0001f534 **[Create 110 new deals]({LINK}#kr-deals)** \u00b7 Off track", color="Attention"),
                        text("Well behind pace: 41 of 110 deals, 74 deals expected by now", spacing="None"),
                        text("sam@acme.example", isSubtle=True, spacing="None"),
                    ]},
                    {"type": "Container", "spacing": "Small", "items": [
                        text(f"\U0001f534 **[Clean CRM data]({LINK}#objective-pipeline)** \u00b7 Overdue", color="Attention"),
                        text("Due 15 Nov, still in progress (16 days overdue)", spacing="None"),
                        text("maria@acme.example \u00b7 since 15 Nov 2026", isSubtle=True, spacing="None"),
                    ]},
                    text("**Changes since 24 Nov 2026**", size="Medium", separator=True, spacing="Medium"),
                    text("Biggest movers", isSubtle=True, weight="Bolder"),
                    text("\U0001f534 Create 110 new deals: +5 pts progress (30% \u2192 35%), +6 deals", spacing="None"),
                ],
                "actions": [{"type": "Action.OpenUrl", "title": "Open the full report", "url": LINK}],
            },
        }],
    }
    assert adaptive_card(payload) == []


def test_without_a_published_report_there_is_no_link(view_of, adaptive_card):
    payload = teams_message(view_of(attention=(), changes_note="First report: nothing to compare with yet.", report_url=None), None)
    assert adaptive_card(payload) == []
    card = card_of(payload)
    assert "actions" not in card and "](" not in json.dumps(card)
    assert text("\U0001f7e2 **Nothing needs attention today**", separator=True, spacing="Medium") in card["body"]


def test_a_long_attention_list_is_cut_with_and_n_more_and_the_link(view_of, items, adaptive_card):
    payload = teams_message(view_of(attention=items(37)), LINK)
    assert adaptive_card(payload) == []
    body = card_of(payload)["body"]
    containers = [element for element in body if element["type"] == "Container" and "Key result number" in json.dumps(element)]
    assert len(containers) == 10
    assert text(f"\u2026and 27 more in [the report]({LINK})", isSubtle=True) in body


def test_a_card_that_would_pass_28_kb_lists_fewer_items(view_of, items, adaptive_card):
    reason = "Behind pace: " + "many words " * 200
    payload = teams_message(view_of(attention=items(60, reason=reason)), LINK, max_items=60)
    size = len(json.dumps(payload).encode())
    assert size <= TEAMS_MAX_BYTES and adaptive_card(payload) == []
    body = card_of(payload)["body"]
    shown = sum(1 for element in body if element["type"] == "Container" and "Key result number" in json.dumps(element))
    assert 0 < shown < 60
    assert text(f"\u2026and {60 - shown} more in [the report]({LINK})", isSubtle=True) in body


def test_config_text_can_neither_format_nor_link(view_of, adaptive_card):
    view = view_of(
        company="*Acme* [Cloud](http://evil.example)",
        attention=(AttentionEntry(HOSTILE, "- starts like a list, <at>Someone</at>", Badge("Off track", "bad"), "1. me_too", None, "#kr-x"),),
    )
    payload = teams_message(view, LINK)
    assert adaptive_card(payload) == []
    body = card_of(payload)["body"]
    assert body[0]["text"] == "\\*Acme\\* \\[Cloud\\](http://evil.example) OKRs, 1 Dec: 1 off track"
    title, reason, byline = body[4]["items"]
    escaped = "\\<!channel\\> \\<https://evil.example|click\\> \\*bold\\* \\[x\\](http://e.example) \\_me\\_"
    assert title["text"] == f"\U0001f534 **[{escaped}]({LINK}#kr-x)** \u00b7 Off track"
    assert reason["text"] == "\\- starts like a list, \\<at\\>Someone\\</at\\>"
    assert byline["text"] == "1\\. me\\_too"
    # the only links are ours: every unescaped "](" is followed by the report's address
    texts = [block["text"] for block in _text_blocks(body)]
    links = [match for content in texts for match in re.findall(r"(?<!\\)\]\(([^)]*)\)", content)]
    assert links == [f"{LINK}#kr-x"]
    assert not any(re.search(r"(?<!\\)[*_]{1,2}(?:bold|me|Acme)", content) for content in texts)


def _text_blocks(elements: list[dict]) -> list[dict]:
    found = []
    for element in elements:
        found += [element] if element["type"] == "TextBlock" else _text_blocks(element.get("items", []))
    return found


def test_teams_escape():
    assert teams_escape("a*b_c [d](e) <f> `g` ~h~ \\") == "a\\*b\\_c \\[d\\](e) \\<f\\> \\`g\\` \\~h\\~ \\\\"
    assert teams_escape("+ one\ntwo") == "\\+ one two"
    assert teams_escape("12. twelve") == "12\\. twelve"
    assert teams_escape("Grow (a lot) 2026-Q4 #1") == "Grow (a lot) 2026-Q4 #1"


# --- delivery -------------------------------------------------------------------


@responses.activate
def test_the_workflow_receives_the_card(view_of, teams_webhook):
    responses.post(teams_webhook.split("?")[0], status=202)
    payload = teams_message(view_of(), LINK)
    send_teams(payload, teams_webhook, timeout=5)
    [call] = responses.calls
    assert call.request.url == teams_webhook
    assert call.request.headers["Content-Type"] == "application/json"
    assert json.loads(call.request.body) == payload


@responses.activate
@pytest.mark.parametrize(("status", "headers"), [(429, {"Retry-After": "0"}), (500, {}), (502, {}), (503, {}), (504, {})])
def test_a_rate_limit_or_server_error_is_retried(view_of, teams_webhook, status, headers):
    endpoint = teams_webhook.split("?")[0]
    responses.post(endpoint, status=status, headers=headers, json={"error": {"code": "Busy", "message": "try later"}})
    responses.post(endpoint, status=202)
    send_teams(teams_message(view_of(), LINK), teams_webhook, timeout=5)
    assert [call.response.status_code for call in responses.calls] == [status, 202]


@responses.activate
def test_a_server_that_keeps_failing_is_reported_after_the_retries(view_of, teams_webhook, secret_free):
    responses.post(teams_webhook.split("?")[0], status=503, json={"error": {"code": "ServiceUnavailable", "message": f"{teams_webhook} is busy"}})
    with pytest.raises(ChatDeliveryError) as caught:
        send_teams(teams_message(view_of(), LINK), teams_webhook, timeout=5)
    assert len(responses.calls) == 3
    assert str(caught.value) == "Teams answered 503 ServiceUnavailable: [redacted] is busy"
    secret_free(str(caught.value))


@responses.activate
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, {"error": {"code": "WorkflowNotFound", "message": "The workflow could not be found."}},
         "Teams answered 404 WorkflowNotFound: The workflow could not be found.: no such workflow"),
        (401, {"error": {"code": "DirectApiAuthorizationRequired", "message": "The request must be authenticated."}},
         "Teams answered 401 DirectApiAuthorizationRequired: The request must be authenticated.: the workflow refused the URL's signature"),
        (400, {"error": {"code": "TriggerInputSchemaMismatch", "message": "The input body for trigger 'manual' did not match its schema."}},
         "Teams answered 400 TriggerInputSchemaMismatch: The input body for trigger 'manual' did not match its schema.: the workflow refused the message"),
    ],
)
def test_a_refusal_is_not_retried_and_says_why_without_the_url(view_of, teams_webhook, status, body, expected, secret_free):
    responses.post(teams_webhook.split("?")[0], status=status, json=body)
    with pytest.raises(ChatDeliveryError) as caught:
        send_teams(teams_message(view_of(), LINK), teams_webhook, timeout=5)
    assert str(caught.value).startswith(expected), str(caught.value)
    assert len(responses.calls) == 1
    secret_free(str(caught.value))


@responses.activate
def test_no_answer_is_reported_by_its_kind_never_its_text(view_of, teams_webhook, secret_free):
    # responses refuses an unregistered URL with a ConnectionError whose text quotes the URL
    with pytest.raises(ChatDeliveryError) as caught:
        send_teams(teams_message(view_of(), LINK), teams_webhook, timeout=5)
    assert str(caught.value) == "could not reach Teams after retries: ConnectionError"
    secret_free(str(caught.value))
    assert caught.value.__context__ is None  # raised outside the handler: no traceback carries the original's text


def test_retry_after_is_really_waited_for(webhook_server, view_of):
    webhook_server.answer(429, '{"error": {"code": "TooManyRequests"}}', headers={"Retry-After": "1", "Content-Type": "application/json"})
    webhook_server.answer(202, "")
    send_teams(teams_message(view_of(), LINK), webhook_server.teams_url(), timeout=5)
    first, second = webhook_server.received
    assert second.at - first.at >= 1.0
    assert second.body == first.body and second.body["attachments"][0]["content"]["type"] == "AdaptiveCard"


def test_a_read_timeout_is_retried_once(webhook_server, view_of):
    webhook_server.answer(202, "", delay=2.0)
    send_teams(teams_message(view_of(), LINK), webhook_server.teams_url(), timeout=0.5)
    assert len(webhook_server.received) == 2


def test_nothing_listening_logs_and_reports_no_url(webhook_server, view_of, caplog, secret_free):
    url = webhook_server.teams_url()
    webhook_server.httpd.shutdown()
    webhook_server.httpd.server_close()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ChatDeliveryError) as caught:
        send_teams(teams_message(view_of(), LINK), url, timeout=2)
    assert str(caught.value) == "could not reach Teams after retries: ConnectionError (NewConnectionError)"
    assert "Retrying" in caplog.text  # urllib3 did log its retries, with the URL redacted
    secret_free(str(caught.value), caplog.text)


def test_urllib3s_request_lines_are_redacted(webhook_server, view_of, secret_free):
    # A handler of our own on urllib3's logger: Prefect's logging set-up (other tests) can stop
    # its records from reaching pytest's caplog, which would make this test pass vacuously.
    records: list[str] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("urllib3.connectionpool")
    previous_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        webhook_server.answer(500, "oops")
        webhook_server.answer(202, "")
        send_teams(teams_message(view_of(), LINK), webhook_server.teams_url(), timeout=5)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous_level)
    text = "\n".join(records)
    assert '"POST [redacted]' in text
    secret_free(text)


def test_a_very_long_report_url_still_fits_the_card(view_of, items, adaptive_card):
    payload = teams_message(view_of(attention=items(12)), "https://okr.example/" + "x" * 4000)
    assert adaptive_card(payload) == []
    assert "more in [the report]" in json.dumps(payload)
