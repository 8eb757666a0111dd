"""What a report says beyond each KR's numbers: what needs attention, whether the data can be
trusted, what changed, and each KR's trend. Plain data, built by the modules beside this one
from stored data and rendered by ``reports``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from okrmodel.briefing.silence import Silence
from okrmodel.evaluation import StatusReport
from okrmodel.progress import Status

__all__ = [
    "AttentionItem",
    "AttentionKind",
    "Changes",
    "DataHealth",
    "KeyResultChange",
    "MetricProblem",
    "ReportData",
    "SourceHealth",
    "Trend",
]


class AttentionKind(StrEnum):
    KEY_RESULT = "key_result"
    """Off track, at risk, or on pace with a forecast that misses the target."""
    DATA = "data"
    """A metric whose latest fetch failed, that is stale, or that reads a suspicious zero."""
    ACTION = "action"
    """An action past its due day and not done."""
    CHECKIN = "checkin"
    """A manual KR whose check-in is due."""


@dataclass(frozen=True)
class AttentionItem:
    """One thing a reader must look at, most urgent first (``severity`` 0 is the most urgent)."""

    kind: AttentionKind
    severity: int
    title: str
    """What it is about: the KR's or action's title, or the metric's name."""
    reason: str
    """Why, in words, with numbers and units: ``behind pace: 52 of 110 deals, 67 expected by now``."""
    owner: str | None = None
    status: Status | None = None
    key_result_id: str | None = None
    objective_id: str | None = None
    since: date | None = None
    """Since when (an action's due day, a metric's first failed sync), when it is known."""


@dataclass(frozen=True)
class MetricProblem:
    """A metric of a source that failed or warned on its latest fetch."""

    metric: str
    message: str
    failed: bool
    """True: its latest fetch failed (its KRs show older values as stale); False: a warning."""
    since: datetime | None = None
    """When the failures began: the first failed run after the last success (None: never succeeded)."""


@dataclass(frozen=True)
class SourceHealth:
    """One source's freshness: when it last delivered, and what is wrong with it now."""

    source: str
    type: str
    last_success_at: datetime | None
    problems: list[MetricProblem] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.last_success_at is not None and not any(problem.failed for problem in self.problems)


@dataclass(frozen=True)
class DataHealth:
    """Can these numbers be trusted: the latest sync run and each source's state."""

    sources: list[SourceHealth]
    last_run_status: str | None
    """succeeded, partial, failed, running, or None before the first sync."""
    last_run_at: datetime | None
    banner: str | None
    """One sentence for the top of the report when something failed, else None."""


@dataclass(frozen=True)
class KeyResultChange:
    """How one KR moved since the compared report, and over the last 7 days."""

    key_result_id: str
    title: str
    unit: str | None
    status: Status
    previous_status: Status | None
    actual: float | None
    previous_actual: float | None
    progress: float | None
    previous_progress: float | None
    week_delta: float | None = None
    """Actual now minus actual as of 7 days before (None when either is unknown)."""

    @property
    def delta(self) -> float | None:
        if self.actual is None or self.previous_actual is None:
            return None
        return self.actual - self.previous_actual

    @property
    def status_changed(self) -> bool:
        return self.previous_status is not None and self.previous_status is not self.status


@dataclass(frozen=True)
class Changes:
    """The report against an earlier one (the last archived, or ``--compare D``)."""

    since: date | None
    """The compared report's as-of day; None when there is nothing to compare with."""
    key_results: list[KeyResultChange]
    """Every KR of the current report, in report order."""

    @property
    def status_changes(self) -> list[KeyResultChange]:
        return [change for change in self.key_results if change.status_changed]

    def movers(self, count: int = 3) -> list[KeyResultChange]:
        """The KRs whose progress moved most since the compared report, biggest first."""
        moved = [c for c in self.key_results if c.progress is not None and c.previous_progress is not None and c.progress != c.previous_progress]
        return sorted(moved, key=lambda c: abs(c.progress - c.previous_progress), reverse=True)[:count]  # type: ignore[operator]

    def for_key_result(self, key_result_id: str) -> KeyResultChange | None:
        return next((change for change in self.key_results if change.key_result_id == key_result_id), None)


@dataclass(frozen=True)
class Trend:
    """A KR's course over its window, as the reader compares it: what it reached each day,
    where the pace line says it should be, and where the forecast says it will end."""

    key_result_id: str
    label: str
    """What the points are: ``deals created since 1 Oct (running total)``, ``MQLs in the last 30 days``."""
    points: list[tuple[date, float]]
    pace: list[tuple[date, float]]
    """The straight line from the baseline at the window's start to the target at its end (empty: no pace)."""
    forecast: tuple[date, float] | None
    target: float | None
    checkins: bool = False
    """The points are a manual KR's check-ins, not daily synced values."""
    daily_counts: bool = False
    """The points are each day's own count of a unique measure, not the KR's figure (its window's total)."""


@dataclass(frozen=True)
class ReportData:
    """Everything a report, web or email or text, shows: the status and what to make of it."""

    status: StatusReport
    attention: list[AttentionItem]
    health: DataHealth
    changes: Changes
    trends: dict[str, Trend]
    """KR id -> trend, for every KR that has one."""
    report_url: str | None = None
    """Where the archive is published (``report_url:``), for links in the email."""
    silences: dict[str, Silence] = field(default_factory=dict)
    """KR id -> its unanswered check-in reminders, for the KRs silent long enough to escalate."""

    @property
    def report_page(self) -> str | None:
        """This day's report in the published archive, or None when it is not published."""
        return f"{self.report_url.rstrip('/')}/{self.status.as_of.isoformat()}.html" if self.report_url else None
