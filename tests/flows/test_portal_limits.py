"""HubSpot's limits per portal shared through the Prefect server: one reader at a time per portal
id, whatever the token, and two ``okr sync`` processes of two companies on one portal drawing no 429.

The two syncs are real ``okr`` processes pointed at the session's Prefect server, against one
sandbox in this process with HubSpot's limits on (counted on arrival, after 50-100 ms on the
way). Each process alone keeps under the limits; together, unshared, they would not. A
scripted fault holds each sync's first call (the portal's id) until both have made it, so
they ask for the portal at the same moment: no sleeps, no timed assertions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors import RunServices, connector_for, parse_config
from connectors.hubspot.rate_limit import PortalRateLimiter, SharedLimitError
from connectors.sandbox import DEFAULT_PORTAL_ID, Fault, RateLimits, SandboxServer, generate_dataset
from flows.demo import DEMO_TOKEN_ENV, render_demo_config
from flows.portal_limits import PrefectPortalLimits, reader_limit_name
from okrmodel.storage import Store

AS_OF = date(2026, 11, 27)
ZONE = ZoneInfo("Europe/Berlin")
OKR = str(Path(sys.executable).parent / "okr")
PATIENCE = 300.0
SECOND_APP_TOKEN = "pat-na1-second-app-of-the-same-portal"
SECOND_TOKEN_ENV = "OKR_TEST_SECOND_APP_TOKEN"
READER = reader_limit_name(str(DEFAULT_PORTAL_ID))


@pytest.fixture
def portal():
    with SandboxServer(generate_dataset(AS_OF, timezone="Europe/Berlin"), other_tokens=[SECOND_APP_TOKEN], portal_id=DEFAULT_PORTAL_ID) as server:
        yield server


def hubspot_config(portal: SandboxServer, token_env: str) -> str:
    return (
        f"company: Acme\ntimezone: Europe/Berlin\nperiod: 2026-Q4\n"
        f"sources:\n  hubspot: {{type: hubspot, token_env: {token_env}, base_url: '{portal.base_url}'}}\n"
    )


def reader_slots() -> tuple[int, int]:
    """The portal's reader limit on the server: its slots, and how many are held."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(READER)
    return limit.limit, limit.active_slots


def test_two_tokens_of_one_portal_read_it_one_after_the_other(prefect_harness, portal, monkeypatch):
    monkeypatch.setenv("FIRST_APP_TOKEN", portal.token)
    monkeypatch.setenv(SECOND_TOKEN_ENV, SECOND_APP_TOKEN)
    first_config, second_config = parse_config(hubspot_config(portal, "FIRST_APP_TOKEN")), parse_config(hubspot_config(portal, SECOND_TOKEN_ENV))
    first = connector_for("hubspot", first_config.sources["hubspot"], services=RunServices({}, PrefectPortalLimits()))
    assert reader_slots() == (1, 1)  # made for the portal's id, held by the first
    opened = []
    second_opening = threading.Thread(
        target=lambda: opened.append(connector_for("hubspot", second_config.sources["hubspot"], services=RunServices({}, PrefectPortalLimits())))
    )
    second_opening.start()
    try:
        second_opening.join(3.0)
        assert second_opening.is_alive() and not opened, "the second app of the portal read while the first held it"
    finally:
        first.close()
    second_opening.join(PATIENCE)
    [second] = opened
    assert reader_slots() == (1, 1)  # the second's now
    second.close()
    assert reader_slots() == (1, 0)
    assert portal.calls == [("GET", "/account-info/v3/details")] * 2  # one call per opening, for the id


def test_a_second_source_of_a_portal_the_run_holds_shares_its_turn_and_limiter(prefect_harness, portal, monkeypatch):
    monkeypatch.setenv("FIRST_APP_TOKEN", portal.token)
    config = parse_config(hubspot_config(portal, "FIRST_APP_TOKEN"))
    limits = PrefectPortalLimits()
    first, second = (connector_for("hubspot", config.sources["hubspot"], services=RunServices({}, limits)) for _ in range(2))
    assert second.client.rate_limiter._burst is first.client.rate_limiter._burst  # one portal, one set of limits in the run
    first.close()
    assert reader_slots() == (1, 1)  # the second still reads
    second.close()
    second.close()  # closing twice gives back nothing more
    assert reader_slots() == (1, 0)


def test_a_reader_limit_gone_from_the_server_fails_the_opening_in_one_line(prefect_harness):
    limits = PrefectPortalLimits()
    limits.ensured.add(reader_limit_name("999"))  # as if deleted after this run made it
    with pytest.raises(SharedLimitError, match=r"^hubspot-portal-999-reader on the Prefect server: ConcurrencySlotAcquisitionError: .*must be created"):
        limits.hold("999", PortalRateLimiter(5, 100))


def company_config(folder: Path, portal: SandboxServer, company: str, token_env: str) -> Path:
    folder.mkdir()
    path = folder / "okrs.yaml"
    text = render_demo_config(AS_OF, portal.base_url).replace("company: Acme Cloud", f"company: {company}")
    path.write_text(text.replace(f"token_env: {DEMO_TOKEN_ENV}", f"token_env: {token_env}"))
    return path


def start_sync(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [OKR, "sync", "-c", str(config), "--as-of", AS_OF.isoformat(), "--no-email", "--no-notify"],
        env=env, cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def contacts_created_by_day(dataset) -> dict[date, float]:
    days = Counter(
        datetime.fromisoformat(contact["properties"]["createdate"].replace("Z", "+00:00")).astimezone(ZONE).date()
        for contact in dataset.contacts
    )
    first = date(2026, 10, 1)
    return {first + timedelta(days=offset): float(days[first + timedelta(days=offset)]) for offset in range((AS_OF - first).days + 1)}


def test_two_syncs_of_two_companies_on_one_portal_draw_no_429(prefect_harness, portal, tmp_path):
    from prefect.settings import PREFECT_API_URL

    portal.rate_limits = RateLimits(search_per_second=5, per_10_seconds=100)
    portal.arrival_delay_seconds, portal.arrival_jitter_seconds = 0.05, 0.05
    companies = {
        "Acme Cloud": (company_config(tmp_path / "acme", portal, "Acme Cloud", DEMO_TOKEN_ENV), f"sqlite:///{tmp_path / 'acme.db'}"),
        "Beta Cloud": (company_config(tmp_path / "beta", portal, "Beta Cloud", SECOND_TOKEN_ENV), f"sqlite:///{tmp_path / 'beta.db'}"),
    }
    env = {**os.environ, DEMO_TOKEN_ENV: portal.token, SECOND_TOKEN_ENV: SECOND_APP_TOKEN, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_HOME": str(tmp_path / "prefect")}
    gate = threading.Event()
    portal.faults.push(Fault(on="/account-info/", hold=gate, times=2))  # each sync's first call: the portal's id
    syncs = []
    try:
        for config, database_url in companies.values():
            syncs.append(start_sync(config, {**env, "OKR_DATABASE_URL": database_url}))
        deadline = time.monotonic() + PATIENCE
        while sum(1 for call in portal.call_log if call.held and call.status == 0) < 2:  # both held: both are about to read
            assert all(sync.poll() is None for sync in syncs), [sync.communicate() for sync in syncs if sync.poll() is not None]
            assert time.monotonic() < deadline, "the syncs never reached the portal"
            time.sleep(0.05)
    finally:
        gate.set()
    outputs = [sync.communicate(timeout=PATIENCE) for sync in syncs]
    assert [sync.returncode for sync in syncs] == [0, 0], outputs
    statuses = Counter(call.status for call in portal.call_log)
    assert statuses[429] == 0, statuses
    searches = [call for call in portal.call_log if call.path.endswith("/search")]
    assert len(searches) > 2 * 5, "each sync alone sends more searches than a second allows: unshared, they would collide"
    expected = contacts_created_by_day(portal.dataset)
    recorded = 0
    for _config, database_url in companies.values():
        with Store(database_url) as store:
            [run] = store.runs()
            assert run.status == "succeeded"
            stored = {value.day: value.value for value in store.daily_values("new_contacts", date(2026, 10, 1), AS_OF)}
            recorded += sum(fetch.api_calls for fetch in store.fetches(run.id))
        assert stored == expected
    assert recorded == portal.call_count  # each run counts what the portal counted of it, the id's call included
    assert reader_slots() == (1, 0)  # each gave the portal back when its reads were done
