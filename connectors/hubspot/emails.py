"""Marketing emails published per day: a count, or a summed send statistic."""

from __future__ import annotations

from datetime import date

from connectors.errors import FatalSourceError
from connectors.hubspot import portal
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

    The emails API cannot filter on publish date, so the run's one listing of
    every email (``portal.marketing_emails``, 100 a call, shared with the
    mapping check and the other email metrics) is filtered here; portals send
    tens to hundreds of emails a quarter, so this stays a handful of calls.
    """
    series = {day: 0.0 for day in window.days()}
    needle = name_contains.casefold() if name_contains else None
    campaigns = _campaign_keys(client, campaign) if campaign else None
    for email in portal.marketing_emails(client):
        # The listing holds drafts too; a response without isPublished still tells drafts by state.
        if not email.get("isPublished", "DRAFT" not in str(email.get("state", ""))):
            continue
        if needle and needle not in str(email.get("name", "")).casefold():
            continue
        if campaigns and not campaigns & {str(email.get("campaign", "")).casefold(), str(email.get("campaignName", "")).casefold()}:
            continue
        published = parse_datetime(email.get("publishDate"))
        if published is None or not (window.start <= published < window.end):
            continue
        day = published.astimezone(window.start.tzinfo).date()
        series[day] += _statistic(client, email, statistic) if statistic else 1.0
    return series


def _campaign_keys(client: HubSpotClient, campaign: str) -> set[str]:
    """What an email of ``campaign`` carries (casefolded): the id or name given, and the id of a
    campaign of that name, as an email may carry the campaign's id alone."""
    wanted = campaign.casefold()
    return {wanted} | {item.id.casefold() for item in portal.campaigns(client) if item.name.casefold() == wanted}


def _statistic(client: HubSpotClient, email: dict, statistic: str) -> float:
    counters = ((email.get("stats") or {}).get("counters")) or {}
    value = counters.get(statistic, 0)
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        raise FatalSourceError(client.source_name, f"email {email.get('id')}: counter {statistic!r} is not a number: {value!r}") from None
