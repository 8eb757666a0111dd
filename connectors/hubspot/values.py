"""HubSpot's value formats: everything is a string, datetimes in two spellings."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["epoch_millis", "filter_value", "parse_datetime", "parse_number"]


def parse_datetime(value: str | None) -> datetime | None:
    """Parse a CRM datetime: UTC ISO-8601 (``2026-07-30T01:44:04.389Z``) or epoch milliseconds."""
    if value is None or value == "":
        return None
    text = value.strip()
    if text.lstrip("-").isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_number(value: str | None) -> float | None:
    """Parse a numeric property; HubSpot sends amounts as strings, possibly empty."""
    if value is None or value.strip() == "":
        return None
    return float(value)


def epoch_millis(moment: datetime) -> str:
    """A filter value for a datetime property: UTC epoch milliseconds."""
    return str(int(moment.timestamp() * 1000))


def filter_value(value: str | int | float | bool) -> str:
    """A config value as HubSpot's filter expects it (strings; ``true``/``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
