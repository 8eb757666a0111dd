"""The GA4 connector: a mapping checked against the property's metadata (one call per run), then one
``runReport`` (more pages only past ``page_size`` days) per metric and window; a window's total is
one more ``runReport``, without the ``date`` dimension."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from google.api_core.retry import Retry
from pydantic import SecretStr

from connectors.base import MetricReading, RunServices, WindowTotal
from connectors.catalog import Catalogue
from connectors.errors import SourceConfigurationError
from connectors.ga4.catalog import ga4_catalogue
from connectors.ga4.client import GA4Client
from connectors.ga4.config import GA4Metric, GA4Source
from connectors.ga4.metadata import check_mapping
from connectors.ga4.report import DEFAULT_PAGE_SIZE, daily_metric, window_total
from okrmodel.config import MetricSettings
from okrmodel.periods import Window

__all__ = ["GA4Connector"]

_KEY_WANTED = "the JSON of a service-account key file"


class GA4Connector:
    """Reads ``ga4_metric`` metrics of one GA4 property with a service account. Build once per run;
    ``check`` and ``read`` are thread-safe (the REST session and the metadata are shared)."""

    @classmethod
    def from_settings(cls, name: str, settings: GA4Source, *, metrics: Mapping[str, MetricSettings], base_dir: Path, services: RunServices) -> GA4Connector:
        """The connector for source ``name`` as configured (see ``connectors.base.SourceKind``), its key
        from the environment or the run's Secret blocks."""
        key_json = settings.credentials_json(blocks=services.secrets)
        if key_json is None:
            raise SourceConfigurationError(name, settings.credentials_place.missing(_KEY_WANTED))
        return cls(name, settings, key_json)

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
            raise SourceConfigurationError(source_name, source.credentials_place.missing(_KEY_WANTED))
        self.client = GA4Client(source_name, source, key_json, retry=retry)
        self.page_size = page_size

    def check(self, name: str, spec: MetricSettings) -> int:
        """Check metric ``name``'s metric, ``where`` dimensions and channel groups against the property's
        metadata; return the calls that took (1 for the run's first check, else 0)."""
        metadata, calls = self.client.metadata()
        check_mapping(metadata, source_name=self.client.source_name, property_id=self.client.source.property_id, metric_name=name, spec=self._ga4_metric(name, spec))
        return calls

    def read(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
        """Check metric ``name``'s mapping, then read it over ``window``; raise a ``SourceError`` on failure."""
        check_calls = self.check(name, spec)
        metric = self._ga4_metric(name, spec)
        values, report_calls = daily_metric(self.client, window, metric=metric.metric, where=metric.where, page_size=self.page_size)
        return MetricReading(metric=name, values=values, api_calls=check_calls + report_calls)

    def read_total(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> WindowTotal:
        """Check metric ``name``'s mapping, then read its figure over the whole ``window`` in one report
        (distinct users for a user count); raise a ``SourceError`` on failure."""
        check_calls = self.check(name, spec)
        metric = self._ga4_metric(name, spec)
        value = window_total(self.client, window, metric=metric.metric, where=metric.where)
        return WindowTotal(metric=name, window=window, value=value, api_calls=check_calls + 1)

    def catalog(self) -> Catalogue:
        """The property's metrics and dimensions (custom ones included) and the default channel groups."""
        return ga4_catalogue(self.client)

    def close(self) -> None:
        """Close the REST session."""
        self.client.close()

    def _ga4_metric(self, name: str, spec: MetricSettings) -> GA4Metric:
        if not isinstance(spec, GA4Metric):
            raise SourceConfigurationError(self.client.source_name, f"metric {name!r}: kind {spec.kind!r} is not read from GA4")
        return spec
