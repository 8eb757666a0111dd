"""Source connectors: one package per source behind the ``Connector`` interface, registered
in ``connectors.registry``, which also assembles the ``okrs.yaml`` schema. No Prefect."""

from __future__ import annotations

from connectors.base import Connector, MetricReading, RunServices, SourceKind, WindowTotal
from connectors.catalog import CatalogTable, Catalogue
from connectors.errors import FatalSourceError, MappingError, QuotaExhaustedError, RetriableSourceError, SourceConfigurationError, SourceError
from connectors.registry import SOURCE_KINDS, config_schema, connector_for, load_config, parse_config

__all__ = [
    "SOURCE_KINDS",
    "CatalogTable",
    "Catalogue",
    "Connector",
    "FatalSourceError",
    "MappingError",
    "MetricReading",
    "QuotaExhaustedError",
    "RetriableSourceError",
    "RunServices",
    "SourceConfigurationError",
    "SourceError",
    "SourceKind",
    "WindowTotal",
    "config_schema",
    "connector_for",
    "load_config",
    "parse_config",
]
