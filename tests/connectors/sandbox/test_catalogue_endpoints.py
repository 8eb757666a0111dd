"""The sandbox's catalogue over a socket: pipelines, property options, campaigns, emails' campaigns,
and a portal that leaves the v2 stage dates out of its properties listing.

The official SDK is used where it has an API (pipelines, properties, emails, search); campaigns,
which SDK v12 lacks, and raw shapes go through ``requests``. Expected answers come from the data set.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import hubspot
import pytest
import requests
from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.deals import Filter as DealFilter
from hubspot.crm.deals import FilterGroup as DealFilterGroup
from hubspot.crm.deals import PublicObjectSearchRequest as DealSearchRequest
from hubspot.crm.pipelines import ApiException as PipelinesApiException
from hubspot.crm.properties import ApiException as PropertiesApiException

from connectors.sandbox import (
    DEFAULT_PIPELINE,
    PARTNER_PIPELINE,
    SandboxDataset,
    SandboxServer,
    campaign,
    contact,
    deal,
    email,
    generate_dataset,
)
from connectors.sandbox.catalogue import DEAL_STAGES, LIFECYCLE_STAGES

ANCHOR = date(2026, 11, 27)
ZONE_NAME = "America/New_York"
CUSTOM_STAGE = "1234567"


@pytest.fixture(scope="module")
def dataset() -> SandboxDataset:
    data = generate_dataset(ANCHOR, timezone=ZONE_NAME)
    data.custom_stages[CUSTOM_STAGE] = "Partner referred"
    return data


@pytest.fixture(scope="module")
def server(dataset: SandboxDataset) -> Iterator[SandboxServer]:
    with SandboxServer(dataset) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: SandboxServer) -> hubspot.HubSpot:
    return hubspot.HubSpot(access_token=server.token, host=server.base_url)


def get(server: SandboxServer, path: str, **params: Any) -> tuple[int, dict[str, Any]]:
    response = requests.get(server.base_url + path, params=params, headers={"Authorization": f"Bearer {server.token}"}, timeout=5)
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    return response.status_code, response.json()


# --- pipelines ---------------------------------------------------------------------


def test_deal_pipelines_through_the_sdk(client: hubspot.HubSpot) -> None:
    pipelines = client.crm.pipelines.pipelines_api.get_all("deals").results
    assert [(pipeline.id, pipeline.label, pipeline.display_order) for pipeline in pipelines] == [
        ("default", "Sales Pipeline", 0),
        ("12345678", "Partner Pipeline", 1),
    ]
    default, partner = pipelines
    assert [stage.id for stage in default.stages] == list(DEAL_STAGES)
    assert [stage.label for stage in default.stages] == list(DEAL_STAGES.values())
    assert [stage.display_order for stage in default.stages] == list(range(len(DEAL_STAGES)))
    metadata = {stage.id: stage.metadata for stage in default.stages}
    assert metadata["closedwon"] == {"isClosed": "true", "probability": "1.0"}
    assert metadata["closedlost"] == {"isClosed": "true", "probability": "0.0"}
    assert metadata["appointmentscheduled"] == {"isClosed": "false", "probability": "0.2"}
    assert all(stage.id.isdigit() for stage in partner.stages)
    assert {stage.label for stage in partner.stages if stage.metadata["isClosed"] == "true"} == {"Partner Closed Won", "Partner Closed Lost"}
    for pipeline in pipelines:
        assert pipeline.archived is False and isinstance(pipeline.created_at, datetime) and pipeline.updated_at >= pipeline.created_at
        assert all(stage.write_permissions == "CRM_PERMISSIONS_ENFORCEMENT" and stage.archived is False for stage in pipeline.stages)


def test_one_pipeline_and_its_stages_by_id(client: hubspot.HubSpot) -> None:
    partner = client.crm.pipelines.pipelines_api.get_by_id("deals", "12345678")
    assert (partner.id, partner.label) == ("12345678", "Partner Pipeline")
    stages = client.crm.pipelines.pipeline_stages_api.get_all("deals", "12345678").results
    assert [stage.id for stage in stages] == [stage.id for stage in PARTNER_PIPELINE.stages]
    won = client.crm.pipelines.pipeline_stages_api.get_by_id("deals", "default", "closedwon")
    assert (won.label, won.metadata["isClosed"]) == ("Closed Won", "true")


def test_unknown_pipelines_and_stages_are_404(client: hubspot.HubSpot, server: SandboxServer) -> None:
    with pytest.raises(PipelinesApiException) as raised:
        client.crm.pipelines.pipelines_api.get_by_id("deals", "999")
    assert raised.value.status == 404
    assert json.loads(raised.value.body)["category"] == "OBJECT_NOT_FOUND"
    with pytest.raises(PipelinesApiException) as raised:
        client.crm.pipelines.pipeline_stages_api.get_by_id("deals", "12345678", "closedwon")  # a stage of another pipeline
    assert raised.value.status == 404
    assert get(server, "/crm/v3/pipelines/contacts/default")[0] == 404


def test_contacts_answer_the_lifecycle_stage_pipeline(client: hubspot.HubSpot) -> None:
    (lifecycle,) = client.crm.pipelines.pipelines_api.get_all("contacts").results
    assert lifecycle.id == "contacts-lifecycle-pipeline"
    assert [stage.id for stage in lifecycle.stages] == [*LIFECYCLE_STAGES, CUSTOM_STAGE]
    assert lifecycle.stages[-1].label == "Partner referred"


def test_generated_deals_use_the_stages_of_their_pipeline(dataset: SandboxDataset, client: hubspot.HubSpot) -> None:
    stages = {pipeline.id: {stage.id for stage in pipeline.stages} for pipeline in dataset.pipelines}
    assert all(record["properties"]["dealstage"] in stages[record["properties"]["pipeline"]] for record in dataset.deals)
    partner_deals = [record for record in dataset.deals if record["properties"]["pipeline"] == PARTNER_PIPELINE.id]
    assert 5 <= len(partner_deals) < len(dataset.deals) / 5
    assert all(("closedate" in record["properties"]) == (record["properties"]["dealstage"] in ("1003", "1004")) for record in partner_deals)
    request = DealSearchRequest(filter_groups=[DealFilterGroup(filters=[DealFilter(property_name="pipeline", operator="EQ", value="12345678")])], limit=1)
    assert client.crm.deals.search_api.do_search(public_object_search_request=request).total == len(partner_deals)


# --- properties ---------------------------------------------------------------------


def test_enumeration_options_match_the_portal(dataset: SandboxDataset, client: hubspot.HubSpot) -> None:
    deals = {prop.name: prop for prop in client.crm.properties.core_api.get_all(object_type="deals").results}
    assert [(option.value, option.label) for option in deals["pipeline"].options] == [("default", "Sales Pipeline"), ("12345678", "Partner Pipeline")]
    # HubSpot lists the stages of every pipeline as dealstage options.
    assert [option.value for option in deals["dealstage"].options] == [stage.id for pipeline in dataset.pipelines for stage in pipeline.stages]
    contacts = {prop.name: prop for prop in client.crm.properties.core_api.get_all(object_type="contacts").results}
    assert [option.value for option in contacts["lifecyclestage"].options] == [*LIFECYCLE_STAGES, CUSTOM_STAGE]
    assert f"hs_v2_date_entered_{CUSTOM_STAGE}" in contacts
    for definitions in (deals, contacts):
        enumerations = [prop for prop in definitions.values() if prop.type == "enumeration"]
        assert len(enumerations) >= 2
        assert all(prop.options and all(option.label and option.value for option in prop.options) for prop in enumerations)


@pytest.mark.parametrize("object_type", ["contacts", "deals"])
def test_every_listed_property_answers_on_its_own(server: SandboxServer, client: hubspot.HubSpot, object_type: str) -> None:
    listed = get(server, f"/crm/v3/properties/{object_type}")[1]["results"]
    assert len(listed) >= 8
    for definition in listed:
        assert get(server, f"/crm/v3/properties/{object_type}/{definition['name']}") == (200, definition)
    one = client.crm.properties.core_api.get_by_name(object_type=object_type, property_name="createdate")
    assert (one.name, one.type) == ("createdate", "datetime")
    with pytest.raises(PropertiesApiException) as raised:
        client.crm.properties.core_api.get_by_name(object_type=object_type, property_name="no_such_property")
    assert raised.value.status == 404


def test_a_default_dataset_has_only_the_default_pipeline() -> None:
    moment = datetime(2026, 3, 2, 12, tzinfo=UTC)
    portal = SandboxDataset(contacts=[], deals=[deal(1, moment, amount="100")], emails=[])
    with SandboxServer(portal) as running:
        status, body = get(running, "/crm/v3/pipelines/deals")
        assert status == 200 and [pipeline["id"] for pipeline in body["results"]] == ["default"]
        dealstage = get(running, "/crm/v3/properties/deals/dealstage")[1]
        assert [option["value"] for option in dealstage["options"]] == [stage.id for stage in DEFAULT_PIPELINE.stages]


# --- campaigns and the emails in them ----------------------------------------------


def test_campaign_pages_visit_every_campaign_once(dataset: SandboxDataset, server: SandboxServer) -> None:
    assert 2 <= len(dataset.campaigns) <= 4
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        status, page = get(server, "/marketing/v3/campaigns", limit=1, properties="hs_name", **({"after": after} if after else {}))
        assert status == 200 and page["total"] == len(dataset.campaigns)
        seen += page["results"]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
        assert not after.isdigit(), "the cursor is opaque, as HubSpot's"
    assert sorted(item["id"] for item in seen) == sorted(item["id"] for item in dataset.campaigns)
    names = [item["properties"]["hs_name"] for item in seen]
    assert names == sorted(names, key=str.casefold)  # hs_name is the default sort
    for item in seen:
        assert uuid.UUID(item["id"]).version == 4
        assert set(item) == {"id", "createdAt", "updatedAt", "properties", "businessUnits"}
        assert set(item["properties"]) == {"hs_name"}
        assert item["createdAt"].endswith("Z") and item["updatedAt"] >= item["createdAt"]


def test_campaign_properties_name_filter_and_sort(server: SandboxServer) -> None:
    _, plain = get(server, "/marketing/v3/campaigns")
    assert all(item["properties"] == {} for item in plain["results"])  # properties come only when asked
    response = requests.get(
        f"{server.base_url}/marketing/v3/campaigns",
        params=[("properties", "hs_name"), ("properties", "hs_end_date,no_such_property"), ("name", "WEBINAR")],
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=5,
    )
    (webinar,) = response.json()["results"]
    assert webinar["properties"]["hs_name"] == "Webinar Series"
    assert set(webinar["properties"]) == {"hs_name", "hs_end_date"}  # unknown properties are ignored
    _, newest_first = get(server, "/marketing/v3/campaigns", sort="-createdAt")
    stamps = [item["createdAt"] for item in newest_first["results"]]
    assert stamps == sorted(stamps, reverse=True)
    assert get(server, "/marketing/v3/campaigns", sort="budget")[0] == 400
    assert get(server, "/marketing/v3/campaigns", after="not-a-cursor")[0] == 400
    assert get(server, "/marketing/v3/campaigns", limit=101)[0] == 400


def test_one_campaign_lists_its_emails(dataset: SandboxDataset, server: SandboxServer) -> None:
    newsletter = next(item for item in dataset.campaigns if item["properties"]["hs_name"] == "Acme Cloud Newsletter")
    status, body = get(server, f"/marketing/v3/campaigns/{newsletter['id']}", properties="hs_name,hs_start_date")
    assert status == 200
    assert body["properties"] == {"hs_name": "Acme Cloud Newsletter", "hs_start_date": newsletter["properties"]["hs_start_date"]}
    members = {mail["id"] for mail in dataset.emails if mail.get("campaign") == newsletter["id"]}
    assert {asset["id"] for asset in body["assets"]["MARKETING_EMAIL"]["results"]} == members
    assert get(server, f"/marketing/v3/campaigns/{uuid.uuid4()}")[0] == 404


def get_emails(client: hubspot.HubSpot, **params: Any) -> dict[str, Any]:
    response = client.marketing.emails.marketing_emails_api.get_page(_preload_content=False, **params)
    return json.loads(response.data)


def test_emails_name_their_campaign(dataset: SandboxDataset, client: hubspot.HubSpot) -> None:
    names = {item["id"]: item["properties"]["hs_name"] for item in dataset.campaigns}
    page = get_emails(client, limit=300, marketing_campaign_names=True)
    assert page["total"] == len(dataset.emails)
    in_campaigns = [mail for mail in page["results"] if "campaign" in mail]
    assert len(in_campaigns) >= len(page["results"]) - 1
    assert all(names[mail["campaign"]] == mail["campaignName"] for mail in in_campaigns)
    assert {mail["campaignName"] for mail in in_campaigns} == set(names.values())
    for mail in page["results"]:
        assert {"id", "name", "subject", "state", "isPublished", "createdAt", "updatedAt"} <= set(mail)
        assert ("publishDate" in mail) == mail["isPublished"] == (mail["state"] == "PUBLISHED")
        assert "stats" not in mail
    # The existing filters keep working beside the campaign fields.
    published = get_emails(client, is_published=True, include_stats=True, limit=5)
    assert published["total"] == sum(mail["isPublished"] for mail in dataset.emails)
    assert all(mail["isPublished"] and "counters" in mail["stats"] for mail in published["results"])
    assert len(published["results"]) == 5 and published["paging"]["next"]["after"] == "5"


def test_campaign_names_can_require_the_parameter() -> None:
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    spring = campaign("1f0c1d3e-7a5b-4c1d-9e2f-3a4b5c6d7e8f", "Spring Launch", moment - timedelta(days=7), start=date(2026, 3, 1))
    portal = SandboxDataset(
        contacts=[], deals=[], emails=[email(1, "Spring Launch - teaser", moment, sent=10, campaign=spring)], campaigns=[spring],
        campaign_names_on_request=True,
    )
    with SandboxServer(portal) as running:
        plain = get(running, "/marketing/v3/emails")[1]["results"][0]
        assert plain["campaign"] == spring["id"] and "campaignName" not in plain
        named = get(running, "/marketing/v3/emails", marketingCampaignNames="true")[1]["results"][0]
        assert named["campaignName"] == "Spring Launch"


def test_scheduled_emails_are_published_with_a_future_date() -> None:
    later = datetime(2026, 12, 1, 10, tzinfo=UTC)
    scheduled = email(5, "Holiday offer", later, state="SCHEDULED")
    assert (scheduled["isPublished"], scheduled["publishDate"]) == (True, "2026-12-01T10:00:00.000Z")
    assert email(6, "Draft AB", None, state="DRAFT_AB", created=later)["isPublished"] is False


# --- a portal that does not list the v2 stage dates (pitfall 7) ---------------------


@pytest.fixture(scope="module")
def unlisted_v2(dataset: SandboxDataset) -> Iterator[SandboxServer]:
    portal = SandboxDataset(contacts=dataset.contacts, deals=dataset.deals, emails=dataset.emails, v2_properties_listed=False)
    with SandboxServer(portal) as running:
        yield running


def test_unlisted_v2_properties_are_missing_from_the_properties_api(unlisted_v2: SandboxServer) -> None:
    sdk = hubspot.HubSpot(access_token=unlisted_v2.token, host=unlisted_v2.base_url)
    names = {prop.name for prop in sdk.crm.properties.core_api.get_all(object_type="contacts").results}
    assert {"createdate", "lifecyclestage", "hs_analytics_source"} <= names
    assert not any(name.startswith("hs_v2_") for name in names)
    with pytest.raises(PropertiesApiException) as raised:
        sdk.crm.properties.core_api.get_by_name(object_type="contacts", property_name="hs_v2_date_entered_marketingqualifiedlead")
    assert raised.value.status == 404


def test_unlisted_v2_properties_still_filter_in_search(dataset: SandboxDataset, unlisted_v2: SandboxServer) -> None:
    search = hubspot.HubSpot(access_token=unlisted_v2.token, host=unlisted_v2.base_url).crm.contacts.search_api
    name = "hs_v2_date_entered_marketingqualifiedlead"
    having = [record for record in dataset.contacts if name in record["properties"]]
    assert len(having) > 50
    probe = PublicObjectSearchRequest(filter_groups=[FilterGroup(filters=[Filter(property_name=name, operator="HAS_PROPERTY")])], limit=1)
    answer = search.do_search(public_object_search_request=probe)
    assert answer.total == len(having) and len(answer.results) == 1
    # Still typed as a datetime: an epoch filter compares as a moment, not as text.
    start = datetime(2026, 10, 1, 4, tzinfo=UTC)
    epoch = str((start - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1))
    since = PublicObjectSearchRequest(filter_groups=[FilterGroup(filters=[Filter(property_name=name, operator="GTE", value=epoch)])], limit=1)
    expected = sum(datetime.fromisoformat(record["properties"][name]) >= start for record in having)
    assert 0 < search.do_search(public_object_search_request=since).total == expected
    result = search.do_search(public_object_search_request=PublicObjectSearchRequest(properties=[name], limit=1)).results[0]
    assert name in result.properties


def test_hidden_v2_applies_to_custom_stages_too() -> None:
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    portal = SandboxDataset(
        contacts=[contact(1, moment, stages={CUSTOM_STAGE: moment})], deals=[], emails=[],
        custom_stages={CUSTOM_STAGE: "Partner referred"}, v2_properties_listed=False,
    )
    with SandboxServer(portal) as running:
        names = [prop["name"] for prop in get(running, "/crm/v3/properties/contacts")[1]["results"]]
        assert not any(name.startswith("hs_v2_") for name in names)
        lifecycle = get(running, "/crm/v3/properties/contacts/lifecyclestage")[1]
        assert CUSTOM_STAGE in [option["value"] for option in lifecycle["options"]]
        assert get(running, f"/crm/v3/properties/contacts/hs_v2_date_entered_{CUSTOM_STAGE}")[0] == 404
