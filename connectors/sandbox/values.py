"""How HubSpot writes values, and the time arithmetic the sandbox's generators share.

Datetimes are UTC ISO-8601 with milliseconds and ``Z``; record ids are
numeric strings. Naive datetimes are refused everywhere: guessing their zone
is the bug this product exists to avoid.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["MILLISECOND", "MONTHS", "as_utc", "days_later", "format_hubspot_datetime", "local_midnight", "numeric_id"]

MILLISECOND = timedelta(milliseconds=1)
# Spelled out rather than strftime("%b"), which follows the process locale.
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def format_hubspot_datetime(moment: datetime) -> str:
    """``2026-07-30T01:44:04.389Z``: how HubSpot writes a datetime property value (UTC, milliseconds)."""
    return as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime has no unambiguous instant and is refused."""
    if moment.tzinfo is None:
        raise ValueError(f"datetime {moment!r} must be timezone-aware")
    return moment.astimezone(UTC)


def numeric_id(value: int | str) -> str:
    """A record id as HubSpot writes it. The search's default order and tie-break are numeric
    on the id, so ids must be numbers."""
    return str(int(value))


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant ``day`` starts in ``zone``, in UTC."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def days_later(rng: random.Random, moment: datetime, min_days: float, max_days: float) -> datetime:
    """``moment`` plus a uniformly random span of ``min_days`` to ``max_days``, in whole milliseconds."""
    return moment + int(rng.uniform(min_days, max_days) * 86_400_000) * MILLISECOND
