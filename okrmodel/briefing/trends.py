"""Each KR's course over its span, as its reader compares it: the figure the KR is judged on,
day by day, against the straight pace line from baseline to target and the forecast."""

from __future__ import annotations

from datetime import date, timedelta

from okrmodel.aggregation import Aggregation
from okrmodel.briefing.model import Trend
from okrmodel.config import Config, KeyResult
from okrmodel.evaluation import KeyResultStatus, StatusReport
from okrmodel.periods import Period, WindowKind
from okrmodel.progress import Direction
from okrmodel.storage import Store
from okrmodel.units import format_day

__all__ = ["key_result_trends"]


def key_result_trends(config: Config, store: Store, report: StatusReport) -> dict[str, Trend]:
    """KR id -> trend for every KR with a target and something to draw."""
    period = config.current_period(report.as_of)
    trends: dict[str, Trend] = {}
    for objective in report.objectives:
        for status in objective.key_results:
            _objective, key_result = config.key_result(status.id)
            span = Period(period.label, key_result.start or period.first_day, key_result.due or period.last_day)
            trend = _trend(config, store, key_result, status, span, report.as_of)
            if trend is not None:
                trends[status.id] = trend
    return trends


def _trend(config: Config, store: Store, key_result: KeyResult, status: KeyResultStatus, span: Period, as_of: date) -> Trend | None:
    if status.target is None or status.direction is Direction.MILESTONE:
        return None
    last = min(as_of, span.last_day)
    pace = _pace_line(key_result, status, span)
    forecast = (span.last_day, status.forecast) if status.forecast is not None else None
    if key_result.metric is None:
        checkins = store.checkins(key_result.id, last)
        points = [(checkin.day, checkin.value) for checkin in checkins if checkin.day >= span.first_day]
        return Trend(status.id, "check-ins", points, pace, forecast, status.target, checkins=True) if points else None
    daily = {value.day: value.value for value in store.daily_values(key_result.metric, span.first_day - timedelta(days=29), last)}
    days = [span.first_day + timedelta(days=offset) for offset in range((last - span.first_day).days + 1)]
    window = status.window
    aggregation = status.aggregation
    if aggregation is Aggregation.TOTAL:
        # The window's unique count is one figure per night; its days are drawn as what they
        # are, daily counts on their own scale, with no pace or target line to misread them by.
        points = [(day, daily[day]) for day in days if day in daily]
        label = f"daily {status.unique_units or 'counts'}, each day counted on its own"
        return Trend(status.id, label, points, [], None, None, daily_counts=True) if points else None
    if aggregation is Aggregation.LATEST or window is WindowKind.LATEST:
        points = [(day, daily[day]) for day in days if day in daily]
        label = "value each day"
    elif aggregation is Aggregation.AVERAGE:
        points = _running_mean(days, daily)
        label = f"average {'daily ' + status.unique_units if status.unique_units else 'per day'} since {format_day(span.first_day)}"
    elif window is WindowKind.LAST_30_DAYS:
        points = [(day, sum(daily.get(day - timedelta(days=back), 0.0) for back in range(30))) for day in days if day in daily]
        label = "total of the 30 days ending each day"
    elif window is WindowKind.MONTH:
        points = _running_total(days, daily, restart_monthly=True)
        label = "running total of each month"
    else:
        points = _running_total(days, daily, restart_monthly=False)
        label = f"running total since {format_day(span.first_day)}"
    return Trend(status.id, label, points, pace, forecast, status.target) if points else None


def _pace_line(key_result: KeyResult, status: KeyResultStatus, span: Period) -> list[tuple[date, float]]:
    """Baseline at the span's start to target at its end; a threshold is a flat line at the target."""
    assert status.target is not None
    if status.direction.is_threshold:
        return [(span.first_day, status.target), (span.last_day, status.target)]
    if status.window is WindowKind.MONTH:
        return []  # the target restarts every month; the running total is read against the target line
    return [(span.first_day, key_result.start_value), (span.last_day, status.target)]


def _running_total(days: list[date], daily: dict[date, float], *, restart_monthly: bool) -> list[tuple[date, float]]:
    points, total, month = [], 0.0, None
    for day in days:
        if restart_monthly and day.month != month:
            total, month = 0.0, day.month
        if day not in daily:
            continue
        total += daily[day]
        points.append((day, total))
    return points


def _running_mean(days: list[date], daily: dict[date, float]) -> list[tuple[date, float]]:
    points, seen = [], []
    for day in days:
        if day in daily:
            seen.append(daily[day])
            points.append((day, sum(seen) / len(seen)))
    return points
