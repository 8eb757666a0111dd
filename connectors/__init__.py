"""Source connectors: one module per source behind the ``Connector`` interface. No Prefect."""

from __future__ import annotations

from collections.abc import Mapping

from connectors.base import Connector, MetricReading
from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError, SourceError
from okrmodel.config import HubSpotSource, MetricSpec

__all__ = [
    "Connector",
    "FatalSourceError",
    "MetricReading",
    "RetriableSourceError",
    "SourceConfigurationError",
    "SourceError",
    "connector_for",
]


def connector_for(name: str, source: HubSpotSource, metrics: Mapping[str, MetricSpec] | None = None) -> Connector:
    """Build the connector for a configured source; ``metrics`` (those it will read this
    run) lets it share calls between metrics that run the same query."""
    if source.type == "hubspot":
        from connectors.hubspot import HubSpotConnector

        return HubSpotConnector(name, source, metrics=metrics)
    raise SourceConfigurationError(name, f"no connector for source type {source.type!r}")
