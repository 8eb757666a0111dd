"""Daily values of one Plausible metric from ``GET /api/v1/stats/timeseries``.

One call per window: ``period=custom&date=FIRST,LAST`` (inclusive local
days), ``interval=date``, one metric, and ``filters`` in the v1 syntax:
``visit:source==Google|Bing;event:page==/pricing`` (``;`` joins filters that
must all hold, ``|`` lists alternatives). The answer is
``{"results": [{"date": "2026-11-02", "visitors": 12}, ...]}``. Days are the
site's days: configure ``timezone`` as the site's time zone in Plausible.
"""

from __future__ import annotations

from datetime import date

from connectors.errors import FatalSourceError
from connectors.plausible.client import PlausibleClient
from okrmodel.config import DimensionFilters
from okrmodel.periods import Window

__all__ = ["TIMESERIES_PATH", "filter_string", "timeseries_series"]

TIMESERIES_PATH = "/api/v1/stats/timeseries"


def filter_string(where: DimensionFilters) -> str:
    """``where`` in the v1 filter syntax (values are checked free of ``;`` and ``|`` by the config)."""
    return ";".join(f"{prop}=={value if isinstance(value, str) else '|'.join(value)}" for prop, value in where.items())


def timeseries_series(client: PlausibleClient, site_id: str, window: Window, *, metric: str, where: DimensionFilters) -> dict[date, float]:
    """Per day of ``window``: ``metric`` of the site, over the visits matching ``where``; days Plausible omits are 0."""
    params = {
        "site_id": site_id,
        "period": "custom",
        "date": f"{window.first_day.isoformat()},{window.last_day.isoformat()}",
        "interval": "date",
        "metrics": metric,
    }
    if where:
        params["filters"] = filter_string(where)
    body = client.get_json(TIMESERIES_PATH, params)
    results = body.get("results")
    if not isinstance(results, list):
        raise FatalSourceError(client.source_name, f"timeseries answer has no results list (keys: {', '.join(sorted(body)) or 'none'})")
    series = {day: 0.0 for day in window.days()}
    for row in results:
        day = _day(client, row)
        if day in series:
            series[day] += _number(client, row.get(metric), f"{day} {metric}")
    return series


def _day(client: PlausibleClient, row: object) -> date:
    raw = row.get("date") if isinstance(row, dict) else None
    try:
        # Some instances answer "2026-11-02 00:00:00" for interval=date; the day is the first ten characters.
        return date.fromisoformat(str(raw)[:10])
    except ValueError:
        raise FatalSourceError(client.source_name, f"timeseries row without a date: {row!r}") from None


def _number(client: PlausibleClient, value: object, where: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FatalSourceError(client.source_name, f"timeseries: {where} is not a number: {value!r}")
    return float(value)
