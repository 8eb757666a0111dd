"""Marketing emails and campaigns, as ``/marketing/v3/emails`` and ``/marketing/v3/campaigns`` return them.

``email`` builds one marketing email: ``state`` (``PUBLISHED``, ``DRAFT``,
``SCHEDULED``, ...), ``publishDate``, ``name``, ``subject``, the ``stats``
``includeStats=true`` adds, and with ``campaign`` the campaign's id
(``campaign``) and name (``campaignName``). ``campaign`` builds one campaign:
a UUID ``id``, ``createdAt``/``updatedAt`` and its ``properties``
(``hs_name``, ``hs_start_date``, ...).

``generate_marketing`` is the email part of ``generate_dataset``: a
newsletter every Tuesday, a product update each month, two drafts, and the
campaigns they belong to. Its ``mpp_open_share`` models Apple Mail Privacy
Protection: that share of the delivered recipients' mail apps fetch every
email, so HubSpot counts an ``open`` for each of them whether a person read
it or not. Opens then far exceed what clicks and deliveries suggest; clicks,
deliveries and bounces are unchanged. 0 (the default) leaves opens human.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.sandbox.values import MONTHS, as_utc, days_later, format_hubspot_datetime, local_midnight, numeric_id

__all__ = ["CAMPAIGN_PROPERTIES", "campaign", "email", "generate_marketing", "with_machine_opens"]

CAMPAIGN_PROPERTIES = ("hs_name", "hs_start_date", "hs_end_date", "hs_notes", "hs_audience", "hs_currency_code", "hs_color_hex")
"""The campaign properties the sandbox knows; ``GET /marketing/v3/campaigns?properties=`` ignores any other."""


def email(
    id: int | str,
    name: str,
    published: datetime | None,
    *,
    sent: int = 0,
    delivered: int = 0,
    opens: int = 0,
    clicks: int = 0,
    unsubscribed: int = 0,
    state: str = "PUBLISHED",
    created: datetime | None = None,
    subject: str | None = None,
    campaign: Mapping[str, Any] | None = None,
    machine_opens: int = 0,
) -> dict[str, Any]:
    """One marketing email as ``GET /marketing/v3/emails?includeStats=true`` returns it.

    Drafts (any ``state`` with ``DRAFT`` in it) have ``isPublished`` false
    and no ``publishDate``; any other state needs ``published`` (in the
    future for a ``SCHEDULED`` one). ``created`` defaults to two days before
    ``published``. Bounces are ``sent - delivered``; ratios are percentages,
    as HubSpot reports them. ``campaign`` (a record from ``campaign``) puts
    the email in it. ``machine_opens`` are opens no person made (Apple Mail
    Privacy Protection): HubSpot counts them in ``open`` like any other.
    """
    is_published = "DRAFT" not in state
    if is_published and published is None:
        raise ValueError(f"an email in state {state!r} needs `published`")
    if created is None:
        if published is None:
            raise ValueError("a draft email needs `created`")
        created = published - timedelta(days=2)
    record: dict[str, Any] = {
        "id": numeric_id(id),
        "name": name,
        "subject": subject or name,
        "state": state,
        "isPublished": is_published,
        "createdAt": format_hubspot_datetime(created),
        "updatedAt": format_hubspot_datetime(published or created),
        "archived": False,
        "type": "BATCH_EMAIL",
        "subcategory": "batch",
        "language": "en",
        "from": {"fromName": "Acme Cloud", "replyTo": "marketing@acmecloud.example"},
        "stats": _email_stats(sent, delivered, opens + machine_opens, clicks, unsubscribed),
    }
    if is_published and published is not None:
        record["publishDate"] = format_hubspot_datetime(published)
    if campaign is not None:
        _put_in_campaign(record, campaign)
    return record


def campaign(
    id: str | uuid.UUID,
    name: str,
    created: datetime,
    *,
    start: date | None = None,
    end: date | None = None,
    notes: str | None = None,
    audience: str | None = None,
    updated: datetime | None = None,
) -> dict[str, Any]:
    """One marketing campaign as the campaigns API stores it: ``id`` a UUID, ``hs_name`` its name,
    ``hs_start_date``/``hs_end_date`` as ``YYYY-MM-DD``; unset properties are left out."""
    properties = {
        "hs_name": name,
        "hs_start_date": start.isoformat() if start else None,
        "hs_end_date": end.isoformat() if end else None,
        "hs_notes": notes,
        "hs_audience": audience,
        "hs_currency_code": "USD",
        "hs_color_hex": "#0091AE",
    }
    return {
        "id": str(uuid.UUID(str(id))),
        "properties": {key: value for key, value in properties.items() if value is not None},
        "createdAt": format_hubspot_datetime(created),
        "updatedAt": format_hubspot_datetime(updated or created),
        "businessUnits": [{"id": 0}],
    }


def with_machine_opens(mail: dict[str, Any], machine_opens: int) -> dict[str, Any]:
    """``mail`` with ``machine_opens`` more opens in its stats (ratios recomputed), everything else kept."""
    counters = mail["stats"]["counters"]
    stats = _email_stats(counters["sent"], counters["delivered"], counters["open"] + machine_opens, counters["click"], counters["unsubscribed"])
    return {**mail, "stats": stats}


def _put_in_campaign(record: dict[str, Any], campaign: Mapping[str, Any]) -> None:
    record["campaign"] = campaign["id"]
    record["campaignName"] = campaign["properties"]["hs_name"]


def _email_stats(sent: int, delivered: int, opens: int, clicks: int, unsubscribed: int) -> dict[str, Any]:
    bounces = sent - delivered
    return {
        "counters": {
            "sent": sent,
            "delivered": delivered,
            "open": opens,
            "click": clicks,
            "bounce": bounces,
            "unsubscribed": unsubscribed,
            "spamreport": 0,
        },
        "ratios": {
            "deliveredratio": _percent(delivered, sent),
            "bounceratio": _percent(bounces, sent),
            "openratio": _percent(opens, delivered),
            "clickratio": _percent(clicks, delivered),
            "clickthroughratio": _percent(clicks, opens),
            "unsubscribedratio": _percent(unsubscribed, delivered),
        },
    }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


# --- generator ---------------------------------------------------------------

_NEWSLETTER = "Acme Cloud Newsletter - "
_PRODUCT_UPDATE = "Product update - "
# Newsletter issues from 6 to 3 weeks before the anchor day promote the webinar series.
_WEBINAR_WEEKS_BEFORE_ANCHOR = (6, 3)


def generate_marketing(
    calendar: list[date], zone: ZoneInfo, *, seed: int, mpp_open_share: float = 0.0
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The emails and campaigns of ``generate_dataset`` over the days of ``calendar`` in ``zone``."""
    if not 0.0 <= mpp_open_share <= 1.0:
        raise ValueError(f"mpp_open_share must be between 0 and 1, not {mpp_open_share}")
    emails = _generate_emails(random.Random(f"{seed}:emails"), calendar, zone)
    # Campaigns and machine opens draw from streams of their own: the emails' numbers stay as they were.
    campaigns = _assign_campaigns(random.Random(f"{seed}:campaigns"), emails, calendar, zone)
    if mpp_open_share > 0:
        rng = random.Random(f"{seed}:mpp")
        emails = [_inflate_opens(rng, mail, mpp_open_share) if mail["isPublished"] else mail for mail in emails]
    return emails, campaigns


def _inflate_opens(rng: random.Random, mail: dict[str, Any], share: float) -> dict[str, Any]:
    counters = mail["stats"]["counters"]
    # Recipients behind MPP who would not have opened it anyway; the unique opens stay within deliveries.
    unopened = counters["delivered"] - counters["open"]
    return with_machine_opens(mail, min(unopened, round(unopened * share * rng.uniform(0.9, 1.1))))


def _assign_campaigns(rng: random.Random, emails: list[dict[str, Any]], calendar: list[date], zone: ZoneInfo) -> list[dict[str, Any]]:
    anchor = calendar[-1]
    first_webinar, after_webinar = (anchor - timedelta(weeks=weeks) for weeks in _WEBINAR_WEEKS_BEFORE_ANCHOR)

    def published_day(mail: dict[str, Any]) -> date | None:
        return datetime.fromisoformat(mail["publishDate"]).astimezone(zone).date() if "publishDate" in mail else None

    def in_webinar_run(mail: dict[str, Any]) -> bool:
        day = published_day(mail)
        return mail["name"].startswith(_NEWSLETTER) and day is not None and first_webinar <= day < after_webinar

    groups = {
        ("Acme Cloud Newsletter", "Weekly digest for customers and subscribers", "Customers and subscribers"): [
            mail for mail in emails if mail["name"].startswith(_NEWSLETTER) and not in_webinar_run(mail)
        ],
        ("Product Updates", "Monthly what's-new announcements", "Customers"): [mail for mail in emails if mail["name"].startswith(_PRODUCT_UPDATE)],
        ("Webinar Series", "Autumn webinar series, promoted in the newsletter", "Prospects"): [mail for mail in emails if in_webinar_run(mail)],
    }
    window_start = local_midnight(calendar[0], zone)
    campaigns: list[dict[str, Any]] = []
    for (name, notes, audience), members in groups.items():
        first_created = min((as_utc(datetime.fromisoformat(mail["createdAt"])) for mail in members), default=window_start)
        created = max(first_created - timedelta(days=3), window_start)
        days = [day for day in map(published_day, members) if day is not None]
        start = min(days, default=created.astimezone(zone).date())
        end = max(days) if name == "Webinar Series" and days else None
        record = campaign(
            uuid.UUID(int=rng.getrandbits(128), version=4), name, created, start=start, end=end, notes=notes, audience=audience,
            updated=max((as_utc(datetime.fromisoformat(mail["updatedAt"])) for mail in members), default=created),
        )
        for mail in members:
            _put_in_campaign(mail, record)
        campaigns.append(record)
    return campaigns


def _generate_emails(rng: random.Random, calendar: list[date], zone: ZoneInfo) -> list[dict[str, Any]]:
    window_start = local_midnight(calendar[0], zone)
    anchor = calendar[-1]
    drafts_for = anchor + timedelta(days=(1 - anchor.weekday()) % 7 or 7)  # the next Tuesday's issue
    specs: list[dict[str, Any]] = []
    for day in calendar:
        if day.weekday() == 1:
            label = f"{MONTHS[day.month - 1][:3]} {day.day}"
            specs.append(_published_spec(rng, f"{_NEWSLETTER}{label}", f"Your weekly Acme Cloud digest ({label})", day, 10, zone))
        if day.weekday() == 3 and day.day <= 7:
            month = MONTHS[day.month - 1]
            specs.append(_published_spec(rng, f"{_PRODUCT_UPDATE}{month}", f"What's new in Acme Cloud this {month}", day, 15, zone))
    for days_back, name in ((1, f"{_NEWSLETTER}{MONTHS[drafts_for.month - 1][:3]} {drafts_for.day}"), (5, "Newsletter - holiday special")):
        created = datetime.combine(anchor - timedelta(days=days_back), time(16), tzinfo=zone)
        specs.append({"name": name, "published": None, "state": "DRAFT", "created": created})
    for spec in specs:
        spec["created"] = max(spec["created"], window_start, key=as_utc)
    specs.sort(key=lambda spec: as_utc(spec["created"]))
    return [email(180_000_000_001 + index * 17, **spec) for index, spec in enumerate(specs)]


def _published_spec(rng: random.Random, name: str, subject: str, day: date, hour: int, zone: ZoneInfo) -> dict[str, Any]:
    published = datetime.combine(day, time(hour), tzinfo=zone)
    sent = rng.randint(2000, 4000)
    delivered = round(sent * rng.uniform(0.95, 0.99))
    opens = round(delivered * rng.uniform(0.18, 0.35))
    return {
        "name": name,
        "subject": subject,
        "published": published,
        "created": days_later(rng, published, -5, -1),
        "sent": sent,
        "delivered": delivered,
        "opens": opens,
        "clicks": round(opens * rng.uniform(0.06, 0.18)),
        "unsubscribed": round(delivered * rng.uniform(0.001, 0.004)),
    }
