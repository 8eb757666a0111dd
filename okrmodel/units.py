"""How numbers read to people: thousands separators, units, shares, days.

Shared by the words the model writes (an attention item's reason) and the
reports that render them, so a number reads the same everywhere.
"""

from __future__ import annotations

from datetime import date

__all__ = ["format_amount", "format_approximate", "format_day", "format_number", "format_of", "format_percent", "unit_goes_first"]

_CURRENCY_PREFIXES = {"$", "€", "£", "USD", "EUR", "GBP"}


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


def unit_goes_first(unit: str | None) -> bool:
    """Currencies stand before the number (``$48,500``); every other unit after it (``30 MQLs``)."""
    return unit in _CURRENCY_PREFIXES


def format_of(actual: float | None, target: float | None, unit: str | None) -> str:
    """An actual against its target, the unit said where it reads naturally:
    ``17 of 20 MQLs``, ``$1,200,000 of $2,500,000``."""
    if unit_goes_first(unit):
        return f"{format_amount(actual, unit)} of {format_amount(target, unit)}"
    return f"{format_number(actual)} of {format_amount(target, unit)}"


def format_amount(value: float | None, unit: str | None, *, approximate: bool = False) -> str:
    """A number with its unit: ``$48,500``, ``30 MQLs``; ``approximate`` rounds an estimate."""
    text = format_approximate(value) if approximate else format_number(value)
    if value is None or not unit:
        return text
    if unit_goes_first(unit):
        return f"{unit}{text}" if len(unit) == 1 else f"{unit} {text}"
    return f"{text} {unit}"


def format_percent(share: float | None) -> str:
    return "\u2014" if share is None else f"{share * 100:.0f}%"


def format_day(day: date | None) -> str:
    """``1 Dec`` (this report's year is implied), or an em dash."""
    return "\u2014" if day is None else f"{day.day} {day:%b}"
