"""Which stored days of a window disagree with the source, found by halving with window totals.

A source that gives a window's figure in one call (HubSpot's ``total``) lets a
night check a whole quarter of stored days at once: the stored daily values of
a metric that adds up over days must sum to the source's total. Where they do
not (records archived, deleted or merged since their day was stored), the
window is cut in halves and only the first half's total is asked for: the
second's is the whole's minus the first's. Each half that still disagrees is
halved again until it is ``small_days`` days or fewer; those ranges, adjacent
ones joined (one read of a longer range never costs more than two reads), are
what must be read again. A night where nothing changed costs one total; a
single changed day in a window of ``n`` days costs ``1 + log2(n / small_days)``.

Halving pays while changes sit on few days. It goes on level by level while
halving would examine at most ``most_ranges`` ranges at once; when more
disagree (records archived across the quarter, a bulk clean-up), they are read
as they are, so such a night costs a few totals and about one read of the
window, not a total per changed day.

A source whose total is exact only below a cap (HubSpot's search ``total`` is
trusted under 10,000: ``largest_total``) would spend calls splitting a big
window just to count it. So the window is first cut into runs of whole days
whose stored values sum to at most ``PART_SHARE`` of the cap, each counted in
one call; only those parts are halved. A quarter of 250,000 contacts is then
about 32 totals on a night where nothing changed, the fewest that cap allows,
and one otherwise.

Changes that cancel out within one half (a day one lower, another one higher)
cannot be seen from totals; archiving, deleting and merging only remove
records, so on their own they never cancel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date

from okrmodel.periods import Window

__all__ = ["MOST_RANGES", "PART_SHARE", "SMALL_RANGE_DAYS", "SourceTotal", "differing_ranges", "first_parts", "totals_agree"]

SMALL_RANGE_DAYS = 7
"""Ranges this short are read again rather than halved further: a week's daily series is
one call on most portals, about what two more halvings would cost."""

MOST_RANGES = 4
"""Halving stops when it would examine more ranges than this at once: changes on many days."""

PART_SHARE = 0.8
"""With a cap on exact totals, the first parts hold at most this share of it by their stored values:
room for records the source gained since they were stored, so that a part's total stays exact."""

SourceTotal = Callable[[Window], float]
"""The source's figure over a window (such as ``Connector.read_total``'s value)."""


def differing_ranges(
    window: Window,
    stored: Mapping[date, float],
    source_total: SourceTotal,
    *,
    small_days: int = SMALL_RANGE_DAYS,
    most_ranges: int = MOST_RANGES,
    largest_total: float | None = None,
) -> list[Window]:
    """The ranges of ``window``, oldest first, whose ``stored`` daily values (a day not stored
    counts 0) do not sum to ``source_total`` over them, adjacent ones joined: halves of
    ``small_days`` days or fewer, or longer ones where more than ``most_ranges`` disagreed at
    once (see the module's notes). ``source_total`` is called once for ``window`` (once per first part
    when ``largest_total`` caps exact totals: see ``first_parts``) and once per halving."""
    if small_days < 1 or most_ranges < 2:
        raise ValueError("small_days must be at least 1 and most_ranges at least 2")
    found: list[Window] = []
    parts = [window] if largest_total is None else first_parts(window, stored, largest_total * PART_SHARE)
    disagreeing = _disagreeing([(part, source_total(part)) for part in parts], stored)
    while disagreeing:
        found += [part for part, _ in disagreeing if len(part.days()) <= small_days]
        to_halve = [(part, total) for part, total in disagreeing if len(part.days()) > small_days]
        if 2 * len(to_halve) > most_ranges:
            found += [part for part, _ in to_halve]
            break
        halves: list[tuple[Window, float]] = []
        for part, total in to_halve:
            first, second = part.halves()
            first_total = source_total(first)
            halves += [(first, first_total), (second, total - first_total)]
        disagreeing = _disagreeing(halves, stored)
    joined: list[Window] = []
    for part in sorted(found, key=lambda part: part.start):
        if joined and joined[-1].end == part.start:
            joined[-1] = joined[-1].union(part)
        else:
            joined.append(part)
    return joined


def first_parts(window: Window, stored: Mapping[date, float], most: float) -> list[Window]:
    """``window`` cut into runs of whole days, oldest first, each summing (by ``stored``) to at most
    ``most``, as few as that allows; a day over ``most`` on its own is a part of its own."""
    runs: list[list[date]] = [[]]
    held = 0.0
    for day in window.days():
        value = stored.get(day, 0.0)
        if runs[-1] and held + value > most:
            runs.append([])
            held = 0.0
        runs[-1].append(day)
        held += value
    return [Window.from_days(run[0], run[-1], window.start.tzinfo) for run in runs]  # type: ignore[arg-type]


def totals_agree(stored_sum: float, source_total: float) -> bool:
    """Equal up to float rounding (a sum of amounts added day by day, against one added at once)."""
    return math.isclose(stored_sum, source_total, rel_tol=1e-9, abs_tol=1e-6)


def _disagreeing(parts: list[tuple[Window, float]], stored: Mapping[date, float]) -> list[tuple[Window, float]]:
    return [(part, total) for part, total in parts if not totals_agree(sum(stored.get(day, 0.0) for day in part.days()), total)]
