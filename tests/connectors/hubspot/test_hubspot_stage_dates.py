"""Pitfall 7: the properties API may leave out the ``hs_v2_date_entered_*`` properties records carry.

The connector must not conclude from the listing that v2 is absent: it probes
(one ``HAS_PROPERTY`` search per stage and run) and uses v2 when it has values.
Expected counts come from the sandbox's records.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors import parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import SandboxServer, generate_dataset
from connectors.sandbox.dataset import property_definitions
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
AS_OF = date(2026, 11, 27)
MONTH = Window.from_days(date(2026, 11, 1), AS_OF, ZONE)
V2_MQL = "hs_v2_date_entered_marketingqualifiedlead"
METRICS = parse_config(
    """
company: Acme
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
  organic_mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {hs_analytics_source: ORGANIC_SEARCH}}
  became_leads: {source: hubspot, kind: contacts_created, where: {hs_v2_date_entered_lead: {has: true}}}
"""
).metrics


@pytest.fixture(scope="module")
def dataset():
    return replace(generate_dataset(AS_OF, timezone="America/New_York"), v2_properties_listed=False)


@pytest.fixture(scope="module")
def server(dataset):
    with SandboxServer(dataset) as running:
        yield running


def expected(records, window: Window, keep=lambda props: True) -> dict[date, float]:
    series = {day: 0.0 for day in window.days()}
    for record in records:
        moment = record["properties"].get(V2_MQL)
        if moment and keep(record["properties"]):
            day = datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(ZONE).date()
            if day in series:
                series[day] += 1
    return series


def test_hidden_v2_dates_are_probed_once_per_stage_and_used(server, dataset):
    assert V2_MQL not in {item["name"] for item in property_definitions("contacts", dataset)}, "the sandbox must hide v2 here"
    connector = HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr(server.token))
    server.reset_calls()
    reading = connector.read("mqls", METRICS["mqls"], MONTH, AS_OF)
    assert reading.values == expected(dataset.contacts, MONTH)
    assert sum(reading.values.values()) > 0
    # The listing, the probe, and the window's one page.
    assert server.calls == [("GET", "/crm/v3/properties/contacts"), ("POST", "/crm/v3/objects/contacts/search"), ("POST", "/crm/v3/objects/contacts/search")]
    assert reading.api_calls == 3

    server.reset_calls()
    organic = connector.read("organic_mqls", METRICS["organic_mqls"], MONTH, AS_OF)
    assert organic.values == expected(dataset.contacts, MONTH, lambda props: props.get("hs_analytics_source") == "ORGANIC_SEARCH")
    assert server.calls == [("POST", "/crm/v3/objects/contacts/search")], "the probe is cached for the run"


def test_a_where_on_a_hidden_v2_property_passes_the_check(server):
    connector = HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr(server.token))
    server.reset_calls()
    assert connector.check("became_leads", METRICS["became_leads"]) == server.call_count == 1
