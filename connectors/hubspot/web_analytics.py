"""Website traffic per day from HubSpot's analytics reports (legacy v2 API, no SDK module).

``GET /analytics/v2/reports/{breakdown}/daily?start=YYYYMMDD&end=YYYYMMDD``
answers one object keyed by day (``YYYY-MM-DD``, inclusive range) whose
values list the breakdown's rows (``breakdown``, ``visits``, ``visitors``,
``rawViews``, ...). The ``totals`` breakdown gives the site's whole traffic,
the ``sources`` breakdown one row per traffic source. A whole window is one
call. Days are the portal's days: configure ``timezone`` as the portal's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from connectors.errors import FatalSourceError
from connectors.hubspot.client import HubSpotClient
from okrmodel.periods import Window

__all__ = ["MEASURE_FIELDS", "TRAFFIC_SOURCES", "web_traffic_series"]

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
    breakdown = "sources" if sources else "totals"
    report = client.analytics_report(
        f"/analytics/v2/reports/{breakdown}/daily",
        {"start": window.first_day.strftime("%Y%m%d"), "end": window.last_day.strftime("%Y%m%d")},
    )
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


def _number(client: HubSpotClient, value: object, where: str) -> float:
    try:
        return float(value or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FatalSourceError(client.source_name, f"analytics report: {where} is not a number: {value!r}") from None
