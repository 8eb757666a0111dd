"""What ops look at: recent sync runs, how fresh each metric is, and whether the sync still runs.

Listing the runs first marks abandoned those left ``running`` by a process of
this machine that is gone (``okrmodel.storage.abandon_dead_runs``), so a
killed sync shows as what it is at once, not as one still running.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import takewhile
from typing import Any

from okrmodel.config import Config
from okrmodel.storage import Store, abandon_dead_runs
from okrmodel.storage.models import SyncRun

__all__ = ["SYNC_OVERDUE_AFTER", "MetricFreshness", "RunSummary", "SyncFreshness", "metric_freshness", "recent_runs", "sync_freshness", "utc_minute"]

SYNC_OVERDUE_AFTER = timedelta(hours=36)
"""A nightly sync succeeds every 24 hours; 36 leave room for a late or retried night before ops
are asked whether anything still runs it."""


@dataclass(frozen=True)
class RunSummary:
    id: str
    as_of: date
    started_at: datetime
    finished_at: datetime | None
    status: str
    metrics_succeeded: int
    metrics_failed: int
    api_calls: int
    message: str | None
    host: str | None = None
    pid: int | None = None
    """The process that ran it, where recorded."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "as_of": self.as_of.isoformat(),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "metrics_succeeded": self.metrics_succeeded,
            "metrics_failed": self.metrics_failed,
            "api_calls": self.api_calls,
            "message": self.message,
            "host": self.host,
            "pid": self.pid,
        }


@dataclass(frozen=True)
class MetricFreshness:
    """A metric's newest stored day, its last successful fetch, and its last error if the
    latest attempt failed."""

    metric: str
    source: str
    newest_day: date | None
    last_success_at: datetime | None
    last_attempt_failed: bool
    last_error: str | None
    last_warning: str | None = None
    """The latest fetch read fine but is doubtful (a suspicious zero)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "source": self.source,
            "newest_day": self.newest_day.isoformat() if self.newest_day else None,
            "last_success_at": self.last_success_at.isoformat() if self.last_success_at else None,
            "last_attempt_failed": self.last_attempt_failed,
            "last_error": self.last_error,
            "last_warning": self.last_warning,
        }


def recent_runs(store: Store, limit: int = 10) -> list[RunSummary]:
    """The newest ``limit`` sync runs, newest first, with their metric outcomes counted; runs whose
    process on this machine is gone are marked abandoned first."""
    abandon_dead_runs(store)
    return [_summarise(store, run) for run in store.runs(limit)]


def own_run_since(store: Store, newest_before: str | None) -> SyncRun | None:
    """The run this process began after the run ``newest_before`` (the newest one when it looked;
    None: there was none), or None. Syncs of a company run one at a time, so few runs are newer;
    the pid alone would not do, since a container's syncs may all run as the same pid."""
    newer = takewhile(lambda run: run.id != newest_before, store.runs(5))
    return next((run for run in newer if (run.host, run.pid) == (socket.gethostname(), os.getpid())), None)


def _summarise(store: Store, run: SyncRun) -> RunSummary:
    fetches = store.fetches(run.id)
    return RunSummary(
        id=run.id,
        as_of=run.as_of,
        started_at=run.started_at,
        finished_at=run.finished_at,
        status=run.status,
        metrics_succeeded=sum(1 for fetch in fetches if fetch.status == "succeeded"),
        metrics_failed=sum(1 for fetch in fetches if fetch.status == "failed"),
        api_calls=sum(fetch.api_calls for fetch in fetches),
        message=run.message,
        host=run.host,
        pid=run.pid,
    )


def metric_freshness(config: Config, store: Store, as_of: date) -> list[MetricFreshness]:
    """Every configured metric's freshness as of ``as_of``, in config order."""
    rows = []
    for name, metric in config.metrics.items():
        latest = store.latest_fetch(name)
        success = store.latest_fetch(name, succeeded_only=True)
        failed = latest is not None and latest[0].status == "failed"
        rows.append(
            MetricFreshness(
                metric=name,
                source=metric.source,
                newest_day=store.newest_observed_day(name, as_of),
                last_success_at=success[1].started_at if success else None,
                last_attempt_failed=failed,
                last_error=latest[0].error if failed and latest else None,
                last_warning=latest[0].warning if latest else None,
            )
        )
    return rows


@dataclass(frozen=True)
class SyncFreshness:
    """When a sync last succeeded, seen at ``now``: overdue past ``SYNC_OVERDUE_AFTER``, which
    no failure alert can report (a stopped worker or ``okr serve`` runs nothing that could fail)."""

    last_success_at: datetime | None
    runs_since: int
    """Runs after the last success (or ever, without one), none of which succeeded."""
    now: datetime
    syncs_anything: bool
    """The config has metrics; one without them has nothing to sync and is never overdue."""

    @property
    def overdue(self) -> bool:
        if not self.syncs_anything:
            return False
        return self.last_success_at is None or self.now - self.last_success_at > SYNC_OVERDUE_AFTER

    @property
    def warning(self) -> str | None:
        """``last successful sync 2 days ago (2026-11-29 03:04 UTC): is the worker or okr serve running?``"""
        if not self.overdue:
            return None
        last = (
            f"last successful sync {_ago(self.now - self.last_success_at)} ({utc_minute(self.last_success_at)})"
            if self.last_success_at is not None else "no successful sync yet"
        )
        if self.runs_since:
            runs = "the run since" if self.runs_since == 1 else f"the {self.runs_since} runs since"
            if self.last_success_at is None:
                runs = "the run so far" if self.runs_since == 1 else f"the {self.runs_since} runs so far"
            return f"{last}; {runs} did not succeed: see okr runs"
        return f"{last}: is the worker or okr serve running?"

    def to_json(self) -> dict[str, Any]:
        return {
            "last_success_at": self.last_success_at.isoformat() if self.last_success_at else None,
            "runs_since": self.runs_since,
            "overdue": self.overdue,
            "warning": self.warning,
        }


def sync_freshness(config: Config, store: Store, now: datetime) -> SyncFreshness:
    """How long ago the sync last succeeded, as of the wall clock's ``now`` (passed in, so that it
    can be any moment: the as-of day says which data, not when the worker last ran)."""
    success = store.latest_run(status="succeeded", before=now)
    since = store.runs_between(success.started_at if success else None, now)
    return SyncFreshness(success.started_at if success else None, len(since), now, bool(config.metrics))


def utc_minute(moment: datetime) -> str:
    """``2026-11-29 03:04 UTC``: a moment as ops read it beside ``okr runs``."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _ago(elapsed: timedelta) -> str:
    hours = int(elapsed.total_seconds() // 3600)
    return f"{hours} hours ago" if hours < 48 else f"{hours // 24} days ago"
