"""Silence is never green: when a key result's newest data is too old to trust.

A metric is expected every ``freshness_days``: with the default 1, data
through yesterday is current (this morning's report before tonight's sync)
and data two days old is stale. A manual KR is expected every
``checkin_every``. A failed fetch stores
nothing, so it leaves the newest observed day where it was and the KR turns
stale instead of showing a zero.
"""

from __future__ import annotations

from datetime import date

__all__ = ["is_stale", "lag_days"]


def lag_days(newest_day: date, as_of: date) -> int:
    """Whole days between the newest observed day and the as-of day (0 when current)."""
    return max((as_of - newest_day).days, 0)


def is_stale(newest_day: date | None, as_of: date, allowed_days: int) -> bool:
    """True when data exists but its newest day is more than ``allowed_days`` before ``as_of``.

    Never stale without any data: that is ``no_data``, a different problem
    (nothing was ever observed) with a different fix.
    """
    if newest_day is None:
        return False
    return lag_days(newest_day, as_of) > allowed_days
