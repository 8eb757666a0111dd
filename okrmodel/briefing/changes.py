"""What changed: the report against an earlier one, and each KR's move over the last 7 days."""

from __future__ import annotations

from okrmodel.briefing.model import Changes, KeyResultChange
from okrmodel.evaluation import KeyResultStatus, StatusReport

__all__ = ["compare_reports"]


def compare_reports(current: StatusReport, previous: StatusReport | None, week_ago: StatusReport | None) -> Changes:
    """Every KR of ``current`` beside its state in ``previous`` (None: nothing to compare with)
    and its actual 7 days before (``week_ago``)."""
    before = _key_results(previous)
    week = _key_results(week_ago)
    changes = []
    for objective in current.objectives:
        for key_result in objective.key_results:
            then = before.get(key_result.id)
            seven_days = week.get(key_result.id)
            week_delta = key_result.actual - seven_days.actual if seven_days and seven_days.actual is not None and key_result.actual is not None else None
            changes.append(KeyResultChange(
                key_result_id=key_result.id,
                title=key_result.title,
                unit=key_result.unit,
                status=key_result.status,
                previous_status=then.status if then else None,
                actual=key_result.actual,
                previous_actual=then.actual if then else None,
                progress=key_result.progress,
                previous_progress=then.progress if then else None,
                week_delta=week_delta,
            ))
    return Changes(since=previous.as_of if previous else None, key_results=changes)


def _key_results(report: StatusReport | None) -> dict[str, KeyResultStatus]:
    if report is None:
        return {}
    return {key_result.id: key_result for objective in report.objectives for key_result in objective.key_results}
