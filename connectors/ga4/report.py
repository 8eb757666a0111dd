"""A metric per day from GA4's ``runReport``: the request, its pages, the rows as daily values;
and a metric's figure over a whole window (``window_total``).

One report per metric and window: dimension ``date``, the metric, the window's
local days as the date range and ``where`` as a dimension filter (equals, or
any of a list; several dimensions ANDed). GA4 answers ``YYYYMMDD`` dates and
string values and leaves out days without data; ``row_count`` says how many
rows there are, so more than ``page_size`` are read with ``limit``/``offset``
(``transport.paging.OffsetPaginator``).

A user count (``totalUsers``, ``activeUsers``, ``newUsers``) over a window is
GA4's count of distinct users in it, which only a report without the ``date``
dimension gives: the same request with no dimensions answers one row.

GA4 cuts days in the property's time zone, which each answer names in
``metadata.time_zone``: when it disagrees with the config's zone on a day of
the window, the read fails rather than storing days cut at another midnight.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.analytics.data_v1beta.types import (
    DateRange,
    Dimension,
    Filter,
    FilterExpression,
    FilterExpressionList,
    Metric,
    RunReportRequest,
    RunReportResponse,
)

from connectors.errors import FatalSourceError, SourceConfigurationError
from connectors.ga4.client import GA4Client
from connectors.transport.paging import OffsetPaginator
from okrmodel.config import DimensionFilters
from okrmodel.periods import Window

__all__ = ["DEFAULT_PAGE_SIZE", "daily_metric", "dimension_filter", "window_total"]

DEFAULT_PAGE_SIZE = 10_000
"""GA4's default ``limit``; a quarter of days is far below it, so one call per read is the norm."""

_PAGES: OffsetPaginator[RunReportResponse] = OffsetPaginator(rows=lambda response: len(response.rows), total=lambda response: response.row_count)


def dimension_filter(where: DimensionFilters) -> FilterExpression | None:
    """``where`` as GA4's filter expression: a string filter per value, an in-list filter per list, ANDed."""
    expressions = [
        FilterExpression(filter=Filter(field_name=name, string_filter=Filter.StringFilter(value=value, match_type=Filter.StringFilter.MatchType.EXACT)))
        if isinstance(value, str)
        else FilterExpression(filter=Filter(field_name=name, in_list_filter=Filter.InListFilter(values=value)))
        for name, value in where.items()
    ]
    if not expressions:
        return None
    return expressions[0] if len(expressions) == 1 else FilterExpression(and_group=FilterExpressionList(expressions=expressions))


def daily_metric(client: GA4Client, window: Window, *, metric: str, where: DimensionFilters, page_size: int = DEFAULT_PAGE_SIZE) -> tuple[dict[date, float], int]:
    """Per day of ``window``: ``metric`` over the sessions matching ``where`` (absent days 0), and the calls it took."""
    series = {day: 0.0 for day in window.days()}
    calls = 0

    def page(offset: int) -> RunReportResponse:
        return client.run_report(
            RunReportRequest(
                property=client.property,
                dimensions=[Dimension(name="date")],
                metrics=[Metric(name=metric)],
                date_ranges=[DateRange(start_date=window.first_day.isoformat(), end_date=window.last_day.isoformat())],
                dimension_filter=dimension_filter(where),
                limit=page_size,
                offset=offset,
            )
        )

    for response in _PAGES.pages(page):
        calls += 1
        _check_time_zone(client, response, window)
        for row in response.rows:
            day = _day(client, row.dimension_values[0].value if row.dimension_values else "")
            if day in series:
                series[day] += _number(client, row.metric_values[0].value if row.metric_values else "", f"{day} {metric}")
    return series, calls


def window_total(client: GA4Client, window: Window, *, metric: str, where: DimensionFilters) -> float:
    """``metric`` over the whole of ``window`` (one call), as GA4 counts it: no ``date`` dimension, so a
    user counts once however many days they came; 0 when GA4 has no row for the window."""
    response = client.run_report(
        RunReportRequest(
            property=client.property,
            metrics=[Metric(name=metric)],
            date_ranges=[DateRange(start_date=window.first_day.isoformat(), end_date=window.last_day.isoformat())],
            dimension_filter=dimension_filter(where),
        )
    )
    _check_time_zone(client, response, window)
    if len(response.rows) > 1:
        raise FatalSourceError(client.source_name, f"report without dimensions answered {len(response.rows)} rows, expected one")
    if not response.rows:
        return 0.0
    values = response.rows[0].metric_values
    return _number(client, values[0].value if values else "", f"{window.first_day} to {window.last_day} {metric}")


def _check_time_zone(client: GA4Client, response: RunReportResponse, window: Window) -> None:
    name = response.metadata.time_zone
    zone = window.start.tzinfo
    try:
        reported = ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        reported = None  # a zone this machine does not know cannot be compared; GA4 names IANA zones
    if reported is None or zone is None:
        return
    for day in window.days():
        midnight = datetime.combine(day, time.min)
        if midnight.replace(tzinfo=reported).utcoffset() != midnight.replace(tzinfo=zone).utcoffset():
            raise SourceConfigurationError(
                client.source_name,
                f"property {client.source.property_id} reports days in {name}, but the config's timezone is {zone}: "
                f"set timezone to the property's zone (GA4 Admin > Property details) so days end at the same midnight",
            )


def _day(client: GA4Client, value: str) -> date:
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise FatalSourceError(client.source_name, f"report row with date {value!r}, expected YYYYMMDD") from None


def _number(client: GA4Client, value: str, where: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise FatalSourceError(client.source_name, f"report: {where} is not a number: {value!r}") from None
