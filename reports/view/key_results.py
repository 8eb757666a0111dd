"""One key result as the reader sees it: status and why, figures with units, bar, movement,
freshness, warnings and trend."""

from __future__ import annotations

from datetime import date

from okrmodel.aggregation import Aggregation
from okrmodel.briefing.attention import silence_words
from okrmodel.briefing.model import Changes, Trend
from okrmodel.briefing.silence import Silence
from okrmodel.evaluation import KeyResultStatus
from okrmodel.periods import WindowKind
from okrmodel.progress import Direction, Status
from reports.formatting import (
    MISSING,
    bar_width,
    format_approximate_value,
    format_date,
    format_delta,
    format_number,
    format_of,
    format_percent,
    format_short_date,
    format_status,
    format_value,
    sentence,
)
from reports.palette import STATUS_TONES
from reports.view.badges import status_badge
from reports.view.sections import Badge, Bar, BarCell, Figure, KeyResultView, Notice
from reports.view.trend import trend_chart

__all__ = ["BAR_PIXELS", "key_result_anchor", "key_result_headline", "key_result_view", "progress_bar"]

BAR_PIXELS = 180
"""The email's bar width; the web scales the same cells to its own width."""
_PACE_PIXELS = 2
_WINDOW_LABELS = {WindowKind.PERIOD: "quarter to date", WindowKind.MONTH: "this month", WindowKind.LAST_30_DAYS: "last 30 days"}


def key_result_anchor(key_result_id: str) -> str:
    return f"kr-{key_result_id}"


def key_result_view(kr: KeyResultStatus, changes: Changes, trend: Trend | None, period_last_day: date, silence: Silence | None = None) -> KeyResultView:
    """``silence``: its check-in reminders went unanswered long enough to escalate, said beside its status."""
    badge = status_badge(kr.status)
    forecast_day = trend.forecast[0] if trend is not None and trend.forecast else period_last_day
    return KeyResultView(
        id=kr.id,
        anchor=key_result_anchor(kr.id),
        title=kr.title,
        owner=kr.owner,
        badge=badge,
        flags=_flags(kr, silence),
        reason=sentence(kr.status_reason) if kr.status_reason else None,
        headline=key_result_headline(kr),
        reading=_reading(kr),
        outlook=_outlook(kr, forecast_day),
        bar=_bar(kr, badge.tone),
        movement=_movement(kr, changes),
        freshness=_freshness(kr),
        notices=_notices(kr),
        trend=trend_chart(trend, kr.unit) if trend is not None and not trend.checkins else None,
        checkins=_checkins(kr, trend),
    )


def progress_bar(progress: float | None, expected: float | None, tone: str, label: str) -> Bar:
    """Progress as cells adding up to ``BAR_PIXELS``: the fill, the rest of the track, and the
    pace mark as a cell of its own (email clients drop positioned elements)."""
    fill = round(bar_width(progress) / 100 * BAR_PIXELS)
    if expected is None:
        parts = [("fill", fill), ("track", BAR_PIXELS - fill)]
    else:
        pace = min(round(bar_width(expected) / 100 * BAR_PIXELS), BAR_PIXELS - _PACE_PIXELS)
        if fill <= pace:
            parts = [("fill", fill), ("track", pace - fill), ("pace", _PACE_PIXELS), ("track", BAR_PIXELS - pace - _PACE_PIXELS)]
        else:
            beyond = max(fill - pace - _PACE_PIXELS, 0)
            parts = [("fill", pace), ("pace", _PACE_PIXELS), ("fill", beyond), ("track", BAR_PIXELS - pace - _PACE_PIXELS - beyond)]
    cells = tuple(BarCell(part, tone, pixels, round(pixels / BAR_PIXELS * 100, 2)) for part, pixels in parts if pixels > 0)
    return Bar(label, cells)


def _flags(kr: KeyResultStatus, silence: Silence | None) -> tuple[Badge, ...]:
    flags = []
    if silence is not None:
        flags.append(Badge(sentence(silence_words(silence)), "warn"))
    if kr.forecast_short:
        flags.append(Badge("Forecast short", "warn"))
    if kr.last_known_status is not None:
        flags.append(Badge(f"Last known: {format_status(kr.last_known_status.value)}", STATUS_TONES[kr.last_known_status]))
    if kr.score is not None:
        flags.append(Badge(f"Score {kr.score:.2f}", "muted"))
    if kr.frozen:
        flags.append(Badge("Final", "muted"))
    return tuple(flags)


def key_result_headline(kr: KeyResultStatus) -> str:
    """``17 of 20 MQLs (70%)``."""
    if kr.target is None:
        return f"{format_value(kr.actual, kr.unit)} (no target)"
    if kr.actual is None or _doubtful(kr):
        return f"no value yet, target {format_value(kr.target, kr.unit)}"
    return f"{format_of(kr.actual, kr.target, kr.unit)} ({progress_words(kr)})"


def progress_words(kr: KeyResultStatus) -> str:
    """Progress said for what it is: a share of the target when counting from 0, else of the way
    from the baseline (17 MQLs from a baseline of 10 towards 20 are 70 % of the way, 85 % of 20)."""
    share = format_percent(kr.progress or 0)
    if kr.baseline:
        return f"{share} of the way from {format_value(kr.baseline, kr.unit)}"
    return f"{share} of target"


def _reading(kr: KeyResultStatus) -> tuple[Figure, ...]:
    progress = progress_words(kr) if kr.progress is not None else None
    if kr.direction.is_threshold:
        target_hint = "must stay above" if kr.direction is Direction.STAY_ABOVE else "must stay below"
    elif kr.direction is Direction.MILESTONE:
        target_hint = "milestone"
    else:
        target_hint = f"from {format_value(kr.baseline, kr.unit)}" if kr.baseline else None
    actual = Figure(_actual_label(kr), format_value(kr.actual, kr.unit), progress)
    if _doubtful(kr):
        actual = Figure("Actual", MISSING, "reads 0, which its unfiltered query contradicts")
    return (actual, Figure("Target", format_value(kr.target, kr.unit), target_hint))


def _actual_label(kr: KeyResultStatus) -> str:
    """What the actual is, where a unique count makes it matter: one total over the window, or a daily average."""
    if kr.unique_units is None:
        return "Actual"
    if kr.aggregation is Aggregation.TOTAL:
        return "Window total"
    return f"Average daily {kr.unique_units}" if kr.aggregation is Aggregation.AVERAGE else "Actual"


def _doubtful(kr: KeyResultStatus) -> bool:
    """A zero the sync warned about: shown as no value, never as a confident 0."""
    return kr.status is Status.NO_DATA and kr.last_fetch is not None and kr.last_fetch.warning is not None


def _outlook(kr: KeyResultStatus, forecast_day: date) -> tuple[Figure, ...]:
    figures = []
    if kr.expected_value is not None and kr.direction is not Direction.MILESTONE:
        figures.append(Figure("Expected by now", format_approximate_value(kr.expected_value, kr.unit), f"{format_percent(kr.expected)} of the way"))
    if kr.forecast is not None:
        short = ", short of target" if kr.forecast_short else ""
        figures.append(Figure("Forecast", format_approximate_value(kr.forecast, kr.unit), f"by {format_short_date(forecast_day)}{short}"))
    elif kr.score is None:
        figures.append(Figure("Forecast", MISSING, "none for a milestone" if kr.direction is Direction.MILESTONE else "not enough data yet"))
    return tuple(figures)


def _bar(kr: KeyResultStatus, tone: str) -> Bar | None:
    if kr.target is None or kr.direction.is_threshold:
        return None
    paced = kr.direction is not Direction.MILESTONE
    label = progress_words(kr) + (f", {format_percent(kr.expected)} expected by now" if paced else "")
    return progress_bar(kr.progress, kr.expected if paced else None, tone, label)


def _movement(kr: KeyResultStatus, changes: Changes) -> tuple[str, ...]:
    change = changes.for_key_result(kr.id)
    if change is None:
        return ()
    lines = []
    if change.week_delta is not None:
        lines.append(sentence(f"{format_delta(change.week_delta, kr.unit)} in the last 7 days"))
    if changes.since is not None and change.status_changed and change.previous_status is not None:
        lines.append(f"Was {format_status(change.previous_status.value).lower()} on {format_date(changes.since)}")
    return tuple(lines)


def _freshness(kr: KeyResultStatus) -> str:
    if kr.checkin is not None and kr.checkin.wins:
        return f"Check-in by {kr.checkin.author} on {format_date(kr.checkin.day)}"
    if kr.source is not None:
        source, _, metric = kr.source.partition(":")
        if kr.window is WindowKind.LATEST:
            window = f"snapshot of {format_date(kr.window_last_day)}"
        else:
            label = _WINDOW_LABELS.get(kr.window, "window") if kr.window else "window"
            window = f"{label}, {_day(kr.window_first_day)} to {_day(kr.window_last_day)}"
            if kr.aggregation is Aggregation.TOTAL:
                window = f"one total of unique {kr.unique_units or 'counts'} over the {window}"
        return f"From {source} ({metric}), {window}, updated {format_date(kr.updated_at)}"
    if kr.metric is not None:
        return f"Metric {kr.metric}: nothing synced for this window yet"
    return "Manual check-ins: none yet"


def _day(day: date | None) -> str:
    return format_short_date(day) if day else MISSING


def _notices(kr: KeyResultStatus) -> tuple[Notice, ...]:
    notices = []
    if kr.last_fetch is not None and kr.last_fetch.failed:
        notices.append(Notice("warning", f"Last sync failed on {format_date(kr.last_fetch.at)}: {kr.last_fetch.error}"))
    if kr.last_fetch is not None and kr.last_fetch.warning:
        notices.append(Notice("warning", kr.last_fetch.warning))
    if kr.stale:
        newest = "last check-in" if kr.metric is None or (kr.checkin is not None and kr.checkin.wins) else "newest data"
        notices.append(Notice("warning", f"Stale: {newest} {format_date(kr.newest_data_day)}"))
    if kr.checkin is not None and kr.checkin.wins and kr.automated_actual is not None:
        pinned = " (pinned)" if kr.checkin.pinned else ""
        notices.append(Notice("info", f"Check-in{pinned} overrides the synced {format_value(kr.automated_actual, kr.unit)}"))
    elif kr.checkin is not None and not kr.checkin.wins:
        notices.append(Notice("info", f"Check-in of {format_date(kr.checkin.day)} ({format_value(kr.checkin.value, kr.unit)}) superseded by a newer synced value"))
    if kr.unique_units is not None and kr.aggregation is Aggregation.TOTAL:
        notices.append(Notice("info", f"Each of the {kr.unique_units} counts once over the window; the chart shows each day's own count, which adds up to more"))
    if kr.note:
        notices.append(Notice("info", f"Note: {kr.note}"))
    notices.extend(Notice("info", f"Note: {caveat}") for caveat in kr.caveats)
    if kr.weight != 1:
        notices.append(Notice("info", f"Weight {format_number(kr.weight)}"))
    return tuple(notices)


def _checkins(kr: KeyResultStatus, trend: Trend | None) -> tuple[str, ...]:
    if trend is not None and trend.checkins:
        return tuple(f"{format_short_date(day)}: {format_value(value, kr.unit)}" for day, value in trend.points)
    if kr.metric is None and kr.checkin is not None:
        return (f"{format_short_date(kr.checkin.day)}: {format_value(kr.checkin.value, kr.unit)}",)
    return ()
