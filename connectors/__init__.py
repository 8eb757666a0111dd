"""Source connectors: one module per source behind the ``Connector`` interface. No Prefect."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from connectors.base import Connector, MetricReading
from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError, SourceError
from okrmodel.config import MetricSpec, Source

__all__ = [
    "Connector",
    "FatalSourceError",
    "MetricReading",
    "RetriableSourceError",
    "SourceConfigurationError",
    "SourceError",
    "connector_for",
]


def connector_for(name: str, source: Source, metrics: Mapping[str, MetricSpec] | None = None, base_dir: Path = Path(".")) -> Connector:
    """Build the connector for a configured source; ``metrics`` (those it will read this
    run) lets it share calls between metrics that run the same query; ``base_dir`` (the
    config file's folder) anchors a CSV source's relative ``path``.

    Each source's package is imported only when a config uses it, so a HubSpot-only
    run never loads the Google client."""
    match source.type:
        case "hubspot":
            from connectors.hubspot import HubSpotConnector

            return HubSpotConnector(name, source, metrics=metrics)
        case "ga4":
            from connectors.ga4 import GA4Connector

            return GA4Connector(name, source)
        case "plausible":
            from connectors.plausible import PlausibleConnector

            return PlausibleConnector(name, source)
        case "csv":
            from connectors.csv_file import CsvConnector

            return CsvConnector(name, source, base_dir=base_dir)
    raise SourceConfigurationError(name, f"no connector for source type {source.type!r}")
