"""Daily series of CRM records from the search API, in as few calls as possible.

The first request of a window asks for a full page (200 records) carrying only
the properties needed, and reads ``total``. When everything fits, that single
call yields the whole daily series. Otherwise the cheaper of two plans runs:
page on and bucket records by local day, or (for counts) ask each day's
``total`` with ``limit=1``. A window whose records cannot all be paged to
(search stops at 10,000) is split in two and each half read the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, tzinfo

from connectors.errors import FatalSourceError
from connectors.hubspot.client import HubSpotClient, SearchFilter
from connectors.hubspot.values import epoch_millis, parse_datetime, parse_number
from okrmodel.periods import Window

__all__ = ["PAGE_SIZE", "SEARCH_RESULT_LIMIT", "count_matching", "daily_series"]

PAGE_SIZE = 200
SEARCH_RESULT_LIMIT = 10_000


def window_filters(date_property: str, window: Window) -> list[SearchFilter]:
    """Half-open ``[start, end)``: ``BETWEEN`` would count a midnight record twice."""
    return [
        {"propertyName": date_property, "operator": "GTE", "value": epoch_millis(window.start)},
        {"propertyName": date_property, "operator": "LT", "value": epoch_millis(window.end)},
    ]


def count_matching(client: HubSpotClient, object_type: str, filters: list[SearchFilter]) -> int:
    """How many records match, from ``total``, without downloading any."""
    return client.search(object_type, filters, ["hs_object_id"], limit=1).total


def daily_series(
    client: HubSpotClient,
    object_type: str,
    date_property: str,
    filters: list[SearchFilter],
    window: Window,
    *,
    sum_property: str | None = None,
) -> dict[date, float]:
    """Per local day of ``window``: how many records have ``date_property`` in that day,
    or the sum of their ``sum_property``. Days without records are 0."""
    zone = window.start.tzinfo
    series = {day: 0.0 for day in window.days()}
    _read_window(client, object_type, date_property, filters, window, sum_property, zone, series)
    return series


def _read_window(
    client: HubSpotClient,
    object_type: str,
    date_property: str,
    filters: list[SearchFilter],
    window: Window,
    sum_property: str | None,
    zone: tzinfo,
    series: dict[date, float],
) -> None:
    properties = [date_property] + ([sum_property] if sum_property else [])
    scoped = filters + window_filters(date_property, window)
    page = client.search(object_type, scoped, properties, limit=PAGE_SIZE)
    if page.after is None:
        _bucket(page.records, date_property, sum_property, zone, series)
        return
    days = window.days()
    pages_left = math.ceil((page.total - len(page.records)) / PAGE_SIZE)
    if sum_property is None and len(days) <= pages_left:
        for day in days:
            series[day] = float(count_matching(client, object_type, filters + window_filters(date_property, Window.from_days(day, day, zone))))
        return
    if page.total >= SEARCH_RESULT_LIMIT:
        if len(days) == 1:
            raise FatalSourceError(client.source_name, f"more than {SEARCH_RESULT_LIMIT:,} {object_type} on {days[0]}; cannot page through them")
        first_half = Window.from_days(days[0], days[len(days) // 2 - 1], zone)
        second_half = Window.from_days(days[len(days) // 2], days[-1], zone)
        for half in (first_half, second_half):
            _read_window(client, object_type, date_property, filters, half, sum_property, zone, series)
        return
    _bucket(page.records, date_property, sum_property, zone, series)
    while page.after is not None:
        page = client.search(object_type, scoped, properties, limit=PAGE_SIZE, after=page.after)
        _bucket(page.records, date_property, sum_property, zone, series)


def _bucket(
    records: Iterable[dict[str, str | None]], date_property: str, sum_property: str | None, zone: tzinfo, series: dict[date, float]
) -> None:
    for record in records:
        moment = parse_datetime(record.get(date_property))
        if moment is None:
            continue
        day = moment.astimezone(zone).date()
        if day not in series:
            continue
        if sum_property is None:
            series[day] += 1
        else:
            series[day] += parse_number(record.get(sum_property)) or 0.0
