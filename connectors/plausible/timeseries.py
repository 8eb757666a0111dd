"""Daily values of one Plausible metric from one Stats API v2 query, and its figure over a whole window.

The query: ``metrics: [metric]``, ``date_range: [FIRST, LAST]`` (the window's
local days, both included), ``dimensions: ["time:day"]`` and ``where`` as
filters, one ``["is", dimension, [values...]]`` per dimension (a row matches
when any value does); the top-level list is ANDed. The answer has one row per
day with data, ``{"dimensions": ["2026-11-02"], "metrics": [12]}``; days
without a row are 0. A quarter is far below v2's default page of 10,000 rows,
so one call reads a window. Days are the site's days: configure ``timezone``
as the site's time zone in Plausible. Imported (Google Analytics) stats are
left out, as v2 does by default, so days do not change when an import runs.

The same query without ``dimensions`` is an aggregate over the ``date_range``:
one row, ``{"dimensions": [], "metrics": [N]}``, where ``visitors`` counts
each visitor once however many days they came (``window_total``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from connectors.errors import FatalSourceError
from connectors.plausible.client import PlausibleClient, QueryRow
from okrmodel.config import DimensionFilters
from okrmodel.periods import Window

__all__ = ["DAY_DIMENSION", "daily_series", "query_filters", "window_total"]

DAY_DIMENSION = "time:day"


def query_filters(where: DimensionFilters) -> list[list[Any]]:
    """``where`` as v2 filters: ``["is", dimension, [values]]`` each, all of which must hold."""
    return [["is", dimension, [value] if isinstance(value, str) else list(value)] for dimension, value in where.items()]


def daily_series(client: PlausibleClient, window: Window, *, metric: str, where: DimensionFilters) -> dict[date, float]:
    """Per day of ``window``: ``metric`` of the site, over the events or visits matching ``where``; days Plausible omits are 0."""
    query: dict[str, Any] = {
        "metrics": [metric],
        "date_range": [window.first_day.isoformat(), window.last_day.isoformat()],
        "dimensions": [DAY_DIMENSION],
    }
    if where:
        query["filters"] = query_filters(where)
    series = {day: 0.0 for day in window.days()}
    for row in client.query(query):
        day = _day(client, row)
        if day in series:
            series[day] += _number(client, row.metrics[0] if row.metrics else None, f"{day} {metric}")
    return series


def window_total(client: PlausibleClient, window: Window, *, metric: str, where: DimensionFilters) -> float:
    """``metric`` over the whole of ``window`` in one aggregate query (no ``time:day``), as Plausible counts it."""
    query: dict[str, Any] = {"metrics": [metric], "date_range": [window.first_day.isoformat(), window.last_day.isoformat()]}
    if where:
        query["filters"] = query_filters(where)
    rows = client.query(query)
    if len(rows) != 1:
        raise FatalSourceError(client.source_name, f"aggregate query answered {len(rows)} rows, expected one")
    return _number(client, rows[0].metrics[0] if rows[0].metrics else None, f"{window.first_day} to {window.last_day} {metric}")


def _day(client: PlausibleClient, row: QueryRow) -> date:
    raw = row.dimensions[0] if row.dimensions else None
    try:
        # The reference answers ISO dates for time:day; a timestamp's first ten characters are its day all the same.
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise FatalSourceError(client.source_name, f"query row without a day: {row.dimensions!r}") from None


def _number(client: PlausibleClient, value: object, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FatalSourceError(client.source_name, f"query: {where} is not a number: {value!r}")
    return float(value)
