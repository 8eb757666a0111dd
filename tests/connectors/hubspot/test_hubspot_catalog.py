"""The catalogue (``okr catalog``) lists what the sandbox portal holds, read live.

Expected rows come from the sandbox's data set and constants, not from the connector.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import SecretStr

from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import SandboxServer, campaign, email, generate_dataset
from connectors.sandbox.dataset import ANALYTICS_SOURCES, LIFECYCLE_STAGES, TRAFFIC_SOURCES, property_definitions

AS_OF = date(2026, 11, 27)
CUSTOM_STAGE = "1234567"


@pytest.fixture(scope="module")
def dataset():
    data = generate_dataset(AS_OF, timezone="America/New_York")
    data.custom_stages[CUSTOM_STAGE] = "Partner referred"
    return data


@pytest.fixture(scope="module")
def server(dataset):
    with SandboxServer(dataset) as running:
        yield running


@pytest.fixture(scope="module")
def catalogue(server):
    server.reset_calls()
    connector = HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr(server.token))
    read = connector.catalog()
    read_calls = server.calls
    connector.close()
    return read, read_calls


def table(catalogue, name: str):
    return next(table for table in catalogue[0].tables if table.name == name)


def test_every_list_is_read_once_and_counted(catalogue, dataset):
    read, calls = catalogue
    assert (read.source, read.type, read.api_calls) == ("hubspot", "hubspot", len(calls))
    assert Counter(calls) == {
        ("GET", "/crm/v3/properties/contacts"): 1,
        ("GET", "/crm/v3/properties/deals"): 1,
        ("GET", "/crm/v3/pipelines/deals"): 1,
        ("GET", "/marketing/v3/emails/"): math.ceil(len(dataset.emails) / 100),
        ("GET", "/marketing/v3/campaigns"): math.ceil(len(dataset.campaigns) / 100),
    }


def test_lifecycle_stages_with_custom_ones(catalogue, dataset):
    stages = table(catalogue, "lifecycle_stages")
    assert stages.mapping == "stage: <id>"
    assert stages.rows == [
        {"id": stage, "label": label, "custom": "yes" if stage in dataset.custom_stages else "no"}
        for stage, label in {**LIFECYCLE_STAGES, **dataset.custom_stages}.items()
    ]


@pytest.mark.parametrize("object_type", ["contacts", "deals"])
def test_properties_with_their_options(catalogue, dataset, object_type):
    properties = table(catalogue, f"{object_type.removesuffix('s')}_properties")
    listed = property_definitions(object_type, dataset)
    assert properties.mapping == "where: {<name>: ...}"
    assert sorted(row["name"] for row in properties.rows) == sorted(item["name"] for item in listed)
    by_name = {row["name"]: row for row in properties.rows}
    for item in listed:
        assert (by_name[item["name"]]["label"], by_name[item["name"]]["type"]) == (item["label"], item["type"])
        assert by_name[item["name"]]["options"] == [option["value"] for option in item["options"]]
    if object_type == "contacts":
        assert by_name["hs_analytics_source"]["options"] == list(ANALYTICS_SOURCES)


def test_pipelines_and_their_stages(catalogue, dataset):
    pipelines = table(catalogue, "pipelines")
    assert pipelines.mapping == "pipeline: <pipeline>, dealstage: <stage>"

    def closed(stage) -> str:
        return ("won" if stage.probability == 1.0 else "lost") if stage.closed else "no"

    assert [tuple(row.values()) for row in pipelines.rows] == [
        (pipeline.id, pipeline.label, stage.id, stage.label, closed(stage))
        for pipeline in sorted(dataset.pipelines, key=lambda pipeline: pipeline.display_order)
        for stage in pipeline.stages
    ]
    assert {row["pipeline"] for row in pipelines.rows} == {"default", "12345678"}, "the sandbox's custom pipeline must be listed"


def test_marketing_emails_with_their_campaign(catalogue, dataset):
    emails = table(catalogue, "marketing_emails")
    campaign_names = {item["id"]: item["properties"]["hs_name"] for item in dataset.campaigns}
    assert emails.mapping.startswith("name_contains:")
    assert sorted((row["name"], row["state"], row["published"], row["campaign"]) for row in emails.rows) == sorted(
        (mail["name"], mail["state"], mail.get("publishDate", ""), campaign_names.get(mail.get("campaign"), "")) for mail in dataset.emails
    )
    assert any(row["state"] == "DRAFT" for row in emails.rows), "drafts are mappable too"


def test_campaigns_and_traffic_sources(catalogue, dataset):
    campaigns = table(catalogue, "campaigns")
    assert campaigns.mapping.startswith("campaign:")
    assert sorted(tuple(row.values()) for row in campaigns.rows) == sorted((item["id"], item["properties"]["hs_name"]) for item in dataset.campaigns)
    sources = table(catalogue, "web_traffic_sources")
    assert [row["id"] for row in sources.rows] == list(TRAFFIC_SOURCES)
    assert sources.mapping.startswith("sources:")


def test_the_catalogue_can_be_searched(catalogue):
    found = {table.name: table for table in catalogue[0].matching("partner").tables}
    assert [row["id"] for row in found["lifecycle_stages"].rows] == [CUSTOM_STAGE]
    assert {row["pipeline"] for row in found["pipelines"].rows} == {"12345678"}
    assert "campaigns" not in found and "web_traffic_sources" not in found


def test_long_lists_are_read_page_by_page():
    data = generate_dataset(AS_OF, days=10)
    created = datetime(2026, 11, 1, tzinfo=UTC)
    data.campaigns.extend(campaign(uuid.UUID(int=index + 1, version=4), f"Campaign {index:03}", created) for index in range(150))
    data.emails.extend(email(500_000 + index, f"Promo {index:03}", created + timedelta(hours=index)) for index in range(130))
    with SandboxServer(data) as server:
        read = HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr(server.token)).catalog()
        calls = Counter(server.calls)
    tables = {table.name: table for table in read.tables}
    assert sorted(row["id"] for row in tables["campaigns"].rows) == sorted(item["id"] for item in data.campaigns)
    assert sorted(row["name"] for row in tables["marketing_emails"].rows) == sorted(mail["name"] for mail in data.emails)
    assert calls[("GET", "/marketing/v3/campaigns")] == math.ceil(len(data.campaigns) / 100) == 2
    assert calls[("GET", "/marketing/v3/emails/")] == math.ceil(len(data.emails) / 100) == 2
