"""``okr status --json``: the documented contract for scripts and dashboards.

Fields are only ever added (``tests/okrmodel/test_status_json.py`` pins every key of
every level): renaming or dropping one breaks the tools built on it.
"""

from __future__ import annotations

from typing import Any

from okrmodel.evaluation import CheckinValue, KeyResultStatus, LastFetch, ObjectiveStatus, StatusReport
from okrmodel.run_log import SyncFreshness
from okrmodel.scoring import score_label

__all__ = ["key_result_json", "objective_json", "report_json"]


def report_json(report: StatusReport, sync: SyncFreshness | None = None) -> dict[str, Any]:
    """The document; ``sync`` (when the sync last succeeded, seen from the wall clock) is null
    when not given."""
    return {
        "period": report.period,
        "as_of": report.as_of.isoformat(),
        "objectives": [objective_json(objective) for objective in report.objectives],
        "expected": _rounded(report.expected),
        "score": _rounded(report.score),
        "closed": report.closed,
        "sync": sync.to_json() if sync is not None else None,
    }


def objective_json(objective: ObjectiveStatus) -> dict[str, Any]:
    return {
        "id": objective.id,
        "title": objective.title,
        "owner": objective.owner,
        "progress": _rounded(objective.progress),
        "status": objective.status.value,
        "key_results": [key_result_json(key_result) for key_result in objective.key_results],
        "parent": objective.parent,
        "weight": objective.weight,
        "computed_status": objective.computed_status.value,
        "score": _rounded(objective.score),
        "score_label": score_label(objective.score),
        "children": objective.children,
        "rollup_progress": _rounded(objective.rollup_progress),
        "rollup_status": objective.rollup_status.value if objective.rollup_status else None,
        "frozen": objective.frozen,
        "status_basis": objective.status_basis,
    }


def key_result_json(key_result: KeyResultStatus) -> dict[str, Any]:
    return {
        "id": key_result.id,
        "title": key_result.title,
        "owner": key_result.owner,
        "metric": key_result.metric,
        "actual": key_result.actual,
        "baseline": key_result.baseline,
        "target": key_result.target,
        "progress": _rounded(key_result.progress),
        "expected": _rounded(key_result.expected),
        "status": key_result.status.value,
        "source": key_result.source,
        "updated_at": key_result.updated_at.isoformat() if key_result.updated_at else None,
        "unit": key_result.unit,
        "direction": key_result.direction.value,
        "aggregation": key_result.aggregation.value if key_result.aggregation else None,
        "weight": key_result.weight,
        "automated_actual": key_result.automated_actual,
        "checkin": _checkin_json(key_result.checkin) if key_result.checkin else None,
        "stale": key_result.stale,
        "newest_data_day": key_result.newest_data_day.isoformat() if key_result.newest_data_day else None,
        "forecast": _rounded(key_result.forecast),
        "forecast_progress": _rounded(key_result.forecast_progress),
        "score": key_result.score,
        "score_label": score_label(key_result.score),
        "frozen": key_result.frozen,
        "last_fetch": _last_fetch_json(key_result.last_fetch) if key_result.last_fetch else None,
        "caveats": list(key_result.caveats),
        "status_reason": key_result.status_reason,
        "forecast_short": key_result.forecast_short,
        "last_known_status": key_result.last_known_status.value if key_result.last_known_status else None,
        "expected_value": _rounded(key_result.expected_value),
    }


def _checkin_json(checkin: CheckinValue) -> dict[str, Any]:
    return {
        "value": checkin.value,
        "day": checkin.day.isoformat(),
        "author": checkin.author,
        "note": checkin.note,
        "pinned": checkin.pinned,
        "created_at": checkin.created_at.isoformat(),
        "wins": checkin.wins,
    }


def _last_fetch_json(last_fetch: LastFetch) -> dict[str, Any]:
    return {"status": last_fetch.status, "at": last_fetch.at.isoformat(), "error": last_fetch.error, "warning": last_fetch.warning}


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None
