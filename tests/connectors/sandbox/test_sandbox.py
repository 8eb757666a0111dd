"""The HubSpot sandbox: its data set, its search semantics, and the official SDK talking to it over a socket.

Expected answers are computed here from the data set with a few plain lines,
independently of ``connectors.sandbox.search``.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import hubspot
import pytest
from hubspot.crm.contacts import ApiException as ContactsApiException
from hubspot.crm.contacts import Filter, FilterGroup, PublicObjectSearchRequest
from hubspot.crm.deals import Filter as DealFilter
from hubspot.crm.deals import FilterGroup as DealFilterGroup
from hubspot.crm.deals import PublicObjectSearchRequest as DealSearchRequest

from connectors.sandbox import SandboxDataset, SandboxServer, contact, deal, email, generate_dataset
from connectors.sandbox.search import SearchValidationError, search_records

ANCHOR = date(2026, 11, 27)
# Not UTC, and its DST change (Nov 1) falls inside the data: local midnights are not UTC midnights.
ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZONE).astimezone(UTC)


def epoch_ms(moment: datetime) -> str:
    return str((moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1))


def stamp(record: dict[str, Any], name: str) -> datetime | None:
    value = record["properties"].get(name)
    return datetime.fromisoformat(value) if value else None


def created_in(records: list[dict[str, Any]], start: datetime, end: datetime) -> list[dict[str, Any]]:
    return [record for record in records if start <= stamp(record, "createdate") < end]  # type: ignore[operator]


def window(start: datetime, end: datetime, *, as_iso: bool = False) -> list[Filter]:
    def value(moment: datetime) -> str:
        return moment.isoformat().replace("+00:00", "Z") if as_iso else epoch_ms(moment)

    return [
        Filter(property_name="createdate", operator="GTE", value=value(start)),
        Filter(property_name="createdate", operator="LT", value=value(end)),
    ]


def count(api: Any, *filters: Filter) -> int:
    request = PublicObjectSearchRequest(filter_groups=[FilterGroup(filters=list(filters))], limit=1)
    return api.do_search(public_object_search_request=request).total


@pytest.fixture(scope="module")
def dataset() -> SandboxDataset:
    return generate_dataset(ANCHOR, timezone=ZONE_NAME)


@pytest.fixture(scope="module")
def server(dataset: SandboxDataset) -> Iterator[SandboxServer]:
    with SandboxServer(dataset) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: SandboxServer) -> hubspot.HubSpot:
    return hubspot.HubSpot(access_token=server.token, host=server.base_url)


@pytest.fixture(scope="module")
def contacts_api(client: hubspot.HubSpot) -> Any:
    return client.crm.contacts.search_api


@pytest.fixture(scope="module")
def deals_api(client: hubspot.HubSpot) -> Any:
    return client.crm.deals.search_api


@pytest.fixture(scope="module")
def midnight_contacts(dataset: SandboxDataset) -> list[dict[str, Any]]:
    def at_local_midnight(record: dict[str, Any]) -> bool:
        created = stamp(record, "createdate").astimezone(ZONE)  # type: ignore[union-attr]
        return created.time() == time()

    return [record for record in dataset.contacts if at_local_midnight(record)]


# --- the data set --------------------------------------------------------------


def test_same_seed_and_anchor_give_the_same_dataset() -> None:
    first = generate_dataset(ANCHOR, timezone=ZONE_NAME, days=40)
    assert generate_dataset(ANCHOR, timezone=ZONE_NAME, days=40) == first
    assert generate_dataset(ANCHOR, timezone=ZONE_NAME, days=40, seed=8) != first


def test_nothing_is_dated_outside_the_window_ending_with_the_anchor_day(dataset: SandboxDataset) -> None:
    start, end = local_midnight(ANCHOR - timedelta(days=199)), local_midnight(ANCHOR + timedelta(days=1))
    moments = [
        datetime.fromisoformat(value)
        for record in dataset.contacts + dataset.deals
        for name, value in [*record["properties"].items(), ("createdAt", record["createdAt"]), ("updatedAt", record["updatedAt"])]
        if name.endswith(("date", "At")) or name.startswith("hs_v2_date_entered_")
    ] + [datetime.fromisoformat(mail[key]) for mail in dataset.emails for key in ("createdAt", "updatedAt", "publishDate") if key in mail]
    assert min(moments) >= start
    assert max(moments) < end
    assert max(stamp(record, "createdate") for record in dataset.contacts) >= local_midnight(ANCHOR)  # type: ignore[type-var]


def test_records_have_hubspot_shapes(dataset: SandboxDataset) -> None:
    for records in (dataset.contacts, dataset.deals, dataset.emails):
        ids = [record["id"] for record in records]
        assert all(record_id.isdigit() for record_id in ids)
        assert len(set(ids)) == len(ids)
    assert all(isinstance(value, str) for record in dataset.contacts + dataset.deals for value in record["properties"].values())
    assert all(record["properties"]["createdate"].endswith("Z") and len(record["properties"]["createdate"]) == 24 for record in dataset.contacts)
    amounts = [record["properties"]["amount"] for record in dataset.deals]
    assert "" in amounts
    assert all(amount == "" or (5000 <= int(amount) <= 60000 and int(amount) % 500 == 0) for amount in amounts)


def test_funnel_and_sources_are_realistic(dataset: SandboxDataset) -> None:
    contacts = dataset.contacts
    assert 10 <= len(contacts) / 200 <= 14
    mql_share = sum("hs_v2_date_entered_marketingqualifiedlead" in record["properties"] for record in contacts) / len(contacts)
    assert 0.09 <= mql_share <= 0.15
    organic_share = sum(record["properties"]["hs_analytics_source"] == "ORGANIC_SEARCH" for record in contacts) / len(contacts)
    assert 0.26 <= organic_share <= 0.34
    weekdays = [stamp(record, "createdate").astimezone(ZONE).weekday() for record in contacts]  # type: ignore[union-attr]
    assert sum(day < 5 for day in weekdays) / 5 > 1.5 * sum(day >= 5 for day in weekdays) / 2


def test_emails_are_weekly_newsletters_monthly_updates_and_two_drafts(dataset: SandboxDataset) -> None:
    published = [mail for mail in dataset.emails if mail["isPublished"]]
    newsletters = [mail for mail in published if mail["name"].startswith("Acme Cloud Newsletter - ")]
    for mail in newsletters:
        sent_at = datetime.fromisoformat(mail["publishDate"]).astimezone(ZONE)
        assert (sent_at.weekday(), sent_at.time()) == (1, time(10))
        assert mail["name"].endswith(f"{sent_at:%b} {sent_at.day}")
        assert 2000 <= mail["stats"]["counters"]["sent"] <= 4000
    assert "Acme Cloud Newsletter - Nov 24" in {mail["name"] for mail in newsletters}
    assert "Product update - November" in {mail["name"] for mail in published}
    drafts = [mail for mail in dataset.emails if not mail["isPublished"]]
    assert len(drafts) == 2
    assert all(mail["state"] == "DRAFT" and "Newsletter" in mail["name"] and "publishDate" not in mail for mail in drafts)


def test_some_contacts_are_created_exactly_at_local_midnight(midnight_contacts: list[dict[str, Any]]) -> None:
    assert len(midnight_contacts) >= 5
    assert stamp(midnight_contacts[-1], "createdate") == local_midnight(ANCHOR)


# --- CRM search through the SDK ---------------------------------------------------


def test_window_total_matches_an_independent_count(dataset: SandboxDataset, contacts_api: Any) -> None:
    start, end = local_midnight(date(2026, 10, 1)), local_midnight(date(2026, 11, 1))
    expected = len(created_in(dataset.contacts, start, end))
    assert expected > 100
    assert count(contacts_api, *window(start, end)) == expected


def test_contact_created_at_midnight_counts_only_in_the_window_starting_then(
    midnight_contacts: list[dict[str, Any]], contacts_api: Any
) -> None:
    for record in midnight_contacts:
        midnight = stamp(record, "createdate")
        assert midnight is not None
        this_record = Filter(property_name="hs_object_id", operator="EQ", value=record["id"])
        assert count(contacts_api, this_record, *window(midnight, midnight + timedelta(days=1))) == 1
        assert count(contacts_api, this_record, *window(midnight - timedelta(days=1), midnight)) == 0


def test_iso_and_epoch_filter_values_give_the_same_answer(contacts_api: Any) -> None:
    start, end = local_midnight(date(2026, 11, 1)), local_midnight(date(2026, 11, 8))  # spans the DST change
    by_epoch = count(contacts_api, *window(start, end))
    assert by_epoch > 0
    assert count(contacts_api, *window(start, end, as_iso=True)) == by_epoch


def test_in_and_eq_filters(dataset: SandboxDataset, contacts_api: Any, deals_api: Any) -> None:
    sources = {"PAID_SEARCH", "REFERRALS"}
    expected = sum(record["properties"]["hs_analytics_source"] in sources for record in dataset.contacts)
    # Case-insensitive, as HubSpot compares strings.
    assert count(contacts_api, Filter(property_name="hs_analytics_source", operator="IN", values=["paid_search", "REFERRALS"])) == expected

    customers = sum(record["properties"].get("lifecyclestage") == "customer" for record in dataset.contacts)
    assert customers > 0
    assert count(contacts_api, Filter(property_name="lifecyclestage", operator="EQ", value="customer")) == customers

    won = [record for record in dataset.deals if record["properties"]["dealstage"] == "closedwon"]
    request = DealSearchRequest(filter_groups=[DealFilterGroup(filters=[DealFilter(property_name="dealstage", operator="EQ", value="closedwon")])], limit=200)
    response = deals_api.do_search(public_object_search_request=request)
    assert response.total == len(won)
    assert {result.id for result in response.results} == {record["id"] for record in won}


def test_filter_groups_are_ored(dataset: SandboxDataset, contacts_api: Any) -> None:
    groups = [
        FilterGroup(filters=[Filter(property_name="hs_analytics_source", operator="EQ", value="OFFLINE")]),
        FilterGroup(filters=[Filter(property_name="lifecyclestage", operator="EQ", value="customer")]),
    ]
    expected = sum(
        record["properties"]["hs_analytics_source"] == "OFFLINE" or record["properties"].get("lifecyclestage") == "customer"
        for record in dataset.contacts
    )
    response = contacts_api.do_search(public_object_search_request=PublicObjectSearchRequest(filter_groups=groups, limit=1))
    assert response.total == expected


def test_paging_visits_every_record_exactly_once(dataset: SandboxDataset, contacts_api: Any, deals_api: Any) -> None:
    start, end = local_midnight(date(2026, 9, 1)), local_midnight(date(2026, 11, 1))
    expected_ids = [record["id"] for record in created_in(dataset.contacts, start, end)]
    seen: list[str] = []
    after = None
    while True:
        request = PublicObjectSearchRequest(filter_groups=[FilterGroup(filters=window(start, end))], limit=200, after=after)
        page = contacts_api.do_search(public_object_search_request=request)
        assert page.total == len(expected_ids)
        seen += [result.id for result in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    assert len(expected_ids) > 400
    assert seen == sorted(expected_ids, key=int)  # default order: ascending id, numerically

    newest_first: list[str] = []
    after = None
    while True:
        request = DealSearchRequest(sorts=[{"propertyName": "createdate", "direction": "DESCENDING"}], limit=37, after=after)
        page = deals_api.do_search(public_object_search_request=request)
        newest_first += [result.id for result in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after
    by_created = sorted(dataset.deals, key=lambda record: record["properties"]["createdate"], reverse=True)
    assert newest_first == [record["id"] for record in by_created]


def test_results_carry_requested_properties_and_the_identifying_ones(contacts_api: Any, deals_api: Any) -> None:
    request = PublicObjectSearchRequest(properties=["hs_analytics_source", "hs_v2_date_entered_customer"], limit=1)
    properties = contacts_api.do_search(public_object_search_request=request).results[0].properties
    assert set(properties) == {"hs_analytics_source", "hs_v2_date_entered_customer", "hs_object_id", "createdate", "lastmodifieddate"}
    deal_properties = deals_api.do_search(public_object_search_request=DealSearchRequest(properties=["amount"], limit=1)).results[0].properties
    assert set(deal_properties) == {"amount", "hs_object_id", "createdate", "hs_lastmodifieddate"}


def test_limit_over_200_is_a_validation_error(contacts_api: Any) -> None:
    with pytest.raises(ContactsApiException) as raised:
        contacts_api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=201))
    assert raised.value.status == 400
    assert json.loads(raised.value.body)["category"] == "VALIDATION_ERROR"


def test_paging_past_10000_is_a_validation_error(contacts_api: Any) -> None:
    assert contacts_api.do_search(public_object_search_request=PublicObjectSearchRequest(after="9999")).results == []
    with pytest.raises(ContactsApiException) as raised:
        contacts_api.do_search(public_object_search_request=PublicObjectSearchRequest(after="10000"))
    assert raised.value.status == 400
    assert json.loads(raised.value.body)["category"] == "VALIDATION_ERROR"


def test_wrong_token_is_rejected(server: SandboxServer) -> None:
    intruder = hubspot.HubSpot(access_token="not-the-token", host=server.base_url)
    with pytest.raises(ContactsApiException) as raised:
        intruder.crm.contacts.search_api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=1))
    assert raised.value.status == 401
    body = json.loads(raised.value.body)
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["correlationId"]


def test_every_token_of_the_portal_answers_its_id(dataset: SandboxDataset) -> None:
    def details(server: SandboxServer, token: str) -> tuple[int, dict[str, Any]]:
        sent = urllib.request.Request(f"{server.base_url}/account-info/v3/details", headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(sent) as answer:
                return answer.status, json.load(answer)
        except urllib.error.HTTPError as refused:
            return refused.code, json.load(refused)

    with SandboxServer(dataset, token="first-app", other_tokens=["second-app"], portal_id=7654321) as server:
        for token in ("first-app", "second-app"):
            status, body = details(server, token)
            assert (status, body["portalId"], body["accountType"]) == (200, 7654321, "STANDARD")
        assert details(server, "another-portals-app")[0] == 401
        assert server.calls == [("GET", "/account-info/v3/details")] * 3


# --- marketing emails and properties ----------------------------------------------


def get_emails(client: hubspot.HubSpot, **params: Any) -> dict[str, Any]:
    # Parsed by hand: the SDK's PublicEmail model rejects real responses that lack fields.
    response = client.marketing.emails.marketing_emails_api.get_page(_preload_content=False, **params)
    return json.loads(response.data)


def test_email_pages_cover_every_email_once_with_stats(dataset: SandboxDataset, client: hubspot.HubSpot) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = get_emails(client, include_stats=True, limit=10, after=after)
        assert page["total"] == len(dataset.emails)
        assert all("counters" in mail["stats"] for mail in page["results"])
        seen += [mail["id"] for mail in page["results"]]
        if "paging" not in page:
            break
        after = page["paging"]["next"]["after"]
    assert sorted(seen) == sorted(mail["id"] for mail in dataset.emails)
    assert len(set(seen)) == len(seen)


def test_email_filters_and_stats_switch(client: hubspot.HubSpot) -> None:
    drafts = get_emails(client, is_published=False)
    assert drafts["total"] == 2
    assert all("stats" not in mail for mail in drafts["results"])
    november = get_emails(client, created_after=datetime(2026, 11, 1, tzinfo=UTC), created_before=datetime(2026, 11, 27, tzinfo=UTC))
    assert november["total"] > 0
    assert all("2026-11-01" <= mail["createdAt"] < "2026-11-27" for mail in november["results"])


def test_properties_list_the_traffic_source_options(client: hubspot.HubSpot) -> None:
    definitions = {prop.name: prop for prop in client.crm.properties.core_api.get_all(object_type="contacts").results}
    assert definitions["createdate"].type == "datetime"
    assert {option.value for option in definitions["hs_analytics_source"].options} >= {"ORGANIC_SEARCH", "PAID_SEARCH", "OFFLINE"}
    assert "hs_v2_date_entered_marketingqualifiedlead" in definitions
    deal_properties = {prop.name for prop in client.crm.properties.core_api.get_all(object_type="deals").results}
    assert {"amount", "dealstage", "closedate", "hs_lastmodifieddate"} <= deal_properties


# --- raw HTTP: call accounting and error bodies -------------------------------------


def raw(server: SandboxServer, method: str, path: str, body: bytes | None = None, token: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token or server.token}", "Content-Type": "application/json"}
    request = urllib.request.Request(server.base_url + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.headers["Content-Type"] == "application/json;charset=utf-8"
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_call_count_counts_exactly_the_calls_made(server: SandboxServer, client: hubspot.HubSpot, contacts_api: Any) -> None:
    server.reset_calls()
    contacts_api.do_search(public_object_search_request=PublicObjectSearchRequest(limit=1))
    get_emails(client, limit=1)
    client.crm.properties.core_api.get_all(object_type="deals")
    assert raw(server, "POST", "/crm/v3/objects/deals/search", b"{}")[0] == 200
    assert server.call_count == 4
    assert server.calls == [
        ("POST", "/crm/v3/objects/contacts/search"),
        ("GET", "/marketing/v3/emails/"),
        ("GET", "/crm/v3/properties/deals"),
        ("POST", "/crm/v3/objects/deals/search"),
    ]
    status, body = raw(server, "GET", "/__sandbox/calls")
    assert (status, body["count"]) == (200, 4)
    assert server.call_count == 4  # control calls are not counted


def test_bad_requests_get_hubspot_error_bodies(server: SandboxServer) -> None:
    status, body = raw(server, "POST", "/crm/v3/objects/contacts/search", b"{not json")
    assert (status, body["category"], body["status"]) == (400, "VALIDATION_ERROR", "error")
    status, body = raw(server, "GET", "/crm/v3/objects/companies")
    assert status == 404 and body["correlationId"]
    status, body = raw(server, "GET", "/marketing/v3/emails", token="wrong")
    assert (status, body["category"]) == (401, "INVALID_AUTHENTICATION")
    status, body = raw(server, "GET", "/marketing/v3/emails?sort=name")
    assert (status, body["category"]) == (400, "VALIDATION_ERROR")


# --- search semantics without a socket --------------------------------------------

UTC_MIDNIGHT = datetime(2026, 3, 1, tzinfo=UTC)
SMALL = [
    contact(1, UTC_MIDNIGHT, stages={"lead": UTC_MIDNIGHT}, source="PAID_SEARCH"),
    contact(2, UTC_MIDNIGHT + timedelta(hours=1), source=None),
    contact(10, UTC_MIDNIGHT + timedelta(days=1), stages={"lead": UTC_MIDNIGHT, "customer": UTC_MIDNIGHT + timedelta(days=1)}),
    {**contact(11, UTC_MIDNIGHT), "archived": True},
]
TYPES = {"hs_object_id": "number", "createdate": "datetime", "hs_analytics_source": "enumeration", "lifecyclestage": "enumeration", "amount": "number"}


def matching_ids(*filters: dict[str, Any], records: list[dict[str, Any]] = SMALL, **request: Any) -> list[str]:
    body = {"filterGroups": [{"filters": list(filters)}] if filters else [], "limit": 200, **request}
    answer = search_records(records, body, property_types=TYPES, default_properties=(), always_properties=("hs_object_id",), link_base="")
    return [result["id"] for result in answer["results"]]


def test_between_is_inclusive_at_both_ends() -> None:
    one_hour_later = UTC_MIDNIGHT + timedelta(hours=1)
    between = {"propertyName": "createdate", "operator": "BETWEEN", "value": epoch_ms(UTC_MIDNIGHT), "highValue": one_hour_later.isoformat()}
    assert matching_ids(between) == ["1", "2"]


def test_missing_property_fails_every_operator_but_not_has_property() -> None:
    assert matching_ids({"propertyName": "hs_analytics_source", "operator": "NEQ", "value": "PAID_SEARCH"}) == ["10"]
    assert matching_ids({"propertyName": "hs_analytics_source", "operator": "NOT_IN", "values": ["paid_search"]}) == ["10"]
    assert matching_ids({"propertyName": "hs_analytics_source", "operator": "NOT_HAS_PROPERTY"}) == ["2"]
    assert matching_ids({"propertyName": "lifecyclestage", "operator": "HAS_PROPERTY"}) == ["1", "10"]


def test_empty_amount_counts_as_unset() -> None:
    deals = [deal(1, UTC_MIDNIGHT, amount=""), deal(2, UTC_MIDNIGHT, amount="5000"), deal(3, UTC_MIDNIGHT, amount="60000")]
    assert matching_ids({"propertyName": "amount", "operator": "HAS_PROPERTY"}, records=deals) == ["2", "3"]
    assert matching_ids({"propertyName": "amount", "operator": "GT", "value": "10000"}, records=deals) == ["3"]


def test_sorting_is_numeric_for_ids_and_puts_missing_values_last() -> None:
    assert matching_ids(sorts=[{"propertyName": "hs_object_id", "direction": "DESCENDING"}]) == ["10", "2", "1"]
    assert matching_ids(sorts=["-hs_analytics_source"]) == ["1", "10", "2"]


@pytest.mark.parametrize(
    ("request_body", "complaint"),
    [
        ({"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "HAS_PROPERTY"}]}] * 6}, "filter groups"),
        ({"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "HAS_PROPERTY"}] * 7}]}, "one group"),
        ({"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "HAS_PROPERTY"}] * 6}] * 4}, "at most 18"),
        ({"sorts": ["createdate", "hs_object_id"]}, "sorts"),
        ({"limit": 201}, "limit"),
        ({"after": "10000"}, "10,000"),
        ({"filterGroups": [{"filters": [{"propertyName": "createdate", "operator": "GT", "value": "yesterday"}]}]}, "createdate"),
        ({"filterGroups": [{"filters": [{"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "x"}]}]}, "CONTAINS_TOKEN"),
    ],
)
def test_hubspot_limits_are_validation_errors(request_body: dict[str, Any], complaint: str) -> None:
    with pytest.raises(SearchValidationError, match=complaint):
        search_records(SMALL, request_body, property_types=TYPES, default_properties=(), always_properties=(), link_base="")


def test_email_builder_refuses_a_published_email_without_a_date() -> None:
    with pytest.raises(ValueError, match="published"):
        email(1, "Newsletter", None)
