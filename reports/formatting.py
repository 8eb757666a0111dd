"""How numbers, shares, dates and statuses read in a report: every number with its unit.

The plain number formats come from ``okrmodel.units``, which also writes the model's own
sentences (an attention item's reason), so a number reads the same in both.
"""

from __future__ import annotations

from datetime import date, datetime

from okrmodel.progress import Status
from okrmodel.status_rules import STATUS_LABELS
from okrmodel.units import format_amount, format_approximate, format_number, format_of, format_percent

__all__ = [
    "MISSING",
    "bar_width",
    "format_approximate",
    "format_approximate_value",
    "format_date",
    "format_delta",
    "format_moment",
    "format_number",
    "format_of",
    "format_percent",
    "format_points",
    "format_short_date",
    "format_status",
    "format_value",
    "sentence",
]

MISSING = "\u2014"


def format_value(value: float | None, unit: str | None) -> str:
    """A number with its unit: ``$48,500``, ``30 MQLs``."""
    return format_amount(value, unit)


def format_approximate_value(value: float | None, unit: str | None) -> str:
    """An estimate with its unit: ``$3,160,645``, ``85 deals``."""
    return format_amount(value, unit, approximate=True)


def format_delta(delta: float | None, unit: str | None) -> str:
    """A change with its sign and unit: ``+12 deals``, ``\u221245 MQLs``, ``+$45,000``, ``no change``."""
    if delta is None:
        return MISSING
    if delta == 0:
        return "no change"
    sign = "+" if delta > 0 else "\u2212"
    return sign + format_value(abs(delta), unit)


def format_points(delta_share: float) -> str:
    """A change of a share in percentage points: ``+12 pts``, ``\u22123 pts``."""
    points = round(delta_share * 100)
    if points == 0:
        return "\u00b10 pts"
    return ("+" if points > 0 else "\u2212") + f"{abs(points)} pts"


def format_status(status: str) -> str:
    """``On track``: the model's label for the status (``status_rules.STATUS_LABELS``), capitalised."""
    try:
        label = STATUS_LABELS[Status(status)]
    except ValueError:  # not a KR status (a source's or an action's state): its own words
        label = status.replace("_", " ")
    return label.capitalize()


def format_date(moment: date | datetime | None) -> str:
    """A day as ``1 Dec 2026``; a moment as ``1 Dec 2026, 03:12 UTC`` (stored moments are UTC)."""
    if moment is None:
        return MISSING
    if isinstance(moment, datetime):
        return format_moment(moment)
    return f"{moment.day} {moment:%b %Y}"


def format_short_date(day: date) -> str:
    """A day within the report's quarter, as ``1 Dec``."""
    return f"{day.day} {day:%b}"


def format_moment(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def bar_width(share: float | None) -> float:
    """A share as a bar length in percent, clamped to 0..100."""
    return round(min(max(share or 0.0, 0.0), 1.0) * 100, 1)


def sentence(phrase: str) -> str:
    """The model's phrases (``behind pace: ...``) as the start of a sentence."""
    return phrase[:1].upper() + phrase[1:]
