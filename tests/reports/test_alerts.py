"""Ops' alert emails: their parts, subjects and escaping, built from alerts as ``okrmodel.alerting`` words them."""

from __future__ import annotations

import email
from datetime import UTC, date, datetime
from email import policy
from html.parser import HTMLParser

from okrmodel.alerting import AllClear, FailedMetric, FailureAlert, RunProblem
from okrmodel.config import EmailSettings
from reports import build_alert_email, build_alert_view

SETTINGS = EmailSettings(smtp_host="mail", sender="OKR Autopilot <reports@acme.example>", recipients=["ceo@acme.example"])
HOSTILE = "Acme <script>alert(1)</script> & Co"
STAGE = "'<img src=x onerror=alert(2)>' is not a deal stage of any pipeline"


def hostile_alert() -> FailureAlert:
    """Config text in every place an alert prints it: the company, a metric's name, a located error quoting a value."""
    return FailureAlert(
        company=HOSTILE, status="partial", as_of=date(2026, 11, 27), started_at=datetime(2026, 11, 27, 2, 4, tzinfo=UTC),
        failing_since=datetime(2026, 11, 27, 2, 4, tzinfo=UTC), failing_since_as_of=date(2026, 11, 27), failed_runs=1, metrics_read=2,
        metrics=(FailedMetric("won<b>", "hubspot", f"okrs.yaml: metrics.won<b>.dealstage: {STAGE} (line 14)", None, None, None),),
        problems=(RunProblem("report not emailed", "smtp answered 554 <reports@acme.example> refused"),), flow_run="able-fox",
        report_url="https://okr.acme.example/r?a=1&b=2",
    )


class Page(HTMLParser):
    """The tags, the text as a reader sees it, and the links of an HTML part."""

    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.text = ""
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.links += [value for name, value in attrs if tag == "a" and name == "href"]

    def handle_data(self, data):
        self.text += data


def received(message):
    return email.message_from_bytes(message.as_bytes(), policy=policy.default)


def test_config_text_is_escaped_in_the_html_part_and_shown_as_written_in_the_text(tmp_path):
    message = received(build_alert_email(build_alert_view(hostile_alert()), SETTINGS, ["ops@acme.example"]))
    assert (message["To"], message["From"]) == ("ops@acme.example", "OKR Autopilot <reports@acme.example>")
    assert message["Subject"] == f"{HOSTILE}: sync partial: 1 of 2 metrics failed, report not emailed"
    assert message.get_content_type() == "multipart/alternative"
    page = Page()
    page.feed(message.get_body(preferencelist=("html",)).get_content())
    assert not {"script", "img", "b"} & page.tags, "config text became markup"
    # As written, for the reader: the parser decoded the escapes back to the config's text.
    assert HOSTILE in page.text and STAGE in page.text and "won<b> (hubspot)" in page.text
    assert "https://okr.acme.example/r?a=1&b=2/2026-11-27.html" in page.links
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"{HOSTILE}: the sync as of 27 Nov partly failed" in text and STAGE in text and "* won<b> (hubspot)" in text


def test_the_all_clear_says_since_when_and_how_long_the_data_was_stale():
    clear = AllClear(
        "Acme Cloud", date(2026, 11, 29), back_since=datetime(2026, 11, 29, 2, 6, tzinfo=UTC), stale_from=datetime(2026, 11, 27, 2, 4, tzinfo=UTC),
        stale_from_as_of=date(2026, 11, 27), failed_runs=2,
    )
    view = build_alert_view(clear)
    assert view.subject == "Acme Cloud: sync back to normal after 2 runs that did not succeed"
    assert view.preheader == "Back to normal since 2026-11-29 02:06 UTC; stale from 2026-11-27 02:04 UTC to 2026-11-29 02:06 UTC"
    message = received(build_alert_email(view, SETTINGS, ["ops@acme.example"]))
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Stale: from 2026-11-27 02:04 UTC to 2026-11-29 02:06 UTC: 2 runs did not succeed, the first as of 27 Nov" in text
    assert "Report:" not in text  # no report_url configured: no link to make up
