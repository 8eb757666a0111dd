"""A seeded HubSpot account with known answers: contacts, deals, marketing emails and campaigns.

Records are stored exactly as HubSpot's v3 APIs return them, so the sandbox
server serves them unchanged: property values are strings (datetimes as UTC
ISO-8601 with milliseconds and ``Z``, amounts as strings that may be empty),
ids are numeric strings unique per object type. ``generate_dataset`` builds a
realistic account from a seed; ``contact``, ``deal``, ``email`` and
``campaign`` build single records for tests that need an exact case,
``timestamp_burst`` a batch update's worth of contacts on one millisecond.

The portal's catalogue (``catalogue.py``): its deal ``pipelines`` (HubSpot's
``default`` one, and in generated data sets a custom ``PARTNER_PIPELINE``
with numeric ids and a few deals), custom lifecycle stages, and the property
listing built from them (``property_definitions``, ``property_types``).
Portal quirks are switches on the data set: ``with_legacy_stage_dates``
turns it into a portal that only has the legacy
``hs_lifecyclestage_<stage>_date`` properties; ``v2_properties_listed``
false leaves the ``hs_v2_date_entered_*`` properties out of the properties
API although records carry them and searches filter on them;
``campaign_names_on_request`` answers ``campaignName`` on emails only when
``marketingCampaignNames=true`` is asked. Generated data sets also carry
daily website ``traffic`` per source for the analytics reports (with
``returning`` visitors, so a range's visitors are fewer than its days'), three
campaigns holding most emails, and with ``mpp_open_share`` email opens
inflated by Apple Mail Privacy Protection (see ``marketing.py``).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.sandbox.analytics import generate_returning
from connectors.sandbox.catalogue import (
    ANALYTICS_SOURCES,
    DEAL_STAGES,
    DEFAULT_PIPELINE,
    LIFECYCLE_STAGES,
    PARTNER_PIPELINE,
    Pipeline,
    property_definitions,
    property_types,
)
from connectors.sandbox.marketing import campaign, email, generate_marketing
from connectors.sandbox.values import MILLISECOND, as_utc, days_later, format_hubspot_datetime, local_midnight, numeric_id

__all__ = [
    "ANALYTICS_SOURCES",
    "DEAL_STAGES",
    "LIFECYCLE_STAGES",
    "TRAFFIC_SOURCES",
    "SandboxDataset",
    "campaign",
    "contact",
    "deal",
    "email",
    "format_hubspot_datetime",
    "generate_dataset",
    "property_definitions",
    "property_types",
    "timestamp_burst",
    "with_legacy_stage_dates",
]

TRAFFIC_SOURCES = ("organic", "paid", "social", "paid-social", "email", "referrals", "direct", "other")
"""Breakdown ids of the analytics sources report."""

_CLOSED_DEAL_STAGES = frozenset(stage.id for pipeline in (DEFAULT_PIPELINE, PARTNER_PIPELINE) for stage in pipeline.stages if stage.closed)


def _default_pipelines() -> list[Pipeline]:
    return [DEFAULT_PIPELINE]


@dataclass
class SandboxDataset:
    """Everything the sandbox serves, in HubSpot's response shapes.

    ``contacts`` and ``deals`` hold CRM records ``{"id", "properties",
    "createdAt", "updatedAt", "archived"}``; ``emails`` holds marketing emails
    as ``GET /marketing/v3/emails?includeStats=true`` returns them,
    ``campaigns`` marketing campaigns as ``GET /marketing/v3/campaigns``
    does. The lists may be extended with records from the builders below
    before serving.
    """

    contacts: list[dict[str, Any]]
    deals: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    traffic: dict[date, dict[str, dict[str, int]]] = field(default_factory=dict)
    """Day (the portal's) -> traffic source -> ``{"visits", "visitors", "rawViews"}``."""
    returning: dict[date, dict[str, dict[int, int]]] = field(default_factory=dict)
    """Day -> traffic source -> days since their earlier visit -> how many of the day's visitors came
    back after that long (see ``analytics.py``); empty: every visitor of a day is new."""
    custom_stages: dict[str, str] = field(default_factory=dict)
    """Custom lifecycle stage ids (numeric strings) -> labels, beside HubSpot's default ones."""
    legacy_stage_dates: bool = False
    """The portal predates ``hs_v2_date_entered_*`` and has ``hs_lifecyclestage_<stage>_date`` instead."""
    pipelines: list[Pipeline] = field(default_factory=_default_pipelines)
    """Deal pipelines; ``pipeline`` and ``dealstage`` options are their ids and stages."""
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    """Marketing campaigns (records from ``campaign``); emails name theirs in ``campaign``."""
    v2_properties_listed: bool = True
    """False: the properties API leaves ``hs_v2_date_entered_*`` out (and answers 404 for each),
    while records carry them and searches filter on them, as HubSpot sometimes does."""
    campaign_names_on_request: bool = False
    """True: emails carry ``campaignName`` only when ``marketingCampaignNames=true`` is asked
    (unverified whether HubSpot needs it; clients must cope with both)."""


# --- record builders ---------------------------------------------------------


def contact(
    id: int | str,
    created: datetime,
    *,
    stages: Mapping[str, datetime] | None = None,
    source: str | None = "ORGANIC_SEARCH",
    lifecyclestage: str | None = None,
    **extra_props: str | None,
) -> dict[str, Any]:
    """One contact record.

    ``stages`` maps lifecycle stages to the moment the contact entered them
    (written as ``hs_v2_date_entered_<stage>``); ``lifecyclestage`` defaults to
    the furthest of them in funnel order, and is absent without stages.
    ``extra_props`` adds or overrides properties (``email`` defaults to
    ``contact<id>@example.com``). Datetimes must be timezone-aware.
    """
    stages = dict(stages or {})
    unknown = {stage for stage in stages if stage not in LIFECYCLE_STAGES and not stage.isdigit()}
    if unknown:
        raise ValueError(f"unknown lifecycle stages (custom stage ids are numeric): {sorted(unknown)}")
    if lifecyclestage is None and stages:
        funnel = list(LIFECYCLE_STAGES)
        # Custom stages (numeric ids) sit after the default ones, as a portal usually appends them.
        lifecyclestage = max(stages, key=lambda stage: funnel.index(stage) if stage in funnel else len(funnel))
    record_id = numeric_id(id)
    modified = max([created, *stages.values()], key=as_utc)
    properties: dict[str, str | None] = {
        "hs_object_id": record_id,
        "email": f"contact{record_id}@example.com",
        "createdate": format_hubspot_datetime(created),
        "lastmodifieddate": format_hubspot_datetime(modified),
        "lifecyclestage": lifecyclestage,
        "hs_analytics_source": source,
        **{f"hs_v2_date_entered_{stage}": format_hubspot_datetime(moment) for stage, moment in stages.items()},
        **extra_props,
    }
    return _crm_record(record_id, properties, created, modified)


def deal(
    id: int | str,
    created: datetime,
    *,
    amount: str | int | None,
    dealstage: str = "appointmentscheduled",
    pipeline: str = "default",
    closed: datetime | None = None,
    dealname: str | None = None,
) -> dict[str, Any]:
    """One deal record.

    ``amount`` is kept as HubSpot sends it: a string, ``""`` for a cleared
    amount, ``None`` for none at all. A deal in a closed stage (of the
    default or the partner pipeline) needs ``closed`` (its ``closedate``), as
    HubSpot stamps one when a deal closes.
    """
    if dealstage in _CLOSED_DEAL_STAGES and closed is None:
        raise ValueError(f"a deal in stage {dealstage!r} needs `closed`")
    record_id = numeric_id(id)
    modified = max([created, closed] if closed else [created], key=as_utc)
    properties: dict[str, str | None] = {
        "hs_object_id": record_id,
        "dealname": dealname or f"Deal {record_id}",
        "amount": None if amount is None else str(amount),
        "pipeline": pipeline,
        "dealstage": dealstage,
        "createdate": format_hubspot_datetime(created),
        "closedate": format_hubspot_datetime(closed) if closed else None,
        "hs_lastmodifieddate": format_hubspot_datetime(modified),
    }
    return _crm_record(record_id, properties, created, modified)


def timestamp_burst(first_id: int, moment: datetime, count: int, **properties: str | None) -> list[dict[str, Any]]:
    """``count`` contacts created at the same millisecond (a batch import), ids from ``first_id`` up."""
    return [contact(first_id + offset, moment, source=None, **properties) for offset in range(count)]


def with_legacy_stage_dates(dataset: SandboxDataset) -> SandboxDataset:
    """The same portal as it looks without the v2 stage dates: each ``hs_v2_date_entered_<stage>``
    becomes ``hs_lifecyclestage_<stage>_date``, and the properties API lists only those."""
    prefix = "hs_v2_date_entered_"
    contacts = [
        {**record, "properties": {
            (f"hs_lifecyclestage_{name.removeprefix(prefix)}_date" if name.startswith(prefix) else name): value
            for name, value in record["properties"].items()
        }}
        for record in dataset.contacts
    ]
    return replace(dataset, contacts=contacts, legacy_stage_dates=True)


def _crm_record(record_id: str, properties: dict[str, str | None], created: datetime, modified: datetime) -> dict[str, Any]:
    return {
        "id": record_id,
        # Unset properties are left out; the search answers null for a requested one, as HubSpot does.
        "properties": {name: value for name, value in properties.items() if value is not None},
        "createdAt": format_hubspot_datetime(created),
        "updatedAt": format_hubspot_datetime(modified),
        "archived": False,
    }


# --- generator ---------------------------------------------------------------

_SOURCE_WEIGHTS = {
    "ORGANIC_SEARCH": 30,
    "PAID_SEARCH": 15,
    "SOCIAL_MEDIA": 12,
    "REFERRALS": 8,
    "EMAIL_MARKETING": 10,
    "DIRECT_TRAFFIC": 15,
    "OFFLINE": 5,
    "PAID_SOCIAL": 5,
}

# (stage, chance given the previous stage was reached, min and max days after it).
# 60% of contacts are leads at creation; 20% of leads (12% of all) become MQLs.
_FUNNEL = (
    ("lead", 0.60, 0, 0),
    ("marketingqualifiedlead", 0.20, 0, 20),
    ("salesqualifiedlead", 0.40, 2, 30),
    ("opportunity", 0.50, 1, 21),
    ("customer", 0.30, 5, 45),
)

_DEAL_STAGE_WEIGHTS = {
    "appointmentscheduled": 15,
    "qualifiedtobuy": 12,
    "presentationscheduled": 10,
    "decisionmakerboughtin": 9,
    "contractsent": 9,
    "closedwon": 20,
    "closedlost": 25,
}
_PARTNER_STAGE_WEIGHTS = {"1001": 30, "1002": 25, "1003": 25, "1004": 20}
_PARTNER_OPEN_STAGE = "1002"

# Weekend days get 45% of a weekday's volume; the weights keep the weekly mean at the requested rate.
_WEEKDAY_WEIGHT = 7 / (5 + 2 * 0.45)
_WEEKEND_WEIGHT = 0.45 * _WEEKDAY_WEIGHT
_DEALS_PER_CONTACT = 0.1
_PARTNER_DEALS_PER_DEAL = 0.1
_MIDNIGHT_CONTACT_EVERY_DAYS = 10

_FIRST_NAMES = ("Ava", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kira", "Liam", "Maya", "Noah", "Olga", "Priya")
_LAST_NAMES = ("Adams", "Berg", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova", "Jensen", "Kowalski", "Lopez", "Moreau", "Novak")
_DOMAINS = ("example.com", "northwind.example", "globex.example", "initech.example", "hooli.example", "umbrella.example")
_COMPANIES = ("Northwind", "Globex", "Initech", "Hooli", "Umbrella", "Vandelay", "Stark Logistics", "Wayne Foods", "Pied Piper", "Soylent")
_PLANS = ("Starter plan", "Team plan", "Business plan", "Enterprise plan", "Annual renewal", "Seat expansion")
_PARTNERS = ("Channel One", "Resellr", "CloudBridge", "Apex Partners")


def generate_dataset(
    anchor: date,
    *,
    timezone: str = "UTC",
    seed: int = 7,
    days: int = 200,
    contacts_per_day: float = 12.0,
    mpp_open_share: float = 0.0,
) -> SandboxDataset:
    """A realistic account whose records span the ``days`` days ending with ``anchor`` in ``timezone``.

    Deterministic for equal arguments. Nothing is dated after the end of the
    anchor day. Contacts arrive at ``contacts_per_day`` on average (weekdays
    busier than weekends) with the original sources and lifecycle funnel of a
    typical B2B account; every tenth day, counting back from the anchor day,
    one contact is created exactly at local midnight to exercise period
    boundaries. Deals arrive at a tenth of the contact rate in the default
    pipeline, and a tenth of that again in the custom ``PARTNER_PIPELINE``.
    Emails are a newsletter every Tuesday at 10:00, a product update on each
    month's first Thursday at 15:00, and two newsletter drafts; the
    campaigns "Acme Cloud Newsletter", "Product Updates" and "Webinar Series"
    (the newsletters 6 to 3 weeks before the anchor day) hold all but one
    draft. ``mpp_open_share`` (0 to 1) adds the machine opens of Apple Mail
    Privacy Protection to every published email's ``open`` counter.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    zone = ZoneInfo(timezone)
    calendar = [anchor - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    end = local_midnight(anchor + timedelta(days=1), zone)
    # One random stream per object type, so changing the contact rate does not reshuffle deals and emails;
    # streams added later (partner deals, campaigns) leave the numbers of the earlier ones as they were.
    streams = {kind: random.Random(f"{seed}:{kind}") for kind in ("contacts", "deals", "partner-deals")}
    deals = _generate_deals(streams["deals"], calendar, zone, end, contacts_per_day * _DEALS_PER_CONTACT)
    first_partner_id = max((int(record["id"]) for record in deals), default=900) + 1
    deals += _generate_partner_deals(
        streams["partner-deals"], calendar, zone, end, contacts_per_day * _DEALS_PER_CONTACT * _PARTNER_DEALS_PER_DEAL, first_partner_id
    )
    emails, campaigns = generate_marketing(calendar, zone, seed=seed, mpp_open_share=mpp_open_share)
    traffic = _generate_traffic(random.Random(f"{seed}:traffic"), calendar, contacts_per_day)
    return SandboxDataset(
        contacts=_generate_contacts(streams["contacts"], calendar, zone, end, contacts_per_day),
        deals=deals,
        emails=emails,
        traffic=traffic,
        returning=generate_returning(random.Random(f"{seed}:returning"), traffic),
        pipelines=[DEFAULT_PIPELINE, PARTNER_PIPELINE],
        campaigns=campaigns,
    )


# Sessions per new contact, by source: most visits never convert.
_TRAFFIC_WEIGHTS = {"organic": 14, "paid": 6, "social": 5, "paid-social": 2, "email": 4, "referrals": 3, "direct": 9, "other": 1}


def _generate_traffic(rng: random.Random, calendar: list[date], contacts_per_day: float) -> dict[date, dict[str, dict[str, int]]]:
    traffic: dict[date, dict[str, dict[str, int]]] = {}
    for day in calendar:
        weight = _WEEKDAY_WEIGHT if day.weekday() < 5 else _WEEKEND_WEIGHT
        rows: dict[str, dict[str, int]] = {}
        for source, per_contact in _TRAFFIC_WEIGHTS.items():
            visits = max(0, round(contacts_per_day * per_contact * weight * rng.uniform(0.8, 1.2)))
            visitors = round(visits * rng.uniform(0.7, 0.9))
            rows[source] = {"visits": visits, "visitors": visitors, "rawViews": round(visits * rng.uniform(1.8, 3.2))}
        traffic[day] = rows
    return traffic


def _generate_contacts(rng: random.Random, calendar: list[date], zone: ZoneInfo, end: datetime, per_day: float) -> list[dict[str, Any]]:
    contacts: list[dict[str, Any]] = []
    # Starting just below a power of ten makes ids change length, so string and numeric order differ.
    next_id = 8_501
    for days_before_anchor, day in zip(range(len(calendar) - 1, -1, -1), calendar):
        day_start, day_end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
        moments = sorted(_moment_in_day(rng, day_start, day_end) for _ in range(_daily_count(rng, per_day, day)))
        if days_before_anchor % _MIDNIGHT_CONTACT_EVERY_DAYS == 0:
            moments.insert(0, day_start)
        for created in moments:
            contacts.append(_random_contact(rng, next_id, created, end))
            next_id += rng.randint(1, 3)
    return contacts


def _random_contact(rng: random.Random, record_id: int, created: datetime, end: datetime) -> dict[str, Any]:
    source = rng.choices(list(_SOURCE_WEIGHTS), weights=list(_SOURCE_WEIGHTS.values()))[0]
    first, last, domain = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES), rng.choice(_DOMAINS)
    stages: dict[str, datetime] = {}
    reached = created
    for stage, chance, min_days, max_days in _FUNNEL:
        if rng.random() >= chance:
            break
        reached = days_later(rng, reached, min_days, max_days)
        if reached >= end:
            break  # has not happened yet as of the anchor day
        stages[stage] = reached
    return contact(
        record_id,
        created,
        stages=stages,
        source=source,
        firstname=first,
        lastname=last,
        email=f"{first}.{last}.{record_id}@{domain}".lower(),
    )


def _generate_deals(rng: random.Random, calendar: list[date], zone: ZoneInfo, end: datetime, per_day: float) -> list[dict[str, Any]]:
    deals: list[dict[str, Any]] = []
    next_id = 901
    for day in calendar:
        day_start, day_end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
        for created in sorted(_moment_in_day(rng, day_start, day_end) for _ in range(_daily_count(rng, per_day, day))):
            stage = rng.choices(list(_DEAL_STAGE_WEIGHTS), weights=list(_DEAL_STAGE_WEIGHTS.values()))[0]
            closed: datetime | None = None
            if stage in _CLOSED_DEAL_STAGES:
                closed = days_later(rng, created, 7, 90)
                if closed >= end:
                    stage, closed = "contractsent", None  # still open on the anchor day
            amount = "" if rng.random() < 0.05 else str(500 * rng.randint(10, 120))
            name = f"{rng.choice(_COMPANIES)} - {rng.choice(_PLANS)}"
            deals.append(deal(next_id, created, amount=amount, dealstage=stage, closed=closed, dealname=name))
            next_id += rng.randint(1, 2)
    return deals


def _generate_partner_deals(
    rng: random.Random, calendar: list[date], zone: ZoneInfo, end: datetime, per_day: float, first_id: int
) -> list[dict[str, Any]]:
    deals: list[dict[str, Any]] = []
    next_id = first_id
    for day in calendar:
        day_start, day_end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
        for created in sorted(_moment_in_day(rng, day_start, day_end) for _ in range(_daily_count(rng, per_day, day))):
            stage = rng.choices(list(_PARTNER_STAGE_WEIGHTS), weights=list(_PARTNER_STAGE_WEIGHTS.values()))[0]
            closed: datetime | None = None
            if stage in _CLOSED_DEAL_STAGES:
                closed = days_later(rng, created, 14, 120)
                if closed >= end:
                    stage, closed = _PARTNER_OPEN_STAGE, None
            amount = "" if rng.random() < 0.05 else str(500 * rng.randint(10, 120))
            name = f"{rng.choice(_PARTNERS)} / {rng.choice(_COMPANIES)} - {rng.choice(_PLANS)}"
            deals.append(deal(next_id, created, amount=amount, pipeline=PARTNER_PIPELINE.id, dealstage=stage, closed=closed, dealname=name))
            next_id += rng.randint(1, 2)
    return deals


def _moment_in_day(rng: random.Random, start: datetime, end: datetime) -> datetime:
    # Triangular around early afternoon: most sign-ups happen in business hours, few at night.
    # Measured in real elapsed time, so 23- and 25-hour DST days stay within the day.
    span_ms = (end - start) // MILLISECOND
    return start + min(int(span_ms * rng.triangular(0.0, 1.0, 0.55)), span_ms - 1) * MILLISECOND


def _daily_count(rng: random.Random, per_day: float, day: date) -> int:
    mean = per_day * (_WEEKDAY_WEIGHT if day.weekday() < 5 else _WEEKEND_WEIGHT)
    if mean > 30:  # the normal approximation is close here, and exp(-mean) below would underflow
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    # Knuth's Poisson sampler: exact for the small daily means of contacts and deals.
    threshold, count, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count
