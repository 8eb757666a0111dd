"""Needs attention: the few things a reader must look at today, most urgent first.

Severity 0 is the most urgent: a KR off track, a metric whose sync fails (its KRs show old
values); then KRs at risk and doubtful or stale data; then overdue actions and due
check-ins; last, KRs on pace whose forecast misses the target.
"""

from __future__ import annotations

from okrmodel.briefing.model import AttentionItem, AttentionKind, DataHealth, MetricProblem
from okrmodel.briefing.silence import Silence
from okrmodel.evaluation import KeyResultStatus, StatusReport
from okrmodel.progress import Status
from okrmodel.units import format_day

__all__ = ["attention_items", "silence_words"]

def attention_items(report: StatusReport, health: DataHealth, silences: dict[str, Silence] | None = None) -> list[AttentionItem]:
    """Every item needing attention in ``report``, most urgent first, then in report order; a KR
    in ``silences`` (its check-in reminders unanswered) says for how long."""
    items: list[AttentionItem] = []
    failing_metrics = {problem.metric: problem for source in health.sources for problem in source.problems}
    items.extend(_data_items(report, list(failing_metrics.values())))
    for objective in report.objectives:
        for key_result in objective.key_results:
            item = _key_result_item(key_result, objective.id, failing_metrics, (silences or {}).get(key_result.id))
            if item is not None:
                items.append(item)
        for action in objective.actions:
            if action.is_overdue(report.as_of):
                late = (report.as_of - action.due).days
                items.append(AttentionItem(
                    AttentionKind.ACTION, 2, action.title,
                    f"due {format_day(action.due)}, still {action.status.value.replace('_', ' ')} ({late} day{'s' if late != 1 else ''} overdue)",
                    owner=action.owner or objective.owner, objective_id=objective.id, since=action.due,
                ))
    return sorted(items, key=lambda item: item.severity)


def _data_items(report: StatusReport, problems: list[MetricProblem]) -> list[AttentionItem]:
    """One item per distinct cause (a rejected token fails every metric alike), named by the
    KRs the metrics feed, so the reader sees what is affected, not metric ids."""
    fed: dict[str, list[KeyResultStatus]] = {}
    for objective in report.objectives:
        for key_result in objective.key_results:
            if key_result.metric:
                fed.setdefault(key_result.metric, []).append(key_result)
    by_cause: dict[tuple[bool, str], list[MetricProblem]] = {}
    for problem in problems:
        by_cause.setdefault((problem.failed, problem.message), []).append(problem)
    items = []
    for (failed, message), grouped in by_cause.items():
        key_results = [kr for problem in grouped for kr in fed.get(problem.metric, [])]
        title = "; ".join(kr.title for kr in key_results) or ", ".join(problem.metric for problem in grouped)
        metrics = ", ".join(problem.metric for problem in grouped)
        starts = [problem.since for problem in grouped if problem.since is not None]
        reason = f"sync failing ({metrics}): {message}" if failed else f"{metrics}: {message}"
        items.append(AttentionItem(
            AttentionKind.DATA, 0 if failed else 1, title, reason,
            owner=next((kr.owner for kr in key_results if kr.owner), None),
            key_result_id=key_results[0].id if len(key_results) == 1 else None,
            since=min(starts).date() if starts else None,
        ))
    return items


def _key_result_item(
    key_result: KeyResultStatus, objective_id: str, failing_metrics: dict[str, MetricProblem], silence: Silence | None
) -> AttentionItem | None:
    reason = key_result.status_reason or key_result.status.value
    unanswered = f"{silence_words(silence)}, {silence.missed} reminder{'s' if silence.missed != 1 else ''} unanswered" if silence else None
    common = {"owner": key_result.owner, "status": key_result.status, "key_result_id": key_result.id, "objective_id": objective_id}
    if unanswered and key_result.status not in (Status.STALE, Status.NO_DATA):
        reason = f"{reason} ({unanswered})"
    if key_result.status is Status.OFF_TRACK:
        return AttentionItem(AttentionKind.KEY_RESULT, 0, key_result.title, reason, **common)
    if key_result.status is Status.AT_RISK:
        return AttentionItem(AttentionKind.KEY_RESULT, 1, key_result.title, reason, **common)
    if key_result.metric is None and key_result.status in (Status.STALE, Status.NO_DATA) and key_result.target is not None:
        return AttentionItem(AttentionKind.CHECKIN, 2, key_result.title, f"check-in due: {unanswered or reason}", **common)
    if key_result.metric is not None and key_result.metric not in failing_metrics and key_result.status in (Status.STALE, Status.NO_DATA):
        # A failing metric already has its own item; this is silence or doubt without a failure.
        return AttentionItem(AttentionKind.DATA, 1, key_result.title, reason, **common)
    if key_result.forecast_short:
        return AttentionItem(AttentionKind.KEY_RESULT, 3, key_result.title, reason, **common)
    return None


def silence_words(silence: Silence) -> str:
    """``no check-in for 3 weeks`` (``for 1 week``; ``yet`` for a KR never checked in, under a week)."""
    if silence.weeks < 1:
        return "no check-in yet" if silence.last_checkin is None else f"no check-in since {format_day(silence.last_checkin)}"
    return f"no check-in for {silence.weeks} week{'s' if silence.weeks != 1 else ''}"
