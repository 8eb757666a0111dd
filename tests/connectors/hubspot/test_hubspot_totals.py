"""``read_total``: a HubSpot metric's figure over a whole window, and what it costs, against the sandbox.

Expected figures are computed here from the sandbox's records with a few plain lines;
call counts come from the sandbox.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors import SourceConfigurationError, parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import SandboxDataset, SandboxServer, generate_dataset, timestamp_burst, with_legacy_stage_dates
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
AS_OF = date(2026, 11, 27)
QUARTER = Window.from_days(date(2026, 10, 1), AS_OF, ZONE)
MONTH = Window.from_days(date(2026, 11, 1), AS_OF, ZONE)
INBOUND = {"ORGANIC_SEARCH", "SOCIAL_MEDIA", "REFERRALS"}

METRICS = parse_config(
    """
company: Acme
timezone: America/New_York
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  new_contacts: {source: hubspot, kind: contacts_created}
  inbound_mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {hs_analytics_source: [ORGANIC_SEARCH, SOCIAL_MEDIA, REFERRALS]}}
  deals: {source: hubspot, kind: deals_created}
  pipeline: {source: hubspot, kind: deals_created, sum: amount}
  won: {source: hubspot, kind: deals_closed_won}
  won_amount: {source: hubspot, kind: deals_closed_won, sum: amount}
  newsletters: {source: hubspot, kind: marketing_emails_sent, name_contains: newsletter}
  recipients: {source: hubspot, kind: marketing_emails_sent, name_contains: newsletter, sum: sent}
  mqls_now: {source: hubspot, kind: contacts_in_stage, stage: marketingqualifiedlead}
"""
).metrics


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def in_window(value: str | None, window: Window) -> bool:
    stamp = moment(value)
    return stamp is not None and window.start <= stamp < window.end


def count(records, date_property: str, window: Window, keep=lambda props: True) -> float:
    return float(sum(1 for record in records if in_window(record["properties"].get(date_property), window) and keep(record["properties"])))


def amount(records, date_property: str, window: Window, keep=lambda props: True) -> float:
    return sum(float(record["properties"].get("amount") or 0) for record in records if in_window(record["properties"].get(date_property), window) and keep(record["properties"]))


def won(props) -> bool:
    return props.get("dealstage") == "closedwon"


def connect(server: SandboxServer, metrics=METRICS) -> HubSpotConnector:
    source = HubSpotSource(type="hubspot", base_url=server.base_url, search_requests_per_second=1000, requests_per_10_seconds=10_000)
    return HubSpotConnector("hubspot", source, token=SecretStr(server.token), metrics=metrics)


@pytest.fixture(scope="module")
def dataset() -> SandboxDataset:
    # 40 contacts a day: the quarter's deals fill more than one page of 200.
    return generate_dataset(AS_OF, timezone="America/New_York", days=120, contacts_per_day=40)


@pytest.fixture(scope="module")
def server(dataset):
    with SandboxServer(dataset) as running:
        yield running


def test_a_count_over_a_quarter_is_one_search(server, dataset):
    expected = {
        "new_contacts": count(dataset.contacts, "createdate", QUARTER),
        "inbound_mqls": count(dataset.contacts, "hs_v2_date_entered_marketingqualifiedlead", QUARTER, lambda p: p.get("hs_analytics_source") in INBOUND),
        "deals": count(dataset.deals, "createdate", QUARTER),
        "won": count(dataset.deals, "closedate", QUARTER, won),
    }
    connector = connect(server)
    for name in expected:
        connector.check(name, METRICS[name])  # the portal's lists, read once per run
    for name, value in expected.items():
        server.reset_calls()
        total = connector.read_total(name, METRICS[name], QUARTER, AS_OF)
        assert (total.metric, total.window, total.value) == (name, QUARTER, value)
        assert total.api_calls == server.call_count == 1, name
        assert server.calls == [("POST", f"/crm/v3/objects/{'contacts' if name in ('new_contacts', 'inbound_mqls') else 'deals'}/search")]


def test_a_sum_pages_the_window_once_and_shares_the_read_with_the_daily_series(server, dataset):
    deals_in_quarter = count(dataset.deals, "createdate", QUARTER)
    assert deals_in_quarter > 200, "the quarter's deals take more than one page"
    connector = connect(server)
    connector.check("pipeline", METRICS["pipeline"])
    server.reset_calls()
    total = connector.read_total("pipeline", METRICS["pipeline"], QUARTER, AS_OF)
    assert total.value == amount(dataset.deals, "createdate", QUARTER)
    assert total.api_calls == server.call_count == math.ceil(deals_in_quarter / 200)  # search has no sums: a page per 200 records
    reading = connector.read("pipeline", METRICS["pipeline"], QUARTER, AS_OF)
    assert (reading.api_calls, sum(reading.values.values())) == (0, total.value)

    connector.check("won_amount", METRICS["won_amount"])  # its stage, against the pipelines
    server.reset_calls()
    won_total = connector.read_total("won_amount", METRICS["won_amount"], QUARTER, AS_OF)
    assert won_total.value == amount(dataset.deals, "closedate", QUARTER, won)
    assert won_total.api_calls == math.ceil(count(dataset.deals, "closedate", QUARTER, won) / 200)


def test_emails_come_from_the_runs_one_listing(server, dataset):
    published = [mail for mail in dataset.emails if mail.get("isPublished") and "newsletter" in mail["name"].casefold() and in_window(mail.get("publishDate"), QUARTER)]
    connector = connect(server)
    server.reset_calls()
    newsletters = connector.read_total("newsletters", METRICS["newsletters"], QUARTER, AS_OF)
    recipients = connector.read_total("recipients", METRICS["recipients"], QUARTER, AS_OF)
    assert newsletters.value == len(published) > 0
    assert recipients.value == sum(mail["stats"]["counters"]["sent"] for mail in published)
    assert (newsletters.api_calls, recipients.api_calls) == (server.call_count, 0)  # the listing, once; then no call


def test_a_snapshot_has_no_window_total(server):
    with pytest.raises(SourceConfigurationError, match="'contacts_in_stage' has no window total"):
        connect(server).read_total("mqls_now", METRICS["mqls_now"], QUARTER, AS_OF)


def test_a_legacy_portal_counts_stage_entries_by_its_legacy_dates(dataset):
    legacy = with_legacy_stage_dates(dataset)
    expected = count(legacy.contacts, "hs_lifecyclestage_marketingqualifiedlead_date", QUARTER, lambda p: p.get("hs_analytics_source") in INBOUND)
    with SandboxServer(legacy) as server:
        assert connect(server).read_total("inbound_mqls", METRICS["inbound_mqls"], QUARTER, AS_OF).value == expected > 0


def test_archived_records_drop_out_of_the_total():
    dataset = generate_dataset(AS_OF, timezone="America/New_York", days=60)
    with SandboxServer(dataset) as server:
        before = connect(server).read_total("new_contacts", METRICS["new_contacts"], QUARTER, AS_OF).value
        in_quarter = [record["id"] for record in dataset.contacts if in_window(record["properties"]["createdate"], QUARTER)]
        server.archive("contacts", in_quarter[::10])
        server.merge("contacts", in_quarter[1], in_quarter[2])
        after = connect(server).read_total("new_contacts", METRICS["new_contacts"], QUARTER, AS_OF).value  # the next night's connector
    assert after == before - len(in_quarter[::10]) - 1 == count([r for r in dataset.contacts if not r["archived"]], "createdate", QUARTER)


def test_a_count_over_the_same_search_and_window_is_asked_once_per_run():
    # A deal count and a deal sum's records share one search: the reconciliation asks their totals once.
    with SandboxServer(generate_dataset(AS_OF, timezone="America/New_York", days=60)) as server:
        connector = connect(server)
        deals = connector.read_total("deals", METRICS["deals"], QUARTER, AS_OF)
        pipeline_records = METRICS["pipeline"].records_counted()
        assert pipeline_records is not None and pipeline_records.sum is None
        again = connector.read_total("pipeline", pipeline_records, QUARTER, AS_OF)
    assert again.value == deals.value > 0 and deals.api_calls >= 1 and again.api_calls == 0


def test_a_window_of_10000_or_more_is_halved_at_local_midnight_and_stays_exact():
    dataset = generate_dataset(AS_OF, timezone="America/New_York", days=40, contacts_per_day=450)
    first, second = MONTH.halves()
    halves = [count(dataset.contacts, "createdate", half) for half in (first, second)]
    assert sum(halves) >= 10_000 and max(halves) < 10_000
    with SandboxServer(dataset) as server:
        total = connect(server).read_total("new_contacts", METRICS["new_contacts"], MONTH, AS_OF)
        assert total.value == sum(halves)
        assert 400 not in [call.status for call in server.call_log]
        assert total.api_calls == server.call_count == 3  # the month (at the cap), then each half


def test_a_day_of_10000_or_more_is_counted_by_the_daily_series_rules():
    dataset = generate_dataset(AS_OF, timezone="America/New_York", days=30)
    batch_day = date(2026, 11, 20)
    dataset.contacts.extend(timestamp_burst(5_000_000, datetime.combine(batch_day, time(14, 30), tzinfo=ZONE), 10_450))
    window = Window.from_days(batch_day - timedelta(days=3), batch_day, ZONE)
    with SandboxServer(dataset) as server:
        total = connect(server).read_total("new_contacts", METRICS["new_contacts"], window, AS_OF)
        assert total.value == count(dataset.contacts, "createdate", window) > 10_450
        assert 400 not in [call.status for call in server.call_log], "paging must never run into the 10,000 cap"
        assert total.api_calls == server.call_count
