"""A KR's trend (``okrmodel.briefing.Trend``) as chart geometry and words.

The geometry is computed once here, so the web's SVG and the email's PNG draw the
same picture, and the text alternative states the numbers the picture shows.
"""

from __future__ import annotations

from datetime import date

from okrmodel.briefing.model import Trend
from reports.formatting import format_approximate_value, format_of, format_short_date, format_value, sentence
from reports.view.sections import TrendChart

__all__ = ["CHART_HEIGHT", "CHART_WIDTH", "pace_on", "trend_chart"]

CHART_WIDTH, CHART_HEIGHT = 320, 120
# The plot leaves room below for the date labels and above for the target's label.
_LEFT, _RIGHT, _TOP, _BOTTOM = 6.0, CHART_WIDTH - 6.0, 16.0, CHART_HEIGHT - 20.0


def trend_chart(trend: Trend, unit: str | None) -> TrendChart | None:
    """The chart of a metric KR's trend; None when there is nothing to draw."""
    if not trend.points:
        return None
    forecast = [trend.forecast] if trend.forecast else []
    days = [day for day, _ in trend.points + trend.pace + forecast]
    values = [value for _, value in trend.points + trend.pace + forecast] + ([trend.target] if trend.target is not None else [])
    first_day, last_day = min(days), max(days)
    span_days = max((last_day - first_day).days, 1)
    low, high = min(values), max(values)
    spread = (high - low) or max(abs(high), 1.0)
    low, high = low - spread * 0.04, high + spread * 0.06

    def point(day: date, value: float) -> tuple[float, float]:
        x = _LEFT + (day - first_day).days / span_days * (_RIGHT - _LEFT)
        y = _TOP + (high - value) / (high - low) * (_BOTTOM - _TOP)
        return round(x, 1), round(y, 1)

    actual = tuple(point(day, value) for day, value in trend.points)
    return TrendChart(
        title_id=f"trend-{trend.key_result_id}",
        content_id=f"trend-{trend.key_result_id}@okr-autopilot",
        description=describe(trend, unit),
        caption=sentence(trend.label),
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        actual=actual,
        pace=tuple(point(day, value) for day, value in trend.pace),
        forecast=(actual[-1], point(*trend.forecast)) if trend.forecast else (),
        target_y=point(first_day, trend.target)[1] if trend.target is not None else None,
        target_label=f"target {format_value(trend.target, unit)}" if trend.target is not None else None,
        start_label=format_short_date(first_day),
        end_label=format_short_date(last_day),
        axis_y=_BOTTOM,
        legend="Solid: each day's own count." if trend.daily_counts else TrendChart.legend,
    )


def describe(trend: Trend, unit: str | None) -> str:
    """The chart in words: ``52 of 110 deals by 1 Dec; pace 67 deals; forecast 85 deals by 31 Dec``."""
    day, value = trend.points[-1]
    if trend.daily_counts:
        return f"{format_value(value, unit)} on {format_short_date(day)}, each day on its own"
    reached = format_of(value, trend.target, unit) if trend.target is not None else format_value(value, unit)
    parts = [f"{reached} by {format_short_date(day)}"]
    pace = pace_on(trend.pace, day)
    if pace is not None:
        parts.append(f"pace {format_approximate_value(pace, unit)}")
    if trend.forecast:
        forecast_day, forecast_value = trend.forecast
        parts.append(f"forecast {format_approximate_value(forecast_value, unit)} by {format_short_date(forecast_day)}")
    return "; ".join(parts)


def pace_on(pace: list[tuple[date, float]], day: date) -> float | None:
    """Where the pace line stands on ``day`` (linear between its points, held at its ends)."""
    if not pace:
        return None
    if day <= pace[0][0]:
        return pace[0][1]
    for (start, start_value), (end, end_value) in zip(pace, pace[1:]):
        if start <= day <= end:
            share = (day - start).days / max((end - start).days, 1)
            return start_value + share * (end_value - start_value)
    return pace[-1][1]
