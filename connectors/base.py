"""The interface every source implements: its connector, and the kind that registers it."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, get_args

from pydantic import SecretStr

from connectors.catalog import Catalogue
from okrmodel.config import MetricSettings, SourceSettings
from okrmodel.periods import Window

if TYPE_CHECKING:
    from connectors.hubspot.rate_limit import SharedPortalLimits

__all__ = ["Connector", "MetricReading", "RunServices", "SourceKind", "WindowTotal"]


@dataclass(frozen=True)
class MetricReading:
    """Values read for one metric: one per day of the window (zeros included) for
    flows, a single ``{as_of: value}`` for snapshots."""

    metric: str
    values: dict[date, float]
    api_calls: int
    records: dict[date, float] | None = None
    """For a sum over records (``MetricSettings.records_counted``): how many records each day's sum
    adds up, read with it; the store keeps them so a night can check past days by counting."""


@dataclass(frozen=True)
class WindowTotal:
    """One figure for a metric over a whole window, as the source computes it."""

    metric: str
    window: Window
    value: float
    api_calls: int


class Connector(Protocol):
    """Reads metrics from one source. Build once per run (lists it looks up, such as a
    portal's stages, are read once and shared by every metric); not tied to Prefect."""

    def check(self, name: str, spec: MetricSettings) -> int:
        """Check every value metric ``name`` maps against the source (stages, properties,
        options, campaigns...) without reading its data; return the API calls it took.
        Raise ``MappingError`` for a value the source does not know."""
        ...

    def read(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
        """Check metric ``name``'s mapping, then read it over ``window``; raise a ``SourceError`` on failure."""
        ...

    def read_total(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> WindowTotal:
        """Metric ``name``'s figure over the whole ``window``, in as few calls as the source allows.

        For a measure that adds up over days (``spec.adds_up_over_days``) it is what the
        daily values should sum to, so a nightly reconciliation can spot days that changed
        after they were stored; for a unique count (visitors, users) it is the only right
        figure for the window, since the same person on ten days is one visitor.
        """
        ...

    def catalog(self) -> Catalogue:
        """What can be mapped on this source, read live."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class RunServices:
    """What the wiring layer hands the connectors it opens for a run, beside their settings; this
    package knows no Prefect, so whatever comes from it is read there and handed in here."""

    secrets: Mapping[str, SecretStr] = field(default_factory=dict)
    """The values of the Prefect Secret blocks the config names (``token_block``, ``credentials_block``), read once per run."""
    portal_limits: SharedPortalLimits | None = None
    """HubSpot rate limits shared with every other process reading a portal; None: this process's own limiter only."""


@dataclass(frozen=True)
class SourceKind:
    """One source type as the registry knows it: its settings (``sources:`` entries), its metric
    kinds (``metrics:`` entries) and its connector, named as ``module:Class`` so the source's
    client libraries load only when a config uses it.

    The connector class is built with ``from_settings(name, settings, metrics=, base_dir=, services=)``.
    """

    settings: type[SourceSettings]
    metrics: tuple[type[MetricSettings], ...]
    connector: str

    @property
    def type(self) -> str:
        (value,) = get_args(self.settings.model_fields["type"].annotation)
        return value

    def open(
        self, name: str, settings: SourceSettings, *, metrics: Mapping[str, MetricSettings], base_dir: Path, services: RunServices | None = None
    ) -> Connector:
        """The connector for source ``name``; ``metrics`` are those it will read this run."""
        module, _, class_name = self.connector.partition(":")
        connector_class = getattr(importlib.import_module(module), class_name)
        return connector_class.from_settings(name, settings, metrics=metrics, base_dir=base_dir, services=services or RunServices())
