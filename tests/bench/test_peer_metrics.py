"""The peer adapter's metrics, computed from records in tap-hubspot's shapes, equal our connector's.

Installing tap-hubspot (its own venv, from PyPI) is too slow and needs the
network, so the suite does not run the tap itself: ``make bench`` does, and
checks its values the same way. Here the records come from the sandbox's own
answers to the endpoints the tap pages (the v3 contacts list and the legacy
v1 deals list), written as the tap writes them: contacts as
``{"id", "property_<name>": value}``, deals as ``{"dealId",
"property_<name>": {"value": ...}}`` with v1's millisecond epochs.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from bench.peer import PEER_STREAMS
from bench.peer_metrics import PeerMetrics, UnsupportedMetric
from bench.scenario import ANCHOR, PEER_METRICS, QUARTER_START, TIMEZONE, config_text
from connectors import parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import SandboxServer, generate_dataset
from okrmodel.periods import Window

ZONE = ZoneInfo(TIMEZONE)
METRICS = parse_config(config_text(company="Bench Co", base_url="http://127.0.0.1:1", token_env="UNUSED", database_url="sqlite://")).metrics


@pytest.fixture(scope="module")
def sandbox():
    dataset = generate_dataset(ANCHOR, timezone=TIMEZONE, days=120, contacts_per_day=15)
    with SandboxServer(dataset) as server:
        yield server


def pages(server: SandboxServer, path: str, results: str, next_cursor) -> list[dict]:
    records, cursor = [], None
    while True:
        url = f"{server.base_url}{path}" + (f"&{cursor}" if cursor else "")
        with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {server.token}"})) as answer:
            page = json.loads(answer.read())
        records += page[results]
        cursor = next_cursor(page)
        if cursor is None:
            return records


def tap_messages(server: SandboxServer) -> list[str]:
    """The tap's RECORD lines for its contacts and deals streams, built from the sandbox's answers."""
    contacts = pages(
        server, f"/crm/v3/objects/contacts?limit=100&properties={','.join(PEER_STREAMS['contacts'])}", "results",
        lambda page: f"after={page['paging']['next']['after']}" if page.get("paging") else None,
    )
    deals = pages(
        server, "/deals/v1/deal/paged?limit=100&includeAllProperties=true", "deals",
        lambda page: f"offset={page['offset']}" if page["hasMore"] else None,
    )
    lines = [
        {"type": "RECORD", "stream": "contacts", "record": {"id": record["id"], "updatedAt": record["updatedAt"],
                                                            **{f"property_{name}": value for name, value in record["properties"].items()}}}
        for record in contacts
    ]
    lines += [
        {"type": "RECORD", "stream": "deals", "record": {"dealId": record["dealId"],
                                                         **{f"property_{name}": {"value": prop["value"]} for name, prop in record["properties"].items()}}}
        for record in deals
    ]
    return [json.dumps({"type": "SCHEMA", "stream": "contacts"}), *map(json.dumps, lines), json.dumps({"type": "STATE", "value": {}})]


def ours(server: SandboxServer) -> dict[str, dict[date, float]]:
    connector = HubSpotConnector(
        "hubspot", HubSpotSource(type="hubspot", base_url=server.base_url, search_requests_per_second=1000, requests_per_10_seconds=10_000),
        token=SecretStr(server.token), metrics={name: METRICS[name] for name in PEER_METRICS},
    )
    window, snapshot = Window.from_days(QUARTER_START, ANCHOR, ZONE), Window.from_days(ANCHOR, ANCHOR, ZONE)
    return {
        name: connector.read(name, METRICS[name], snapshot if METRICS[name].nature == "snapshot" else window, ANCHOR).values
        for name in PEER_METRICS
    }


def test_the_peers_metrics_from_its_records_equal_ours(sandbox):
    computed = PeerMetrics({name: METRICS[name] for name in PEER_METRICS}, ZONE, QUARTER_START, ANCHOR)
    for line in tap_messages(sandbox):
        computed.feed_line(line)
    assert computed.records == {"contacts": len(sandbox.dataset.contacts), "deals": len(sandbox.dataset.deals)}
    values = computed.values()
    assert values == ours(sandbox)
    # Not vacuous: the quarter has contacts, MQLs, inbound ones among them, won deals and their amounts.
    assert all(sum(values[name].values()) > 0 for name in PEER_METRICS)
    assert sum(values["inbound_mqls"].values()) < sum(values["mqls"].values())


def test_a_contact_created_at_local_midnight_counts_on_its_own_day():
    computed = PeerMetrics({"new_contacts": METRICS["new_contacts"]}, ZONE, date(2026, 11, 1), date(2026, 11, 2))
    # 2026-11-02 00:00 in Berlin is 2026-11-01T23:00Z, the tap's ISO form and v1's epoch alike.
    computed.feed("contacts", {"id": "1", "property_createdate": "2026-11-01T23:00:00.000000Z"})
    computed.feed("contacts", {"id": "2", "property_createdate": "1793574000000"})
    assert computed.values()["new_contacts"] == {date(2026, 11, 1): 0.0, date(2026, 11, 2): 2.0}


def test_metrics_without_a_tap_stream_are_refused_by_name():
    with pytest.raises(UnsupportedMetric, match="web_visits: kind web_sessions has no tap-hubspot stream"):
        PeerMetrics({"web_visits": METRICS["web_visits"]}, ZONE, QUARTER_START, ANCHOR)
