"""Every HubSpot metric kind, exact per day over a day, a month and a quarter, in New York time.

The SDK talks to the sandbox over a socket. Expected values are computed here
from the sandbox's records with a few plain lines each; they share no code
with the connector.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors import MappingError, SourceConfigurationError, parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import SandboxServer, campaign, contact, email, generate_dataset, with_legacy_stage_dates
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
AS_OF = date(2026, 11, 27)
WINDOWS = {
    "day": Window.from_days(date(2026, 11, 2), date(2026, 11, 2), ZONE),  # the day after the DST change
    "month": Window.from_days(date(2026, 11, 1), AS_OF, ZONE),
    "quarter": Window.from_days(date(2026, 10, 1), AS_OF, ZONE),
}
CUSTOM_STAGE = "1234567"

CONFIG = parse_config(
    f"""
company: Acme
timezone: America/New_York
period: 2026-Q4
sources: {{hubspot: {{type: hubspot}}}}
metrics:
  mqls: {{source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}}
  partner_stage: {{source: hubspot, kind: contacts_entered_stage, stage: "{CUSTOM_STAGE}"}}
  new_contacts: {{source: hubspot, kind: contacts_created}}
  conditions:
    source: hubspot
    kind: contacts_created
    where:
      hs_analytics_source: {{not: [DIRECT_TRAFFIC, OFFLINE]}}
      hs_v2_date_entered_lead: {{has: true}}
      lifecyclestage: {{not: customer}}
  no_stage: {{source: hubspot, kind: contacts_created, where: {{lifecyclestage: {{has: false}}}}}}
  sqls_now: {{source: hubspot, kind: contacts_in_stage, stage: salesqualifiedlead}}
  deals: {{source: hubspot, kind: deals_created}}
  big_deal_amount: {{source: hubspot, kind: deals_created, sum: amount, where: {{amount: {{gte: 20000, lt: 50000}}}}}}
  open_deals: {{source: hubspot, kind: deals_created, pipeline: default, dealstage: contractsent}}
  won: {{source: hubspot, kind: deals_closed_won}}
  won_amount: {{source: hubspot, kind: deals_closed_won, sum: amount, pipeline: default}}
  newsletters: {{source: hubspot, kind: marketing_emails_sent, name_contains: newsletter}}
  campaign_recipients: {{source: hubspot, kind: marketing_emails_sent, campaign: Black Friday, sum: sent}}
  sessions: {{source: hubspot, kind: web_sessions}}
  search_visitors: {{source: hubspot, kind: web_sessions, measure: visitors, sources: [organic, paid]}}
  social_views: {{source: hubspot, kind: web_sessions, measure: page_views, sources: [social]}}
"""
).metrics


def local_day(value: str) -> date:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZONE).date()


def expected(records, date_property: str, window: Window, keep: Callable[[dict], bool] = lambda p: True, amount: str | None = None) -> dict[date, float]:
    series = {day: 0.0 for day in window.days()}
    for record in records:
        props = record["properties"]
        if props.get(date_property) and keep(props) and local_day(props[date_property]) in series:
            series[local_day(props[date_property])] += float(props.get(amount) or 0) if amount else 1
    return series


@pytest.fixture(scope="module")
def dataset():
    data = generate_dataset(AS_OF, timezone="America/New_York", days=120, contacts_per_day=40)
    # Contacts reaching a custom lifecycle stage, one every other day of the quarter, one at local midnight.
    for offset in range(0, 58, 2):
        moment = datetime.combine(date(2026, 10, 1) + timedelta(days=offset), time(0 if offset == 32 else 11), tzinfo=ZONE)
        data.contacts.append(contact(900_000 + offset, moment - timedelta(days=3), stages={"lead": moment - timedelta(days=3), CUSTOM_STAGE: moment}))
    data.custom_stages[CUSTOM_STAGE] = "Partner referred"
    black_friday = campaign("c0ffee42-0000-4000-8000-000000000042", "Black Friday", datetime(2026, 9, 1, tzinfo=ZONE))
    data.campaigns.append(black_friday)
    for index, day in enumerate((date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 20), date(2026, 9, 30))):
        published = datetime.combine(day, time(9), tzinfo=ZONE)
        data.emails.append(email(990_000 + index, f"Black Friday teaser {index}", published, sent=1000 + index, campaign=black_friday))
    return data


@pytest.fixture(scope="module")
def server(dataset):
    with SandboxServer(dataset) as running:
        yield running


def connect(server: SandboxServer) -> HubSpotConnector:
    # The sandbox enforces no limit here, so ours is lifted too: these tests are about values.
    source = HubSpotSource(type="hubspot", base_url=server.base_url, search_requests_per_second=1000)
    return HubSpotConnector("hubspot", source, token=SecretStr(server.token))


def read(server: SandboxServer, metric: str, window: Window) -> dict[date, float]:
    return connect(server).read(metric, CONFIG[metric], window, AS_OF).values


def emails_expected(dataset, window: Window, keep: Callable[[dict], bool], statistic: str | None = None) -> dict[date, float]:
    series = {day: 0.0 for day in window.days()}
    for mail in dataset.emails:
        if mail.get("isPublished") and keep(mail) and local_day(mail["publishDate"]) in series:
            series[local_day(mail["publishDate"])] += mail["stats"]["counters"][statistic] if statistic else 1
    return series


def traffic_expected(dataset, window: Window, field: str, sources: set[str] | None) -> dict[date, float]:
    return {
        day: float(sum(row[field] for source, row in dataset.traffic.get(day, {}).items() if sources is None or source in sources))
        for day in window.days()
    }


WON = lambda p: p.get("dealstage") == "closedwon"  # noqa: E731
CASES: dict[str, Callable] = {
    "mqls": lambda d, w: expected(d.contacts, "hs_v2_date_entered_marketingqualifiedlead", w),
    "partner_stage": lambda d, w: expected(d.contacts, f"hs_v2_date_entered_{CUSTOM_STAGE}", w),
    "new_contacts": lambda d, w: expected(d.contacts, "createdate", w),
    "conditions": lambda d, w: expected(
        d.contacts, "createdate", w,
        lambda p: p.get("hs_analytics_source") not in (None, "DIRECT_TRAFFIC", "OFFLINE")
        and bool(p.get("hs_v2_date_entered_lead")) and p.get("lifecyclestage") not in (None, "customer"),
    ),
    "no_stage": lambda d, w: expected(d.contacts, "createdate", w, lambda p: not p.get("lifecyclestage")),
    "deals": lambda d, w: expected(d.deals, "createdate", w),
    "big_deal_amount": lambda d, w: expected(d.deals, "createdate", w, lambda p: p.get("amount") and 20000 <= float(p["amount"]) < 50000, "amount"),
    "open_deals": lambda d, w: expected(d.deals, "createdate", w, lambda p: p["pipeline"] == "default" and p["dealstage"] == "contractsent"),
    "won": lambda d, w: expected(d.deals, "closedate", w, WON),
    "won_amount": lambda d, w: expected(d.deals, "closedate", w, WON, "amount"),
    "newsletters": lambda d, w: emails_expected(d, w, lambda m: "newsletter" in m["name"].lower()),
    "campaign_recipients": lambda d, w: emails_expected(d, w, lambda m: m.get("campaignName") == "Black Friday", "sent"),
    "sessions": lambda d, w: traffic_expected(d, w, "visits", None),
    "search_visitors": lambda d, w: traffic_expected(d, w, "visitors", {"organic", "paid"}),
    "social_views": lambda d, w: traffic_expected(d, w, "rawViews", {"social"}),
}


@pytest.mark.parametrize("window_name", WINDOWS)
@pytest.mark.parametrize("metric", CASES)
def test_every_metric_kind_is_exact_per_day(server, dataset, metric, window_name):
    window = WINDOWS[window_name]
    want = CASES[metric](dataset, window)
    assert read(server, metric, window) == want
    if window_name == "quarter":
        assert sum(want.values()) > 0, f"the sandbox must exercise {metric}"


def test_snapshot_counts_contacts_now_in_stage(server, dataset):
    want = sum(1 for c in dataset.contacts if c["properties"].get("lifecyclestage") == "salesqualifiedlead")
    assert read(server, "sqls_now", WINDOWS["day"]) == {AS_OF: float(want)}


def test_legacy_stage_dates_are_used_when_the_portal_lacks_v2(dataset):
    legacy = with_legacy_stage_dates(dataset)
    window = WINDOWS["quarter"]
    with SandboxServer(legacy) as server:
        assert read(server, "mqls", window) == expected(dataset.contacts, "hs_v2_date_entered_marketingqualifiedlead", window)
        searched = [call for call in server.calls if call[1].endswith("/search")]
        assert searched, "the legacy property must be searched"


def test_web_sessions_is_one_call_per_window(server):
    server.reset_calls()
    reading = connect(server).read("sessions", CONFIG["sessions"], WINDOWS["quarter"], AS_OF)
    assert server.calls == [("GET", "/analytics/v2/reports/totals/daily")]
    assert reading.api_calls == 1


def test_count_and_sum_of_the_same_search_share_their_calls(server):
    metrics = parse_config(
        """
company: Acme
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  deals: {source: hubspot, kind: deals_created}
  pipeline: {source: hubspot, kind: deals_created, sum: amount}
"""
    ).metrics
    window = WINDOWS["quarter"]
    source = HubSpotSource(type="hubspot", base_url=server.base_url)
    server.reset_calls()
    alone = HubSpotConnector("hubspot", source, token=SecretStr(server.token)).read("pipeline", metrics["pipeline"], window, AS_OF)
    sum_alone_calls = server.call_count

    server.reset_calls()
    shared = HubSpotConnector("hubspot", source, token=SecretStr(server.token), metrics=metrics)
    count = shared.read("deals", metrics["deals"], window, AS_OF)
    calls_after_count = server.calls
    amount = shared.read("pipeline", metrics["pipeline"], window, AS_OF)
    assert amount.values == alone.values
    assert sum(count.values.values()) > 200, "the window must need paging for sharing to matter"
    assert server.call_count == sum_alone_calls, "the count rides on the sum's pages"
    # The sum's own read only checks that `amount` exists; its searches were the count's.
    assert server.calls[len(calls_after_count):] == [("GET", "/crm/v3/properties/deals")]


def test_invalid_property_names_are_mapping_errors_at_their_key(server):
    metrics = parse_config(
        """
company: Acme
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  typo: {source: hubspot, kind: contacts_created, where: {hs_analytics_sorce: ORGANIC_SEARCH}}
  bad_sum: {source: hubspot, kind: deals_created, sum: amout}
"""
    ).metrics
    connector = connect(server)
    with pytest.raises(MappingError, match=r"^hubspot: contacts have no property 'hs_analytics_sorce' \(did you mean 'hs_analytics_source'\?\)$") as typo:
        connector.read("typo", metrics["typo"], WINDOWS["day"], AS_OF)
    assert typo.value.location == ("metrics", "typo", "where", "hs_analytics_sorce")
    with pytest.raises(MappingError, match=r"deals have no property 'amout' \(did you mean 'amount'") as bad_sum:
        connector.read("bad_sum", metrics["bad_sum"], WINDOWS["day"], AS_OF)
    assert bad_sum.value.location == ("metrics", "bad_sum", "sum")


def test_too_many_where_conditions_fail_before_any_search(server):
    conditions = ", ".join(f"p{index}: x" for index in range(5))
    metric = parse_config(
        f"""
company: Acme
period: 2026-Q4
sources: {{hubspot: {{type: hubspot}}}}
metrics:
  crowded: {{source: hubspot, kind: contacts_created, where: {{{conditions}}}}}
"""
    ).metrics["crowded"]
    server.reset_calls()
    with pytest.raises(SourceConfigurationError, match=r"metric 'crowded': 5 filters .* keep at most 4"):
        connect(server).read("crowded", metric, WINDOWS["day"], AS_OF)
    assert server.call_count == 0


def test_where_condition_needs_content():
    from okrmodel.config import ConfigError

    with pytest.raises(ConfigError, match="needs at least one of gte, lt, not, has"):
        parse_config(
            """
company: Acme
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  empty: {source: hubspot, kind: contacts_created, where: {amount: {}}}
"""
        )
