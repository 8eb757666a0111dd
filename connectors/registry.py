"""The sources the product reads: one line per source package.

The ``okrs.yaml`` schema is assembled from this list (each package defines its
settings and metric kinds), and so is the choice of connector, so a new source
is its package plus one line here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from connectors import csv_file, ga4, hubspot, plausible
from connectors.base import Connector, RunServices, SourceKind
from connectors.errors import SourceConfigurationError
from okrmodel import config as schema
from okrmodel.config import Config, MetricSettings, SourceSettings

__all__ = ["SOURCE_KINDS", "config_schema", "connector_for", "load_config", "parse_config"]

SOURCE_KINDS: dict[str, SourceKind] = {
    kind.type: kind
    for kind in (
        hubspot.SOURCE,
        ga4.SOURCE,
        plausible.SOURCE,
        csv_file.SOURCE,
    )
}


@cache
def config_schema() -> type[Config]:
    """The ``Config`` model with every registered source's settings and metric kinds."""
    return schema.config_model([(kind.settings, kind.metrics) for kind in SOURCE_KINDS.values()])


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read, validate and cross-check a config file; raise ``ConfigError`` listing every problem."""
    return schema.load_config(path, config_schema())


def parse_config(text: str, name: str = "okrs.yaml", base_dir: Path | None = None) -> Config:
    """Validate config text; ``name`` prefixes every error message."""
    return schema.parse_config(text, config_schema(), name=name, base_dir=base_dir)


def connector_for(
    name: str,
    settings: SourceSettings,
    metrics: Mapping[str, MetricSettings] | None = None,
    base_dir: Path = Path("."),
    services: RunServices | None = None,
) -> Connector:
    """Build the connector for a configured source; ``metrics`` (those it will read this
    run) lets it share calls between metrics that run the same query; ``base_dir`` (the
    config file's folder) anchors a CSV source's relative ``path``; ``services`` are the
    run's secrets and shared limits, from the wiring layer."""
    kind = SOURCE_KINDS.get(settings.type)
    if kind is None:
        raise SourceConfigurationError(name, f"no connector for source type {settings.type!r}")
    return kind.open(name, settings, metrics=metrics or {}, base_dir=base_dir, services=services)
