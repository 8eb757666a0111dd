"""Marketing emails published per day: a count, or a summed send statistic."""

from __future__ import annotations

from datetime import date

from connectors.errors import FatalSourceError
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.values import parse_datetime
from okrmodel.periods import Window

__all__ = ["emails_sent_series"]


def emails_sent_series(
    client: HubSpotClient, window: Window, *, name_contains: str | None, statistic: str | None, campaign: str | None = None
) -> dict[date, float]:
    """Per local day of ``window``: published emails whose name contains
    ``name_contains`` (case-insensitive) and that belong to ``campaign`` (its id
    or name, case-insensitive), counted, or the sum of their ``statistic``
    counter (``sent``, ``delivered``, ``open``, ``click``).

    The emails API cannot filter on publish date, so published emails are
    paged (100 a call) and filtered here; portals send tens to hundreds of
    emails a quarter, so this stays a handful of calls.
    """
    series = {day: 0.0 for day in window.days()}
    needle = name_contains.casefold() if name_contains else None
    wanted_campaign = campaign.casefold() if campaign else None
    after: str | None = None
    while True:
        page = client.marketing_emails_page(include_stats=statistic is not None, after=after)
        for email in page.get("results", []):
            if needle and needle not in str(email.get("name", "")).casefold():
                continue
            if wanted_campaign and wanted_campaign not in (str(email.get("campaign", "")).casefold(), str(email.get("campaignName", "")).casefold()):
                continue
            published = parse_datetime(email.get("publishDate"))
            if published is None or not (window.start <= published < window.end):
                continue
            day = published.astimezone(window.start.tzinfo).date()
            series[day] += _statistic(client, email, statistic) if statistic else 1.0
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return series


def _statistic(client: HubSpotClient, email: dict, statistic: str) -> float:
    counters = ((email.get("stats") or {}).get("counters")) or {}
    value = counters.get(statistic, 0)
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        raise FatalSourceError(client.source_name, f"email {email.get('id')}: counter {statistic!r} is not a number: {value!r}") from None
