"""A console over a company's config (a CSV source, a metric KR with synced days, manual KRs,
actions, two owners in people:), its store on SQLite and PostgreSQL, its mail caught by aiosmtpd,
and a fixed clock: what each test signs in to."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from console import create_app, open_companies
from okrmodel.storage import Store
from tests.smtp import Mailbox, smtp_server

NOW = datetime(2026, 11, 20, 11, 0, tzinfo=UTC)
"""12:00 in Berlin on 20 Nov 2026: the console's clock in every test."""
TOKEN_ENV = "OKR_TEST_CONSOLE_TOKEN"
TOKEN = "ops-token-for-tests-0123456789"
MARIA, SAM = "maria@acme.example", "sam@acme.example"
HEADER = "# Acme's OKRs: this comment, and the order below, survive a mapping written back.\n"


class Inbox(Mailbox):
    """Every accepted message, as received, and the sign-in links in them."""

    def link_to(self, address: str, wait: float = 0) -> str:
        """The sign-in link of the newest message to ``address``, read from its text; a server mails
        it after answering, so a browser test waits up to ``wait`` seconds for it to arrive."""
        deadline = time.monotonic() + wait
        while not (mine := [message for message in self.messages if message["To"] == address]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mine, f"no message to {address}"
        text = mine[-1].get_body(preferencelist=("plain",)).get_content()
        return re.search(r"(https?://\S+/signin/link\?token=[\w.-]+)", text).group(1)


@pytest.fixture
def inbox():
    with smtp_server(Inbox()) as handler:
        yield handler


def config_text(database_url: str, smtp_port: int, *, company: str = "Acme Cloud", title: str = "Build demand", base_url: str = "http://testserver") -> str:
    return HEADER + f"""company: "{company}"
timezone: Europe/Berlin
period: 2026-Q4
database_url: "{database_url}"
sources:
  sheet:
    type: csv
    path: leads.csv
metrics:
  leads: {{source: sheet, kind: csv_column, column: leads}}  # the sheet's daily leads
people:
  Maria: {MARIA}
  Sam: {SAM}
console:
  admin_token_env: {TOKEN_ENV}
  base_url: {base_url}
email:
  smtp_host: 127.0.0.1
  smtp_port: {smtp_port}
  security: none
  sender: okr@acme.example
  recipients: [ceo@acme.example]
  timeout_seconds: 5
objectives:
  - id: demand
    title: "{title}"
    owner: Maria
    key_results:
      - {{id: leads, title: Win 300 leads, metric: leads, target: 300, unit: leads}}
      - {{id: training, title: Train 5 people, target: 5, unit: people, checkin_every: week}}
    actions:
      - {{title: Launch the webinar series, due: 2026-11-15, owner: Maria}}
  - id: pipeline
    title: Improve the pipeline
    owner: Sam
    key_results:
      - {{id: deals, title: Close 20 deals, target: 20, unit: deals}}
    actions:
      - {{title: Clean CRM data, due: 2026-12-01}}
"""


def write_company(folder: Path, database_url: str, smtp_port: int, **names) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["date,leads,signups"] + [f"{date(2026, 10, 1) + timedelta(days=n)},{2 + n % 3},{n % 2}" for n in range(51)]
    (folder / "leads.csv").write_text("\n".join(rows) + "\n")
    path = folder / "okrs.yaml"
    path.write_text(config_text(database_url, smtp_port, **names))
    return path


def seed_sync(database_url: str) -> str:
    """One succeeded sync of ``leads`` for 1 Oct to 19 Nov (3 a day), and a correction of 19 Nov: the KR's history."""
    with Store(database_url) as store:
        run = store.start_run(date(2026, 11, 19))
        values = {date(2026, 10, 1) + timedelta(days=n): 3.0 for n in range(50)}
        store.save_observations(run, "leads", "sheet", values)
        store.record_fetch(run, "leads", "sheet", status="succeeded", first_day=date(2026, 10, 1), last_day=date(2026, 11, 19), values_added=50)
        store.finish_run(run, "succeeded")
        correction = store.start_run(date(2026, 11, 19))
        store.save_observations(correction, "leads", "sheet", {date(2026, 11, 19): 5.0})
        store.record_fetch(correction, "leads", "sheet", status="succeeded", first_day=date(2026, 11, 19), last_day=date(2026, 11, 19), values_added=1)
        store.finish_run(correction, "succeeded")
        return correction


@dataclass
class Console:
    client: TestClient
    paths: list[Path]
    inbox: Inbox
    clock: list[datetime] = field(default_factory=lambda: [NOW])

    @property
    def path(self) -> Path:
        return self.paths[0]

    def store(self) -> Store:
        return self.client.app.state.console.companies[0].store


def open_console(paths: list[Path], inbox: Inbox, *, base_url: str = "http://testserver", **options) -> Console:
    """A console over ``paths`` reached at ``base_url`` (``https://``: as a browser behind TLS would)."""
    clock = [NOW]
    companies = open_companies(paths, lambda config: Store(config.storage_url()))
    app = create_app(companies, secret=b"s" * 32, clock=lambda: clock[0], **options)
    client = TestClient(app, base_url=base_url, follow_redirects=False)
    return Console(client, paths, inbox, clock)


@pytest.fixture
def company_config(tmp_path: Path, database_url: str, inbox: Inbox, monkeypatch) -> Path:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.delenv("OKR_DATABASE_URL", raising=False)
    path = write_company(tmp_path / "acme", database_url, inbox.port)
    seed_sync(database_url)
    return path


@pytest.fixture
def console(company_config: Path, inbox: Inbox):
    opened = open_console([company_config], inbox)
    yield opened
    for company in opened.client.app.state.console.companies:
        company.close()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def sign_in_ops(client: TestClient, token: str = TOKEN):
    page = client.get("/signin")
    return client.post("/signin/ops", data={"csrf": csrf_of(page.text), "token": token})


def sign_in_owner(console: Console, address: str):
    page = console.client.get("/signin")
    answer = console.client.post("/signin/email", data={"csrf": csrf_of(page.text), "email": address})
    assert answer.status_code == 200
    link = console.inbox.link_to(address)
    path = link.removeprefix("http://testserver")
    confirm = console.client.get(path)
    assert confirm.status_code == 200, confirm.text
    token = re.search(r'name="token" value="([^"]+)"', confirm.text).group(1)
    return console.client.post("/signin/link", data={"csrf": csrf_of(confirm.text), "token": token})


def post_form(client: TestClient, page_path: str, action: str, data: dict):
    """Post ``data`` to ``action`` with the CSRF token of the page at ``page_path``, as a browser would."""
    page = client.get(page_path)
    assert page.status_code == 200, page.text
    return client.post(action, data={"csrf": csrf_of(page.text), **data})
