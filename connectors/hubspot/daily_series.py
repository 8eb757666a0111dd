"""Daily counts and sums of CRM records from the search API, in as few calls as possible.

The first request of a window asks for a full page (200 records) carrying only
the properties needed and reads ``total``. When everything fits, that single
call yields the whole daily series. Otherwise the cheaper of two plans runs:
page on and bucket records by local day, or (counts only) ask each day's
``total`` with ``limit=1``. A single day's count is its ``total``: one call.

Search cannot page past 10,000 results, and whether ``total`` itself is
capped there is unverified, so a part whose total reaches 10,000 is split:
a window at its local-midnight day boundaries (per day for counts, in runs of
days expected to hold under 10,000 records for sums), a day in halves of
time, or around a timestamp that dominates its first page (a batch update). A part that
is one millisecond wide, where every record shares the timestamp, is read in
``hs_object_id`` order and restarted after the last id seen each 10,000
records: it always progresses, never loops.

A whole window's count (``window_count``) is one search with ``limit=1``
reading ``total``; a window whose total reaches 10,000 is halved at local
midnight and each half counted again, and a single such day is counted by the
daily series' reader, which splits it within the day as above.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from connectors.errors import FatalSourceError
from connectors.hubspot.client import HubSpotClient, SearchFilter, SearchPage
from connectors.hubspot.config import SEARCH_RESULT_LIMIT
from connectors.hubspot.values import epoch_millis, parse_datetime, parse_number
from okrmodel.periods import Window

__all__ = ["PAGE_SIZE", "SEARCH_RESULT_LIMIT", "DailyTotals", "count_matching", "daily_totals", "window_count", "window_filters"]

PAGE_SIZE = 200
_MILLISECOND = timedelta(milliseconds=1)
_ID = "hs_object_id"


@dataclass
class DailyTotals:
    """Per local day: how many records matched (``counts``), and the sum of each requested
    property over them (``sums[property]``). Every day of the window is present; empty days are 0."""

    counts: dict[date, float]
    sums: dict[str, dict[date, float]] = field(default_factory=dict)


def window_filters(date_property: str, start: datetime, end: datetime) -> list[SearchFilter]:
    """Half-open ``[start, end)``: ``BETWEEN`` would count a midnight record twice."""
    return [
        {"propertyName": date_property, "operator": "GTE", "value": epoch_millis(start)},
        {"propertyName": date_property, "operator": "LT", "value": epoch_millis(end)},
    ]


def count_matching(client: HubSpotClient, object_type: str, filters: list[SearchFilter]) -> int:
    """How many records match, from ``total``, without downloading any."""
    return client.search(object_type, filters, [_ID], limit=1).total


def window_count(client: HubSpotClient, object_type: str, date_property: str, filters: list[SearchFilter], window: Window) -> int:
    """How many records of ``object_type`` matching ``filters`` have ``date_property`` in ``window``:
    one call while the window holds fewer than 10,000 (``total`` may be capped there)."""
    total = count_matching(client, object_type, filters + window_filters(date_property, window.start, window.end))
    if total < SEARCH_RESULT_LIMIT:
        return total
    if window.first_day == window.last_day:
        return round(sum(daily_totals(client, object_type, date_property, filters, window).counts.values()))
    return sum(window_count(client, object_type, date_property, filters, half) for half in window.halves())


def daily_totals(
    client: HubSpotClient,
    object_type: str,
    date_property: str,
    filters: list[SearchFilter],
    window: Window,
    *,
    sum_properties: Sequence[str] = (),
) -> DailyTotals:
    """Per local day of ``window``: the records of ``object_type`` matching ``filters`` whose
    ``date_property`` falls in that day, counted and (for ``sum_properties``) summed.

    Sums need the records themselves, so with ``sum_properties`` every matching
    record is paged once and counts come along for free.
    """
    days = window.days()
    totals = DailyTotals(counts=dict.fromkeys(days, 0.0), sums={name: dict.fromkeys(days, 0.0) for name in sum_properties})
    _SeriesReader(client, object_type, date_property, filters, window.start.tzinfo, totals).read(window.start, window.end)
    return totals


class _SeriesReader:
    def __init__(
        self, client: HubSpotClient, object_type: str, date_property: str, filters: list[SearchFilter], zone: tzinfo | None, totals: DailyTotals
    ):
        self.client, self.object_type, self.date_property, self.filters = client, object_type, date_property, filters
        self.zone = zone or UTC
        self.totals = totals
        self.counting_only = not totals.sums
        self.properties = [date_property, *totals.sums]

    def read(self, start: datetime, end: datetime) -> None:
        # Widths and midpoints in UTC: arithmetic on two datetimes of one local zone is wall-clock,
        # so on a 25-hour day a part spanning the repeated hour would look one millisecond wide
        # and lose that hour's records. The local zone only cuts days (``_days``, ``_day_bounds``).
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        scoped = self.filters + window_filters(self.date_property, start, end)
        page = self._search(scoped)
        if page.after is None:
            self._bucket(page.records)
            return
        days = self._days(start, end)
        if page.total < SEARCH_RESULT_LIMIT:
            if self.counting_only and len(days) == 1:
                self.totals.counts[days[0]] += page.total
                return
            pages_left = math.ceil((page.total - len(page.records)) / PAGE_SIZE)
            if self.counting_only and len(days) <= pages_left:
                for day in days:
                    day_start, day_end = self._day_bounds(day)
                    part = self.filters + window_filters(self.date_property, max(start, day_start), min(end, day_end))
                    self.totals.counts[day] += count_matching(self.client, self.object_type, part)
                return
            self._bucket(page.records)
            while page.after is not None:
                page = self._search(scoped, after=page.after)
                self._bucket(page.records)
            return
        if len(days) > 1:
            for part_start, part_end in self._split_days(days, page.total, start, end):
                self.read(part_start, part_end)
            return
        if end - start <= _MILLISECOND:
            self._read_one_timestamp(start, days[0])
            return
        for part_start, part_end in self._split_day_part(page.records, start, end):
            self.read(part_start, part_end)

    def _read_one_timestamp(self, moment: datetime, day: date) -> None:
        """Every record stamped ``moment``: keyset paging on ``hs_object_id``, 10,000 at a time."""
        at_moment = self.filters + [{"propertyName": self.date_property, "operator": "EQ", "value": epoch_millis(moment)}]
        last_id: str | None = None
        while True:
            scoped = at_moment + ([{"propertyName": _ID, "operator": "GT", "value": last_id}] if last_id else [])
            page = self._search(scoped, sorted_by_id=True)
            if self.counting_only and page.total < SEARCH_RESULT_LIMIT:
                self.totals.counts[day] += page.total
                return
            seen = 0
            while True:
                if not page.records:
                    if page.after is None:
                        return
                    raise FatalSourceError(self.client.source_name, f"search returned an empty page before its end at {moment.isoformat()}")
                self._bucket(page.records)
                seen += len(page.records)
                last_id = page.records[-1].get(_ID)
                if page.after is None:
                    return
                if seen >= SEARCH_RESULT_LIMIT:
                    break  # the next page would start past the cap: restart after the last id
                page = self._search(scoped, after=page.after, sorted_by_id=True)
            if last_id is None:
                raise FatalSourceError(self.client.source_name, f"search results carry no {_ID}; cannot page past {SEARCH_RESULT_LIMIT:,} records")

    def _split_days(self, days: list[date], total: int, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Counts: one part per day (a day's total is one call). Sums: as few runs of whole days
        as should each hold under 10,000 records, so their pages are all reachable."""
        parts = len(days) if self.counting_only else min(len(days), max(2, math.ceil(total / (SEARCH_RESULT_LIMIT * 0.8))))
        size = math.ceil(len(days) / parts)
        cuts = [start] + [self._day_bounds(days[index])[0] for index in range(size, len(days), size)] + [end]
        return list(zip(cuts, cuts[1:]))

    def _split_day_part(self, records: Iterable[dict[str, str | None]], start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Around the timestamp holding most of the first page (a batch update), else in halves."""
        stamps = Counter(moment for record in records if (moment := parse_datetime(record.get(self.date_property))) is not None)
        if stamps:
            moment, seen = stamps.most_common(1)[0]
            moment = moment.astimezone(UTC)
            if seen * 2 > sum(stamps.values()) and start <= moment < end:
                parts = [(start, moment), (moment, moment + _MILLISECOND), (moment + _MILLISECOND, end)]
                return [(a, b) for a, b in parts if a < b]
        middle = start + ((end - start) // _MILLISECOND // 2) * _MILLISECOND
        return [(start, middle), (middle, end)]

    def _search(self, filters: list[SearchFilter], *, after: str | None = None, sorted_by_id: bool = False) -> SearchPage:
        properties = self.properties + [_ID] if sorted_by_id else self.properties
        return self.client.search(self.object_type, filters, properties, limit=PAGE_SIZE, after=after, sort_by_id=sorted_by_id)

    def _days(self, start: datetime, end: datetime) -> list[date]:
        first, last = start.astimezone(self.zone).date(), (end - _MILLISECOND).astimezone(self.zone).date()
        return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]

    def _day_bounds(self, day: date) -> tuple[datetime, datetime]:
        bounds = Window.from_days(day, day, self.zone)  # type: ignore[arg-type]
        return bounds.start, bounds.end

    def _bucket(self, records: Iterable[dict[str, str | None]]) -> None:
        counts = self.totals.counts
        for record in records:
            moment = parse_datetime(record.get(self.date_property))
            if moment is None:
                continue
            day = moment.astimezone(self.zone).date()
            if day not in counts:
                continue
            counts[day] += 1
            for name, series in self.totals.sums.items():
                series[day] += parse_number(record.get(name)) or 0.0
