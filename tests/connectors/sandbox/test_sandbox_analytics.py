"""The sandbox's returning visitors: drawn so that each person visits on one day or on two."""

from __future__ import annotations

from datetime import date, timedelta

from connectors.sandbox import generate_dataset

ANCHOR = date(2026, 11, 27)


def test_returning_visitors_come_from_earlier_first_timers_and_never_exceed_a_day():
    dataset = generate_dataset(ANCHOR, days=60)
    first_timers = {
        (day, source): row["visitors"] - sum(dataset.returning[day][source].values())
        for day, rows in dataset.traffic.items() for source, row in rows.items()
    }
    assert all(count >= 0 for count in first_timers.values())
    back_from: dict[tuple[date, str], int] = {}
    for day, rows in dataset.returning.items():
        for source, gaps in rows.items():
            for gap, count in gaps.items():
                origin = (day - timedelta(days=gap), source)
                back_from[origin] = back_from.get(origin, 0) + count
    # A first-timer comes back once at most: never more returners than the origin day's first-timers.
    assert all(count <= first_timers.get(origin, 0) for origin, count in back_from.items())
    assert sum(back_from.values()) > 0, "the sandbox must model returning visitors"
    assert generate_dataset(ANCHOR, days=60) == dataset  # deterministic
