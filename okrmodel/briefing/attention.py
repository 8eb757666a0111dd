"""Needs attention: the few things a reader must look at today, most urgent first.

Severity 0 is the most urgent: a KR off track, a metric whose sync fails (its KRs show old
values); then KRs at risk and doubtful or stale data; then overdue actions and due
check-ins; last, KRs on pace whose forecast misses the target.
"""

from __future__ import annotations

from okrmodel.briefing.model import AttentionItem, AttentionKind, DataHealth, MetricProblem
from okrmodel.config import ActionStatus
from okrmodel.evaluation import KeyResultStatus, StatusReport
from okrmodel.progress import Status
from okrmodel.units import format_day

__all__ = ["attention_items"]

_SETTLED_ACTIONS = (ActionStatus.DONE, ActionStatus.DROPPED)


def attention_items(report: StatusReport, health: DataHealth) -> list[AttentionItem]:
    """Every item needing attention in ``report``, most urgent first, then in report order."""
    items: list[AttentionItem] = []
    failing_metrics = {problem.metric: problem for source in health.sources for problem in source.problems}
    owners = {kr.metric: kr.owner for objective in reversed(report.objectives) for kr in reversed(objective.key_results) if kr.metric}
    for problem in failing_metrics.values():
        since = f" since {format_day(problem.since.date())}" if problem.since else ""
        reason = f"sync failing{since}: {problem.message}" if problem.failed else problem.message
        items.append(AttentionItem(
            AttentionKind.DATA, 0 if problem.failed else 1, problem.metric, reason,
            owner=owners.get(problem.metric), since=problem.since.date() if problem.since else None,
        ))
    for objective in report.objectives:
        for key_result in objective.key_results:
            item = _key_result_item(key_result, objective.id, failing_metrics)
            if item is not None:
                items.append(item)
        for action in objective.actions:
            if action.due is not None and action.due < report.as_of and action.status not in _SETTLED_ACTIONS:
                late = (report.as_of - action.due).days
                items.append(AttentionItem(
                    AttentionKind.ACTION, 2, action.title,
                    f"due {format_day(action.due)}, still {action.status.value.replace('_', ' ')} ({late} day{'s' if late != 1 else ''} overdue)",
                    owner=action.owner or objective.owner, objective_id=objective.id, since=action.due,
                ))
    return sorted(items, key=lambda item: item.severity)


def _key_result_item(key_result: KeyResultStatus, objective_id: str, failing_metrics: dict[str, MetricProblem]) -> AttentionItem | None:
    reason = key_result.status_reason or key_result.status.value
    common = {"owner": key_result.owner, "status": key_result.status, "key_result_id": key_result.id, "objective_id": objective_id}
    if key_result.status is Status.OFF_TRACK:
        return AttentionItem(AttentionKind.KEY_RESULT, 0, key_result.title, reason, **common)
    if key_result.status is Status.AT_RISK:
        return AttentionItem(AttentionKind.KEY_RESULT, 1, key_result.title, reason, **common)
    if key_result.metric is None and key_result.status in (Status.STALE, Status.NO_DATA) and key_result.target is not None:
        return AttentionItem(AttentionKind.CHECKIN, 2, key_result.title, f"check-in due: {reason}", **common)
    if key_result.metric is not None and key_result.metric not in failing_metrics and key_result.status in (Status.STALE, Status.NO_DATA):
        # A failing metric already has its own item; this is silence or doubt without a failure.
        return AttentionItem(AttentionKind.DATA, 1, key_result.title, reason, **common)
    if key_result.forecast_short:
        return AttentionItem(AttentionKind.KEY_RESULT, 3, key_result.title, reason, **common)
    return None
