"""Statuses that explain themselves: why a KR has its status, in words with units, and how an
objective's status follows from its KRs (``objective_status: weakest | weighted``).

The rules, as the README states them:
- A KR's status is its pace's (progress against the expected share of its period, with the
  ``thresholds``); a stale KR says ``stale`` and keeps its last known status beside it.
- Pace and forecast can disagree just above the on-track threshold: a KR on pace whose linear
  forecast ends short of the target stays ``on_track`` and is flagged ``forecast_short``,
  so the report never shows "On track" next to a forecast that misses without saying so.
- ``weakest`` (the default): an objective is as healthy as its weakest KR (``no_data`` and
  ``stale`` rank below ``at_risk``: silence is never green). ``weighted``: its weighted
  progress against its KRs' weighted expected pace, with the same thresholds, so one
  lagging KR among strong ones does not turn the whole objective red.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from okrmodel.config import KeyResult
from okrmodel.progress import Direction, Status, StatusThresholds, status_for, worst_status
from okrmodel.scoring import weighted_mean
from okrmodel.units import format_amount, format_day, format_of, format_percent

if TYPE_CHECKING:
    from okrmodel.evaluation import KeyResultStatus, LastFetch

__all__ = ["STATUS_LABELS", "objective_status", "status_reason"]

STATUS_LABELS = {
    Status.ON_TRACK: "on track",
    Status.AT_RISK: "at risk",
    Status.OFF_TRACK: "off track",
    Status.DONE: "done",
    Status.NO_DATA: "no data",
    Status.STALE: "stale",
}


def status_reason(
    status: Status,
    paced_status: Status,
    key_result: KeyResult,
    actual: float | None,
    target: float | None,
    expected_value: float | None,
    forecast: float | None,
    forecast_short: bool,
    *,
    newest_day: date | None,
    last_fetch: LastFetch | None,
    due: date,
    window_total_of: str | None = None,
) -> str:
    """Why ``status``, in one phrase: what was reached against what the pace asks by now, and
    where the forecast ends; for silence, since when and why. ``window_total_of`` names what a
    KR read as the window's total counts ("visitors"): its silence says that no total was read."""
    unit = key_result.unit
    if target is None:
        return "no target: set one so progress can be measured"
    if last_fetch is not None and last_fetch.warning and status is Status.NO_DATA:
        return f"doubtful: {last_fetch.warning}"
    if actual is None:
        if last_fetch is not None and last_fetch.failed:
            return f"not synced yet: the last sync failed ({last_fetch.error})"
        if window_total_of:
            return f"no total of {window_total_of} over this window read yet (their days do not add up: a returning one counts on every day)"
        return "nothing synced for this window yet" if key_result.metric else "no check-in yet"
    if status is Status.STALE:
        if last_fetch is not None and last_fetch.failed:
            why = f"the last sync failed ({last_fetch.error})"
        elif window_total_of:
            why = f"newest total of {window_total_of} runs through {format_day(newest_day)}"
        elif key_result.metric:
            why = f"newest data from {format_day(newest_day)}"
        else:
            why = f"last check-in {format_day(newest_day)}, one is due every {key_result.checkin_every.value.replace('_', ' ') if key_result.checkin_every else 'period'}"
        return f"{why}; last known {format_amount(actual, unit)}, {STATUS_LABELS[paced_status]}"
    direction = key_result.effective_direction
    reached = format_of(actual, target, unit)
    if status is Status.DONE:
        return f"target reached: {reached}"
    if direction is Direction.MILESTONE:
        return f"not reached yet; due {format_day(due)}"
    if direction.is_threshold:
        side = "above" if direction is Direction.STAY_ABOVE else "below"
        held = "holds" if status is not Status.OFF_TRACK else "broken"
        return f"{format_amount(actual, unit)}, must stay {side} {format_amount(target, unit)}: {held}"
    pace = f"{format_amount(expected_value, unit, approximate=True)} expected by now" if expected_value is not None else ""
    lead = {Status.ON_TRACK: "on pace", Status.AT_RISK: "behind pace", Status.OFF_TRACK: "well behind pace"}.get(status, "")
    text = f"{lead}: {reached}" + (f", {pace}" if pace else "")
    if forecast is not None:
        text += f"; forecast {format_amount(forecast, unit, approximate=True)} by {format_day(due)}"
        if forecast_short:
            text += ", short of the target"
    return text


def objective_status(
    rule: str, key_results: Sequence[KeyResultStatus], objective_progress: float | None, thresholds: StatusThresholds
) -> tuple[Status, str]:
    """The objective's status under ``rule`` (``weakest`` or ``weighted``) and how it was derived."""
    if not key_results:
        return Status.NO_DATA, "no key results this period"
    if rule == "weighted":
        expected = weighted_mean((kr.expected, kr.weight) for kr in key_results)
        measured = [kr for kr in key_results if kr.progress is not None]
        if not measured or expected is None:
            return Status.NO_DATA, "weighted progress: no key result has data yet"
        status = status_for(objective_progress, expected, thresholds)
        return status, f"weighted progress {format_percent(objective_progress)} against {format_percent(expected)} expected by now"
    status = worst_status([kr.status for kr in key_results])
    weakest = next(kr for kr in key_results if kr.status is status)
    if all(kr.status is status for kr in key_results):
        return status, f"every key result is {STATUS_LABELS[status]}"
    return status, f"its weakest key result is {STATUS_LABELS[status]}: {weakest.title}"
