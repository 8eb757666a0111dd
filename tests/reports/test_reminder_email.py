"""An owner's reminder and an objective owner's escalation, sent through a real SMTP server
(aiosmtpd) and read as received; the HTML opened in Chromium and checked with axe-core."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from connectors import parse_config
from okrmodel.reminders import plan_reminders
from okrmodel.storage import Store
from reports import send_email
from reports.reminders import build_owner_email, escalation_view, reminder_view
from tests.reports.test_report_browser import CHROMIUM_ARGS, EMAIL_AXE_OPTIONS, screenshot
from tests.smtp import Mailbox, smtp_server

MONDAY = date(2026, 11, 16)
TITLE = '<script>alert("x")</script> Train 12 reps & partners'
CONFIG = f"""company: "Acme <Cloud> & Co"
timezone: Europe/Berlin
period: 2026-Q4
email: {{smtp_host: 127.0.0.1, smtp_port: 2525, security: none, sender: "OKR Autopilot <okr@acme.example>", recipients: [lead@acme.example]}}
people:
  Maria: maria@acme.example
  Lee & Kim: lee@acme.example
reminders: {{weekday: monday, time: "09:00", escalate_after: 2}}
console: {{base_url: "https://okr.acme.example"}}
objectives:
  - id: enablement
    title: Build a sales team <b>that sells</b>
    owner: Maria
    key_results:
      - {{id: crm-training, title: '{TITLE}', target: 12, unit: reps, owner: Lee & Kim, checkin_every: week}}
    actions:
      - {{title: Book the <i>CRM</i> trainer, owner: Lee & Kim, due: 2026-11-06, status: in_progress}}
"""


@pytest.fixture
def smtp():
    with smtp_server(Mailbox()) as inbox:
        yield inbox.port, inbox


@pytest.fixture
def plan(database_url):
    config = parse_config(CONFIG)
    with Store(database_url) as store:
        for monday in (MONDAY - timedelta(weeks=2), MONDAY - timedelta(weeks=1)):
            [reminder] = plan_reminders(config, store, monday).reminders
            store.record_reminder_delivery(reminder.owner, monday, "reminder", reminder.contents())
        return config, plan_reminders(config, store, MONDAY)


class Tags(HTMLParser):
    """The elements an HTML document really has (text and attribute values are no elements)."""

    def __init__(self, html: str):
        super().__init__()
        self.names: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.names.add(tag)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_the_reminder_says_what_is_due_links_the_check_in_and_escapes_config_text(smtp, plan):
    port, inbox = smtp
    config, planned = plan
    [reminder] = planned.reminders
    settings = config.email.model_copy(update={"smtp_port": port})
    send_email(build_owner_email(reminder_view(config.company, reminder, 2, "https://okr.acme.example/reports/latest.html"), settings, reminder.address), settings, None)
    [message] = inbox.messages
    assert message["Subject"] == "Acme <Cloud> & Co OKRs: 1 check-in due, 1 overdue action"
    assert (message["To"], message["From"]) == ("lee@acme.example", "OKR Autopilot <okr@acme.example>")
    text = text_of(message)
    assert text.startswith("Lee & Kim, 1 check-in due, 1 overdue action this week\n\nCheck-ins due\n")
    assert f"* {TITLE} [No data]" in text  # the text part shows config text as written
    assert "  Check in: https://okr.acme.example/kr/crm-training" in text
    assert "Your key results\n\n* " in text and "  No value yet, target 12 reps\n" in text
    assert "* Book the <i>CRM</i> trainer [Overdue]\n  Due 6 Nov 2026, 10 days overdue; still in progress" in text
    assert "The full report: https://okr.acme.example/reports/latest.html" in text
    assert "A check-in asked for in vain 2 weeks in a row is passed on to the objective's owner" in text
    html = html_of(message)
    assert not {"script", "i", "b"} & Tags(html).names
    assert '&lt;script&gt;alert("x")&lt;/script&gt; Train 12 reps &amp; partners' in html
    assert 'href="https://okr.acme.example/kr/crm-training"' in html
    assert "Lee &amp; Kim, 1 check-in due" in html


def test_the_escalation_tells_the_objective_owner_whose_kr_is_silent_and_for_how_long(smtp, plan):
    port, inbox = smtp
    config, planned = plan
    [escalation] = planned.escalations
    settings = config.email.model_copy(update={"smtp_port": port})
    send_email(build_owner_email(escalation_view(config.company, escalation), settings, escalation.address), settings, None)
    [message] = inbox.messages
    assert message["To"] == "maria@acme.example"
    assert message["Subject"] == f"Acme <Cloud> & Co OKRs: no check-in on {TITLE} (for 2 weeks)"
    text = text_of(message)
    assert text.startswith("Build a sales team <b>that sells</b>: check-ins asked for in vain\n")
    assert f"* {TITLE} [No check-in for 2 weeks]\n  Owner: Lee & Kim\n  2 reminders in a row asked for its check-in and got none" in text
    html = html_of(message)
    assert not {"script", "b"} & Tags(html).names
    assert "Build a sales team &lt;b&gt;that sells&lt;/b&gt;: check-ins asked for in vain" in html


def test_both_messages_pass_axe_in_chromium_at_mail_pane_and_phone_widths(plan, tmp_path):
    config, planned = plan
    views = {"reminder": reminder_view(config.company, planned.reminders[0], 2), "escalation": escalation_view(config.company, planned.escalations[0])}
    path = shutil.which("chromium")
    assert path, "Debian's chromium is needed (make test installs it via .ci/ensure-chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        for name, view in views.items():
            file = tmp_path / f"{name}.html"
            file.write_text(html_of(build_owner_email(view, config.email, "x@acme.example")), encoding="utf-8")
            for width in (600, 390):
                page = browser.new_page(viewport={"width": width, "height": 800})
                page.goto(file.as_uri())
                results = Axe().run(page, options=EMAIL_AXE_OPTIONS)
                assert not results.violations_count, results.generate_report()
                assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than a phone
                screenshot(page, f"{name}-email-{width}")
                page.close()
        browser.close()


def test_an_owner_with_only_overdue_actions_is_not_told_about_escalating_check_ins(plan):
    config, planned = plan
    [reminder] = planned.reminders
    no_checkin = dataclasses.replace(reminder.agenda, key_results=tuple(dataclasses.replace(item, checkin_due=False) for item in reminder.agenda.key_results))
    assert not no_checkin.checkins_due and no_checkin.overdue_actions
    view = reminder_view(config.company, dataclasses.replace(reminder, agenda=no_checkin), 2)
    assert view.subject.endswith("OKRs: 1 overdue action")
    assert not any("in vain" in note for note in view.notes)
    assert any("in vain" in note for note in reminder_view(config.company, reminder, 2).notes)
