"""What ops are told about a sync run, decided from the store's run records.

A failed or partial run earns one alert: what failed, why, since when the data is stale and the
fix. The first run that succeeds after one or more that did not earns one all-clear; a success
after a success earns nothing. A streak is the runs since the last success that did not succeed
(failed, partial, or left ``running`` by a process that died), so the second failure in a row
says "failing since" the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from okrmodel.config import Config
from okrmodel.storage import Store
from okrmodel.storage.models import SyncRun

__all__ = ["AllClear", "FailedMetric", "FailureAlert", "RunProblem", "all_clear", "failure_alert", "failure_streak", "fix_for", "unrecorded_failure_alert"]

_STATUS = re.compile(r"\(HTTP (\d{3})\b")
"""The status a ``SourceError``'s text ends with: ``hubspot: token invalid or expired: ... (HTTP 401, correlationId ...)``.
The store keeps an error as text, so the kind of fix is read back from the text our own errors write."""


@dataclass(frozen=True)
class FailedMetric:
    metric: str
    source: str
    error: str
    """As recorded: scrubbed of secrets, and carrying the source's own hint where it gives one."""
    fix: str | None
    last_success_at: datetime | None
    """When the newest successful fetch of the metric ran: its data is at least that old."""
    newest_day: date | None
    """The newest day stored for it, as of the run's day."""


@dataclass(frozen=True)
class RunProblem:
    """What went wrong beside the metrics: the report, its email, a digest, or the run itself."""

    what: str
    why: str
    fix: str | None = None


@dataclass(frozen=True)
class FailureAlert:
    """One failed, partial or crashed run."""

    company: str
    status: str
    """failed, partial, interrupted (stopped by a signal, recorded by the run) or crashed (its process died)."""
    as_of: date | None
    started_at: datetime | None
    failing_since: datetime
    """The start of the first run in the current streak (this run's, when it is the first)."""
    failing_since_as_of: date | None
    failed_runs: int
    """Runs in a row that did not succeed, this one included."""
    metrics_read: int
    """Metrics this run tried to read (unknown, 0, when it never got that far)."""
    metrics: tuple[FailedMetric, ...]
    problems: tuple[RunProblem, ...]
    flow_run: str | None = None
    """The Prefect flow run's name, to find its logs."""
    report_url: str | None = None


@dataclass(frozen=True)
class AllClear:
    """The first run that succeeded after a streak of runs that did not."""

    company: str
    as_of: date
    back_since: datetime
    stale_from: datetime
    """The start of the streak's first run: the data stopped being current then."""
    stale_from_as_of: date
    failed_runs: int
    flow_run: str | None = None
    report_url: str | None = None


def failure_streak(store: Store, before: datetime) -> list[SyncRun]:
    """The runs started between the last success before ``before`` and ``before``, oldest first:
    none of them succeeded."""
    success = store.latest_run(status="succeeded", before=before)
    return store.runs_between(success.started_at if success else None, before)


def failure_alert(
    config: Config, store: Store, run: SyncRun, *, problems: tuple[RunProblem, ...] = (), crashed: bool = False, flow_run: str | None = None
) -> FailureAlert:
    """The alert for ``run``, which did not succeed: each failed metric from its fetch records,
    ``problems`` beside them, and the streak it belongs to."""
    streak = failure_streak(store, run.started_at) + [run]
    fetches = store.fetches(run.id)
    failed = tuple(
        FailedMetric(
            fetch.metric, fetch.source, fetch.error or "failed", fix_for(config, fetch.source, fetch.error or ""),
            _last_success(store, fetch.metric), store.newest_observed_day(fetch.metric, run.as_of),
        )
        for fetch in fetches
        if fetch.status == "failed"
    )
    return FailureAlert(
        company=config.company,
        # A run stopped by a signal recorded itself as interrupted: say so, not that it crashed.
        status="interrupted" if run.status == "interrupted" else run.status if run.status in ("failed", "partial") and not crashed else "crashed",
        as_of=run.as_of,
        started_at=run.started_at,
        failing_since=streak[0].started_at,
        failing_since_as_of=streak[0].as_of,
        failed_runs=len(streak),
        metrics_read=len(fetches),
        metrics=failed,
        problems=problems,
        flow_run=flow_run,
        report_url=config.report_url,
    )


def unrecorded_failure_alert(
    company: str,
    store: Store | None,
    *,
    started_at: datetime,
    problems: tuple[RunProblem, ...],
    crashed: bool = False,
    flow_run: str | None = None,
    report_url: str | None = None,
) -> FailureAlert:
    """The alert for a flow run that left no run record (its config or database could not be
    opened, or it died before it started one): what is known, and the streak it extends when
    the store can be read."""
    earlier = failure_streak(store, started_at) if store is not None else []
    return FailureAlert(
        company=company,
        status="crashed" if crashed else "failed",
        as_of=None,
        started_at=started_at,
        failing_since=earlier[0].started_at if earlier else started_at,
        failing_since_as_of=earlier[0].as_of if earlier else None,
        failed_runs=len(earlier) + 1,
        metrics_read=0,
        metrics=(),
        problems=problems,
        flow_run=flow_run,
        report_url=report_url,
    )


def all_clear(config: Config, store: Store, run: SyncRun, *, flow_run: str | None = None) -> AllClear | None:
    """The all-clear for ``run`` when it succeeded after runs that did not; None otherwise (a
    success after a success says nothing)."""
    if run.status != "succeeded":
        return None
    streak = failure_streak(store, run.started_at)
    if not streak:
        return None
    return AllClear(
        company=config.company,
        as_of=run.as_of,
        back_since=run.finished_at or run.started_at,
        stale_from=streak[0].started_at,
        stale_from_as_of=streak[0].as_of,
        failed_runs=len(streak),
        flow_run=flow_run,
        report_url=config.report_url,
    )


def fix_for(config: Config, source: str, error: str) -> str | None:
    """What to do about a metric's recorded ``error`` from ``source``, beyond the hint the error
    may carry itself; None when the error says it all or nothing better is known."""
    if "Prefect Secret block" in error:
        return "Create that Secret block on the Prefect server the sync uses (`prefect block create secret`), or correct its name in the file, then run `okr sync`."
    located = error.startswith(f"{config.file_name}: ")
    if located:
        return f"Correct that value in {config.file_name} (`okr catalog` lists what the source has), then run `okr validate --online`."
    if "environment variable" in error and "is not set" in error:
        return "Set that variable where the sync runs (the worker's or okr serve's environment), then run `okr sync`."
    status = _STATUS.search(error)
    code = int(status.group(1)) if status else None
    if code in (401, 403):
        return f"The source refused its credential: put a valid one in {_credential(config, source)} where the sync runs (with the scopes the README lists), then run `okr validate --online`."
    if code == 429 or (code is not None and code >= 500) or "unreachable" in error:
        return "The source was busy or unreachable beyond our retries: the next run reads the missed days by itself; if it keeps failing, check the source's status page and the network from where the sync runs."
    return None


def _credential(config: Config, source: str) -> str:
    settings = config.sources.get(source)
    for place in settings.secret_places if settings is not None else ():
        return f"${place.variable}" if place.block is None else place.name
    return f"the credential of source {source!r}"


def _last_success(store: Store, metric: str) -> datetime | None:
    success = store.latest_fetch(metric, succeeded_only=True)
    return success[1].started_at if success else None
