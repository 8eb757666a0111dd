"""The Plausible connector against ``responses`` as Plausible's Stats API v2: the query, values, errors, retries.

Expected values are the fake answer's numbers, placed on the days of a
New York window that spans the DST change.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
import responses
from pydantic import SecretStr
from responses import matchers

from connectors import FatalSourceError, RetriableSourceError, SourceConfigurationError, parse_config
from connectors.plausible.config import PlausibleSource
from connectors.plausible.connector import PlausibleConnector
from connectors.transport.session import default_retry
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
WINDOW = Window.from_days(date(2026, 10, 30), date(2026, 11, 3), ZONE)  # 1 Nov: clocks go back
AS_OF = date(2026, 11, 3)
TOKEN = "plausible-secret-key-123"
BASE = "https://stats.acme.example"
URL = f"{BASE}/api/v2/query"

METRICS = parse_config(
    """
company: Acme
timezone: America/New_York
period: 2026-Q4
sources: {plausible: {type: plausible, site_id: acme.example, base_url: "https://stats.acme.example/"}}
metrics:
  visitors: {source: plausible, kind: plausible_metric, metric: visitors}
  search_pageviews:
    source: plausible
    kind: plausible_metric
    metric: pageviews
    where: {"visit:source": [Google, Bing], "event:page": /pricing}
  odd_page_events: {source: plausible, kind: plausible_metric, metric: events, where: {"event:page": "/a;b|c"}}
"""
).metrics


def connector(retries: int = 3) -> PlausibleConnector:
    source = PlausibleSource(type="plausible", site_id="acme.example", base_url=BASE, timeout_seconds=5)
    return PlausibleConnector("plausible", source, token=SecretStr(TOKEN), retry=default_retry(total=retries, backoff_factor=0.001, backoff_jitter=0))


def answer(values: dict[date, int]) -> dict:
    """A v2 answer grouped by time:day, as Plausible sends it: only days with data."""
    return {"results": [{"dimensions": [day.isoformat()], "metrics": [value]} for day, value in values.items()], "meta": {}, "query": {}}


@responses.activate
def test_daily_values_with_the_v2_query_plausible_expects():
    served = {date(2026, 10, 30): 12, date(2026, 10, 31): 0, date(2026, 11, 1): 7, date(2026, 11, 3): 30}
    responses.post(
        URL,
        json=answer(served),
        match=[
            matchers.json_params_matcher({
                "site_id": "acme.example",
                "metrics": ["pageviews"],
                "date_range": ["2026-10-30", "2026-11-03"],
                "dimensions": ["time:day"],
                "filters": [["is", "visit:source", ["Google", "Bing"]], ["is", "event:page", ["/pricing"]]],
            }),
            matchers.header_matcher({"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}),
        ],
    )
    reading = connector().read("search_pageviews", METRICS["search_pageviews"], WINDOW, AS_OF)
    assert reading.values == {date(2026, 10, 30): 12.0, date(2026, 10, 31): 0.0, date(2026, 11, 1): 7.0, date(2026, 11, 2): 0.0, date(2026, 11, 3): 30.0}
    assert reading.api_calls == 1  # the check is static: no call
    assert len(responses.calls) == 1


@responses.activate
def test_days_plausible_leaves_out_are_zero_and_no_filters_are_sent_without_where():
    responses.post(URL, json=answer({date(2026, 11, 1): 4}), match=[matchers.json_params_matcher({
        "site_id": "acme.example", "metrics": ["visitors"], "date_range": ["2026-10-30", "2026-11-03"], "dimensions": ["time:day"],
    })])
    values = connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF).values
    assert values == {day: (4.0 if day == date(2026, 11, 1) else 0.0) for day in WINDOW.days()}


@responses.activate
def test_values_with_semicolons_and_bars_are_sent_as_they_are():
    # v1's filter string could not carry ; or |; v2's JSON can.
    responses.post(URL, json=answer({date(2026, 11, 2): 3}), match=[matchers.json_params_matcher({
        "site_id": "acme.example", "metrics": ["events"], "date_range": ["2026-10-30", "2026-11-03"], "dimensions": ["time:day"],
        "filters": [["is", "event:page", ["/a;b|c"]]],
    })])
    assert connector().read("odd_page_events", METRICS["odd_page_events"], WINDOW, AS_OF).values[date(2026, 11, 2)] == 3.0


@responses.activate
def test_429_then_success_is_retried_honouring_retry_after():
    responses.post(URL, status=429, headers={"Retry-After": "0"}, json={"error": "Too many API requests."})
    responses.post(URL, json=answer({day: 1 for day in WINDOW.days()}))
    reading = connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert sum(reading.values.values()) == 5.0
    assert reading.api_calls == len(responses.calls) == 2  # Plausible counted the resend against its limit too


@responses.activate
def test_5xx_past_the_retries_is_retriable():
    responses.post(URL, status=503, body="upstream down")
    with pytest.raises(RetriableSourceError) as caught:
        connector(retries=2).read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert caught.value.status == 503
    assert len(responses.calls) == 3  # the request and two retries


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_a_refused_key_says_what_to_fix_and_never_shows_it(status):
    plausible = "Invalid API key or site ID. Please make sure you're using a valid API key with access to the site you've requested."
    responses.post(URL, status=status, json={"error": plausible})
    with pytest.raises(SourceConfigurationError) as caught:
        connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert str(caught.value) == (
        f"plausible: token invalid or no access to the site: {plausible}; PLAUSIBLE_TOKEN must hold a Stats API key (Plausible > Settings > API Keys) "
        f"of an account with access to site 'acme.example', and site_id must be the site's domain as registered in Plausible (HTTP {status})"
    )
    assert TOKEN not in str(caught.value)
    assert len(responses.calls) == 1  # not retried


@responses.activate
def test_400_carries_plausibles_error_message():
    responses.post(URL, status=400, json={"error": "#/filters/0: Invalid filter [\"is\", \"visit:sauce\", [\"Google\"]]"})
    with pytest.raises(SourceConfigurationError, match=r"rejected the query \(a filter or metric it does not accept\): #/filters/0: Invalid filter .*HTTP 400"):
        connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)


@responses.activate
def test_a_key_plausible_echoes_is_redacted():
    responses.post(URL, status=400, json={"error": f"Invalid filter; request had Authorization: Bearer {TOKEN}"})
    with pytest.raises(SourceConfigurationError) as caught:
        connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert TOKEN not in str(caught.value) and "Authorization: Bearer [redacted]" in str(caught.value)


@responses.activate
def test_other_refusals_carry_plausibles_message():
    # 402: the account's plan lacks the Stats API; Plausible's message says so.
    responses.post(URL, status=402, json={"error": "The account that owns this API key does not have access to Stats API."})
    with pytest.raises(SourceConfigurationError, match=r"Plausible rejected the request: The account that owns this API key does not have access .*HTTP 402"):
        connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)


@responses.activate
def test_an_instance_without_v2_says_so():
    responses.post(URL, status=404, body="Not found")
    with pytest.raises(SourceConfigurationError, match="https://stats.acme.example has no /api/v2/query: base_url must point at Plausible"):
        connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[1, 2]", "/api/v2/query answer is not a JSON object"),
        ('{"error": "none"}', "query answer has no results list (keys: error)"),
        ('{"results": [{"date": "2026-11-01", "visitors": 3}]}', "query answer row without dimensions and metrics lists"),
        ('{"results": [{"dimensions": ["yesterday"], "metrics": [3]}]}', "query row without a day: ('yesterday',)"),
        ('{"results": [{"dimensions": ["2026-11-01"], "metrics": ["3"]}]}', "query: 2026-11-01 visitors is not a number: '3'"),
    ],
)
@responses.activate
def test_answers_that_cannot_be_read_are_fatal(body, problem):
    responses.post(URL, body=body, content_type="application/json")
    with pytest.raises(FatalSourceError) as caught:
        connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert problem in str(caught.value)


@responses.activate
def test_an_answer_that_is_not_json_is_sent_again_like_a_5xx():
    # A maintenance page (or an answer cut short on its way) under a 200: the next answer is likely whole.
    responses.post(URL, body="<html>maintenance</html>", content_type="text/html")
    responses.post(URL, json=answer({date(2026, 11, 1): 7}))
    reading = connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert reading.values[date(2026, 11, 1)] == 7.0
    assert reading.api_calls == len(responses.calls) == 2


@responses.activate
def test_answers_that_are_never_json_fail_as_retriable_after_the_retries():
    responses.post(URL, body="<html>maintenance</html>", content_type="text/html")
    with pytest.raises(RetriableSourceError, match=r"/api/v2/query answer is not JSON on each of 3 tries"):
        connector(retries=2).read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert len(responses.calls) == 3


@responses.activate
def test_unreachable_host_is_retriable():
    # No registered URL: responses raises ConnectionError, as a refused connection would.
    with pytest.raises(RetriableSourceError, match="unreachable after retries: ConnectionError"):
        connector(retries=0).read("visitors", METRICS["visitors"], WINDOW, AS_OF)


def test_a_missing_token_fails_when_the_connector_is_built(monkeypatch):
    monkeypatch.delenv("PLAUSIBLE_TOKEN", raising=False)
    with pytest.raises(SourceConfigurationError, match="PLAUSIBLE_TOKEN is not set"):
        PlausibleConnector("plausible", PlausibleSource(type="plausible", site_id="acme.example"))


def test_base_url_is_normalised_for_self_hosted_instances():
    source = parse_config(
        "company: A\nperiod: 2026-Q4\nsources: {p: {type: plausible, site_id: a.example, base_url: 'https://stats.acme.example/'}}\n"
    ).sources["p"]
    assert source.base_url == BASE


def test_visitors_do_not_add_up_over_days_and_the_other_counts_do():
    assert {name: spec.adds_up_over_days for name, spec in METRICS.items()} == {"visitors": False, "search_pageviews": True, "odd_page_events": True}


@responses.activate
def test_a_window_total_is_one_aggregate_query_without_time_day():
    # Plausible counts a visitor once over the range; no dimensions means one row for the whole of it.
    responses.post(
        URL,
        json={"results": [{"dimensions": [], "metrics": [41]}], "meta": {}, "query": {}},
        match=[matchers.json_params_matcher({
            "site_id": "acme.example", "metrics": ["visitors"], "date_range": ["2026-10-30", "2026-11-03"],
        })],
    )
    total = connector().read_total("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert (total.metric, total.window, total.value, total.api_calls) == ("visitors", WINDOW, 41.0, 1)
    assert len(responses.calls) == 1


@responses.activate
def test_a_window_total_keeps_the_filters_and_refuses_a_grouped_answer():
    responses.post(URL, json={"results": [{"dimensions": [], "metrics": [7]}]}, match=[matchers.json_params_matcher({
        "site_id": "acme.example", "metrics": ["pageviews"], "date_range": ["2026-10-30", "2026-11-03"],
        "filters": [["is", "visit:source", ["Google", "Bing"]], ["is", "event:page", ["/pricing"]]],
    })])
    assert connector().read_total("search_pageviews", METRICS["search_pageviews"], WINDOW, AS_OF).value == 7.0
    responses.post(URL, json=answer({date(2026, 11, 1): 4, date(2026, 11, 2): 5}))
    with pytest.raises(FatalSourceError, match="aggregate query answered 2 rows, expected one"):
        connector().read_total("visitors", METRICS["visitors"], WINDOW, AS_OF)
