"""Data health: whether the numbers can be trusted, per source, and one banner when they cannot."""

from __future__ import annotations

from datetime import date, datetime
from itertools import takewhile

from okrmodel.briefing.model import DataHealth, MetricProblem, SourceHealth
from okrmodel.config import Config
from okrmodel.storage import Store
from okrmodel.units import format_day

__all__ = ["data_health"]


def data_health(config: Config, store: Store, as_of: date) -> DataHealth:
    """Each source's last successful sync and its metrics whose latest fetch failed (since the
    first failure after the last success) or warned, from the runs as of ``as_of`` or earlier."""
    runs = store.runs_as_of(as_of, limit=1)
    last_run = runs[0] if runs else None
    sources = [_source_health(config, store, name, as_of) for name in config.sources]
    return DataHealth(
        sources=sources,
        last_run_status=last_run.status if last_run else None,
        last_run_at=last_run.started_at if last_run else None,
        banner=_banner(config, last_run.status if last_run else None, last_run.started_at if last_run else None, sources),
    )


def _source_health(config: Config, store: Store, source: str, as_of: date) -> SourceHealth:
    last_success: datetime | None = None
    problems: list[MetricProblem] = []
    for metric, spec in config.metrics.items():
        if spec.source != source:
            continue
        history = store.fetch_history(metric, as_of=as_of)
        success = next((run.started_at for fetch, run in history if fetch.status == "succeeded"), None)
        if success is not None and (last_success is None or success > last_success):
            last_success = success
        if not history:
            continue
        latest = history[0][0]
        if latest.status == "failed":
            failing = list(takewhile(lambda pair: pair[0].status == "failed", history))
            # Failures that go back to the first sync ever have no "since": the metric never delivered.
            since = failing[-1][1].started_at if len(failing) < len(history) else None
            problems.append(MetricProblem(metric, latest.error or "failed", True, since))
        elif latest.warning:
            problems.append(MetricProblem(metric, latest.warning, False))
    return SourceHealth(source, config.sources[source].type, last_success, problems)


def _banner(config: Config, status: str | None, started_at: datetime | None, sources: list[SourceHealth]) -> str | None:
    if not config.metrics:
        return None
    if status is None:
        return "No sync has run yet: every synced number is missing. Run `okr sync`, or check that the nightly job runs."
    failing = [problem.metric for source in sources for problem in source.problems if problem.failed]
    when = f"{format_day(started_at.date())} {started_at:%H:%M} UTC" if started_at else "never"
    if status == "failed":
        last_success = max((source.last_success_at for source in sources if source.last_success_at), default=None)
        older = f"the numbers below are from {format_day(last_success.date())} or earlier" if last_success else "no number below comes from a sync"
        return f"The last sync ({when}) failed for every metric: {older}. See Data health for why."
    if failing:
        return (
            f"The last sync ({when}) could not read {len(failing)} metric{'s' if len(failing) != 1 else ''} "
            f"({', '.join(failing)}): their key results show their last known values, marked stale."
        )
    if status == "running":
        return f"A sync started {when} has not finished: some numbers may be older than they look."
    if status in ("interrupted", "abandoned"):
        how = "was stopped" if status == "interrupted" else "ended with its process"
        return f"The last sync ({when}) {how} before it finished: some numbers may be older than they look."
    return None
