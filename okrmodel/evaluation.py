"""Turn a config and stored data into each KR's actual, progress, pace and status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Protocol

from okrmodel.config import Action, Config, KeyResult, MetricNature, Objective
from okrmodel.periods import WindowKind, window_for
from okrmodel.progress import Status, StatusThresholds, progress, status_for, worst_status
from okrmodel.storage.models import CheckIn
from okrmodel.storage.store import DailyValue

__all__ = ["KeyResultStatus", "ObjectiveStatus", "StatusReport", "evaluate"]


class ObservationReader(Protocol):
    """What evaluation reads from storage (the Store implements it)."""

    def daily_values(self, metric: str, first_day: date, last_day: date) -> list[DailyValue]: ...

    def latest_value(self, metric: str, on_or_before: date) -> DailyValue | None: ...

    def latest_checkin(self, key_result: str, on_or_before: date) -> CheckIn | None: ...


@dataclass(frozen=True)
class KeyResultStatus:
    id: str
    title: str
    owner: str | None
    metric: str | None
    window: WindowKind | None
    window_first_day: date | None
    window_last_day: date | None
    actual: float | None
    baseline: float
    target: float
    unit: str | None
    progress: float | None
    """Unclamped: above 1 when the target is exceeded, below 0 when moving backwards."""
    expected: float
    status: Status
    source: str | None
    """Where the actual came from: ``<source>:<metric>`` or ``checkin:<author>``."""
    updated_at: datetime | None
    note: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "metric": self.metric,
            "actual": self.actual,
            "baseline": self.baseline,
            "target": self.target,
            "progress": _rounded(self.progress),
            "expected": _rounded(self.expected),
            "status": self.status.value,
            "source": self.source,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
        }


@dataclass(frozen=True)
class ObjectiveStatus:
    id: str
    title: str
    owner: str | None
    progress: float | None
    """Mean of the KRs' progress, each clamped to 0..1; None when no KR has data."""
    status: Status
    key_results: list[KeyResultStatus]
    actions: list[Action] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "progress": _rounded(self.progress),
            "status": self.status.value,
            "key_results": [key_result.to_json() for key_result in self.key_results],
        }


@dataclass(frozen=True)
class StatusReport:
    company: str
    period: str
    period_first_day: date
    period_last_day: date
    as_of: date
    timezone: str
    expected: float
    generated_at: datetime
    objectives: list[ObjectiveStatus]

    def to_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "as_of": self.as_of.isoformat(),
            "objectives": [objective.to_json() for objective in self.objectives],
        }

    def status_counts(self) -> dict[Status, int]:
        counts = {status: 0 for status in Status}
        for objective in self.objectives:
            for key_result in objective.key_results:
                counts[key_result.status] += 1
        return counts


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def evaluate(config: Config, reader: ObservationReader, as_of: date, thresholds: StatusThresholds = StatusThresholds()) -> StatusReport:
    """Compute every objective's and KR's status as of the end of ``as_of``."""
    period = config.planning_period
    expected = period.elapsed_share(as_of)
    objectives = [_evaluate_objective(config, objective, reader, as_of, expected, thresholds) for objective in config.objectives]
    return StatusReport(
        company=config.company,
        period=period.label,
        period_first_day=period.first_day,
        period_last_day=period.last_day,
        as_of=as_of,
        timezone=config.timezone,
        expected=expected,
        generated_at=datetime.now(timezone.utc),
        objectives=objectives,
    )


def _evaluate_objective(
    config: Config, objective: Objective, reader: ObservationReader, as_of: date, expected: float, thresholds: StatusThresholds
) -> ObjectiveStatus:
    key_results = [_evaluate_key_result(config, objective, kr, reader, as_of, expected, thresholds) for kr in objective.key_results]
    measured = [min(max(kr.progress, 0.0), 1.0) for kr in key_results if kr.progress is not None]
    return ObjectiveStatus(
        id=objective.id,
        title=objective.title,
        owner=objective.owner,
        progress=sum(measured) / len(measured) if measured else None,
        status=worst_status([kr.status for kr in key_results]),
        key_results=key_results,
        actions=list(objective.actions),
    )


def _evaluate_key_result(
    config: Config,
    objective: Objective,
    key_result: KeyResult,
    reader: ObservationReader,
    as_of: date,
    expected: float,
    thresholds: StatusThresholds,
) -> KeyResultStatus:
    window_kind = config.window_kind(key_result) if key_result.metric else None
    window = window_for(window_kind, config.planning_period, as_of, config.zone) if window_kind else None
    actual: float | None = None
    source: str | None = None
    updated_at: datetime | None = None
    note: str | None = None
    if key_result.metric is not None and window is not None:
        metric = config.metrics[key_result.metric]
        actual, updated_at = _metric_actual(reader, key_result.metric, metric.nature, window.first_day, window.last_day)
        if actual is not None:
            source = f"{metric.source}:{key_result.metric}"
    checkin = reader.latest_checkin(key_result.id, as_of)
    # A check-in newer than the latest synced value is an explicit override.
    if checkin is not None and (updated_at is None or checkin.created_at > updated_at):
        actual, updated_at, note = checkin.value, checkin.created_at, checkin.note
        source = f"checkin:{checkin.author}"
    key_result_progress = progress(actual, key_result.start_value, key_result.target) if actual is not None else None
    return KeyResultStatus(
        id=key_result.id,
        title=key_result.title,
        owner=key_result.owner or objective.owner,
        metric=key_result.metric,
        window=window_kind,
        window_first_day=window.first_day if window else None,
        window_last_day=window.last_day if window else None,
        actual=actual,
        baseline=key_result.start_value,
        target=key_result.target,
        unit=key_result.unit,
        progress=key_result_progress,
        expected=expected,
        status=status_for(key_result_progress, expected, thresholds),
        source=source,
        updated_at=updated_at,
        note=note,
    )


def _metric_actual(
    reader: ObservationReader, metric: str, nature: MetricNature, first_day: date, last_day: date
) -> tuple[float | None, datetime | None]:
    if nature is MetricNature.SNAPSHOT:
        latest = reader.latest_value(metric, last_day)
        return (latest.value, latest.fetched_at) if latest else (None, None)
    values = reader.daily_values(metric, first_day, last_day)
    # A window counts as observed only when every one of its days was fetched;
    # a partial sum would pass for a real, too-low actual.
    if len(values) < (last_day - first_day).days + 1:
        return None, None
    return sum(value.value for value in values), max(value.fetched_at for value in values)
