"""Alerts to ops: a failed, partial, interrupted or crashed sync, and the all-clear after, as an email.

Like the report, one view (``build_alert_view``: every line already worded, times in UTC beside
``okr runs``) is rendered as plain text and as mail-client HTML (the report email's stylesheet,
inlined), and the message goes out through ``reports.email.send_email`` with ``email:``'s SMTP
settings to the ``alerts:`` recipients.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from okrmodel.alerting import AllClear, FailedMetric, FailureAlert
from okrmodel.config import EmailSettings
from okrmodel.run_log import utc_minute
from okrmodel.units import format_day
from reports.email import new_message
from reports.render import alert_html, alert_text

__all__ = ["AlertEntry", "AlertView", "build_alert_email", "build_alert_view"]


@dataclass(frozen=True)
class AlertEntry:
    """One thing that failed: what, why, since when its data is stale, and what to do."""

    title: str
    why: str
    stale: str | None = None
    fix: str | None = None


@dataclass(frozen=True)
class AlertView:
    tone: str
    """The palette tone of the headline: ``bad`` for a failure, ``good`` for the all-clear."""
    subject: str
    headline: str
    preheader: str
    facts: tuple[tuple[str, str], ...]
    """Label and value: the run, since when it fails, the flow run, the report."""
    entries: tuple[AlertEntry, ...]
    notes: tuple[str, ...]
    footer: str


def build_alert_view(alert: FailureAlert | AllClear) -> AlertView:
    return _failure_view(alert) if isinstance(alert, FailureAlert) else _all_clear_view(alert)


def build_alert_email(view: AlertView, settings: EmailSettings, recipients: Sequence[str]) -> EmailMessage:
    """multipart/alternative: the plain text, then the HTML; sent from ``email:``'s sender."""
    message = new_message(settings, view.subject, recipients)
    message.set_content(alert_text(view))
    message.add_alternative(alert_html(view), subtype="html")
    return message


_VERBS = {"failed": "failed", "partial": "partly failed", "crashed": "crashed", "interrupted": "was stopped before it finished"}


def _failure_view(alert: FailureAlert) -> AlertView:
    counted = [f"{len(alert.metrics)} of {alert.metrics_read} metric{'s' if alert.metrics_read != 1 else ''} failed"] if alert.metrics else []
    what = ", ".join(counted + [problem.what for problem in alert.problems]) or "no metric failed"
    in_a_row = f" ({alert.failed_runs} runs in a row)" if alert.failed_runs > 1 else ""
    as_of = f" as of {format_day(alert.as_of)}" if alert.as_of else ""
    since = _failing_since(alert)
    entries = tuple(_metric_entry(metric) for metric in alert.metrics) + tuple(
        AlertEntry(problem.what[:1].upper() + problem.what[1:], problem.why, fix=problem.fix) for problem in alert.problems
    )
    return AlertView(
        tone="bad",
        subject=f"{alert.company}: sync {alert.status}: {what}{in_a_row}",
        headline=f"{alert.company}: the sync{as_of} {_VERBS[alert.status]}",
        preheader=f"{what}; failing since {utc_minute(alert.failing_since)}",
        facts=_facts(
            ("Run", f"{as_of.strip() + ', ' if as_of else ''}started {utc_minute(alert.started_at)}" if alert.started_at else None),
            ("Failing since", since),
            ("Flow run", alert.flow_run),
            ("Report", _report_link(alert.report_url, alert)),
        ),
        entries=entries,
        notes=(
            *(["Stored data is kept: the report shows each failed metric's last known values, marked stale, never as fresh ones."] if alert.metrics else []),
            "Once fixed, the next run reads every day not yet final, so no day is lost. `okr runs` lists the runs and their errors.",
        ),
        footer=f"OKR Autopilot, for the alerts: recipients of {alert.company}.",
    )


def _failing_since(alert: FailureAlert) -> str:
    if alert.failed_runs == 1:
        return f"this run ({utc_minute(alert.failing_since)})"
    first = f", the run as of {format_day(alert.failing_since_as_of)}" if alert.failing_since_as_of else ""
    return f"{utc_minute(alert.failing_since)}{first}: {alert.failed_runs} runs in a row have not succeeded"


def _metric_entry(metric: FailedMetric) -> AlertEntry:
    if metric.last_success_at is None:
        stale = "never read successfully: its key results have no synced value"
    else:
        newest = f"; newest day stored {format_day(metric.newest_day)}" if metric.newest_day else ""
        stale = f"since {utc_minute(metric.last_success_at)}, its last successful read{newest}"
    return AlertEntry(f"{metric.metric} ({metric.source})", metric.error, stale=stale, fix=metric.fix)


def _all_clear_view(alert: AllClear) -> AlertView:
    runs = f"{alert.failed_runs} run{'s' if alert.failed_runs != 1 else ''}"
    stale = f"from {utc_minute(alert.stale_from)} to {utc_minute(alert.back_since)}"
    return AlertView(
        tone="good",
        subject=f"{alert.company}: sync back to normal after {runs} that did not succeed",
        headline=f"{alert.company}: the sync is back to normal",
        preheader=f"Back to normal since {utc_minute(alert.back_since)}; stale {stale}",
        facts=_facts(
            ("Back to normal since", f"{utc_minute(alert.back_since)}, the run as of {format_day(alert.as_of)}"),
            ("Stale", f"{stale}: {runs} did not succeed, the first as of {format_day(alert.stale_from_as_of)}"),
            ("Flow run", alert.flow_run),
            ("Report", _report_link(alert.report_url, alert)),
        ),
        entries=(),
        notes=("Every metric was read again: the report's numbers are current. Nothing else is sent until a run fails.",),
        footer=f"OKR Autopilot, for the alerts: recipients of {alert.company}.",
    )


def _facts(*pairs: tuple[str, str | None]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value)


def _report_link(report_url: str | None, alert: FailureAlert | AllClear) -> str | None:
    if report_url is None or alert.as_of is None:
        return None
    return f"{report_url}/{alert.as_of.isoformat()}.html"
