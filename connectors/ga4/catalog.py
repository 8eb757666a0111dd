"""What a GA4 property offers to map, from its metadata: metrics, dimensions, default channel groups.

Every metric the property reports is listed, custom ones included, with
whether a ``ga4_metric`` can map it (counts per day, and the user counts) and
whether it adds up over days: a user count over a range is GA4's count of
distinct users in it, read as one total per window, and rates and averages
do not add up at all. Dimensions are what ``where`` may filter on.
"""

from __future__ import annotations

from typing import get_args

from connectors.catalog import CatalogTable, Catalogue
from connectors.ga4.client import GA4Client
from connectors.ga4.config import GA4_USER_COUNTS, GA4MetricName
from connectors.ga4.metadata import DEFAULT_CHANNEL_GROUPS

__all__ = ["ga4_catalogue"]


def ga4_catalogue(client: GA4Client) -> Catalogue:
    """The property's catalogue from its metadata (one call, none when the run already has it)."""
    metadata, api_calls = client.metadata()
    mappable = set(get_args(GA4MetricName))
    metrics = CatalogTable(
        name="metrics",
        title="Metrics (mappable: a ga4_metric can read it; user counts do not add up over days and are read as one total per window)",
        columns=("api_name", "ui_name", "category", "custom", "mappable", "adds_up_over_days"),
        rows=[
            {
                "api_name": field.api_name, "ui_name": field.ui_name, "category": field.category, "custom": field.custom_definition,
                "mappable": field.api_name in mappable,
                # Said for what can be mapped only: a custom metric's nature is its definer's.
                "adds_up_over_days": field.api_name not in GA4_USER_COUNTS if field.api_name in mappable else None,
            }
            for field in metadata.metrics
        ],
        mapping="metric: <api_name>",
    )
    dimensions = CatalogTable(
        name="dimensions",
        title="Dimensions to filter on",
        columns=("api_name", "ui_name", "category", "custom"),
        rows=[
            {"api_name": field.api_name, "ui_name": field.ui_name, "category": field.category, "custom": field.custom_definition}
            for field in metadata.dimensions
        ],
        mapping="where: {<api_name>: <value>}",
    )
    channel_groups = CatalogTable(
        name="channel_groups",
        title="Default channel groups",
        columns=("channel_group",),
        rows=[{"channel_group": group} for group in DEFAULT_CHANNEL_GROUPS],
        mapping="where: {sessionDefaultChannelGroup: <channel_group>}",
    )
    return Catalogue(source=client.source_name, type=client.source.type, tables=[metrics, dimensions, channel_groups], api_calls=api_calls)
