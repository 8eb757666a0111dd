"""Closing a period: freeze each KR's and objective's final values and score.

After closing, reports about that period show the frozen values even if a
later sync revises the underlying days (HubSpot merges, late attribution):
the quarter's score is what leadership saw at its end.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from okrmodel.config import Config
from okrmodel.evaluation import ObservationReader, StatusReport, evaluate
from okrmodel.periods import today_in
from okrmodel.storage.models import PeriodScore

__all__ = ["PeriodCloser", "PeriodNotOver", "close_period"]


class PeriodNotOver(ValueError):
    """Closing a period before its last day would freeze partial data for good."""


class PeriodCloser(ObservationReader, Protocol):
    """A reader that can also store frozen scores (the Store)."""

    def freeze_period(self, period: str, scores: list[PeriodScore]) -> bool: ...


def close_period(
    config: Config, store: PeriodCloser, period_label: str, closed_by: str, *, as_of: date | None = None, today: date | None = None, force: bool = False,
) -> tuple[StatusReport, bool]:
    """Evaluate ``period_label`` as of its last day and freeze the result.

    Returns the report and whether this call froze it (False: it was closed
    already, and the report shows the earlier frozen values). Raises
    KeyError for a period the config does not list, and PeriodNotOver (a
    ValueError) when ``as_of`` (default: today in the config's zone) is
    before the period's last day, or ``today`` (default: today in the config's zone) is
    still its last day or earlier (the last day's numbers are not in yet), unless ``force``.
    """
    period = next((period for period in config.periods if period.label == period_label), None)
    if period is None:
        raise KeyError(f"period {period_label} is not listed in the config ({config.period_label})")
    today = today or today_in(config.zone)
    as_of = as_of or today
    if (as_of < period.last_day or today <= period.last_day) and not force:
        when = f"as of {as_of}" if as_of < period.last_day else f"today is {today}"
        raise PeriodNotOver(
            f"period {period.label} runs until {period.last_day} ({when}); closing it now would freeze "
            "partial data for good; close it after its last day, or force it"
        )
    report = evaluate(config, store, period.last_day)
    rows: list[PeriodScore] = []
    for objective in report.objectives:
        rows.append(PeriodScore(item_kind="objective", item_id=objective.id, actual=None, progress=objective.progress,
                                score=objective.score, status=objective.status.value, closed_by=closed_by))
        rows.extend(
            PeriodScore(item_kind="key_result", item_id=kr.id, actual=kr.actual, progress=kr.progress,
                        score=kr.score, status=kr.status.value, closed_by=closed_by)
            for kr in objective.key_results
        )
    frozen_now = store.freeze_period(period.label, rows)
    return evaluate(config, store, period.last_day), frozen_now
