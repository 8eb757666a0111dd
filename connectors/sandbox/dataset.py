"""A seeded HubSpot account with known answers: contacts, deals and marketing emails.

Records are stored exactly as HubSpot's v3 APIs return them, so the sandbox
server serves them unchanged: property values are strings (datetimes as UTC
ISO-8601 with milliseconds and ``Z``, amounts as strings that may be empty),
ids are numeric strings unique per object type. ``generate_dataset`` builds a
realistic account from a seed; ``contact``, ``deal`` and ``email`` build single
records for tests that need an exact case, ``timestamp_burst`` a batch
update's worth of contacts on one millisecond. ``property_definitions`` and
``property_types`` describe the properties the records use, as the properties
API does; ``with_legacy_stage_dates`` turns a data set into a portal that only
has the legacy ``hs_lifecyclestage_<stage>_date`` properties. Generated data
sets also carry daily website ``traffic`` per source for the analytics reports.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "ANALYTICS_SOURCES",
    "DEAL_STAGES",
    "LIFECYCLE_STAGES",
    "TRAFFIC_SOURCES",
    "SandboxDataset",
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

LIFECYCLE_STAGES: dict[str, str] = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "marketingqualifiedlead": "Marketing Qualified Lead",
    "salesqualifiedlead": "Sales Qualified Lead",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "evangelist": "Evangelist",
    "other": "Other",
}
"""HubSpot's default lifecycle stages, internal value -> label, in funnel order."""

ANALYTICS_SOURCES: dict[str, str] = {
    "ORGANIC_SEARCH": "Organic search",
    "PAID_SEARCH": "Paid search",
    "EMAIL_MARKETING": "Email marketing",
    "SOCIAL_MEDIA": "Organic social",
    "REFERRALS": "Referrals",
    "OTHER_CAMPAIGNS": "Other campaigns",
    "DIRECT_TRAFFIC": "Direct traffic",
    "OFFLINE": "Offline sources",
    "PAID_SOCIAL": "Paid social",
}
"""Options of ``hs_analytics_source`` (original traffic source), value -> label."""

DEAL_STAGES: dict[str, str] = {
    "appointmentscheduled": "Appointment Scheduled",
    "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In",
    "contractsent": "Contract Sent",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
"""Stages of the ``default`` sales pipeline, id -> label."""

TRAFFIC_SOURCES = ("organic", "paid", "social", "paid-social", "email", "referrals", "direct", "other")
"""Breakdown ids of the analytics sources report."""

_CLOSED_DEAL_STAGES = frozenset({"closedwon", "closedlost"})
_DRAFT_EMAIL_STATES = frozenset({"DRAFT", "AUTOMATED_DRAFT"})
_MILLISECOND = timedelta(milliseconds=1)


@dataclass
class SandboxDataset:
    """Everything the sandbox serves, in HubSpot's response shapes.

    ``contacts`` and ``deals`` hold CRM records ``{"id", "properties",
    "createdAt", "updatedAt", "archived"}``; ``emails`` holds marketing emails
    as ``GET /marketing/v3/emails?includeStats=true`` returns them. The lists
    may be extended with records from the builders below before serving.
    """

    contacts: list[dict[str, Any]]
    deals: list[dict[str, Any]]
    emails: list[dict[str, Any]]
    traffic: dict[date, dict[str, dict[str, int]]] = field(default_factory=dict)
    """Day (the portal's) -> traffic source -> ``{"visits", "visitors", "rawViews"}``."""
    custom_stages: dict[str, str] = field(default_factory=dict)
    """Custom lifecycle stage ids (numeric strings) -> labels, beside HubSpot's default ones."""
    legacy_stage_dates: bool = False
    """The portal predates ``hs_v2_date_entered_*`` and has ``hs_lifecyclestage_<stage>_date`` instead."""


def format_hubspot_datetime(moment: datetime) -> str:
    """``2026-07-30T01:44:04.389Z``: how HubSpot writes a datetime property value (UTC, milliseconds)."""
    return _as_utc(moment).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# --- property schema ---------------------------------------------------------


@dataclass(frozen=True)
class _Property:
    name: str
    label: str
    type: str
    field_type: str
    group: str
    options: Mapping[str, str] | None = None


_COMPUTED_PROPERTIES = frozenset({"hs_object_id", "createdate", "lastmodifieddate", "hs_lastmodifieddate"})
_LIFECYCLE_DATE_PROPERTIES = tuple(
    _Property(f"hs_v2_date_entered_{stage}", f'Date entered "{label} (Lifecycle Stage Pipeline)"', "datetime", "date", "contactlcs")
    for stage, label in LIFECYCLE_STAGES.items()
)

_SCHEMA: dict[str, tuple[_Property, ...]] = {
    "contacts": (
        _Property("hs_object_id", "Record ID", "number", "number", "contactinformation"),
        _Property("email", "Email", "string", "text", "contactinformation"),
        _Property("firstname", "First Name", "string", "text", "contactinformation"),
        _Property("lastname", "Last Name", "string", "text", "contactinformation"),
        _Property("createdate", "Create Date", "datetime", "date", "contactinformation"),
        _Property("lastmodifieddate", "Last Modified Date", "datetime", "date", "contactinformation"),
        _Property("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "contactinformation", LIFECYCLE_STAGES),
        _Property("hs_analytics_source", "Original Traffic Source", "enumeration", "select", "analyticsinformation", ANALYTICS_SOURCES),
        *_LIFECYCLE_DATE_PROPERTIES,
    ),
    "deals": (
        _Property("hs_object_id", "Record ID", "number", "number", "dealinformation"),
        _Property("dealname", "Deal Name", "string", "text", "dealinformation"),
        _Property("amount", "Amount", "number", "number", "dealinformation"),
        _Property("pipeline", "Pipeline", "enumeration", "select", "dealinformation", {"default": "Sales Pipeline"}),
        _Property("dealstage", "Deal Stage", "enumeration", "radio", "dealinformation", DEAL_STAGES),
        _Property("createdate", "Create Date", "datetime", "date", "dealinformation"),
        _Property("closedate", "Close Date", "datetime", "date", "dealinformation"),
        _Property("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "dealinformation"),
    ),
}


def property_types(object_type: str, dataset: SandboxDataset | None = None) -> dict[str, str]:
    """Property name -> HubSpot type (``number``, ``string``, ``datetime``, ``enumeration``) for
    ``contacts`` or ``deals`` (of ``dataset``'s portal: custom stages, legacy stage dates)."""
    return {prop.name: prop.type for prop in _schema(object_type, dataset)}


def property_definitions(object_type: str, dataset: SandboxDataset | None = None) -> list[dict[str, Any]]:
    """The properties of ``contacts`` or ``deals`` as ``GET /crm/v3/properties/{objectType}`` lists them."""
    return [_definition_json(prop, order) for order, prop in enumerate(_schema(object_type, dataset))]


def _schema(object_type: str, dataset: SandboxDataset | None) -> tuple[_Property, ...]:
    if object_type != "contacts" or dataset is None or (not dataset.custom_stages and not dataset.legacy_stage_dates):
        return _SCHEMA[object_type]
    stages = {**LIFECYCLE_STAGES, **dataset.custom_stages}
    options = _Property("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "contactinformation", stages)
    dated = tuple(
        _Property(_stage_date_property(stage, dataset.legacy_stage_dates), f'Date entered "{label}"', "datetime", "date", "contactlcs")
        for stage, label in stages.items()
    )
    kept = tuple(prop for prop in _SCHEMA[object_type] if prop.name != "lifecyclestage" and not prop.name.startswith("hs_v2_date_entered_"))
    return (*kept, options, *dated)


def _stage_date_property(stage: str, legacy: bool) -> str:
    return f"hs_lifecyclestage_{stage}_date" if legacy else f"hs_v2_date_entered_{stage}"


def _definition_json(prop: _Property, display_order: int) -> dict[str, Any]:
    options = [
        {"label": label, "value": value, "displayOrder": index, "hidden": False}
        for index, (value, label) in enumerate((prop.options or {}).items())
    ]
    return {
        "name": prop.name,
        "label": prop.label,
        "type": prop.type,
        "fieldType": prop.field_type,
        "description": "",
        "groupName": prop.group,
        "options": options,
        "displayOrder": display_order,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": False,
        "hidden": False,
        "hubspotDefined": True,
        "archived": False,
        "modificationMetadata": {"archivable": False, "readOnlyDefinition": True, "readOnlyValue": _is_computed_by_hubspot(prop.name)},
    }


def _is_computed_by_hubspot(name: str) -> bool:
    return name in _COMPUTED_PROPERTIES or name.startswith(("hs_v2_date_entered_", "hs_lifecyclestage_"))


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
    record_id = _numeric_id(id)
    modified = max([created, *stages.values()], key=_as_utc)
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
    amount, ``None`` for none at all. A deal in a closed stage needs ``closed``
    (its ``closedate``), as HubSpot stamps one when a deal closes.
    """
    if dealstage in _CLOSED_DEAL_STAGES and closed is None:
        raise ValueError(f"a deal in stage {dealstage!r} needs `closed`")
    record_id = _numeric_id(id)
    modified = max([created, closed] if closed else [created], key=_as_utc)
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
) -> dict[str, Any]:
    """One marketing email as ``GET /marketing/v3/emails?includeStats=true`` returns it.

    Drafts (``state`` ``DRAFT``) have ``isPublished`` false and no
    ``publishDate``; any other state needs ``published``. ``created`` defaults
    to two days before ``published``. Bounces are ``sent - delivered``; ratios
    are percentages, as HubSpot reports them.
    """
    is_published = state not in _DRAFT_EMAIL_STATES
    if is_published and published is None:
        raise ValueError(f"an email in state {state!r} needs `published`")
    if created is None:
        if published is None:
            raise ValueError("a draft email needs `created`")
        created = published - timedelta(days=2)
    record: dict[str, Any] = {
        "id": _numeric_id(id),
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
        "stats": _email_stats(sent, delivered, opens, clicks, unsubscribed),
    }
    if is_published and published is not None:
        record["publishDate"] = format_hubspot_datetime(published)
    return record


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


def _numeric_id(value: int | str) -> str:
    # The search's default order and tie-break are numeric on the id, so ids must be numbers.
    return str(int(value))


def _as_utc(moment: datetime) -> datetime:
    # A naive datetime has no unambiguous instant; guessing its zone is the bug this product exists to avoid.
    if moment.tzinfo is None:
        raise ValueError(f"datetime {moment!r} must be timezone-aware")
    return moment.astimezone(UTC)


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

# Weekend days get 45% of a weekday's volume; the weights keep the weekly mean at the requested rate.
_WEEKDAY_WEIGHT = 7 / (5 + 2 * 0.45)
_WEEKEND_WEIGHT = 0.45 * _WEEKDAY_WEIGHT
_DEALS_PER_CONTACT = 0.1
_MIDNIGHT_CONTACT_EVERY_DAYS = 10

_FIRST_NAMES = ("Ava", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kira", "Liam", "Maya", "Noah", "Olga", "Priya")
_LAST_NAMES = ("Adams", "Berg", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ivanova", "Jensen", "Kowalski", "Lopez", "Moreau", "Novak")
_DOMAINS = ("example.com", "northwind.example", "globex.example", "initech.example", "hooli.example", "umbrella.example")
_COMPANIES = ("Northwind", "Globex", "Initech", "Hooli", "Umbrella", "Vandelay", "Stark Logistics", "Wayne Foods", "Pied Piper", "Soylent")
_PLANS = ("Starter plan", "Team plan", "Business plan", "Enterprise plan", "Annual renewal", "Seat expansion")
# Spelled out rather than strftime("%b"), which follows the process locale.
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def generate_dataset(
    anchor: date,
    *,
    timezone: str = "UTC",
    seed: int = 7,
    days: int = 200,
    contacts_per_day: float = 12.0,
) -> SandboxDataset:
    """A realistic account whose records span the ``days`` days ending with ``anchor`` in ``timezone``.

    Deterministic for equal arguments. Nothing is dated after the end of the
    anchor day. Contacts arrive at ``contacts_per_day`` on average (weekdays
    busier than weekends) with the original sources and lifecycle funnel of a
    typical B2B account; every tenth day, counting back from the anchor day,
    one contact is created exactly at local midnight to exercise period
    boundaries. Deals arrive at a tenth of the contact rate. Emails are a
    newsletter every Tuesday at 10:00, a product update on each month's first
    Thursday at 15:00, and two newsletter drafts.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    zone = ZoneInfo(timezone)
    calendar = [anchor - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
    end = _local_midnight(anchor + timedelta(days=1), zone)
    # One random stream per object type, so changing the contact rate does not reshuffle deals and emails.
    streams = {kind: random.Random(f"{seed}:{kind}") for kind in ("contacts", "deals", "emails")}
    return SandboxDataset(
        contacts=_generate_contacts(streams["contacts"], calendar, zone, end, contacts_per_day),
        deals=_generate_deals(streams["deals"], calendar, zone, end, contacts_per_day * _DEALS_PER_CONTACT),
        emails=_generate_emails(streams["emails"], calendar, zone),
        traffic=_generate_traffic(random.Random(f"{seed}:traffic"), calendar, contacts_per_day),
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
        day_start, day_end = _local_midnight(day, zone), _local_midnight(day + timedelta(days=1), zone)
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
        reached = _days_later(rng, reached, min_days, max_days)
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
        day_start, day_end = _local_midnight(day, zone), _local_midnight(day + timedelta(days=1), zone)
        for created in sorted(_moment_in_day(rng, day_start, day_end) for _ in range(_daily_count(rng, per_day, day))):
            stage = rng.choices(list(_DEAL_STAGE_WEIGHTS), weights=list(_DEAL_STAGE_WEIGHTS.values()))[0]
            closed: datetime | None = None
            if stage in _CLOSED_DEAL_STAGES:
                closed = _days_later(rng, created, 7, 90)
                if closed >= end:
                    stage, closed = "contractsent", None  # still open on the anchor day
            amount = "" if rng.random() < 0.05 else str(500 * rng.randint(10, 120))
            name = f"{rng.choice(_COMPANIES)} - {rng.choice(_PLANS)}"
            deals.append(deal(next_id, created, amount=amount, dealstage=stage, closed=closed, dealname=name))
            next_id += rng.randint(1, 2)
    return deals


def _generate_emails(rng: random.Random, calendar: list[date], zone: ZoneInfo) -> list[dict[str, Any]]:
    window_start = _local_midnight(calendar[0], zone)
    anchor = calendar[-1]
    drafts_for = anchor + timedelta(days=(1 - anchor.weekday()) % 7 or 7)  # the next Tuesday's issue
    specs: list[dict[str, Any]] = []
    for day in calendar:
        if day.weekday() == 1:
            label = f"{_MONTHS[day.month - 1][:3]} {day.day}"
            specs.append(_published_spec(rng, f"Acme Cloud Newsletter - {label}", f"Your weekly Acme Cloud digest ({label})", day, 10, zone))
        if day.weekday() == 3 and day.day <= 7:
            month = _MONTHS[day.month - 1]
            specs.append(_published_spec(rng, f"Product update - {month}", f"What's new in Acme Cloud this {month}", day, 15, zone))
    for days_back, name in ((1, f"Acme Cloud Newsletter - {_MONTHS[drafts_for.month - 1][:3]} {drafts_for.day}"), (5, "Newsletter - holiday special")):
        created = datetime.combine(anchor - timedelta(days=days_back), time(16), tzinfo=zone)
        specs.append({"name": name, "published": None, "state": "DRAFT", "created": created})
    for spec in specs:
        spec["created"] = max(spec["created"], window_start, key=_as_utc)
    specs.sort(key=lambda spec: _as_utc(spec["created"]))
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
        "created": _days_later(rng, published, -5, -1),
        "sent": sent,
        "delivered": delivered,
        "opens": opens,
        "clicks": round(opens * rng.uniform(0.06, 0.18)),
        "unsubscribed": round(delivered * rng.uniform(0.001, 0.004)),
    }


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant ``day`` starts in ``zone``, in UTC."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _moment_in_day(rng: random.Random, start: datetime, end: datetime) -> datetime:
    # Triangular around early afternoon: most sign-ups happen in business hours, few at night.
    # Measured in real elapsed time, so 23- and 25-hour DST days stay within the day.
    span_ms = (end - start) // _MILLISECOND
    return start + min(int(span_ms * rng.triangular(0.0, 1.0, 0.55)), span_ms - 1) * _MILLISECOND


def _days_later(rng: random.Random, moment: datetime, min_days: float, max_days: float) -> datetime:
    return moment + int(rng.uniform(min_days, max_days) * 86_400_000) * _MILLISECOND


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
