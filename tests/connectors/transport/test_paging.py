"""Paginators over HubSpot-shaped pages: ``responses`` as a listing endpoint, then the sandbox portal through
the HubSpot client's own list reads (emails, campaigns), and GA4-shaped offset pages.

Expected records are the ones served, in the order served; expected calls are pages, counted from the records.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from pydantic import SecretStr

from connectors.errors import FatalSourceError
from connectors.hubspot import portal
from connectors.hubspot.client import NEXT_AFTER, HubSpotClient
from connectors.hubspot.config import HubSpotSource
from connectors.sandbox import SandboxDataset, SandboxServer, campaign, email
from connectors.transport.classify import AnswerHooks, parse_json_object
from connectors.transport.counting import counted_requests
from connectors.transport.paging import CursorPaginator, OffsetPaginator
from connectors.transport.session import send

LIST_URL = "https://api.hubapi.example/marketing/v3/emails"


def hubspot_page(ids: range, after: str | None) -> dict:
    page: dict = {"total": 7, "results": [{"id": str(record)} for record in ids]}
    if after is not None:
        page["paging"] = {"next": {"after": after, "link": f"{LIST_URL}?after={after}"}}
    return page


def serve_pages(*pages: dict) -> None:
    """Each page answers the request whose ``after`` is the cursor the page before named (none for the first)."""
    expected = [None] + [page["paging"]["next"]["after"] for page in pages[:-1]]
    for after, page in zip(expected, pages):
        responses.get(LIST_URL, json=page, match=[responses.matchers.query_param_matcher({"limit": "3", **({"after": after} if after else {})})])


def fetcher(session: requests.Session):
    def fetch(after: str | None) -> dict:
        params = {"limit": "3", **({"after": after} if after else {})}
        response = send(session, "GET", LIST_URL, source="hubspot", hooks=AnswerHooks("HubSpot"), params=params, timeout=5)
        return parse_json_object("hubspot", response.content, "marketing emails", status=response.status_code)

    return fetch


@responses.activate
def test_the_cursor_is_sent_back_until_a_page_names_none():
    serve_pages(hubspot_page(range(1, 4), "Mw=="), hubspot_page(range(4, 7), "Ng=="), hubspot_page(range(7, 8), None))
    pages = list(CursorPaginator("hubspot", "marketing emails", NEXT_AFTER).pages(fetcher(requests.Session())))
    assert [record["id"] for page in pages for record in page["results"]] == [str(record) for record in range(1, 8)]
    assert [parse_qs(urlsplit(call.request.url).query).get("after") for call in responses.calls] == [None, ["Mw=="], ["Ng=="]]


@responses.activate
def test_an_empty_cursor_ends_the_listing():
    responses.get(LIST_URL, json={"results": [{"id": "1"}], "paging": {"next": {"after": ""}}})
    assert len(list(CursorPaginator("hubspot", "marketing emails", NEXT_AFTER).pages(fetcher(requests.Session())))) == 1
    assert len(responses.calls) == 1


@responses.activate
def test_a_cursor_that_comes_back_fails_instead_of_looping():
    serve_pages(hubspot_page(range(1, 4), "Mw=="), hubspot_page(range(4, 7), "Ng=="))
    responses.get(LIST_URL, json=hubspot_page(range(7, 8), "Mw=="), match=[responses.matchers.query_param_matcher({"limit": "3", "after": "Ng=="})])
    with pytest.raises(FatalSourceError, match="marketing emails paging came back to cursor 'Mw=='; stopped instead of reading the same pages again"):
        list(CursorPaginator("hubspot", "marketing emails", NEXT_AFTER).pages(fetcher(requests.Session())))
    assert len(responses.calls) == 3


@pytest.mark.parametrize(
    ("page", "cursor"),
    [({}, None), ({"paging": None}, None), ({"paging": {"next": None}}, None), ({"paging": {"next": {"after": 200}}}, "200"),
     ({"paging": {"next": {"after": "MjAw"}}}, "MjAw")],
)
def test_where_the_next_cursor_is(page, cursor):
    assert CursorPaginator("hubspot", "search", NEXT_AFTER).cursor(page) == cursor


@pytest.mark.parametrize(
    ("page", "problem"),
    [({"paging": []}, "search answer's paging.next.after runs through a list, not an object"),
     ({"paging": {"next": {"after": {"offset": 3}}}}, "search answer's paging.next.after is a dict, not a cursor")],
)
def test_paging_of_another_shape_fails_instead_of_ending_early(page, problem):
    with pytest.raises(FatalSourceError, match=problem):
        CursorPaginator("hubspot", "search", NEXT_AFTER).cursor(page)


def test_the_portals_emails_and_campaigns_are_read_page_by_page():
    created = datetime(2026, 10, 1, tzinfo=UTC)
    data = SandboxDataset(contacts=[], deals=[], emails=[email(700_000 + index, f"Mail {index:03}", created + timedelta(hours=index)) for index in range(250)])
    data.campaigns.extend(campaign(uuid.UUID(int=index + 1, version=4), f"Campaign {index:03}", created) for index in range(230))
    with SandboxServer(data) as server:
        client = HubSpotClient("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), SecretStr(server.token))
        with counted_requests() as sent:
            emails, campaigns = portal.marketing_emails(client), portal.campaigns(client)
        calls = server.calls
        client.close()
    assert [mail["id"] for mail in emails] == [str(mail["id"]) for mail in data.emails]
    assert sorted(item.id for item in campaigns) == sorted(item["id"] for item in data.campaigns)
    assert calls.count(("GET", "/marketing/v3/emails/")) == math.ceil(250 / 100)
    assert calls.count(("GET", "/marketing/v3/campaigns")) == math.ceil(230 / 100)
    assert sent.value == len(calls)


@dataclass
class ReportPage:
    rows: list[int]
    row_count: int


def test_offset_pages_start_after_the_rows_read_until_the_total():
    rows = list(range(23))
    asked = []

    def fetch(offset: int) -> ReportPage:
        asked.append(offset)
        return ReportPage(rows[offset:offset + 10], len(rows))

    pages = list(OffsetPaginator(rows=lambda page: len(page.rows), total=lambda page: page.row_count).pages(fetch))
    assert asked == [0, 10, 20] and [row for page in pages for row in page.rows] == rows


def test_an_empty_offset_page_ends_the_listing_even_short_of_the_total():
    pages = list(OffsetPaginator(rows=lambda page: len(page.rows), total=lambda page: page.row_count).pages(lambda offset: ReportPage([] if offset else [1, 2], 5)))
    assert [page.rows for page in pages] == [[1, 2], []]
