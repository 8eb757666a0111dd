"""``build_view``: ReportData -> ReportView, the one model the web page, the email and the
plain text are all rendered from. Exception first: what needs attention, then what changed,
then the detail, then whether the data can be trusted."""

from __future__ import annotations

from okrmodel.briefing.model import AttentionItem, AttentionKind, Changes, DataHealth, KeyResultChange, ReportData, SourceHealth
from okrmodel.evaluation import StatusReport
from okrmodel.progress import Status
from reports.formatting import format_date, format_delta, format_percent, format_points, format_short_date, format_status, sentence
from reports.palette import STATUS_TONES
from reports.view.badges import status_badge
from reports.view.key_results import key_result_anchor
from reports.view.objectives import objective_anchor, objectives_section, owners_section
from reports.view.sections import (
    AttentionEntry,
    AttentionSection,
    Badge,
    BannerSection,
    ChangeEntry,
    ChangesSection,
    Footer,
    Header,
    HealthSection,
    ProblemView,
    ReportView,
    Section,
    SourceView,
)

__all__ = ["build_view", "status_summary"]

# Worst first, as leadership should read them; the first four are what a summary must name.
_COUNT_ORDER = (Status.OFF_TRACK, Status.AT_RISK, Status.STALE, Status.NO_DATA, Status.ON_TRACK, Status.DONE)
_PROBLEMS = _COUNT_ORDER[:4]
_KIND_BADGES = {
    AttentionKind.KEY_RESULT: Badge("Key result", "warn"),
    AttentionKind.DATA: Badge("Data problem", "stale"),
    AttentionKind.ACTION: Badge("Overdue", "bad"),
    AttentionKind.CHECKIN: Badge("Check-in due", "warn"),
}
METHOD = (
    "Progress = (actual \u2212 baseline) / (target \u2212 baseline). Expected by now is where the elapsed share "
    "of the quarter puts a key result; the dark mark on each bar shows it."
)


def build_view(data: ReportData) -> ReportView:
    report = data.status
    summary = status_summary(report)
    attention = _attention(data.attention)
    sections: list[Section] = [BannerSection(data.health.banner)] if data.health.banner else []
    sections += [attention, _changes(data.changes), objectives_section(data), owners_section(data), _health(data.health)]
    return ReportView(
        headline=f"{report.company} OKRs, {format_short_date(report.as_of)}: {summary}",
        summary=summary,
        preheader=_preheader(attention, summary),
        header=_header(report, data.report_page),
        sections=tuple(sections),
        footer=Footer(f"Generated {format_date(report.generated_at)} by OKR Autopilot", data.report_page, METHOD),
    )


def status_summary(report: StatusReport) -> str:
    """``2 off track, 1 at risk, 1 stale``; ``all on track`` when nothing is behind or silent."""
    counts = report.status_counts()
    if not any(counts.values()):
        return "no key results"
    problems = [f"{counts[status]} {format_status(status.value).lower()}" for status in _PROBLEMS if counts[status]]
    return ", ".join(problems) if problems else "all on track"


def _header(report: StatusReport, report_url: str | None) -> Header:
    counts = report.status_counts()
    closing = None
    if report.closed:
        closing = "Closed: final values frozen." + (f" Period score {report.score:.2f}." if report.score is not None else "")
    elif report.score is not None:
        closing = f"Period score {report.score:.2f}."
    return Header(
        title=f"{report.company} OKRs",
        period=f"{report.period} ({format_short_date(report.period_first_day)} to {format_date(report.period_last_day)})",
        as_of=f"As of {format_date(report.as_of)} ({report.timezone})",
        elapsed=f"{format_percent(report.expected)} of the quarter elapsed",
        counts=tuple(Badge(f"{counts[status]} {format_status(status.value).lower()}", STATUS_TONES[status]) for status in _COUNT_ORDER if counts[status]),
        closing=closing,
        report_url=report_url,
    )


def _attention(items: list[AttentionItem]) -> AttentionSection:
    return AttentionSection(tuple(_attention_entry(item) for item in sorted(items, key=lambda item: item.severity)))


def _attention_entry(item: AttentionItem) -> AttentionEntry:
    if item.key_result_id:
        link = f"#{key_result_anchor(item.key_result_id)}"
    elif item.objective_id:
        link = f"#{objective_anchor(item.objective_id)}"
    else:
        link = "#health" if item.kind is AttentionKind.DATA else None
    return AttentionEntry(
        title=item.title,
        reason=sentence(item.reason),
        badge=status_badge(item.status) if item.status else _KIND_BADGES[item.kind],
        owner=item.owner,
        since=f"since {format_date(item.since)}" if item.since else None,
        link=link,
    )


def _preheader(attention: AttentionSection, summary: str) -> str:
    if not attention.items:
        return f"{attention.empty}: {summary}."
    top = attention.items[0]
    more = len(attention.items) - 1
    return f"{top.title}: {top.reason}" + (f" (and {more} more)" if more else "")


def _changes(changes: Changes) -> ChangesSection:
    if changes.since is None:
        return ChangesSection("Changes", "First report: nothing to compare with yet.", (), ())
    since = format_date(changes.since)
    status_changes = tuple(_change_entry(change, _status_change_text(change)) for change in changes.status_changes)
    movers = tuple(_change_entry(change, _movement_text(change)) for change in changes.movers())
    note = None if status_changes or movers else f"No status changed and no key result moved since {since}."
    return ChangesSection(f"Changes since {since}", note, status_changes, movers)


def _change_entry(change: KeyResultChange, text: str) -> ChangeEntry:
    return ChangeEntry(change.title, text, status_badge(change.status), f"#{key_result_anchor(change.key_result_id)}")


def _status_change_text(change: KeyResultChange) -> str:
    assert change.previous_status is not None  # a status change has a previous status
    return f"{format_status(change.previous_status.value)} \u2192 {format_status(change.status.value)}"


def _movement_text(change: KeyResultChange) -> str:
    assert change.progress is not None and change.previous_progress is not None  # movers have both
    text = f"{format_points(change.progress - change.previous_progress)} progress ({format_percent(change.previous_progress)} \u2192 {format_percent(change.progress)})"
    return text + (f", {format_delta(change.delta, change.unit)}" if change.delta is not None else "")


def _health(health: DataHealth) -> HealthSection:
    if health.last_run_status is None:
        last_run = "No sync has run yet."
    else:
        last_run = f"Last sync: {health.last_run_status}, {format_date(health.last_run_at)}."
    return HealthSection(last_run, tuple(_source_view(source) for source in health.sources))


def _source_view(source: SourceHealth) -> SourceView:
    failed = any(problem.failed for problem in source.problems)
    if source.last_success_at is None:
        badge = Badge("Never synced", "bad")
    elif failed:
        badge = Badge("Failing", "bad")
    else:
        badge = Badge("Warning", "warn") if source.problems else Badge("Healthy", "good")
    problems = tuple(
        ProblemView(
            problem.metric,
            problem.message,
            Badge("Failing", "bad") if problem.failed else Badge("Warning", "warn"),
            (f"failing since {format_date(problem.since)}" if problem.since else "never succeeded") if problem.failed else None,
        )
        for problem in source.problems
    )
    name = source.source if source.type == source.source else f"{source.source} ({source.type})"
    last_success = f"Last successful sync {format_date(source.last_success_at)}" if source.last_success_at else "No successful sync yet"
    return SourceView(name, badge, last_success, problems)
