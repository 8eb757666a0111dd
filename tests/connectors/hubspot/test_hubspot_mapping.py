"""Mapped values checked against the portal: typos fail located, with the close match, before any search.

The SDK talks to the sandbox over a socket. Valid values in the expected
messages come from the sandbox's own constants and records, never from the
connector under test.
"""

from __future__ import annotations

import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors import MappingError, parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import PARTNER_PIPELINE, SandboxServer, campaign, generate_dataset
from connectors.sandbox.dataset import ANALYTICS_SOURCES, DEAL_STAGES, LIFECYCLE_STAGES, TRAFFIC_SOURCES
from okrmodel.periods import Window

AS_OF = date(2026, 11, 27)
ZONE = ZoneInfo("America/New_York")
WINDOW = Window.from_days(date(2026, 11, 1), AS_OF, ZONE)
CUSTOM_STAGE, CUSTOM_LABEL = "1234567", "Partner referred"
PARTNER_WON = next(stage.id for stage in PARTNER_PIPELINE.stages if stage.closed and stage.probability == 1.0)
PROPERTIES = {"contacts": ("GET", "/crm/v3/properties/contacts"), "deals": ("GET", "/crm/v3/properties/deals")}
PIPELINES = ("GET", "/crm/v3/pipelines/deals")
EMAILS = ("GET", "/marketing/v3/emails/")
CAMPAIGNS = ("GET", "/marketing/v3/campaigns")


def metrics(entries: str):
    return parse_config(f"company: Acme\nperiod: 2026-Q4\nsources: {{hubspot: {{type: hubspot}}}}\nmetrics:\n{entries}").metrics


def metric(entry: str):
    return metrics(f"  m: {entry}")["m"]


@pytest.fixture(scope="module")
def dataset():
    data = generate_dataset(AS_OF, timezone="America/New_York")
    data.custom_stages[CUSTOM_STAGE] = CUSTOM_LABEL
    data.campaigns.append(campaign("5eed0000-0000-4000-8000-00000000cafe", "Spring Launch", datetime(2026, 3, 1, tzinfo=ZONE)))
    return data


@pytest.fixture(scope="module")
def server(dataset):
    with SandboxServer(dataset) as running:
        yield running


@pytest.fixture
def connector(server) -> HubSpotConnector:
    server.reset_calls()
    source = HubSpotSource(type="hubspot", base_url=server.base_url, search_requests_per_second=1000)
    return HubSpotConnector("hubspot", source, token=SecretStr(server.token))


def searches(server: SandboxServer) -> list[tuple[str, str]]:
    return [call for call in server.calls if call[1].endswith("/search")]


TYPOS = {
    "stage of a snapshot": (
        "{kind: contacts_in_stage, stage: marketingqualifiedleed}", ("stage",),
        f"'marketingqualifiedleed' is not a lifecycle stage (did you mean 'marketingqualifiedlead'? stages: {', '.join(LIFECYCLE_STAGES)}, "
        f"{CUSTOM_STAGE} ({CUSTOM_LABEL}))",
    ),
    "stage entered": (
        "{kind: contacts_entered_stage, stage: salesqualifedlead}", ("stage",), "did you mean 'salesqualifiedlead'?",
    ),
    "won stage": (
        "{kind: deals_closed_won, pipeline: default, dealstage: closedwonn}", ("dealstage",),
        f"'closedwonn' is not a stage of pipeline 'default' (did you mean 'closedwon'? stages: {', '.join(DEAL_STAGES)})",
    ),
    "stage of no pipeline": (
        "{kind: deals_created, dealstage: contractsnet}", ("dealstage",), "'contractsnet' is not a deal stage of any pipeline (did you mean 'contractsent'?",
    ),
    "pipeline": (
        "{kind: deals_created, pipeline: defualt}", ("pipeline",),
        f"'defualt' is not a deal pipeline (did you mean 'default'? pipelines: default, {PARTNER_PIPELINE.id} ({PARTNER_PIPELINE.label}))",
    ),
    "campaign": (
        '{kind: marketing_emails_sent, campaign: "Spring Launhc"}', ("campaign",),
        "'Spring Launhc' is not a campaign of this portal (did you mean 'Spring Launch'?",
    ),
    "email name": (
        "{kind: marketing_emails_sent, name_contains: Newsleter}", ("name_contains",),
        "no marketing email name contains 'Newsleter' (did you mean 'Newsletter'? as in 'Acme Cloud Newsletter - ",
    ),
    "where option in a list": (
        "{kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {hs_analytics_source: [ORGANIC_SEACH, SOCIAL_MEDIA, REFERRALS]}}",
        ("where", "hs_analytics_source"),
        f"'ORGANIC_SEACH' is not an option of hs_analytics_source (did you mean 'ORGANIC_SEARCH'? options: {', '.join(ANALYTICS_SOURCES)})",
    ),
    "where option excluded": (
        "{kind: contacts_created, where: {lifecyclestage: {not: [customer, evangalist]}}}", ("where", "lifecyclestage"),
        "'evangalist' is not an option of lifecyclestage (did you mean 'evangelist'?",
    ),
    "where property": (
        "{kind: deals_created, where: {dealstag: closedwon}}", ("where", "dealstag"), "deals have no property 'dealstag' (did you mean 'dealstage'?)",
    ),
    "sum property": ("{kind: deals_closed_won, sum: amout}", ("sum",), "deals have no property 'amout' (did you mean 'amount'?)"),
    "sum of text": ("{kind: deals_created, sum: dealname}", ("sum",), "'dealname' is a string property of deals; sum needs a number property (amount"),
    "traffic source": (
        "{kind: web_sessions, sources: [organic, refferals]}", ("sources",),
        f"'refferals' is not a traffic source of HubSpot's analytics reports (did you mean 'referrals'? sources: {', '.join(TRAFFIC_SOURCES)})",
    ),
    "stage of another pipeline": (
        f"{{kind: deals_created, pipeline: default, dealstage: '{PARTNER_WON}'}}", ("dealstage",),
        f"'{PARTNER_WON}' is a stage of pipeline '{PARTNER_PIPELINE.id}' ({PARTNER_PIPELINE.label}), not of 'default'",
    ),
    "won stage left at its default in a custom pipeline": (
        f"{{kind: deals_closed_won, pipeline: '{PARTNER_PIPELINE.id}'}}", ("dealstage",),
        f"pipeline '{PARTNER_PIPELINE.id}' has no stage 'closedwon' (the default dealstage); set dealstage to its won stage '{PARTNER_WON}'",
    ),
}


@pytest.mark.parametrize("case", TYPOS)
def test_a_typo_is_a_mapping_error_at_its_value_with_the_close_match(connector, server, case):
    entry, field, message = TYPOS[case]
    with pytest.raises(MappingError) as caught:
        connector.check("m", metric(f"{{source: hubspot, {entry[1:]}"))
    assert caught.value.location == ("metrics", "m", *field)
    assert message in caught.value.message
    assert "'m'" not in caught.value.message, "the location names the metric, the message does not"
    assert not searches(server), "checking reads no data"


LABELS = {
    "stage": ("{kind: contacts_in_stage, stage: Marketing Qualified Lead}", ("stage",), "'Marketing Qualified Lead' is the label of stage 'marketingqualifiedlead'; write the id"),
    "custom stage": (f"{{kind: contacts_in_stage, stage: {CUSTOM_LABEL}}}", ("stage",), f"'{CUSTOM_LABEL}' is the label of stage '{CUSTOM_STAGE}'; write the id"),
    "pipeline": ("{kind: deals_created, pipeline: Sales Pipeline}", ("pipeline",), "'Sales Pipeline' is the label of pipeline 'default'; write the id"),
    "dealstage": ("{kind: deals_closed_won, pipeline: default, dealstage: Closed Won}", ("dealstage",), "'Closed Won' is the label of stage 'closedwon'; write the id"),
    "option": (
        "{kind: contacts_created, where: {hs_analytics_source: Organic search}}", ("where", "hs_analytics_source"),
        "'Organic search' is the label of option 'ORGANIC_SEARCH' of hs_analytics_source; write the value",
    ),
}


@pytest.mark.parametrize("case", LABELS)
def test_a_label_written_for_an_id_is_answered_with_the_id(connector, case):
    entry, field, message = LABELS[case]
    with pytest.raises(MappingError) as caught:
        connector.check("m", metric(f"{{source: hubspot, {entry[1:]}"))
    assert (caught.value.field, caught.value.message) == (field, message)


CORRECT = """
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {hs_analytics_source: [ORGANIC_SEARCH, REFERRALS]}}
  partners: {source: hubspot, kind: contacts_entered_stage, stage: "1234567"}
  sqls_now: {source: hubspot, kind: contacts_in_stage, stage: salesqualifiedlead, where: {lifecyclestage: {not: customer}}}
  won: {source: hubspot, kind: deals_closed_won, sum: amount}
  partner_won: {source: hubspot, kind: deals_closed_won, pipeline: "12345678", dealstage: "1003"}
  open: {source: hubspot, kind: deals_created, dealstage: contractsent, where: {amount: {gte: 1000}, pipeline: default}}
  newsletters: {source: hubspot, kind: marketing_emails_sent, name_contains: newsletter, sum: sent}
  webinars: {source: hubspot, kind: marketing_emails_sent, campaign: webinar series}
  search: {source: hubspot, kind: web_sessions, sources: [Organic, paid]}
  entered_lead: {source: hubspot, kind: contacts_created, where: {hs_v2_date_entered_lead: {has: true}}}
"""


def test_correct_mappings_pass_reading_each_list_once(connector, server, dataset):
    config = metrics(CORRECT)
    assert config["partner_won"].dealstage == PARTNER_WON, "the fixture's custom pipeline must be the sandbox's"
    calls = sum(connector.check(name, spec) for name, spec in config.items())
    assert calls == server.call_count
    assert Counter(server.calls) == {
        PROPERTIES["contacts"]: 1, PROPERTIES["deals"]: 1, PIPELINES: 1,
        EMAILS: math.ceil(len(dataset.emails) / 100), CAMPAIGNS: math.ceil(len(dataset.campaigns) / 100),
    }
    assert [connector.check(name, spec) for name, spec in config.items()] == [0] * len(config), "the lists are read once per run"


def test_checks_from_many_threads_still_read_each_list_once(connector, server):
    config = metrics(CORRECT)
    with ThreadPoolExecutor(8) as pool:
        calls = sum(pool.map(lambda item: connector.check(*item), list(config.items()) * 3))
    assert calls == server.call_count
    assert all(count == 1 for call, count in Counter(server.calls).items() if call != EMAILS)


def test_the_demo_config_checks_with_one_read_of_each_list(demo_config, sandbox):
    from connectors import connector_for, load_config

    config = load_config(demo_config)
    connector = connector_for("hubspot", config.sources["hubspot"], config.metrics)
    before = len(sandbox.calls)
    try:
        calls = sum(connector.check(name, spec) for name, spec in config.metrics.items())
    finally:
        connector.close()
    made = sandbox.calls[before:]
    assert calls == len(made)
    assert not [call for call in made if call[1].endswith("/search")]
    assert all(count == 1 for call, count in Counter(made).items() if call != EMAILS)
    assert Counter(made)[EMAILS] == math.ceil(len(sandbox.dataset.emails) / 100)


def test_reading_a_typo_makes_no_search_and_counts_the_checks_calls(connector, server):
    spec = metric("{source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {hs_analytics_source: [ORGANIC_SEACH, REFERRALS]}}")
    with pytest.raises(MappingError, match="did you mean 'ORGANIC_SEARCH'"):
        connector.read("mqls", spec, WINDOW, AS_OF)
    assert server.calls == [PROPERTIES["contacts"]]

    server.reset_calls()
    fixed = metric("{source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {hs_analytics_source: [ORGANIC_SEARCH, REFERRALS]}}")
    reading = connector.read("mqls", fixed, WINDOW, AS_OF)
    assert reading.api_calls == server.call_count == len(searches(server)), "the properties listing was read by the failed check already"


def test_an_email_metric_reads_the_listing_its_check_read(connector, server, dataset):
    reading = connector.read("webinars", metric("{source: hubspot, kind: marketing_emails_sent, campaign: Webinar Series, sum: sent}"), WINDOW, AS_OF)
    assert Counter(server.calls) == {EMAILS: math.ceil(len(dataset.emails) / 100), CAMPAIGNS: 1}
    assert reading.api_calls == server.call_count


def test_the_default_won_stage_on_a_portal_without_it_names_the_won_stages(dataset):
    with SandboxServer(replace(dataset, pipelines=[PARTNER_PIPELINE])) as server:
        connector = HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr(server.token))
        with pytest.raises(MappingError) as caught:
            connector.check("won", metric("{source: hubspot, kind: deals_closed_won}"))
    assert caught.value.field == ("dealstage",)
    assert caught.value.message == (
        f"no pipeline has the stage 'closedwon' (the default dealstage); set dealstage to a won stage: '{PARTNER_WON}' (pipeline '{PARTNER_PIPELINE.id}')"
    )


def test_a_campaign_given_by_name_counts_emails_that_carry_only_its_id(dataset):
    webinar = next(item for item in dataset.campaigns if item["properties"]["hs_name"] == "Webinar Series")
    members = [mail for mail in dataset.emails if mail.get("campaign") == webinar["id"] and mail.get("isPublished")]
    stripped = replace(dataset, emails=[{key: value for key, value in mail.items() if key != "campaignName"} for mail in dataset.emails])
    with SandboxServer(stripped) as server:
        connector = HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr(server.token))
        quarter = Window.from_days(date(2026, 10, 1), AS_OF, ZONE)
        reading = connector.read("webinars", metric("{source: hubspot, kind: marketing_emails_sent, campaign: Webinar Series}"), quarter, AS_OF)
    assert sum(reading.values.values()) == len(members) > 0
