"""Titles come from okrs.yaml: markup in them is text in the web page, the email and the
plain text, never markup."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from playwright.sync_api import sync_playwright

from connectors import parse_config
from okrmodel.briefing import build_report_data
from okrmodel.config import EmailSettings
from okrmodel.storage import Store
from reports import build_status_email, render_report, render_text

SCRIPT = "<script>document.title='pwned'</script>"
AS_OF = date(2026, 11, 15)


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.found.add(tag)


def elements(html: str) -> set[str]:
    """The element names an HTML parser finds (a ``<`` inside a quoted attribute is no tag)."""
    parser = _Tags()
    parser.feed(html)
    return parser.found


@pytest.fixture
def hostile_data(tmp_path):
    config = parse_config(
        f"""
company: "Acme {SCRIPT}"
timezone: UTC
period: 2026-Q4
sources: {{hubspot: {{type: hubspot}}}}
metrics: {{mqls: {{source: hubspot, kind: contacts_created}}}}
objectives:
  - id: grow
    title: "Grow {SCRIPT}"
    owner: "maria {SCRIPT}"
    key_results:
      - {{id: mqls, title: "Add 120 contacts {SCRIPT}", metric: mqls, target: 120, unit: "contacts"}}
    actions:
      - {{title: "Clean <b>CRM</b> data", due: 2026-11-01, status: planned}}
"""
    )
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        run = store.start_run(AS_OF)
        store.save_observations(run, "mqls", "hubspot", {date(2026, 10, 1) + timedelta(days=n): 1.0 for n in range(46)})
        return build_report_data(config, store, AS_OF)


def test_markup_in_titles_is_text_on_the_web_page(hostile_data, tmp_path):
    html = render_report(hostile_data)
    assert elements(html) & {"script", "b"} == set()
    assert "&lt;script&gt;" in html
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(path.as_uri())
        assert page.title().startswith(f"Acme {SCRIPT} OKRs")  # shown as text, not run
        assert page.locator("script").count() == 0
        assert f"Add 120 contacts {SCRIPT}" in page.locator("#kr-mqls h4").inner_text()
        browser.close()


def test_markup_in_titles_is_text_in_the_email_and_the_plain_text(hostile_data):
    message = build_status_email(hostile_data, EmailSettings(smtp_host="mail", sender="r@acme.example", recipients=["ceo@acme.example"]))
    assert message["Subject"].startswith(f"Acme {SCRIPT} OKRs, 15 Nov: ")
    html = message.get_body(preferencelist=("html",)).get_content()
    assert elements(html) & {"script", "b"} == set()
    assert "&lt;script&gt;" in html
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"Add 120 contacts {SCRIPT}" in text and "Clean <b>CRM</b> data" in text
    assert "&lt;" not in text
    assert text == render_text(hostile_data)
