"""Website traffic per day from HubSpot's analytics reports (legacy v2 API, no SDK module).

``GET /analytics/v2/reports/{breakdown}/daily?start=YYYYMMDD&end=YYYYMMDD``
answers one object keyed by day (``YYYY-MM-DD``, inclusive range) whose
values list the breakdown's rows (``breakdown``, ``visits``, ``visitors``,
``rawViews``, ...). The ``totals`` breakdown gives the site's whole traffic,
the ``sources`` breakdown one row per traffic source. A whole window is one
call. Days are the portal's days: configure ``timezone`` as the portal's.

Visitors are unique people, and HubSpot counts them once per report range: a
window's visitors come from ``/analytics/v2/reports/{breakdown}/total`` over
that range (``web_traffic_total``), whose answer rolls the range up into
``{"totals": {...}, "breakdowns": [{"breakdown", "visitors", ...}]}``. With
several ``sources`` it is the sum of each source's visitors: a person who came
through two of them counts in both, as in HubSpot's sources report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from connectors.errors import FatalSourceError
from connectors.hubspot.client import HubSpotClient
from okrmodel.periods import Window

__all__ = ["MEASURE_FIELDS", "TRAFFIC_SOURCES", "web_traffic_series", "web_traffic_total"]

MEASURE_FIELDS = {"visits": "visits", "visitors": "visitors", "page_views": "rawViews"}
"""Config ``measure`` -> field of a report row."""

TRAFFIC_SOURCES = {
    "organic": "Organic search",
    "paid": "Paid search",
    "social": "Organic social",
    "paid-social": "Paid social",
    "email": "Email marketing",
    "referrals": "Referrals",
    "direct": "Direct traffic",
    "other": "Other campaigns",
}
"""Breakdown ids of the sources report -> HubSpot's names for them. The API lists them
nowhere but in the reports themselves (only sources with traffic), so they are kept here."""


def web_traffic_series(client: HubSpotClient, window: Window, *, measure: str, sources: Sequence[str] | None) -> dict[date, float]:
    """Per day of ``window``: the ``measure`` summed over the site, or over the rows of
    the sources report whose breakdown is one of ``sources`` (case-insensitive)."""
    report = client.analytics_report(f"/analytics/v2/reports/{_breakdown(sources)}/daily", _range(window))
    if not isinstance(report, dict):
        raise FatalSourceError(client.source_name, f"analytics report is a {type(report).__name__}, expected an object keyed by day")
    wanted = {source.casefold() for source in sources} if sources else None
    field = MEASURE_FIELDS[measure]
    series = {day: 0.0 for day in window.days()}
    for key, rows in report.items():
        try:
            day = date.fromisoformat(key)
        except ValueError:
            continue  # summary keys such as "totals" are not days
        if day not in series:
            continue
        for row in rows or []:
            if wanted is not None and str(row.get("breakdown", "")).casefold() not in wanted:
                continue
            series[day] += _number(client, row.get(field), f"{key} {row.get('breakdown')} {field}")
    return series


def web_traffic_total(client: HubSpotClient, window: Window, *, measure: str, sources: Sequence[str] | None) -> float:
    """The ``measure`` over the whole of ``window`` in one call, as HubSpot rolls the range up
    (each visitor once): the site's, or the sum of the rows of ``sources`` (case-insensitive)."""
    report = client.analytics_report(f"/analytics/v2/reports/{_breakdown(sources)}/total", _range(window))
    field = MEASURE_FIELDS[measure]
    if not isinstance(report, dict):
        raise FatalSourceError(client.source_name, f"analytics total is a {type(report).__name__}, expected an object with totals and breakdowns")
    if not sources:
        totals = report.get("totals")
        if not isinstance(totals, dict):
            raise FatalSourceError(client.source_name, "analytics total has no totals object")
        return _number(client, totals.get(field), f"totals {field}")
    wanted = {source.casefold() for source in sources}
    rows = report.get("breakdowns") or []
    if not isinstance(rows, list):
        raise FatalSourceError(client.source_name, f"analytics total: breakdowns is a {type(rows).__name__}, expected a list")
    return sum(
        _number(client, row.get(field), f"{row.get('breakdown')} {field}") for row in rows if str(row.get("breakdown", "")).casefold() in wanted
    )


def _breakdown(sources: Sequence[str] | None) -> str:
    return "sources" if sources else "totals"


def _range(window: Window) -> dict[str, str]:
    return {"start": window.first_day.strftime("%Y%m%d"), "end": window.last_day.strftime("%Y%m%d")}


def _number(client: HubSpotClient, value: object, where: str) -> float:
    try:
        return float(value or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FatalSourceError(client.source_name, f"analytics report: {where} is not a number: {value!r}") from None
