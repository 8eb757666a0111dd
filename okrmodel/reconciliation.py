"""Which stored days of a window disagree with the source, found by halving with window totals.

A source that gives a window's figure in one call (HubSpot's ``total``) lets a
night check a whole quarter of stored days at once: the stored daily values of
a metric that adds up over days must sum to the source's total. Where they do
not (records archived, deleted or merged since their day was stored), the
window is cut in halves and only the first half's total is asked for: the
second's is the whole's minus the first's. Each half that still disagrees is
halved again until it is ``small_days`` days or fewer; those ranges are what
must be read again. A night where nothing changed costs one total; a single
changed day in a window of ``n`` days costs ``1 + log2(n / small_days)``.

Changes that cancel out within one half (a day one lower, another one higher)
cannot be seen from totals; archiving, deleting and merging only ever remove
records, so they never cancel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date

from okrmodel.periods import Window

__all__ = ["SMALL_RANGE_DAYS", "SourceTotal", "differing_ranges", "totals_agree"]

SMALL_RANGE_DAYS = 7
"""Ranges this short are read again rather than halved further: a week's daily series is
one call on most portals, about what two more halvings would cost."""

SourceTotal = Callable[[Window], float]
"""The source's figure over a window (such as ``Connector.read_total``'s value)."""


def differing_ranges(
    window: Window, stored: Mapping[date, float], source_total: SourceTotal, *, small_days: int = SMALL_RANGE_DAYS
) -> list[Window]:
    """The ranges of ``window``, oldest first, whose ``stored`` daily values (a day not stored
    counts 0) do not sum to ``source_total`` over them: each ``small_days`` days or fewer, or
    ``window`` itself when it is that short. ``source_total`` is called once for ``window`` and
    once per halving."""
    if small_days < 1:
        raise ValueError("small_days must be at least 1")
    found: list[Window] = []
    _narrow(window, source_total(window), stored, source_total, small_days, found)
    return found


def totals_agree(stored_sum: float, source_total: float) -> bool:
    """Equal up to float rounding (a sum of amounts added day by day, against one added at once)."""
    return math.isclose(stored_sum, source_total, rel_tol=1e-9, abs_tol=1e-6)


def _narrow(window: Window, total: float, stored: Mapping[date, float], source_total: SourceTotal, small_days: int, found: list[Window]) -> None:
    days = window.days()
    if totals_agree(sum(stored.get(day, 0.0) for day in days), total):
        return
    if len(days) <= small_days:
        found.append(window)
        return
    first, second = window.halves()
    first_total = source_total(first)
    _narrow(first, first_total, stored, source_total, small_days, found)
    _narrow(second, total - first_total, stored, source_total, small_days, found)
