"""The steps of a sync as plain functions: plan, read, save, evaluate, render.

The Prefect flow in ``flows.nightly`` only schedules these; they run and are
tested without Prefect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from connectors import Connector, MetricReading, SourceError, connector_for
from okrmodel.config import Config, EmailSettings
from okrmodel.evaluation import StatusReport
from okrmodel.periods import Window
from okrmodel.storage import Store
from reports import EmailDeliveryError, build_status_email, send_email

__all__ = [
    "MetricOutcome",
    "SyncSummary",
    "default_report_path",
    "email_report",
    "open_connectors",
    "record_failure",
    "record_reading",
]


@dataclass(frozen=True)
class MetricOutcome:
    metric: str
    source: str
    status: str
    """succeeded or failed."""
    first_day: date | None = None
    last_day: date | None = None
    api_calls: int = 0
    values_added: int = 0
    error: str | None = None


@dataclass
class SyncSummary:
    run_id: str
    as_of: date
    status: str = "running"
    metrics: list[MetricOutcome] = field(default_factory=list)
    report_path: Path | None = None
    report_error: str | None = None
    emailed_to: list[str] = field(default_factory=list)
    email_error: str | None = None

    @property
    def failed(self) -> list[MetricOutcome]:
        return [outcome for outcome in self.metrics if outcome.status == "failed"]

    @property
    def api_calls(self) -> int:
        return sum(outcome.api_calls for outcome in self.metrics)

    @property
    def incomplete(self) -> bool:
        """Some metric failed, or the report could not be written or emailed."""
        return bool(self.failed) or self.report_error is not None or self.email_error is not None

    def final_status(self) -> str:
        if self.failed and len(self.failed) == len(self.metrics):
            return "failed"
        return "partial" if self.incomplete else "succeeded"

    def problems(self) -> str | None:
        """One line on what went wrong, for the run record; None when nothing did."""
        parts = [f"{len(self.failed)} metrics failed"] if self.failed else []
        if self.report_error:
            parts.append(f"report not written: {self.report_error}")
        if self.email_error:
            parts.append(f"report not emailed: {self.email_error}")
        return "; ".join(parts) or None


def default_report_path(config: Config, as_of: date) -> Path:
    """Where a run's report goes unless told otherwise: beside the config, one file per day."""
    return config.base_dir / ".okr" / "reports" / f"okr-status-{config.current_period(as_of).label}-{as_of.isoformat()}.html"


def open_connectors(config: Config) -> tuple[dict[str, Connector], dict[str, SourceError]]:
    """One connector per source that some metric reads; a source that cannot be
    opened (missing token, ...) is returned as an error instead, so its metrics
    fail while the others still run."""
    connectors: dict[str, Connector] = {}
    errors: dict[str, SourceError] = {}
    for name in sorted({metric.source for metric in config.metrics.values()}):
        try:
            own_metrics = {metric: spec for metric, spec in config.metrics.items() if spec.source == name}
            connectors[name] = connector_for(name, config.sources[name], own_metrics, base_dir=config.base_dir)
        except SourceError as error:
            errors[name] = error
    return connectors, errors


def record_reading(store: Store, run_id: str, source: str, reading: MetricReading) -> MetricOutcome:
    """Store a successful reading (only changed values are appended) and its outcome."""
    saved = store.save_observations(run_id, reading.metric, source, reading.values)
    outcome = MetricOutcome(
        metric=reading.metric, source=source, status="succeeded", first_day=min(reading.values, default=None),
        last_day=max(reading.values, default=None), api_calls=reading.api_calls, values_added=saved.added,
    )
    _record(store, run_id, outcome)
    return outcome


def record_failure(store: Store, run_id: str, metric: str, source: str, window: Window, error: Exception, api_calls: int = 0) -> MetricOutcome:
    """Record a failed metric; its previously stored values stay untouched."""
    message = str(error) if isinstance(error, SourceError) else f"{type(error).__name__}: {error}"
    outcome = MetricOutcome(
        metric=metric, source=source, status="failed", first_day=window.first_day, last_day=window.last_day,
        api_calls=api_calls, error=message,
    )
    _record(store, run_id, outcome)
    return outcome


def _record(store: Store, run_id: str, outcome: MetricOutcome) -> None:
    store.record_fetch(
        run_id, outcome.metric, outcome.source, status=outcome.status, first_day=outcome.first_day,
        last_day=outcome.last_day, api_calls=outcome.api_calls, values_added=outcome.values_added, error=outcome.error,
    )


def email_report(settings: EmailSettings, report: StatusReport, html: str) -> tuple[list[str], str | None]:
    """Email the rendered report; returns the recipients, or the delivery error (never raised:
    the run's data is stored either way)."""
    try:
        send_email(build_status_email(report, html, settings), settings, settings.password())
    except EmailDeliveryError as error:
        return [], str(error)
    return list(settings.recipients), None
