"""The sandbox's website traffic: returning visitors, and the analytics reports by day and over a range.

A data set's ``traffic`` holds each day's visits, visitors and page views per
source; ``returning`` says how many of a day's visitors of a source had come
through it ``gap`` days before (and are counted in that day's visitors too).
Each of them is one of that earlier day's first-time visitors who came back
once, so a person visits on one day, or on two: the visitors of a range are
its days' visitors less those whose earlier visit falls in the range as well.
That is HubSpot's own arithmetic: it counts a visitor once per report range.

``GET /analytics/v2/reports/{totals|sources}/daily`` answers one object keyed
by day; ``.../total`` rolls the range up into ``{"offset", "total", "totals",
"breakdowns"}``, visits and page views summed, visitors counted once.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

__all__ = ["RETURN_SHARES", "daily_report", "generate_returning", "range_report"]

Traffic = Mapping[date, Mapping[str, Mapping[str, int]]]
"""Day -> traffic source -> ``{"visits", "visitors", "rawViews"}``."""
Returning = Mapping[date, Mapping[str, Mapping[int, int]]]
"""Day -> traffic source -> days since their earlier visit -> visitors of the day back after that long."""

RETURN_SHARES = {1: (0.08, 0.16), 7: (0.06, 0.12)}
"""Days until a first-time visitor comes back -> the range of the share of a day's first-timers who do."""

_FIELDS = ("visits", "visitors", "rawViews")


def generate_returning(rng: random.Random, traffic: Traffic) -> dict[date, dict[str, dict[int, int]]]:
    """Which of each day's visitors came back from an earlier day of ``traffic``, drawn from ``rng``.

    Returners are taken from the first-time visitors of the day ``gap`` days before (never
    more than the day's visitors), each first-timer returning at most once, so no visitor of a
    day is counted as returning twice.
    """
    first_timers: dict[date, dict[str, int]] = {}
    returning: dict[date, dict[str, dict[int, int]]] = {}
    for day in sorted(traffic):
        first_timers[day], returning[day] = {}, {}
        for source, row in traffic[day].items():
            room = row["visitors"]
            back: dict[int, int] = {}
            for gap, (low, high) in RETURN_SHARES.items():
                origin = first_timers.get(day - timedelta(days=gap), {}).get(source, 0)
                count = min(round(origin * rng.uniform(low, high)), room)
                if count:
                    back[gap] = count
                    room -= count
            returning[day][source] = back
            first_timers[day][source] = room
    return returning


def daily_report(traffic: Traffic, breakdown: str, first: date, last: date) -> dict[str, list[dict[str, Any]]]:
    """Each day's rows from ``first`` to ``last`` (inclusive): one per source, or a single ``totals`` row summing them."""
    answer: dict[str, list[dict[str, Any]]] = {}
    for day in sorted(traffic):
        if not first <= day <= last:
            continue
        rows = traffic[day]
        if breakdown == "totals":
            answer[day.isoformat()] = [{"breakdown": "totals", **{field: sum(row[field] for row in rows.values()) for field in _FIELDS}}]
        else:
            answer[day.isoformat()] = [{"breakdown": source, **row} for source, row in rows.items()]
    return answer


def range_report(traffic: Traffic, returning: Returning, breakdown: str, first: date, last: date) -> dict[str, Any]:
    """The range ``first``..``last`` rolled up: per source, visits and page views summed, visitors counted once."""
    days = [day for day in sorted(traffic) if first <= day <= last]
    by_source: dict[str, dict[str, int]] = {}
    for day in days:
        for source, row in traffic[day].items():
            rolled = by_source.setdefault(source, dict.fromkeys(_FIELDS, 0))
            for field in _FIELDS:
                rolled[field] += row[field]
            # Those whose earlier visit is in the range too were counted on that day already.
            rolled["visitors"] -= sum(count for gap, count in returning.get(day, {}).get(source, {}).items() if day - timedelta(days=gap) >= first)
    totals = {field: sum(row[field] for row in by_source.values()) for field in _FIELDS}
    breakdowns = [{"breakdown": "totals", **totals}] if breakdown == "totals" else [{"breakdown": source, **row} for source, row in by_source.items()]
    return {"offset": 0, "total": len(breakdowns), "totals": totals, "breakdowns": breakdowns}
