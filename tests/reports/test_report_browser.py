"""The report as leadership sees it: the web page and the email's HTML opened in Debian's
headless Chromium through Playwright, checked with axe-core at desktop, mail-pane and phone
widths; and ops' alert email, at mail-pane and phone widths. Screenshots land in tests/reports/artifacts/ (ignored by git) for a person to look at."""

from __future__ import annotations

import base64
import re
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from okrmodel.alerting import FailedMetric, FailureAlert
from okrmodel.briefing import ReportData
from okrmodel.config import EmailSettings
from reports import build_alert_email, build_alert_view, build_status_email, render_report, write_html

ARTIFACTS = Path(__file__).parent / "artifacts"
# Desktop, a mail client's reading pane, a phone.
VIEWPORTS = {1280: 800, 600: 800, 390: 844}
# What the machine's closed network needs: no sandbox as root, no background fetches.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Mail clients put the message inside their own page, which supplies its landmarks; the email
# is held to WCAG 2 A and AA (contrast, names, structure), not to page-level best practice.
EMAIL_AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]}


@pytest.fixture(scope="module")
def browser():
    path = shutil.which("chromium")
    assert path, "Debian's chromium is needed (make test installs it via .ci/ensure-chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def web_file(demo_data: ReportData, tmp_path: Path) -> Path:
    return write_html(render_report(demo_data), tmp_path / "report.html")


@pytest.fixture
def email_file(demo_data: ReportData, tmp_path: Path) -> Path:
    """The email's HTML with each ``cid:`` replaced by its image part, as a mail client shows it."""
    message = build_status_email(demo_data, EmailSettings(smtp_host="mail", sender="r@acme.example", recipients=["ceo@acme.example"]))
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in message.walk():
        if part.get_content_type() == "image/png":
            data = base64.b64encode(part.get_content()).decode()
            html = html.replace(f"cid:{part['Content-ID'].strip('<>')}", f"data:image/png;base64,{data}")
    assert "cid:" not in html, "every cid: resolves to an image part"
    path = tmp_path / "email.html"
    path.write_text(html, encoding="utf-8")
    return path


def open_page(browser: Browser, path: Path, width: int) -> Page:
    page = browser.new_page(viewport={"width": width, "height": VIEWPORTS[width]})
    page.goto(path.as_uri())
    return page


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def violations(page: Page, options: dict | None = None) -> str:
    results = Axe().run(page, options=options) if options else Axe().run(page)
    return results.generate_report() if results.violations_count else ""


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_web_report_passes_axe_and_fits_the_screen(browser, web_file: Path, width: int):
    page = open_page(browser, web_file, width)
    shot = screenshot(page, f"web-{width}")
    assert shot.stat().st_size > 20_000  # a blank page compresses to almost nothing
    assert violations(page) == ""
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the page scrolls sideways"
    attention = page.locator("#attention").bounding_box()
    assert attention is not None and attention["y"] < VIEWPORTS[width], "Needs attention starts below the first screen"
    page.close()


@pytest.mark.parametrize("width", [600, 390])
def test_every_key_results_status_is_visible_without_scrolling_sideways(browser, web_file: Path, width: int):
    page = open_page(browser, web_file, width)
    badges = page.locator("article.kr .flags .badge:first-child")
    assert badges.count() == 10
    for index in range(badges.count()):
        box = badges.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    page.close()


def test_the_page_reads_in_order_inside_landmarks(browser, web_file: Path):
    page = open_page(browser, web_file, 1280)
    levels = [int(tag[1]) for tag in page.eval_on_selector_all("h1, h2, h3, h4", "nodes => nodes.map(n => n.tagName.toLowerCase())")]
    assert levels[0] == 1 and all(later - earlier <= 1 for earlier, later in zip(levels, levels[1:]))
    sections = page.eval_on_selector_all("main > section", "nodes => nodes.map(n => n.id || n.getAttribute('aria-label'))")
    assert sections == ["Data warning", "attention", "changes", "objectives", "owners", "health"]
    page.close()


def test_each_metric_trend_is_a_chart_with_its_numbers_in_words(browser, web_file: Path, demo_data: ReportData):
    page = open_page(browser, web_file, 1280)
    deals = next(kr for objective in demo_data.status.objectives for kr in objective.key_results if kr.id == "deals-created")
    chart = page.locator("#kr-deals-created svg[role=img]")
    label = chart.locator("title").text_content()
    assert label.startswith(f"{deals.actual:.0f} of {deals.target:.0f} deals by 1 Dec; pace ")
    assert f"; forecast {deals.forecast:.0f} deals by 31 Dec" in label
    assert page.locator("svg[role=img]").count() == sum(1 for o in demo_data.status.objectives for kr in o.key_results if kr.metric)
    checkins = page.locator("#kr-crm-training .checkins li").all_text_contents()
    assert checkins == ["1 Nov: 0 people", "29 Nov: 2 people"]
    page.close()


def test_the_page_shows_the_numbers_with_their_units(browser, web_file: Path):
    page = open_page(browser, web_file, 1280)
    text = " ".join(page.locator("main").text_content().split())
    for expected in ("Create 110 new deals", "41 deals", "110 deals", "$1,922,000", "$2,500,000", "Expected by now", "Forecast short",
                     "Last known: On track", "Two of five trained", "Develop SEO research", "Overdue"):
        assert expected in text, expected
    assert re.search(r"Data warning: The last sync .* could not read 1 metric \(newsletters\)", text)
    page.close()


def test_print_drops_the_screen_background(browser, web_file: Path):
    page = open_page(browser, web_file, 1280)
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    page.close()


@pytest.mark.parametrize("width", [600, 390])
def test_the_email_passes_axe_and_fits_a_mail_pane(browser, email_file: Path, width: int):
    page = open_page(browser, email_file, width)
    screenshot(page, f"email-{width}")
    assert violations(page, EMAIL_AXE_OPTIONS) == ""
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the email scrolls sideways"
    images = page.locator("img.chart")
    assert images.count() == 7
    assert all(image.evaluate("i => i.complete && i.naturalWidth > 0") for image in images.all())
    page.close()


@pytest.fixture
def portfolio_file(tmp_path: Path) -> Path:
    from datetime import date

    from okrmodel.progress import Status
    from reports.portfolio import PortfolioCompany, render_portfolio

    day = date(2026, 11, 27)
    companies = [
        PortfolioCompany("Acme Cloud", "acme.yaml", day, Status.OFF_TRACK, "1 off track, 5 on track", 3, "acme-cloud/2026-11-27.html", "succeeded"),
        PortfolioCompany("Beta <Labs>", "beta.yaml", day, Status.NO_DATA, "10 no data", 7, "beta-labs/2026-11-27.html", "failed", "7 metrics failed (inbound_mqls: hubspot: environment variable BETA_TOKEN is not set)"),
        PortfolioCompany("broken", "broken.yaml", None, None, "", 0, None, "config not valid", "clients/broken.yaml: period: required key is missing (line 1)"),
    ]
    path = tmp_path / "portfolio.html"
    path.write_text(render_portfolio(companies, "2026-11-28 03:04 UTC"), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", list(VIEWPORTS))
def test_the_portfolio_passes_axe_and_fits_the_screen(browser, portfolio_file: Path, width: int):
    page = open_page(browser, portfolio_file, width)
    screenshot(page, f"portfolio-{width}")
    assert violations(page) == ""
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the page scrolls sideways"
    rows = page.locator("tbody tr")
    assert [rows.nth(index).locator(".file").inner_text() for index in range(rows.count())] == ["broken.yaml", "beta.yaml", "acme.yaml"]
    assert "Beta <Labs>" in page.locator("tbody").inner_text(), "config text shows as text"
    page.close()


@pytest.fixture
def alert_file(tmp_path: Path) -> Path:
    """Ops' alert as a mail client shows it, with the long unbroken error text a source sends."""
    error = (
        "hubspot: token invalid or expired: Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
        "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview (HTTP 401, correlationId 5c0f5fd1-7b1f-4d7a-9d0e-1d3f0a6c2b9e)"
    )
    failed_at = datetime(2026, 11, 27, 2, 4, tzinfo=UTC)
    alert = FailureAlert(
        company="Acme Cloud", status="failed", as_of=date(2026, 11, 27), started_at=failed_at, failing_since=failed_at, failing_since_as_of=date(2026, 11, 27),
        failed_runs=1, metrics_read=2, problems=(), flow_run="able-fox", report_url="https://okr.acme.example/reports/acme-cloud",
        metrics=tuple(FailedMetric(name, "hubspot", error, "Put a valid token in $HUBSPOT_TOKEN.", failed_at - timedelta(days=1), date(2026, 11, 26)) for name in ("new_contacts", "deals_created")),
    )
    message = build_alert_email(build_alert_view(alert), EmailSettings(smtp_host="mail", sender="r@acme.example", recipients=["ceo@acme.example"]), ["ops@acme.example"])
    path = tmp_path / "alert.html"
    path.write_text(message.get_body(preferencelist=("html",)).get_content(), encoding="utf-8")
    return path


@pytest.mark.parametrize("width", [600, 390])
def test_an_alert_passes_axe_and_reads_on_a_phone(browser, alert_file: Path, width: int):
    page = open_page(browser, alert_file, width)
    screenshot(page, f"alert-{width}")
    assert violations(page, EMAIL_AXE_OPTIONS) == ""
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the alert scrolls sideways"
    page.close()
