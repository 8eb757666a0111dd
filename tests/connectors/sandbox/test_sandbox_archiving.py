"""Records archived or merged between two syncs: gone from search, its ``total`` and the list API, as in HubSpot.

Expected answers are computed from the data set with a few plain lines.
"""

from __future__ import annotations

import io
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from connectors.sandbox import SandboxOptions, SandboxServer, generate_dataset, serve_sandbox

ANCHOR = date(2026, 11, 27)


@pytest.fixture
def server() -> Iterator[SandboxServer]:
    # Its own data set: archiving changes it, and the session's shared sandbox must stay as seeded.
    with SandboxServer(generate_dataset(ANCHOR, timezone="Europe/Berlin", days=40)) as running:
        yield running


def post(server: SandboxServer, path: str, body: Any, *, token: bool = True) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {server.token}"} if token else {})}
    request = urllib.request.Request(f"{server.base_url}{path}", data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def get(server: SandboxServer, path: str) -> dict[str, Any]:
    request = urllib.request.Request(f"{server.base_url}{path}", headers={"Authorization": f"Bearer {server.token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def created_between(server: SandboxServer, first: datetime, end: datetime) -> dict[str, Any]:
    """The contacts search for ``[first, end)`` by creation, as the connector sends it."""
    millis = [str(int(moment.timestamp() * 1000)) for moment in (first, end)]
    filters = [{"propertyName": "createdate", "operator": "GTE", "value": millis[0]}, {"propertyName": "createdate", "operator": "LT", "value": millis[1]}]
    return post(server, "/crm/v3/objects/contacts/search", {"filterGroups": [{"filters": filters}], "properties": ["createdate"], "limit": 200})[1]


def list_all(server: SandboxServer, object_type: str, *, archived: bool = False) -> list[str]:
    ids, after = [], "0"
    while after is not None:
        page = get(server, f"/crm/v3/objects/{object_type}?limit=100&after={after}&archived={'true' if archived else 'false'}")
        ids += [result["id"] for result in page["results"]]
        after = (page.get("paging") or {}).get("next", {}).get("after")
    return ids


EVERYTHING = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


def test_archived_records_leave_search_its_total_and_the_list_api(server: SandboxServer) -> None:
    contacts = server.dataset.contacts
    before = created_between(server, *EVERYTHING)  # answered once, and remembered for its next pages
    gone = [contacts[3]["id"], contacts[10]["id"], contacts[11]["id"]]

    archived = server.archive("contacts", gone)

    assert [record["id"] for record in archived] == gone and all(record["archived"] and record["archivedAt"] for record in archived)
    after = created_between(server, *EVERYTHING)
    assert after["total"] == before["total"] - 3 == len(contacts) - 3
    assert not set(gone) & {result["id"] for result in after["results"]}
    assert set(list_all(server, "contacts")) == {record["id"] for record in contacts} - set(gone)
    assert list_all(server, "contacts", archived=True) == gone


def test_archiving_an_id_that_is_not_a_live_record_archives_nothing(server: SandboxServer) -> None:
    first = server.dataset.contacts[0]["id"]
    server.archive("contacts", [first])
    with pytest.raises(ValueError, match=f"no live record has id {first}"):
        server.archive("contacts", [server.dataset.contacts[1]["id"], first])
    assert not server.dataset.contacts[1]["archived"]
    with pytest.raises(ValueError, match="objectType must be one of contacts, deals"):
        server.archive("companies", ["1"])


def test_a_merge_leaves_the_primary_listing_the_merged_ids(server: SandboxServer) -> None:
    deals = server.dataset.deals
    primary, first, second = deals[0]["id"], deals[1]["id"], deals[2]["id"]
    server.merge("deals", first, second)
    merged = server.merge("deals", primary, first, at=datetime(2026, 11, 28, 9, tzinfo=UTC))

    assert merged["id"] == primary
    assert merged["properties"]["hs_merged_object_ids"] == f"{second};{first}"
    assert merged["properties"]["hs_lastmodifieddate"] == merged["updatedAt"] == "2026-11-28T09:00:00.000Z"
    assert set(list_all(server, "deals")) == {record["id"] for record in deals} - {first, second}
    with pytest.raises(ValueError, match="into itself"):
        server.merge("deals", primary, primary)
    with pytest.raises(ValueError, match=f"no live record has id {first}"):
        server.merge("deals", first, primary)


def test_the_control_endpoints_archive_and_merge_without_counting_as_calls(server: SandboxServer) -> None:
    live = len(server.dataset.contacts)
    status, answer = post(server, "/__sandbox/archive", {"objectType": "contacts", "share": 0.25, "seed": 3}, token=False)
    assert status == 200 and len(answer["archived"]) == round(live * 0.25)
    assert answer["archived"] == sorted(answer["archived"], key=int)
    again = post(server, "/__sandbox/archive", {"objectType": "contacts", "share": 0.25, "seed": 3})[1]
    assert len(again["archived"]) == round((live - len(answer["archived"])) * 0.25), "a share of the records still live"

    primary, merged = [record["id"] for record in server.dataset.contacts if not record["archived"]][:2]
    status, answer = post(server, "/__sandbox/merge", {"objectType": "contacts", "primaryId": primary, "mergedId": merged})
    assert status == 200 and answer["properties"]["hs_merged_object_ids"] == merged
    assert server.call_count == 0

    for body, complaint in (
        ({"share": 0.1}, "'objectType' is required"),
        ({"objectType": "contacts", "share": 2}, "share must be between 0 and 1"),
        ({"objectType": "contacts", "ids": ["999999999"]}, "no live record has id 999999999"),
        (["contacts"], "must be a JSON object"),
    ):
        status, answer = post(server, "/__sandbox/archive", body)
        assert (status, answer["category"]) == (400, "VALIDATION_ERROR") and complaint in answer["message"], body


def test_the_standalone_sandbox_says_how_to_archive_and_does_it() -> None:
    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=serve_sandbox, args=(SandboxOptions(port=0, anchor=ANCHOR, days=10),), kwargs={"out": out, "stop": stop})
    thread.start()
    try:
        for _ in range(500):  # waits for start-up; asserts nothing about how long it takes
            if "Ctrl-C" in out.getvalue():
                break
            time.sleep(0.01)
        base_url = next(line.split(":", 1)[1].strip() for line in out.getvalue().splitlines() if line.startswith("base_url:"))
        assert f"curl -X POST {base_url}/__sandbox/archive" in out.getvalue()
        request = urllib.request.Request(f"{base_url}/__sandbox/archive", data=b'{"objectType": "deals", "share": 1}', method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["archived"]
    finally:
        stop.set()
        thread.join(timeout=10)
