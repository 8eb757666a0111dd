"""The console as people use it: a real uvicorn server on a free port, opened in Debian's headless
Chromium through Playwright. Ops sign in with the token; an owner follows the link mailed to them
(caught by aiosmtpd), checks in through the form and sees it in the KR's history; axe-core finds
no violation on any page, at desktop and phone widths, and nothing scrolls sideways. Screenshots
land in tests/console/artifacts/ (ignored by git) for a person to look at."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

from console import create_app, open_companies
from okrmodel.storage import Store
from tests.console.conftest import MARIA, NOW, SAM, TOKEN, write_company
from tests.smtp import free_port

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {1280: 800, 390: 844}


@pytest.fixture(scope="module")
def browser():
    path = shutil.which("chromium")
    assert path, "Debian's chromium is needed (make test installs it via .ci/ensure-chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serving(paths: list[Path]) -> Iterator[str]:
    """The console over ``paths`` served by uvicorn on a free port, its clock fixed (the pages' figures are the fixed day's)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    for path in paths:
        path.write_text(path.read_text().replace("base_url: http://testserver", f"base_url: {base}"))
    companies = open_companies(paths, lambda config: Store(config.storage_url()))
    app = create_app(companies, secret=b"b" * 32, clock=lambda: NOW)
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    while not uvicorn_server.started:
        time.sleep(0.05)  # waiting for the socket to listen, not timing anything
    try:
        yield base
    finally:
        uvicorn_server.should_exit = True
        thread.join()
        for company in companies:
            company.close()


@pytest.fixture
def server(company_config: Path):
    with serving([company_config]) as base:
        yield base


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / ".gitignore").write_text("*\n")
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def check_page(page: Page, name: str) -> None:
    """No axe violation, nothing wider than the screen, and a screenshot to look at."""
    width = page.viewport_size["width"]
    shot = screenshot(page, f"{name}-{width}")
    assert shot.stat().st_size > 10_000
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), f"{name} scrolls sideways at {width}px"


def sign_in_as_ops(page: Page, base: str) -> None:
    page.goto(f"{base}/c/acme-cloud/")
    assert page.url == f"{base}/signin?next=%2Fc%2Facme-cloud%2F"  # sign-in then opens the page asked for
    page.get_by_label("Admin token").fill(TOKEN)
    page.get_by_role("button", name="Sign in as ops").click()
    page.wait_for_url(f"{base}/c/acme-cloud/")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_ops_see_every_page_without_an_axe_violation(browser: Browser, server: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": WIDTHS[width]})
    check_page(page.goto(f"{server}/signin") and page, "signin")
    sign_in_as_ops(page, server)
    check_page(page, "overview")
    for path, name in (("/c/acme-cloud/kr/leads", "kr"), ("/c/acme-cloud/actions", "actions"), ("/c/acme-cloud/runs", "runs")):
        page.goto(server + path)
        check_page(page, name)
        if name == "kr":
            # A synced day has no note: at phone width its row shows no empty "Note:" line.
            shown = page.eval_on_selector_all("#history td:empty", "cells => cells.map(cell => getComputedStyle(cell).display)")
            assert shown and set(shown) == ({"none"} if width < 640 else {"table-cell"})
    page.goto(f"{server}/c/acme-cloud/metrics?source=sheet")
    page.get_by_label("Metric name").fill("signups")
    page.get_by_label("Definition (YAML").fill("{source: sheet, kind: csv_column, column: signups}")
    page.get_by_role("button", name="Preview", exact=True).click()
    page.wait_for_selector("#preview")
    assert "column: signups" in page.locator("pre.snippet").inner_text()
    check_page(page, "metrics")
    page.close()


def test_an_owner_signs_in_by_mail_and_checks_in_through_the_form(browser: Browser, server: str, inbox):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server}/signin")
    page.get_by_label("Email address").fill(MARIA)
    page.get_by_role("button", name="Mail me a link").click()
    assert "If that address is known here" in page.locator("[role=status]").inner_text()
    page.goto(inbox.link_to(MARIA, wait=30))
    check_page(page, "signin-link")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/c/acme-cloud/")
    page.get_by_role("link", name="History and check-in for Train 5 people").click()
    page.wait_for_url(f"{server}/c/acme-cloud/kr/training")
    page.get_by_label("Value reached (people)").fill("2,5")
    page.get_by_label("Note").fill("Two <b>trained</b>")
    page.get_by_role("button", name="Check in").click()
    assert "decimals take a dot" in page.locator("#checkin-value-error").inner_text()
    assert page.get_by_label("Note").input_value() == "Two <b>trained</b>"  # nothing typed is lost
    check_page(page, "checkin-error")
    page.get_by_label("Value reached (people)").fill("2")
    page.get_by_label("Confidence (1-10)").fill("6")
    page.get_by_role("button", name="Check in").click()
    page.wait_for_url(f"{server}/c/acme-cloud/kr/training?saved")
    row = page.locator("#history tbody tr").first
    assert "check-in by Maria" in row.inner_text() and "Two <b>trained</b>" in row.inner_text() and "confidence 6/10" in row.inner_text()
    check_page(page, "checkin-saved")
    page.goto(f"{server}/c/acme-cloud/actions")
    page.get_by_role("button", name="Started: Launch the webinar series").click()
    assert "marked in progress by Maria" in page.locator("#action-demand\\.launch-the-webinar-series").inner_text()
    page.close()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_portfolio_of_several_companies_passes_axe(browser: Browser, company_config: Path, inbox, tmp_path: Path, width: int):
    globex = write_company(tmp_path / "globex", f"sqlite:///{tmp_path / 'globex.db'}", inbox.port, company="Globex <Labs>")
    with serving([company_config, globex]) as base:
        page = browser.new_page(viewport={"width": width, "height": WIDTHS[width]})
        page.goto(f"{base}/signin")
        page.get_by_label("Admin token").fill(TOKEN)
        page.get_by_role("button", name="Sign in as ops").click()
        page.wait_for_url(f"{base}/")
        check_page(page, "portfolio")
        assert "Globex <Labs>" in page.locator("tbody").inner_text()
        page.get_by_role("link", name="Globex <Labs>").click()
        page.wait_for_url(f"{base}/c/globex-labs/")
        page.close()


def test_a_reminders_link_leads_the_owner_through_sign_in_to_the_key_result(browser: Browser, server: str, inbox):
    """As a reminder's "Check in" button is used: the KR's address, the mailed link, then the KR's form."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{server}/kr/deals")
    page.get_by_label("Email address").fill(SAM)
    page.get_by_role("button", name="Mail me a link").click()
    page.goto(inbox.link_to(SAM, wait=30))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server}/c/acme-cloud/kr/deals")
    assert page.get_by_role("heading", level=1).inner_text() == "Close 20 deals"
    page.close()


def test_the_check_in_button_sits_below_its_fields_and_a_disabled_button_looks_disabled(browser: Browser, server: str):
    """At 1280 px the button sat beside the last field, as if it belonged to it; and a disabled "Sync now"
    (a sync started here still runs) looked as clickable as an enabled one."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_as_ops(page, server)
    page.goto(f"{server}/c/acme-cloud/kr/training")
    field = page.get_by_label("Confidence (1-10)").bounding_box()
    button = page.get_by_role("button", name="Check in").bounding_box()
    assert button["y"] >= field["y"] + field["height"]
    page.goto(f"{server}/c/acme-cloud/runs")
    sync = page.get_by_role("button", name="Sync now")
    enabled = sync.evaluate("button => getComputedStyle(button).backgroundColor")
    sync.evaluate("button => { button.disabled = true; }")
    assert sync.evaluate("button => getComputedStyle(button).backgroundColor") != enabled
    page.close()
