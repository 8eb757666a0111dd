"""The mapping workflow as plain functions: check every mapping online, list what each source
offers, preview one metric live, and list the metrics with what they feed.

Nothing here writes to the store: ops try a mapping before it feeds a number. Secret blocks
are read as a sync reads them (``flows.secret_blocks.config_secrets``); these one-shot reads
use this process's rate limiter alone (a sync shares the portal's limits, see ``flows.portal_limits``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from connectors import Catalogue, MappingError, MetricReading, SourceError
from connectors.base import WindowTotal
from flows.pipeline import failure_message, open_connectors
from flows.secret_blocks import config_secrets
from okrmodel.config import Config, MetricNature, MetricSettings
from okrmodel.periods import Window, WindowKind, window_for
from okrmodel.storage import Store

__all__ = [
    "CatalogueResult",
    "MappingCheck",
    "MetricPreview",
    "MetricUse",
    "check_mappings",
    "metric_uses",
    "preview_metric",
    "read_catalogues",
]


@dataclass(frozen=True)
class MappingCheck:
    """``okr validate --online``: per metric, None when its mapping holds, else the located problem;
    and the metrics that could not be checked at all (the source unreachable, a credential
    missing), which say nothing about the mapping."""

    problems: dict[str, str | None]
    unchecked: dict[str, str]
    api_calls: int

    @property
    def failed(self) -> dict[str, str]:
        return {name: problem for name, problem in self.problems.items() if problem is not None}


def check_mappings(config: Config) -> MappingCheck:
    """Check every metric's mapped values against its source without reading any data; the
    lists a source looks values up in are read once for all its metrics."""
    opened = open_connectors(config, secrets=config_secrets(config, only=_blocks_of(config, list(config.sources))))
    connectors, source_errors = opened.connectors, opened.errors
    problems: dict[str, str | None] = {}
    unchecked: dict[str, str] = {}
    calls = sum(opened.opening_calls.values())
    try:
        for name, spec in config.metrics.items():
            if spec.source in source_errors:
                unchecked[name] = failure_message(config, source_errors[spec.source])
                continue
            try:
                calls += connectors[spec.source].check(name, spec)
                problems[name] = None
            except MappingError as error:
                problems[name] = failure_message(config, error)
            except SourceError as error:
                unchecked[name] = failure_message(config, error)
    finally:
        opened.close()
    return MappingCheck(problems, unchecked, calls)


@dataclass(frozen=True)
class CatalogueResult:
    """One source's catalogue, or why it could not be read."""

    source: str
    catalogue: Catalogue | None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        if self.catalogue is None:
            return {"source": self.source, "error": self.error}
        return self.catalogue.to_json()


def read_catalogues(config: Config, source: str | None = None, search: str | None = None) -> list[CatalogueResult]:
    """What each configured source (or only ``source``) offers to map, read live; ``search``
    keeps the rows that contain it."""
    names = [source] if source else list(config.sources)
    # Every source is opened, not only those some metric reads: a new source is catalogued before its first metric.
    opened = open_connectors(config, names, secrets=config_secrets(config, only=_blocks_of(config, names)))
    results = []
    try:
        for name in names:
            if name in opened.errors:
                results.append(CatalogueResult(name, None, failure_message(config, opened.errors[name])))
                continue
            try:
                results.append(CatalogueResult(name, opened.connectors[name].catalog().matching(search)))
            except SourceError as error:
                results.append(CatalogueResult(name, None, str(error)))
    finally:
        opened.close()
    return results


def _blocks_of(config: Config, sources: list[str]) -> list[str]:
    """The Secret blocks the ``sources`` name: a command reading some sources asks Prefect for no other secret."""
    return [place.block for name in sources for place in config.sources[name].secret_places if place.block is not None]


@dataclass(frozen=True)
class MetricPreview:
    """One metric read live over one window, nothing stored: its daily series (one value for
    a snapshot), its value over the window, and the API calls it took. A unique count's value
    is the source's ``total`` over the window (each visitor once), read beside the days."""

    metric: str
    spec: MetricSettings
    window_kind: WindowKind
    window: Window
    reading: MetricReading
    total: WindowTotal | None = None

    @property
    def value(self) -> float:
        """The window's total as the source counts it for a unique count, the sum of the days for
        another flow, the snapshot for a snapshot."""
        return self.total.value if self.total is not None else self.daily_sum

    @property
    def daily_sum(self) -> float:
        return sum(self.reading.values.values())

    @property
    def value_is(self) -> str:
        """What ``value`` is: ``window_total``, ``sum_of_days`` or ``snapshot``."""
        if self.total is not None:
            return "window_total"
        return "snapshot" if self.spec.nature is MetricNature.SNAPSHOT else "sum_of_days"

    @property
    def api_calls(self) -> int:
        return self.reading.api_calls + (self.total.api_calls if self.total is not None else 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "definition": self.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True),
            "kind": self.spec.kind,
            "nature": self.spec.nature.value,
            "adds_up_over_days": self.spec.adds_up_over_days,
            "window": {"kind": self.window_kind.value, "first_day": self.window.first_day.isoformat(), "last_day": self.window.last_day.isoformat()},
            "value": self.value,
            "value_is": self.value_is,
            "daily_sum": self.daily_sum if self.total is not None else None,
            "daily": [{"day": day.isoformat(), "value": value} for day, value in sorted(self.reading.values.items())],
            "api_calls": self.api_calls,
            "caveats": self.spec.caveats,
        }


def preview_metric(config: Config, name: str, spec: MetricSettings, as_of: date, window_kind: WindowKind | None = None) -> MetricPreview:
    """Read ``spec`` live over ``window_kind`` (default: the window of the first KR that reads
    ``name``, else the period for a flow and the latest snapshot for a snapshot) as of ``as_of``.

    Raises ``SourceError`` as a sync would (a mapping the source does not know included) and
    ``ValueError`` for a window the metric cannot have (a flow has no ``latest``, a snapshot
    only ``latest``)."""
    kind = window_kind or _default_window(config, name, spec)
    if (kind is WindowKind.LATEST) != (spec.nature is MetricNature.SNAPSHOT):
        raise ValueError(
            f"a snapshot metric ({spec.kind}) is read for one day: use --window latest"
            if spec.nature is MetricNature.SNAPSHOT
            else f"{spec.kind} adds up over days: use --window period, month or last_30_days, not latest"
        )
    window = window_for(kind, config.current_period(as_of), as_of, config.zone)
    opened = open_connectors(config, [spec.source], secrets=config_secrets(config, only=_blocks_of(config, [spec.source])))
    if spec.source in opened.errors:
        raise opened.errors[spec.source]
    connector = opened.connectors[spec.source]
    try:
        reading = connector.read(name, spec, window, as_of)
        # A unique count's days do not add up to its window's figure: read that figure too.
        total = connector.read_total(name, spec, window, as_of) if not spec.adds_up_over_days else None
    finally:
        connector.close()
    return MetricPreview(name, spec, kind, window, reading, total)


def _default_window(config: Config, name: str, spec: MetricSettings) -> WindowKind:
    if spec.nature is MetricNature.SNAPSHOT:
        return WindowKind.LATEST
    for objective in config.objectives:
        for key_result in objective.key_results:
            if key_result.metric == name:
                return config.window_kind(key_result)
    return WindowKind.PERIOD


@dataclass(frozen=True)
class MetricUse:
    """``okr metrics list``: a metric, the KRs it feeds, and its newest stored value."""

    metric: str
    source: str
    kind: str
    key_results: list[str] = field(default_factory=list)
    newest_day: date | None = None
    newest_value: float | None = None
    last_fetch: str | None = None
    """succeeded or failed (its error), or None before the first sync."""

    @property
    def unused(self) -> bool:
        return not self.key_results

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "source": self.source,
            "kind": self.kind,
            "key_results": self.key_results,
            "unused": self.unused,
            "newest_day": self.newest_day.isoformat() if self.newest_day else None,
            "newest_value": self.newest_value,
            "last_fetch": self.last_fetch,
        }


def metric_uses(config: Config, store: Store, as_of: date) -> list[MetricUse]:
    """Every configured metric in file order, with the KRs that read it and its newest stored day."""
    feeds: dict[str, list[str]] = {name: [] for name in config.metrics}
    for objective in config.objectives:
        for key_result in objective.key_results:
            if key_result.metric in feeds:
                feeds[key_result.metric].append(key_result.id)
    uses = []
    for name, spec in config.metrics.items():
        newest = store.latest_value(name, as_of)
        latest_fetch = store.latest_fetch(name, as_of=as_of)
        fetch = latest_fetch[0] if latest_fetch else None
        outcome = None if fetch is None else f"failed: {fetch.error}" if fetch.status == "failed" else f"warning: {fetch.warning}" if fetch.warning else "succeeded"
        uses.append(
            MetricUse(
                name, spec.source, spec.kind, feeds[name], newest.day if newest else None, newest.value if newest else None, outcome,
            )
        )
    return uses
