"""The legacy endpoints full-pull connectors page through (singer's tap-hubspot): v1 deals and their
properties, and the custom-object schemas, in HubSpot's documented shapes; expected answers come
from the data set itself. The call log with answer times is checked here too."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from connectors.sandbox import SandboxServer, generate_dataset


@pytest.fixture(scope="module")
def server():
    dataset = generate_dataset(date(2026, 11, 27), timezone="Europe/Berlin", days=60, contacts_per_day=20)
    with SandboxServer(dataset) as running:
        yield running


def get(server: SandboxServer, path: str) -> tuple[int, Any]:
    request = urllib.request.Request(server.base_url + path, headers={"Authorization": f"Bearer {server.token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def epoch_ms(text: str) -> str:
    return str((datetime.fromisoformat(text) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1))


def test_v1_deals_page_every_deal_once_in_id_order(server):
    seen, offset, pages = [], None, 0
    while True:
        status, body = get(server, "/deals/v1/deal/paged?limit=100&includeAllProperties=True&includeAssociations=False" + (f"&offset={offset}" if offset else ""))
        assert status == 200 and set(body) == {"deals", "hasMore", "offset"}
        seen += body["deals"]
        pages += 1
        if not body["hasMore"]:
            break
        offset = body["offset"]
    records = sorted(server.dataset.deals, key=lambda record: int(record["id"]))
    assert [deal["dealId"] for deal in seen] == [int(record["id"]) for record in records]
    assert pages == -(-len(records) // 100)
    first, record = seen[0], records[0]
    assert first["portalId"] and first["isDeleted"] is False and "associations" not in first
    # Every property the deal has, as v1 writes it: strings, datetimes as millisecond epochs, one version each.
    assert set(first["properties"]) == set(record["properties"])
    created = first["properties"]["createdate"]
    assert created["value"] == epoch_ms(record["properties"]["createdate"])
    assert created["timestamp"] == int(epoch_ms(record["updatedAt"]))
    assert created["versions"][0]["value"] == created["value"]
    assert first["properties"]["amount"]["value"] == record["properties"]["amount"]


def test_v1_deals_carry_only_the_properties_asked_for(server):
    status, body = get(server, "/deals/v1/deal/paged?limit=3&properties=amount&properties=dealstage&includeAssociations=true")
    assert status == 200 and len(body["deals"]) == 3
    for deal in body["deals"]:
        stored = next(record for record in server.dataset.deals if int(record["id"]) == deal["dealId"])
        assert set(deal["properties"]) == {name for name in ("amount", "dealstage") if stored["properties"].get(name) is not None}
        assert deal["associations"] == {"associatedVids": [], "associatedCompanyIds": [], "associatedDealIds": [], "associatedTicketIds": []}


def test_v1_deals_refuse_what_they_do_not_support(server):
    assert get(server, "/deals/v1/deal/paged?limit=251")[0] == 400
    status, body = get(server, "/deals/v1/deal/paged?since=123")
    assert status == 400 and body["category"] == "VALIDATION_ERROR" and "since" in body["message"]


def test_v1_deal_properties_list_the_portals_deal_properties(server):
    status, listing = get(server, "/properties/v1/deals/properties")
    assert status == 200 and isinstance(listing, list)
    _, v3 = get(server, "/crm/v3/properties/deals")
    assert [(item["name"], item["type"]) for item in listing] == [(item["name"], item["type"]) for item in v3["results"]]
    stages = next(item for item in listing if item["name"] == "dealstage")
    assert "closedwon" in {option["value"] for option in stages["options"]}


def test_custom_object_schemas_are_none(server):
    assert get(server, "/crm/v3/schemas") == (200, {"results": []})


def test_the_call_log_has_each_calls_arrival_answer_and_status(server):
    server.reset_calls()
    get(server, "/crm/v3/schemas")
    get(server, "/deals/v1/deal/paged?since=1")
    status, body = get(server, "/__sandbox/call_log")
    assert status == 200
    assert [(call["path"], call["status"]) for call in body["calls"]] == [("/crm/v3/schemas", 200), ("/deals/v1/deal/paged", 400)]
    assert all(call["arrived"] <= call["answered"] for call in body["calls"])
    assert body["calls"][0]["answered"] <= body["calls"][1]["arrived"]
