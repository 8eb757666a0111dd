"""The GA4 connector: one ``runReport`` (more pages only past ``page_size`` days) per metric and window."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from google.api_core.retry import Retry
from pydantic import SecretStr

from connectors.base import MetricReading
from connectors.errors import SourceConfigurationError
from connectors.ga4.client import GA4Client
from connectors.ga4.config import GA4Metric, GA4Source
from connectors.ga4.report import DEFAULT_PAGE_SIZE, daily_metric
from okrmodel.config import MetricSettings
from okrmodel.periods import Window

__all__ = ["GA4Connector"]


class GA4Connector:
    """Reads ``ga4_metric`` metrics of one GA4 property with a service account. Build once per run;
    ``read`` is thread-safe (the REST session is shared)."""

    @classmethod
    def from_settings(cls, name: str, settings: GA4Source, *, metrics: Mapping[str, MetricSettings], base_dir: Path) -> GA4Connector:
        """The connector for source ``name`` as configured (see ``connectors.base.SourceKind``)."""
        return cls(name, settings)

    def __init__(
        self,
        source_name: str,
        source: GA4Source,
        key_json: SecretStr | None = None,
        retry: Retry | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ):
        key_json = key_json or source.credentials_json()
        if key_json is None:
            raise SourceConfigurationError(
                source_name, f"environment variable {source.credentials_env} is not set; it must hold the JSON of a service-account key file"
            )
        self.client = GA4Client(source_name, source, key_json, retry=retry)
        self.page_size = page_size

    def read(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
        """Read metric ``name`` over ``window``; raise a ``SourceError`` on failure."""
        if not isinstance(spec, GA4Metric):
            raise SourceConfigurationError(self.client.source_name, f"metric {name!r}: kind {spec.kind!r} is not read from GA4")
        values, calls = daily_metric(self.client, window, metric=spec.metric, where=spec.where, page_size=self.page_size)
        return MetricReading(metric=name, values=values, api_calls=calls)

    def close(self) -> None:
        """Close the REST session."""
        self.client.close()
