"""Source connectors: one module per source behind the ``Connector`` interface. No Prefect."""

from __future__ import annotations

from connectors.base import Connector, MetricReading
from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError, SourceError
from okrmodel.config import HubSpotSource

__all__ = [
    "Connector",
    "FatalSourceError",
    "MetricReading",
    "RetriableSourceError",
    "SourceConfigurationError",
    "SourceError",
    "connector_for",
]


def connector_for(name: str, source: HubSpotSource) -> Connector:
    """Build the connector for a configured source."""
    if source.type == "hubspot":
        from connectors.hubspot import HubSpotConnector

        return HubSpotConnector(name, source)
    raise SourceConfigurationError(name, f"no connector for source type {source.type!r}")
