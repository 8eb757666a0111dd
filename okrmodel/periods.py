"""Periods, as-of days and the time windows a key result is measured over.

Every window is half-open, ``[start, end)``, and cut at midnight in the
company's time zone: "as of D" means data through the end of day D there.
Connectors receive windows as aware datetimes and turn them into whatever the
source needs (UTC epochs for HubSpot), so a record stamped exactly at midnight
falls in one window only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "Period",
    "Window",
    "WindowKind",
    "current_period",
    "parse_period",
    "quarter_of",
    "today_in",
    "window_for",
]

_QUARTER = re.compile(r"^(?P<year>\d{4})-Q(?P<quarter>[1-4])$")


class WindowKind(StrEnum):
    """How far back a key result looks from its as-of day."""

    PERIOD = "period"
    MONTH = "month"
    LAST_30_DAYS = "last_30_days"
    LATEST = "latest"


@dataclass(frozen=True)
class Period:
    """A planning period, such as a quarter, as an inclusive range of days."""

    label: str
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def elapsed_share(self, as_of: date) -> float:
        """Share of the period's days that have fully passed by the end of ``as_of``.

        Day one of the quarter counts as elapsed once it is over, so the share
        is 1/days on the first day and 1.0 on the last.
        """
        if as_of < self.first_day:
            return 0.0
        if as_of >= self.last_day:
            return 1.0
        return ((as_of - self.first_day).days + 1) / self.days

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


def parse_period(label: str) -> Period:
    """Parse a period label; quarters are written ``YYYY-Qn`` (``2026-Q4``)."""
    match = _QUARTER.match(label.strip())
    if not match:
        raise ValueError(f"period {label!r} is not a quarter such as '2026-Q4'")
    year, quarter = int(match["year"]), int(match["quarter"])
    first_month = 3 * (quarter - 1) + 1
    first_day = date(year, first_month, 1)
    next_first = date(year + 1, 1, 1) if quarter == 4 else date(year, first_month + 3, 1)
    return Period(label=f"{year}-Q{quarter}", first_day=first_day, last_day=next_first - timedelta(days=1))


def current_period(periods: list[Period], as_of: date) -> Period:
    """The period a report as of ``as_of`` is about.

    The listed period containing ``as_of``; in a gap between periods, or after
    the last one, the newest period that has started (so a closed quarter
    keeps reporting its final state); before the first one, the first.
    """
    if not periods:
        raise ValueError("no periods to choose from")
    ordered = sorted(periods, key=lambda period: period.first_day)
    started = [period for period in ordered if period.first_day <= as_of]
    return started[-1] if started else ordered[0]


@dataclass(frozen=True)
class Window:
    """Half-open time range ``[start, end)`` with both ends at local midnight."""

    start: datetime
    end: datetime

    @classmethod
    def from_days(cls, first_day: date, last_day: date, zone: ZoneInfo) -> Window:
        """The window covering ``first_day`` through ``last_day`` inclusive, in ``zone``."""
        return cls(
            start=datetime.combine(first_day, time.min, tzinfo=zone),
            end=datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=zone),
        )

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    def days(self) -> list[date]:
        count = (self.end.date() - self.start.date()).days
        return [self.first_day + timedelta(days=offset) for offset in range(count)]

    def union(self, other: Window) -> Window:
        return Window(start=min(self.start, other.start), end=max(self.end, other.end))

    def covers(self, other: Window) -> bool:
        """Whether every moment of ``other`` lies in this window."""
        return self.start <= other.start and other.end <= self.end

    def halves(self) -> tuple[Window, Window]:
        """The window cut at the local midnight nearest its middle; with an odd number of days
        the second half has the extra one. Raises ``ValueError`` for a single day."""
        days = self.days()
        if len(days) < 2:
            raise ValueError(f"the one-day window {self.first_day} has no halves")
        cut = datetime.combine(days[len(days) // 2], time.min, tzinfo=self.start.tzinfo)
        return Window(self.start, cut), Window(cut, self.end)


def window_for(kind: WindowKind, period: Period, as_of: date, zone: ZoneInfo) -> Window:
    """The window a key result with window ``kind`` covers as of ``as_of``.

    Every window ends on the reference day, ``min(as_of, period.last_day)``:
    after the period (or a KR's own ``due``, passed as its period) nothing
    later counts. ``period`` runs from the period's first day, ``month`` from
    the first of the reference day's month (not before the period starts),
    and ``last_30_days`` over the 30 days ending with the reference day,
    which may reach back into the previous period. ``latest`` reads the
    newest snapshot on or before the reference day, so its window is that day.
    """
    last_day = min(as_of, period.last_day)
    if kind is WindowKind.PERIOD:
        first_day = period.first_day
    elif kind is WindowKind.MONTH:
        first_day = max(last_day.replace(day=1), period.first_day)
    elif kind is WindowKind.LAST_30_DAYS:
        first_day = last_day - timedelta(days=29)
    else:
        first_day = last_day
    if first_day > last_day:
        raise ValueError(f"as-of day {as_of} is before period {period.label} starts ({period.first_day})")
    return Window.from_days(first_day, last_day, zone)


def today_in(zone: ZoneInfo) -> date:
    """Today's date in ``zone``: the default as-of day."""
    return datetime.now(zone).date()


def quarter_of(day: date) -> Period:
    """The calendar quarter containing ``day``."""
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
