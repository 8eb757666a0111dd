"""HubSpot's limits per portal shared through the Prefect server: the buckets' sizes, the limits
made per portal id, and two ``okr sync`` processes of two companies on one portal drawing no 429.

The two syncs are real ``okr`` processes pointed at the session's Prefect server, against one
sandbox in this process with HubSpot's limits on (counted on arrival, after 50-100 ms on the
way). Each process alone keeps under the limits; together, unshared, they would not. A
scripted fault holds each sync's first call (the portal's id) until both have made it, so
they read at the same moment: no sleeps, no timed assertions.
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
from connectors.hubspot.rate_limit import SharedLimitError
from connectors.sandbox import DEFAULT_PORTAL_ID, Fault, RateLimits, SandboxServer, generate_dataset
from flows.demo import DEMO_TOKEN_ENV, render_demo_config
from flows.portal_limits import (
    ARRIVAL_SPREAD_SECONDS,
    SAFETY_MARGIN,
    PortalLimitNames,
    PrefectPortalLimit,
    PrefectPortalLimits,
    ensure_portal_limits,
    portal_limit_names,
    shared_bucket,
)
from okrmodel.storage import Store

AS_OF = date(2026, 11, 27)
ZONE = ZoneInfo("Europe/Berlin")
OKR = str(Path(sys.executable).parent / "okr")
PATIENCE = 300.0
SECOND_APP_TOKEN = "pat-na1-second-app-of-the-same-portal"
SECOND_TOKEN_ENV = "OKR_TEST_SECOND_APP_TOKEN"


@pytest.mark.parametrize(("requests", "window"), [(5, 1.0), (100, 10.0), (190, 10.0), (1, 1.0), (2, 1.0), (5, 2.0), (1, 10.0)])
def test_a_bucket_grants_within_hubspots_window_widened_by_the_arrival_spread_less_than_hubspot_allows(requests, window):
    bucket = shared_bucket(requests, window)
    assert bucket.limit >= 1 and bucket.slot_decay_per_second > 0
    # What is granted within the window, the spread and the margin reaches HubSpot within its window.
    assert bucket.most_granted((window + ARRIVAL_SPREAD_SECONDS) * (1 + SAFETY_MARGIN)) <= requests
    # And the bucket is not needlessly tight: over a long time it grants most of what HubSpot allows.
    assert bucket.slot_decay_per_second * window >= 0.6 * (requests - bucket.limit) or requests == 1


def test_hubspots_searches_and_burst_get_these_buckets():
    searches, starter, professional = shared_bucket(5, 1.0), shared_bucket(100, 10.0), shared_bucket(190, 10.0)
    assert (searches.limit, starter.limit, professional.limit) == (1, 10, 19)
    # A tenth of the window's time is left unused beyond the spread of arrivals.
    assert searches.slot_decay_per_second == pytest.approx(4 / ((1.0 + ARRIVAL_SPREAD_SECONDS) * (1 + SAFETY_MARGIN)))
    assert starter.slot_decay_per_second == pytest.approx(90 / ((10.0 + ARRIVAL_SPREAD_SECONDS) * (1 + SAFETY_MARGIN)))
    with pytest.raises(ValueError):
        shared_bucket(0, 1.0)


@pytest.fixture
def portal():
    with SandboxServer(generate_dataset(AS_OF, timezone="Europe/Berlin"), other_tokens=[SECOND_APP_TOKEN], portal_id=DEFAULT_PORTAL_ID) as server:
        yield server


def hubspot_config(portal: SandboxServer, token_env: str, **settings) -> str:
    extra = "".join(f", {key}: {value}" for key, value in settings.items())
    return (
        f"company: Acme\ntimezone: Europe/Berlin\nperiod: 2026-Q4\n"
        f"sources:\n  hubspot: {{type: hubspot, token_env: {token_env}, base_url: '{portal.base_url}'{extra}}}\n"
    )


def test_two_tokens_of_one_portal_share_the_limits_made_for_its_id(prefect_harness, portal, monkeypatch):
    from prefect.client.orchestration import get_client

    monkeypatch.setenv("FIRST_APP_TOKEN", portal.token)
    monkeypatch.setenv(SECOND_TOKEN_ENV, SECOND_APP_TOKEN)
    first = parse_config(hubspot_config(portal, "FIRST_APP_TOKEN"))
    second = parse_config(hubspot_config(portal, SECOND_TOKEN_ENV, requests_per_10_seconds=190))
    names = portal_limit_names(str(DEFAULT_PORTAL_ID))
    assert ensure_portal_limits(first) == {"hubspot": f"{names.searches}, {names.requests}"}
    with get_client(sync_client=True) as client:
        searches, requests = (client.read_global_concurrency_limit_by_name(name) for name in (names.searches, names.requests))
    assert (searches.limit, searches.slot_decay_per_second) == (shared_bucket(5, 1.0).limit, pytest.approx(shared_bucket(5, 1.0).slot_decay_per_second))
    assert (requests.limit, requests.slot_decay_per_second) == (shared_bucket(100, 10.0).limit, pytest.approx(shared_bucket(100, 10.0).slot_decay_per_second))
    # The second app's config names the same limits, brought up to its own burst limit.
    assert ensure_portal_limits(second) == {"hubspot": f"{names.searches}, {names.requests}"}
    with get_client(sync_client=True) as client:
        assert client.read_global_concurrency_limit_by_name(names.requests).limit == shared_bucket(190, 10.0).limit
    assert portal.calls == [("GET", "/account-info/v3/details")] * 2  # one call per opening, for the id


def test_a_limit_gone_from_the_server_fails_the_read_in_one_line(prefect_harness, portal, monkeypatch):
    monkeypatch.setenv("FIRST_APP_TOKEN", portal.token)
    config = parse_config(hubspot_config(portal, "FIRST_APP_TOKEN") + "metrics:\n  new: {source: hubspot, kind: contacts_created}\n")
    limits = PrefectPortalLimits()
    connector = connector_for("hubspot", config.sources["hubspot"], config.metrics, services=RunServices({}, limits))
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        for name in (limits.latest.searches, limits.latest.requests):
            client.delete_global_concurrency_limit_by_name(name)
    try:
        with pytest.raises(Exception) as caught:
            connector.read("new", config.metrics["new"], _window(), AS_OF)
    finally:
        connector.close()
    message = str(caught.value)
    assert message.startswith("hubspot: the rate limit this portal shares with other syncs could not be taken: ")
    assert limits.latest.searches in message and "\n" not in message
    with pytest.raises(SharedLimitError, match=r"^no-such-searches and no-such-requests on the Prefect server: ConcurrencySlotAcquisitionError: .*must be created"):
        PrefectPortalLimit(PortalLimitNames("no-such-searches", "no-such-requests")).take(search=True)


def _window():
    from okrmodel.periods import WindowKind, parse_period, window_for

    return window_for(WindowKind.MONTH, parse_period("2026-Q4"), AS_OF, ZONE)


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
        while sum(1 for call in portal.call_log if call.status == 0) < 2:  # both held: both are about to read
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
