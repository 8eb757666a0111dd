"""The HubSpot connector through the official SDK against the sandbox, over a socket.

Expected values are computed here, from the sandbox's records, with a few
plain lines per metric: they share no code with the connector.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors import RetriableSourceError, SourceConfigurationError, parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import SandboxDataset, SandboxServer, contact, deal, email, generate_dataset
from okrmodel.periods import Window, WindowKind, parse_period, window_for

ZONE = ZoneInfo("America/New_York")
AS_OF = date(2026, 11, 27)
PERIOD = parse_period("2026-Q4")
QUARTER = window_for(WindowKind.PERIOD, PERIOD, AS_OF, ZONE)
LAST_30 = window_for(WindowKind.LAST_30_DAYS, PERIOD, AS_OF, ZONE)

METRICS = parse_config(
    """
company: Acme
timezone: America/New_York
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  inbound_mqls:
    source: hubspot
    kind: contacts_entered_stage
    stage: marketingqualifiedlead
    where: {hs_analytics_source: [ORGANIC_SEARCH, SOCIAL_MEDIA, REFERRALS]}
  paid_search_contacts: {source: hubspot, kind: contacts_created, where: {hs_analytics_source: PAID_SEARCH}}
  new_contacts: {source: hubspot, kind: contacts_created}
  mqls_now: {source: hubspot, kind: contacts_in_stage, stage: marketingqualifiedlead}
  deals_created: {source: hubspot, kind: deals_created}
  pipeline_added: {source: hubspot, kind: deals_created, sum: amount}
  newsletters: {source: hubspot, kind: marketing_emails_sent, name_contains: newsletter}
  newsletter_recipients: {source: hubspot, kind: marketing_emails_sent, name_contains: Newsletter, sum: sent}
"""
).metrics


def local_day(value: str) -> date:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZONE).date()


def expected_series(records, date_property, window: Window, keep=lambda props: True, amount=None) -> dict[date, float]:
    series = {day: 0.0 for day in window.days()}
    for record in records:
        props = record["properties"]
        if props.get(date_property) and keep(props) and local_day(props[date_property]) in series:
            series[local_day(props[date_property])] += float(props[amount] or 0) if amount else 1
    return series


@pytest.fixture(scope="module")
def dataset() -> SandboxDataset:
    return generate_dataset(AS_OF, timezone="America/New_York")


@pytest.fixture(scope="module")
def server(dataset):
    with SandboxServer(dataset) as running:
        yield running


@pytest.fixture
def connector(server) -> HubSpotConnector:
    source = HubSpotSource(type="hubspot", base_url=server.base_url)
    server.reset_calls()
    return HubSpotConnector("hubspot", source, token=SecretStr(server.token))


def test_contacts_entered_stage_with_source_filter_is_one_search(connector, server, dataset):
    inbound = {"ORGANIC_SEARCH", "SOCIAL_MEDIA", "REFERRALS"}
    expected = expected_series(dataset.contacts, "hs_v2_date_entered_marketingqualifiedlead", LAST_30, lambda p: p.get("hs_analytics_source") in inbound)
    reading = connector.read("inbound_mqls", METRICS["inbound_mqls"], LAST_30, AS_OF)
    assert reading.values == expected
    assert 0 < sum(expected.values()) <= 200  # the case where one page holds everything
    # One search, plus the run's one properties call that checks the names and picks the stage property.
    assert server.calls == [("GET", "/crm/v3/properties/contacts"), ("POST", "/crm/v3/objects/contacts/search")]
    assert reading.api_calls == 2
    connector.read("again", METRICS["inbound_mqls"], LAST_30, AS_OF)
    assert server.calls.count(("GET", "/crm/v3/properties/contacts")) == 1, "property names are read once per run"


def test_contacts_created_over_a_quarter_pages_or_counts_per_day_whichever_is_fewer(connector, server, dataset):
    expected = expected_series(dataset.contacts, "createdate", QUARTER)
    reading = connector.read("new_contacts", METRICS["new_contacts"], QUARTER, AS_OF)
    assert reading.values == expected
    total = sum(expected.values())
    assert total > 200, "the sandbox must be big enough to need paging here"
    pages = math.ceil(total / 200)
    assert reading.api_calls == server.call_count == min(pages, 1 + len(QUARTER.days()))


def test_equality_filter(connector, dataset):
    expected = expected_series(dataset.contacts, "createdate", QUARTER, lambda p: p.get("hs_analytics_source") == "PAID_SEARCH")
    assert connector.read("paid", METRICS["paid_search_contacts"], QUARTER, AS_OF).values == expected


def test_snapshot_is_a_single_count_for_the_as_of_day(connector, server, dataset):
    expected = sum(1 for c in dataset.contacts if c["properties"].get("lifecyclestage") == "marketingqualifiedlead")
    reading = connector.read("mqls_now", METRICS["mqls_now"], window_for(WindowKind.LATEST, PERIOD, AS_OF, ZONE), AS_OF)
    assert reading.values == {AS_OF: float(expected)}
    assert expected > 0
    # One count, plus the run's properties listing that checks the stage.
    assert server.calls == [("GET", "/crm/v3/properties/contacts"), ("POST", "/crm/v3/objects/contacts/search")]


def test_deal_count_and_amount_sum(connector, dataset):
    assert connector.read("deals", METRICS["deals_created"], QUARTER, AS_OF).values == expected_series(dataset.deals, "createdate", QUARTER)
    amounts = connector.read("pipeline", METRICS["pipeline_added"], QUARTER, AS_OF).values
    assert amounts == expected_series(dataset.deals, "createdate", QUARTER, amount="amount")
    assert any(d["properties"]["amount"] == "" for d in dataset.deals), "empty amounts must be exercised"


def test_marketing_emails_count_and_recipients(connector, dataset):
    def newsletters_by_day(statistic=None):
        series = {day: 0.0 for day in QUARTER.days()}
        for item in dataset.emails:
            if item.get("isPublished") and "newsletter" in item["name"].lower() and local_day(item["publishDate"]) in series:
                series[local_day(item["publishDate"])] += item["stats"]["counters"][statistic] if statistic else 1
        return series

    count = connector.read("newsletters", METRICS["newsletters"], QUARTER, AS_OF).values
    assert count == newsletters_by_day()
    assert sum(count.values()) >= 8  # one every Tuesday; drafts excluded
    assert connector.read("recipients", METRICS["newsletter_recipients"], QUARTER, AS_OF).values == newsletters_by_day("sent")


def test_midnight_belongs_to_the_day_it_starts():
    midnight = datetime(2026, 11, 2, tzinfo=ZONE)
    dataset = SandboxDataset(
        contacts=[
            contact(1, midnight),
            contact(2, midnight - timedelta(milliseconds=1)),
            contact(3, midnight + timedelta(hours=23, minutes=59)),
            contact(4, datetime(2026, 11, 3, 4, 30, tzinfo=UTC)),  # 23:30 on Nov 2 in New York
        ],
        deals=[deal(1, midnight, amount="1000.50"), deal(2, midnight + timedelta(hours=1), amount=None)],
        emails=[email(1, "Weekly Newsletter", midnight, sent=100), email(2, "Newsletter draft", None, state="DRAFT", created=midnight)],
    )
    window = Window.from_days(date(2026, 11, 1), date(2026, 11, 3), ZONE)
    with SandboxServer(dataset) as server:
        connector = HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr(server.token))
        contacts = connector.read("c", METRICS["new_contacts"], window, AS_OF).values
        amounts = connector.read("p", METRICS["pipeline_added"], window, AS_OF).values
        sent = connector.read("n", METRICS["newsletter_recipients"], window, AS_OF).values
    assert contacts == {date(2026, 11, 1): 1.0, date(2026, 11, 2): 3.0, date(2026, 11, 3): 0.0}
    assert amounts == {date(2026, 11, 1): 0.0, date(2026, 11, 2): 1000.5, date(2026, 11, 3): 0.0}
    assert sent == {date(2026, 11, 1): 0.0, date(2026, 11, 2): 100.0, date(2026, 11, 3): 0.0}


def test_wrong_token_is_a_configuration_error_without_the_token(server):
    source = HubSpotSource(type="hubspot", base_url=server.base_url)
    connector = HubSpotConnector("hubspot", source, token=SecretStr("pat-na1-wrong-secret"))
    with pytest.raises(SourceConfigurationError) as caught:
        connector.read("new_contacts", METRICS["new_contacts"], LAST_30, AS_OF)
    assert "token invalid or expired" in str(caught.value)
    assert "HTTP 401" in str(caught.value) and "correlationId" in str(caught.value)
    assert "pat-na1-wrong-secret" not in str(caught.value)


def test_a_rejected_token_is_not_tried_again_in_the_same_run(server):
    connector = HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr("pat-na1-wrong"))
    server.reset_calls()
    for name in ("new_contacts", "deals_created", "newsletters"):
        with pytest.raises(SourceConfigurationError, match="token invalid or expired"):
            connector.read(name, METRICS[name], LAST_30, AS_OF)
    assert server.call_count == 1


def test_missing_token_names_the_environment_variable(monkeypatch):
    monkeypatch.delenv("HUBSPOT_TOKEN", raising=False)
    with pytest.raises(SourceConfigurationError, match="environment variable HUBSPOT_TOKEN is not set"):
        HubSpotConnector("hubspot", HubSpotSource(type="hubspot"))


def test_unreachable_portal_is_retriable():
    source = HubSpotSource(type="hubspot", base_url="http://127.0.0.1:9", timeout_seconds=2)
    connector = HubSpotConnector("hubspot", source, token=SecretStr("x"), retry=Retry(total=1, backoff_factor=0))
    with pytest.raises(RetriableSourceError, match="HubSpot at http://127.0.0.1:9 unreachable after retries"):
        connector.read("new_contacts", METRICS["new_contacts"], LAST_30, AS_OF)


def test_sandbox_answers_match_exactly_per_day_across_dst(connector, dataset):
    # Nov 1 2026 is the end of daylight saving time in New York: a 25-hour day.
    window = Window.from_days(date(2026, 10, 31), date(2026, 11, 2), ZONE)
    reading = connector.read("new_contacts", METRICS["new_contacts"], window, AS_OF)
    assert reading.values == expected_series(dataset.contacts, "createdate", window)
    assert sum(reading.values.values()) > 0
