"""The Plausible connector: a mapping checked against the documented Stats API v2 lists, then one query per metric and window
(by day, or one aggregate for the window's total)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.base import MetricReading, RunServices, WindowTotal
from connectors.catalog import Catalogue
from connectors.errors import SourceConfigurationError
from connectors.plausible.catalog import plausible_catalogue
from connectors.plausible.client import PlausibleClient
from connectors.plausible.config import PlausibleMetric, PlausibleSource
from connectors.plausible.timeseries import daily_series, window_total
from connectors.plausible.vocabulary import check_mapping
from connectors.transport.counting import counted_requests
from okrmodel.config import MetricSettings
from okrmodel.periods import Window

__all__ = ["PlausibleConnector"]


class PlausibleConnector:
    """Reads ``plausible_metric`` metrics of one Plausible site. Build once per run; ``read`` is thread-safe."""

    @classmethod
    def from_settings(
        cls, name: str, settings: PlausibleSource, *, metrics: Mapping[str, MetricSettings], base_dir: Path, services: RunServices
    ) -> PlausibleConnector:
        """The connector for source ``name`` as configured (see ``connectors.base.SourceKind``), its key
        from the environment or the run's Secret blocks."""
        token = settings.token(blocks=services.secrets)
        if token is None:
            raise SourceConfigurationError(name, settings.token_place.missing("a Plausible Stats API key"))
        return cls(name, settings, token)

    def __init__(self, source_name: str, source: PlausibleSource, token: SecretStr | None = None, retry: Retry | None = None):
        token = token or source.token()
        if token is None:
            raise SourceConfigurationError(source_name, source.token_place.missing("a Plausible Stats API key"))
        self.client = PlausibleClient(source_name, source, token, retry=retry)

    def check(self, name: str, spec: MetricSettings) -> int:
        """Check metric ``name``'s metric and ``where`` dimensions against the Stats API's documented lists; no call is needed."""
        check_mapping(self.client.source_name, name, self._plausible_metric(name, spec))
        return 0

    def read(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
        """Check metric ``name``'s mapping, then read it over ``window`` in one query; raise a ``SourceError`` on failure."""
        with counted_requests() as sent:
            self.check(name, spec)
            metric = self._plausible_metric(name, spec)
            values = daily_series(self.client, window, metric=metric.metric, where=metric.where)
        return MetricReading(metric=name, values=values, api_calls=sent.value)

    def read_total(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> WindowTotal:
        """Check metric ``name``'s mapping, then read its figure over the whole ``window`` in one aggregate query
        (each visitor once); raise a ``SourceError`` on failure."""
        with counted_requests() as sent:
            self.check(name, spec)
            metric = self._plausible_metric(name, spec)
            value = window_total(self.client, window, metric=metric.metric, where=metric.where)
        return WindowTotal(metric=name, window=window, value=value, api_calls=sent.value)

    def catalog(self) -> Catalogue:
        """The metrics and filter dimensions, and the site's top sources of the last 30 days."""
        return plausible_catalogue(self.client)

    def close(self) -> None:
        """Release the session's pooled connections."""
        self.client.close()

    def _plausible_metric(self, name: str, spec: MetricSettings) -> PlausibleMetric:
        if not isinstance(spec, PlausibleMetric):
            raise SourceConfigurationError(self.client.source_name, f"metric {name!r}: kind {spec.kind!r} is not read from Plausible")
        return spec
