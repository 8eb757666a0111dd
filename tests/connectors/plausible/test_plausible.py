"""The Plausible connector against ``responses`` as Plausible's Stats API: values, the request, errors, retries.

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

from connectors import RetriableSourceError, SourceConfigurationError, parse_config
from connectors.http import default_retry
from connectors.plausible.config import PlausibleSource
from connectors.plausible.connector import PlausibleConnector
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
WINDOW = Window.from_days(date(2026, 10, 30), date(2026, 11, 3), ZONE)  # 1 Nov: clocks go back
AS_OF = date(2026, 11, 3)
TOKEN = "plausible-secret-key-123"
BASE = "https://stats.acme.example"
URL = f"{BASE}/api/v1/stats/timeseries"

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
"""
).metrics


def connector(retries: int = 3) -> PlausibleConnector:
    source = PlausibleSource(type="plausible", site_id="acme.example", base_url=BASE, timeout_seconds=5)
    return PlausibleConnector("plausible", source, token=SecretStr(TOKEN), retry=default_retry(total=retries, backoff_factor=0.001, backoff_jitter=0))


def answer(metric: str, values: dict[date, int | None]) -> dict:
    return {"results": [{"date": day.isoformat(), metric: value} for day, value in values.items()]}


@responses.activate
def test_daily_values_with_the_request_plausible_expects():
    served = {date(2026, 10, 30): 12, date(2026, 10, 31): 0, date(2026, 11, 1): 7, date(2026, 11, 2): None, date(2026, 11, 3): 30}
    responses.get(
        URL,
        json=answer("pageviews", served),
        match=[
            matchers.query_param_matcher({
                "site_id": "acme.example", "period": "custom", "date": "2026-10-30,2026-11-03", "interval": "date",
                "metrics": "pageviews", "filters": "visit:source==Google|Bing;event:page==/pricing",
            }),
            matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"}),
        ],
    )
    reading = connector().read("search_pageviews", METRICS["search_pageviews"], WINDOW, AS_OF)
    assert reading.values == {date(2026, 10, 30): 12.0, date(2026, 10, 31): 0.0, date(2026, 11, 1): 7.0, date(2026, 11, 2): 0.0, date(2026, 11, 3): 30.0}
    assert reading.api_calls == 1
    assert len(responses.calls) == 1


@responses.activate
def test_days_plausible_leaves_out_are_zero_and_no_filter_is_sent_without_where():
    responses.get(URL, json=answer("visitors", {date(2026, 11, 1): 4}), match=[matchers.query_string_matcher(
        "site_id=acme.example&period=custom&date=2026-10-30%2C2026-11-03&interval=date&metrics=visitors")])
    values = connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF).values
    assert values == {day: (4.0 if day == date(2026, 11, 1) else 0.0) for day in WINDOW.days()}


@responses.activate
def test_429_then_success_is_retried_honouring_retry_after():
    responses.get(URL, status=429, headers={"Retry-After": "0"}, json={"error": "Too many requests"})
    responses.get(URL, json=answer("visitors", {day: 1 for day in WINDOW.days()}))
    reading = connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert sum(reading.values.values()) == 5.0
    assert len(responses.calls) == 2
    assert reading.api_calls == 1  # one request, whatever urllib3 retried


@responses.activate
def test_5xx_past_the_retries_is_retriable():
    responses.get(URL, status=503, body="upstream down")
    with pytest.raises(RetriableSourceError) as caught:
        connector(retries=2).read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert caught.value.status == 503
    assert len(responses.calls) == 3  # the request and two retries


@responses.activate
def test_401_says_the_token_is_invalid_and_never_shows_it():
    responses.get(URL, status=401, json={"error": "Invalid API key or site ID. Please make sure you're using a valid API key with access to the site you've requested."})
    with pytest.raises(SourceConfigurationError) as caught:
        connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)
    assert "token invalid" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert len(responses.calls) == 1  # not retried


@responses.activate
def test_400_carries_plausibles_error_message():
    responses.get(URL, status=400, json={"error": "Error parsing `filters` parameter: invalid filter property visit:sauce"})
    with pytest.raises(SourceConfigurationError, match=r"invalid filter property visit:sauce.*HTTP 400"):
        connector().read("visitors", METRICS["visitors"], WINDOW, AS_OF)


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
