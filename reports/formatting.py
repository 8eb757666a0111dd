"""How numbers, shares and statuses read in a report."""

from __future__ import annotations

from datetime import date, datetime

__all__ = ["bar_width", "format_approximate", "format_date", "format_number", "format_percent", "format_status", "format_value"]

_CURRENCY_PREFIXES = {"$", "€", "£", "USD", "EUR", "GBP"}
_STATUS_LABELS = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "done": "Done",
    "no_data": "No data",
    "stale": "Stale",
}


def format_number(value: float | None) -> str:
    """``1234.0`` -> ``1,234``; ``12.345`` -> ``12.3``; None -> an em dash."""
    if value is None:
        return "\u2014"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def format_approximate(value: float | None) -> str:
    """An estimate: whole numbers from 10 up (a forecast of 1,040.6 contacts reads 1,041)."""
    if value is not None and abs(value) >= 10:
        return format_number(round(value))
    return format_number(round(value, 1) if value is not None else None)


def format_value(value: float | None, unit: str | None) -> str:
    """A number with its unit: ``$48,500``, ``30 MQLs``."""
    text = format_number(value)
    if value is None or not unit:
        return text
    if unit in _CURRENCY_PREFIXES:
        return f"{unit}{text}" if len(unit) == 1 else f"{unit} {text}"
    return f"{text} {unit}"


def format_percent(share: float | None) -> str:
    return "\u2014" if share is None else f"{share * 100:.0f}%"


def format_status(status: str) -> str:
    return _STATUS_LABELS.get(status, status.replace("_", " ").capitalize())


def format_date(moment: date | datetime | None) -> str:
    if moment is None:
        return "\u2014"
    if isinstance(moment, datetime):
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    return moment.strftime("%d %b %Y").lstrip("0")


def bar_width(share: float | None) -> float:
    """A share as a bar length in percent, clamped to 0..100."""
    return round(min(max(share or 0.0, 0.0), 1.0) * 100, 1)
