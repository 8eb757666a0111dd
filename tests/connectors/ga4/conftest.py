"""What the GA4 tests share: ``responses`` playing the property's ``getMetadata`` (the throwaway service-account key is in ``tests/connectors/conftest.py``)."""

from __future__ import annotations

import pytest
import responses

PROPERTY = "123456789"
METADATA_URL = f"https://analyticsdata.googleapis.com/v1beta/properties/{PROPERTY}/metadata"

METRICS = [
    {"apiName": "sessions", "uiName": "Sessions", "type": "TYPE_INTEGER", "category": "Session"},
    {"apiName": "engagedSessions", "uiName": "Engaged sessions", "type": "TYPE_INTEGER", "category": "Session"},
    {"apiName": "totalUsers", "uiName": "Total users", "type": "TYPE_INTEGER", "category": "User"},
    {"apiName": "screenPageViews", "uiName": "Views", "type": "TYPE_INTEGER", "category": "Page / screen", "deprecatedApiNames": ["screenPageviews"]},
    {"apiName": "keyEvents", "uiName": "Key events", "type": "TYPE_FLOAT", "category": "Event"},
    {"apiName": "bounceRate", "uiName": "Bounce rate", "type": "TYPE_FLOAT", "category": "Session"},
    {"apiName": "customEvent:order_value", "uiName": "Order value", "type": "TYPE_FLOAT", "category": "Custom", "customDefinition": True},
]
DIMENSIONS = [
    {"apiName": "date", "uiName": "Date", "category": "Time"},
    {"apiName": "sessionDefaultChannelGroup", "uiName": "Session default channel group", "category": "Traffic source"},
    {"apiName": "firstUserDefaultChannelGroup", "uiName": "First user default channel group", "category": "Traffic source"},
    {"apiName": "sessionSource", "uiName": "Session source", "category": "Traffic source"},
    {"apiName": "country", "uiName": "Country", "category": "Geography"},
    {"apiName": "customEvent:plan", "uiName": "Plan", "category": "Custom", "customDefinition": True},
]


@pytest.fixture
def serve_metadata():
    """Call inside a ``responses``-activated test: the property answers ``getMetadata`` with the fields above
    (or ``metrics``/``dimensions`` given); returns the registered response, whose ``call_count`` tells the calls."""

    def serve(*, metrics: list[dict] | None = None, dimensions: list[dict] | None = None) -> responses.BaseResponse:
        body = {"name": f"properties/{PROPERTY}/metadata", "metrics": METRICS if metrics is None else metrics, "dimensions": DIMENSIONS if dimensions is None else dimensions}
        return responses.get(METADATA_URL, json=body)

    return serve
