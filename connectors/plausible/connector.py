"""The Plausible connector: one timeseries call per metric and window."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.base import MetricReading
from connectors.errors import SourceConfigurationError
from connectors.plausible.client import PlausibleClient
from connectors.plausible.config import PlausibleMetric, PlausibleSource
from connectors.plausible.timeseries import timeseries_series
from okrmodel.config import MetricSettings
from okrmodel.periods import Window

__all__ = ["PlausibleConnector"]


class PlausibleConnector:
    """Reads ``plausible_metric`` metrics of one Plausible site. Build once per run; ``read`` is thread-safe."""

    @classmethod
    def from_settings(cls, name: str, settings: PlausibleSource, *, metrics: Mapping[str, MetricSettings], base_dir: Path) -> PlausibleConnector:
        """The connector for source ``name`` as configured (see ``connectors.base.SourceKind``)."""
        return cls(name, settings)

    def __init__(self, source_name: str, source: PlausibleSource, token: SecretStr | None = None, retry: Retry | None = None):
        token = token or source.token()
        if token is None:
            raise SourceConfigurationError(source_name, f"environment variable {source.token_env} is not set; it must hold a Plausible Stats API key")
        self.source = source
        self.client = PlausibleClient(source_name, source, token, retry=retry)

    def read(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
        """Read metric ``name`` over ``window`` in one call; raise a ``SourceError`` on failure."""
        if not isinstance(spec, PlausibleMetric):
            raise SourceConfigurationError(self.client.source_name, f"metric {name!r}: kind {spec.kind!r} is not read from Plausible")
        values = timeseries_series(self.client, self.source.site_id, window, metric=spec.metric, where=spec.where)
        return MetricReading(metric=name, values=values, api_calls=1)

    def close(self) -> None:
        """Release the session's pooled connections."""
        self.client.close()
