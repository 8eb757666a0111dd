"""Plausible mappings checked against the Stats API v2's documented lists, the config's rules for ``where``, and the catalogue.

The check makes no call (Plausible has no listing API), so a typo fails
before any query is sent. The catalogue's sources are the fake answer's.
"""

from __future__ import annotations

from datetime import date
from typing import get_args
from zoneinfo import ZoneInfo

import pytest
import responses
from pydantic import SecretStr
from responses import matchers

from connectors import MappingError, parse_config
from connectors.plausible.catalog import TOP_SOURCES_SHOWN
from connectors.plausible.config import PlausibleMetric, PlausibleMetricName, PlausibleSource
from connectors.plausible.connector import PlausibleConnector
from connectors.plausible.vocabulary import METRICS
from okrmodel.config import ConfigError
from okrmodel.periods import Window

WINDOW = Window.from_days(date(2026, 10, 30), date(2026, 11, 3), ZoneInfo("America/New_York"))
URL = "https://plausible.io/api/v2/query"
CONFIG = """
company: Acme
timezone: America/New_York
period: 2026-Q4
sources: {{plausible: {{type: plausible, site_id: acme.example}}}}
metrics:
  traffic: {{source: plausible, kind: plausible_metric, metric: visitors, where: {where}}}
"""


def metric(where: str) -> PlausibleMetric:
    return parse_config(CONFIG.format(where=where)).metrics["traffic"]


def connector() -> PlausibleConnector:
    return PlausibleConnector("plausible", PlausibleSource(type="plausible", site_id="acme.example"), token=SecretStr("key"))


@pytest.mark.parametrize(
    ("where", "field", "message"),
    [
        ('{"visit:sorce": Google}', ("where", "visit:sorce"),
         "'visit:sorce' is not a Plausible filter dimension (did you mean 'visit:source'?); "
         "use an event: or visit: dimension of the Stats API, or event:props:<name> for a custom property"),
        ('{"visit:utm_campain": spring}', ("where", "visit:utm_campain"), "'visit:utm_campain' is not a Plausible filter dimension (did you mean 'visit:utm_campaign'?)"),
        ('{"event:goals": Signup}', ("where", "event:goals"), "'event:goals' is not a Plausible filter dimension (did you mean 'event:goal'?)"),
        ('{"visit:device": Mobil}', ("where", "visit:device"), "'Mobil' is not a Plausible visit:device value (did you mean 'Mobile'?); it is one of Desktop, Laptop, Tablet, Mobile"),
        ('{"visit:device": [Desktop, mobile]}', ("where", "visit:device", 1), "'mobile' is not a Plausible visit:device value (did you mean 'Mobile'?)"),
    ],
)
@responses.activate
def test_a_typo_is_a_mapping_error_at_its_value_and_nothing_is_queried(where, field, message):
    with pytest.raises(MappingError) as caught:
        connector().read("traffic", metric(where), WINDOW, date(2026, 11, 3))
    assert caught.value.field == field
    assert caught.value.location == ("metrics", "traffic", *field)
    assert caught.value.message.startswith(message)
    assert len(responses.calls) == 0


def test_a_metric_outside_the_additive_list_is_a_mapping_error():
    # The schema refuses such a metric; a spec built in code still meets the check.
    spec = PlausibleMetric.model_construct(kind="plausible_metric", source="plausible", metric="visitor", where={})
    with pytest.raises(MappingError) as caught:
        connector().check("traffic", spec)
    assert caught.value.field == ("metric",)
    assert caught.value.message == "'visitor' is not a Plausible metric that can be mapped (did you mean 'visitors'?); use one of visitors, visits, pageviews, events"


@responses.activate
def test_documented_dimensions_and_custom_properties_pass_without_a_call():
    where = '{"visit:source": Google, "visit:channel": Organic Search, "event:goal": Signup, "event:props:plan type": Pro, "visit:device": [Desktop, Tablet]}'
    assert connector().check("traffic", metric(where)) == 0
    assert len(responses.calls) == 0


def test_the_config_offers_exactly_the_additive_metrics_the_check_knows():
    assert set(get_args(PlausibleMetricName)) == set(METRICS)


def test_the_config_refuses_an_empty_value_but_not_separators():
    assert metric('{"event:page": ["/a|b", "/c;d"]}').where == {"event:page": ["/a|b", "/c;d"]}
    with pytest.raises(ConfigError, match=r"metrics.traffic.where: visit:source: an empty value cannot be sent to Plausible"):
        metric('{"visit:source": [Google, ""]}')


def test_unfiltered_drops_where():
    assert metric('{"visit:source": Google}').unfiltered().where == {}
    assert metric("{}").unfiltered() is None


def sources_answer(names: list[str]) -> dict:
    return {"results": [{"dimensions": [name], "metrics": [1000 - index]} for index, name in enumerate(names)], "meta": {}, "query": {}}


@responses.activate
def test_the_catalogue_lists_metrics_dimensions_and_the_sites_top_sources():
    responses.post(URL, json=sources_answer(["(Direct / None)", "Google", "Hacker News"]), match=[matchers.json_params_matcher({
        "site_id": "acme.example", "metrics": ["visitors"], "date_range": "30d", "dimensions": ["visit:source"],
    })])
    catalogue = connector().catalog()
    assert (catalogue.source, catalogue.type, catalogue.api_calls) == ("plausible", "plausible", 1)
    tables = {table.name: table for table in catalogue.tables}
    assert [row["metric"] for row in tables["metrics"].rows] == ["visitors", "visits", "pageviews", "events"]
    assert {"visit:source", "visit:channel", "event:goal", "event:page"} <= {row["dimension"] for row in tables["dimensions"].rows}
    assert tables["sources"].rows == [
        {"source": "(Direct / None)", "visitors": 1000}, {"source": "Google", "visitors": 999}, {"source": "Hacker News", "visitors": 998},
    ]
    assert tables["sources"].mapping == 'where: {"visit:source": <source>}'
    assert catalogue.matching("hacker").to_json()["tables"] == [tables["sources"].matching("hacker").to_json()]


@responses.activate
def test_the_catalogue_shows_only_the_top_sources():
    names = [f"source {index}" for index in range(TOP_SOURCES_SHOWN + 20)]
    responses.post(URL, json=sources_answer(names))
    sources = next(table for table in connector().catalog().tables if table.name == "sources")
    assert [row["source"] for row in sources.rows] == names[:TOP_SOURCES_SHOWN]
