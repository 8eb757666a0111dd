"""GA4 mappings checked against the property's metadata, and the catalogue built from it.

``responses`` plays ``getMetadata`` (``conftest``: a handful of standard
fields plus a custom metric and dimension) and ``runReport``; the real
client signs its requests with the throwaway key. Expected names and counts
are the fake metadata's.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import responses
from pydantic import SecretStr

from connectors import MappingError, SourceConfigurationError, parse_config
from connectors.ga4.client import default_ga4_retry
from connectors.ga4.config import GA4Metric, GA4Source
from connectors.ga4.connector import GA4Connector
from connectors.ga4.metadata import DEFAULT_CHANNEL_GROUPS
from okrmodel.periods import Window

PROPERTY = "123456789"
REPORT_URL = f"https://analyticsdata.googleapis.com/v1beta/properties/{PROPERTY}:runReport"
METADATA_URL = f"https://analyticsdata.googleapis.com/v1beta/properties/{PROPERTY}/metadata"
WINDOW = Window.from_days(date(2026, 10, 30), date(2026, 11, 3), ZoneInfo("America/New_York"))
AS_OF = date(2026, 11, 3)
CONFIG = f"""
company: Acme
timezone: America/New_York
period: 2026-Q4
sources: {{ga4: {{type: ga4, property_id: {PROPERTY}}}}}
metrics:
  traffic: {{source: ga4, kind: ga4_metric, metric: {{metric}}, where: {{where}}}}
"""
EMPTY_REPORT = {"rows": [], "rowCount": 0, "metadata": {"timeZone": "America/New_York"}}


def metric(metric: str = "sessions", where: str = "{}") -> GA4Metric:
    return parse_config(CONFIG.replace("{metric}", metric).replace("{where}", where)).metrics["traffic"]


def connector(key_json: SecretStr) -> GA4Connector:
    source = GA4Source(type="ga4", property_id=PROPERTY, timeout_seconds=5)
    return GA4Connector("ga4", source, key_json=key_json, retry=default_ga4_retry(initial=0.01, maximum=0.02, deadline=0.5))


def report_calls() -> list:
    return [call for call in responses.calls if call.request.url.startswith(REPORT_URL)]


@pytest.mark.parametrize(
    ("where", "field", "message"),
    [
        ("{sessionDefaultChanelGroup: Organic Search}", ("where", "sessionDefaultChanelGroup"),
         f"'sessionDefaultChanelGroup' is not a GA4 dimension of property {PROPERTY} (did you mean 'sessionDefaultChannelGroup'?)"),
        ("{customEvent:plann: Pro}", ("where", "customEvent:plann"), f"'customEvent:plann' is not a GA4 dimension of property {PROPERTY} (did you mean 'customEvent:plan'?)"),
        ("{customEvent:tier: Pro}", ("where", "customEvent:tier"),
         f"'customEvent:tier' is not a GA4 dimension of property {PROPERTY}; it exists once 'tier' is registered as a custom dimension (GA4 Admin > Custom definitions)"),
        ("{sessionDefaultChannelGroup: Organic Serach}", ("where", "sessionDefaultChannelGroup"),
         f"'Organic Serach' is not a GA4 default channel group (did you mean 'Organic Search'?); the groups are {', '.join(DEFAULT_CHANNEL_GROUPS)}"),
        ("{firstUserDefaultChannelGroup: [Organic Search, Paid Socail]}", ("where", "firstUserDefaultChannelGroup", 1),
         "'Paid Socail' is not a GA4 default channel group (did you mean 'Paid Social'?)"),
    ],
)
@responses.activate
def test_a_typo_in_where_is_a_mapping_error_and_no_report_runs(key_json, serve_metadata, where, field, message):
    serve_metadata()
    with pytest.raises(MappingError) as caught:
        connector(key_json).read("traffic", metric(where=where), WINDOW, AS_OF)
    assert caught.value.field == field
    assert caught.value.location == ("metrics", "traffic", *field)
    assert caught.value.message.startswith(message)
    assert report_calls() == []


@responses.activate
def test_a_metric_the_property_does_not_offer_is_a_mapping_error_with_the_closest_name(key_json, serve_metadata):
    serve_metadata()
    # The schema takes only additive metrics; a spec built in code still meets the property's list.
    typo = GA4Metric.model_construct(kind="ga4_metric", source="ga4", metric="sesions", where={})
    with pytest.raises(MappingError) as caught:
        connector(key_json).read("traffic", typo, WINDOW, AS_OF)
    assert (caught.value.field, caught.value.message) == (("metric",), f"'sesions' is not a GA4 metric of property {PROPERTY} (did you mean 'sessions'?)")
    assert report_calls() == []


@responses.activate
def test_conversions_on_a_property_that_only_has_key_events_names_the_rename(key_json, serve_metadata):
    serve_metadata()
    with pytest.raises(MappingError) as caught:
        connector(key_json).check("traffic", metric("conversions"))
    assert caught.value.message == f"'conversions' is not a GA4 metric of property {PROPERTY}: GA4 renamed it 'keyEvents'; use metric: keyEvents"


@responses.activate
def test_a_deprecated_name_the_property_still_serves_passes(key_json, serve_metadata):
    key_events = {"apiName": "keyEvents", "uiName": "Key events", "category": "Event", "deprecatedApiNames": ["conversions"]}
    serve_metadata(metrics=[key_events])
    assert connector(key_json).check("traffic", metric("conversions")) == 1


@responses.activate
def test_metadata_is_fetched_once_for_all_metrics_of_the_run(key_json, serve_metadata):
    metadata = serve_metadata()
    responses.post(REPORT_URL, json=EMPTY_REPORT)
    ga4 = connector(key_json)
    specs = [metric(), metric(where="{sessionDefaultChannelGroup: organic search}"), metric("totalUsers", "{country: Germany, customEvent:plan: Pro}")]
    readings = [ga4.read(f"m{index}", spec, WINDOW, AS_OF) for index, spec in enumerate(specs)]
    assert [reading.api_calls for reading in readings] == [2, 1, 1]  # the metadata counts once, with the first read
    assert ga4.check("again", specs[0]) == 0
    assert metadata.call_count == 1
    assert len(report_calls()) == 3
    # Channel groups are matched ignoring case, as GA4's string filter does; the value goes to GA4 as written.
    assert json.loads(report_calls()[1].request.body)["dimensionFilter"]["filter"]["stringFilter"]["value"] == "organic search"


@responses.activate
def test_reads_in_threads_share_one_metadata_call(key_json, serve_metadata):
    metadata = serve_metadata()
    responses.post(REPORT_URL, json=EMPTY_REPORT)
    ga4 = connector(key_json)
    with ThreadPoolExecutor(max_workers=8) as pool:
        readings = list(pool.map(lambda index: ga4.read(f"m{index}", metric(), WINDOW, AS_OF), range(8)))
    assert metadata.call_count == 1
    assert sorted(reading.api_calls for reading in readings) == [1] * 7 + [2]


@responses.activate
def test_a_refused_metadata_call_says_whom_to_add_and_runs_no_report(key_json):
    error = {"error": {"code": 403, "message": "User does not have sufficient permissions for this property.", "status": "PERMISSION_DENIED"}}
    responses.get(METADATA_URL, status=403, json=error)
    with pytest.raises(SourceConfigurationError, match=r"permission denied: .*as a Viewer of property 123456789"):
        connector(key_json).read("traffic", metric(), WINDOW, AS_OF)
    assert report_calls() == []


@responses.activate
def test_the_catalogue_lists_the_propertys_metrics_dimensions_and_channel_groups(key_json, serve_metadata):
    metadata = serve_metadata()
    ga4 = connector(key_json)
    catalogue = ga4.catalog()
    assert (catalogue.source, catalogue.type, catalogue.api_calls) == ("ga4", "ga4", 1)
    tables = {table.name: table for table in catalogue.tables}
    assert tables["metrics"].rows[0] == {
        "api_name": "sessions", "ui_name": "Sessions", "category": "Session", "custom": False, "mappable": True, "adds_up_over_days": True,
    }
    assert [row["api_name"] for row in tables["metrics"].rows if not row["mappable"]] == ["bounceRate", "customEvent:order_value"]
    # Users are mapped, but read as one total per window: a user back on two days is one user.
    assert {row["api_name"]: row["adds_up_over_days"] for row in tables["metrics"].rows if row["category"] == "User"} == {"totalUsers": False}
    assert [row["api_name"] for row in tables["metrics"].rows if row["custom"]] == ["customEvent:order_value"]
    assert [row["api_name"] for row in tables["dimensions"].rows] == [
        "date", "sessionDefaultChannelGroup", "firstUserDefaultChannelGroup", "sessionSource", "country", "customEvent:plan",
    ]
    assert tables["dimensions"].rows[-1] == {"api_name": "customEvent:plan", "ui_name": "Plan", "category": "Custom", "custom": True}
    assert [row["channel_group"] for row in tables["channel_groups"].rows] == list(DEFAULT_CHANNEL_GROUPS)
    assert tables["metrics"].mapping == "metric: <api_name>"
    assert ga4.catalog().api_calls == 0  # the run's metadata, already read
    assert metadata.call_count == 1
    json.dumps(catalogue.to_json())  # tools parse it
