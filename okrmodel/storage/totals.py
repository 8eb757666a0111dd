"""Reading window totals: the current revision of each stored window of a metric."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from okrmodel.storage.models import WindowTotalObservation

__all__ = ["WindowTotalValue", "current_totals", "total_value"]


@dataclass(frozen=True)
class WindowTotalValue:
    """The current figure of a metric over one window (``first_day``..``last_day``), and when it was fetched."""

    first_day: date
    last_day: date
    value: float
    revision: int
    fetched_at: datetime


def total_value(row: WindowTotalObservation) -> WindowTotalValue:
    return WindowTotalValue(first_day=row.first_day, last_day=row.last_day, value=row.value, revision=row.revision, fetched_at=row.fetched_at)


def current_totals(
    session: Session, metric: str, ending_from: date, ending_to: date, *, first_day: date | None = None
) -> list[WindowTotalObservation]:
    """The newest revision of each window of ``metric`` ending in ``ending_from..ending_to`` (and
    starting on ``first_day``, if given), by last day, then first day."""
    in_range = [
        WindowTotalObservation.metric == metric,
        WindowTotalObservation.last_day >= ending_from,
        WindowTotalObservation.last_day <= ending_to,
    ]
    if first_day is not None:
        in_range.append(WindowTotalObservation.first_day == first_day)
    newest = (
        select(WindowTotalObservation.first_day, WindowTotalObservation.last_day, func.max(WindowTotalObservation.revision).label("revision"))
        .where(*in_range)
        .group_by(WindowTotalObservation.first_day, WindowTotalObservation.last_day)
        .subquery()
    )
    query = (
        select(WindowTotalObservation)
        .join(
            newest,
            (WindowTotalObservation.first_day == newest.c.first_day)
            & (WindowTotalObservation.last_day == newest.c.last_day)
            & (WindowTotalObservation.revision == newest.c.revision),
        )
        .where(WindowTotalObservation.metric == metric)
        .order_by(WindowTotalObservation.last_day, WindowTotalObservation.first_day)
    )
    return list(session.scalars(query))
