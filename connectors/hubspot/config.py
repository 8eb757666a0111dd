"""HubSpot's settings and metric kinds, as written under ``sources:`` and ``metrics:``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from okrmodel.config import (
    EnvironmentVariable,
    LookBackDays,
    MetricNature,
    MetricSettings,
    Name,
    Number,
    PropertyCondition,
    WebApiSettings,
    WhereFilters,
    WholeNumber,
)

__all__ = [
    "HUBSPOT_METRICS",
    "SEARCH_RESULT_LIMIT",
    "ContactsCreated",
    "ContactsEnteredStage",
    "ContactsInStage",
    "DealsClosedWon",
    "DealsCreated",
    "HubSpotSource",
    "MarketingEmailsSent",
    "WebSessions",
]


SEARCH_RESULT_LIMIT = 10_000
"""Search pages no further than this; whether ``total`` is exact at or above it is unverified (pitfall 1)."""

DEAL_MODIFIED_PROPERTY = "hs_lastmodifieddate"


class _CountedBySearch:
    """A count from CRM search: a window's total is one search while it holds under 10,000 records."""

    @property
    def reconciled_by_total(self) -> bool:
        return True

    @property
    def exact_total_limit(self) -> float | None:
        return SEARCH_RESULT_LIMIT


class _DealsCountedOrSummed:
    """Deals counted, or a numeric property summed over them (``sum``): a sum's past days are
    checked by counting its deals, and by the deals modified since the last check."""

    sum: Name | None
    where: WhereFilters

    @property
    def reconciled_by_total(self) -> bool:
        # A count's total is one search; a sum needs every record of the window, as its daily series does.
        return self.sum is None

    @property
    def exact_total_limit(self) -> float | None:
        return SEARCH_RESULT_LIMIT if self.sum is None else None

    def records_counted(self) -> MetricSettings | None:
        return self.model_copy(update={"sum": None}) if self.sum is not None else None  # type: ignore[attr-defined]

    def records_modified_since(self, moment: datetime) -> MetricSettings | None:
        counted = self.records_counted()
        if counted is None or DEAL_MODIFIED_PROPERTY in self.where:
            return None
        since = PropertyCondition(gte=round(moment.timestamp() * 1000))
        return counted.model_copy(update={"where": {**self.where, DEAL_MODIFIED_PROPERTY: since}})


class HubSpotSource(WebApiSettings):
    """A HubSpot portal, reached with a private-app token from the environment (``token_env``) or
    a Prefect Secret block (``token_block``)."""

    type: Literal["hubspot"]
    token_env: EnvironmentVariable | None = "HUBSPOT_TOKEN"
    base_url: str = "https://api.hubapi.com"
    look_back_days: LookBackDays = 2
    """Days before the as-of day read again each night: HubSpot's search index lags writes."""
    search_requests_per_second: Annotated[Number, Field(ge=0.1, le=10_000)] = 5.0
    """CRM search limit per portal (HubSpot: 5/s); the connector stays under it. At least one
    request every 10 seconds: slower would stall a sync for hours."""
    requests_per_10_seconds: Annotated[WholeNumber, Field(ge=1, le=100_000)] = 100
    """Burst limit per portal (Free/Starter 100, Professional/Enterprise 190)."""



_STAGE_ID = r"^[A-Za-z0-9_]+$"  # default stage names and numeric custom stage ids; part of a property name


class ContactsEnteredStage(_CountedBySearch, MetricSettings):
    """Contacts whose date of entering ``stage`` falls in the window (``hs_v2_date_entered_<stage>``,
    or the legacy ``hs_lifecyclestage_<stage>_date`` on portals without it)."""

    kind: Literal["contacts_entered_stage"]
    stage: str = Field(pattern=_STAGE_ID)
    where: WhereFilters = Field(default_factory=dict)

    def unfiltered(self) -> ContactsEnteredStage | None:
        return self.model_copy(update={"where": {}}) if self.where else None


class ContactsCreated(_CountedBySearch, MetricSettings):
    """Contacts created in the window."""

    kind: Literal["contacts_created"]
    where: WhereFilters = Field(default_factory=dict)

    def unfiltered(self) -> ContactsCreated | None:
        return self.model_copy(update={"where": {}}) if self.where else None


class ContactsInStage(MetricSettings):
    """Contacts currently in ``stage``: a snapshot taken on each sync."""

    kind: Literal["contacts_in_stage"]
    stage: Name
    where: WhereFilters = Field(default_factory=dict)
    nature: ClassVar[MetricNature] = MetricNature.SNAPSHOT

    def unfiltered(self) -> ContactsInStage | None:
        return self.model_copy(update={"where": {}}) if self.where else None


class DealsCreated(_DealsCountedOrSummed, MetricSettings):
    """Deals created in the window: their count, or the sum of a numeric property."""

    kind: Literal["deals_created"]
    sum: Name | None = None
    pipeline: Name | None = None
    dealstage: Name | None = None
    where: WhereFilters = Field(default_factory=dict)

    def unfiltered(self) -> DealsCreated | None:
        if not (self.where or self.pipeline or self.dealstage):
            return None
        return self.model_copy(update={"where": {}, "pipeline": None, "dealstage": None})


class DealsClosedWon(_DealsCountedOrSummed, MetricSettings):
    """Deals whose ``closedate`` falls in the window and that sit in ``dealstage`` (default
    ``closedwon``; custom pipelines have their own won-stage id): a count or a sum."""

    kind: Literal["deals_closed_won"]
    sum: Name | None = None
    pipeline: Name | None = None
    dealstage: Name = "closedwon"
    where: WhereFilters = Field(default_factory=dict)

    def unfiltered(self) -> DealsClosedWon | None:
        # The won stage stays: without it every closed deal, lost ones too, would count.
        if not (self.where or self.pipeline):
            return None
        return self.model_copy(update={"where": {}, "pipeline": None, "dealstage": "closedwon" if self.pipeline else self.dealstage})


class MarketingEmailsSent(MetricSettings):
    """Marketing emails published in the window: their count, or a summed statistic."""

    kind: Literal["marketing_emails_sent"]
    name_contains: Name | None = None
    campaign: Name | None = None
    """A campaign id or name (exact, case-insensitive)."""
    sum: Literal["sent", "delivered", "open", "click"] | None = None

    def unfiltered(self) -> MarketingEmailsSent | None:
        if not (self.name_contains or self.campaign):
            return None
        return self.model_copy(update={"name_contains": None, "campaign": None})

    @property
    def caveats(self) -> list[str]:
        if self.sum == "open":
            # HubSpot's own warning: Apple Mail Privacy Protection opens every email it delivers.
            return ["opens are inflated by Apple Mail Privacy Protection (machine opens); clicks and deliveries are not"]
        return []


class WebSessions(MetricSettings):
    """Website traffic per day from HubSpot's analytics reports: sessions (visits),
    visitors or page views, optionally only from some traffic ``sources``."""

    kind: Literal["web_sessions"]
    measure: Literal["visits", "visitors", "page_views"] = "visits"
    sources: list[Name] | None = Field(default=None, min_length=1)
    """Breakdown ids of the sources report (``organic``, ``paid``, ``social``, ``email``, ``referrals``, ``direct``, ...)."""

    @property
    def adds_up_over_days(self) -> bool:
        # HubSpot counts a visitor once per report range; visits and page views add up.
        return self.measure != "visitors"

    @property
    def unique_units(self) -> str | None:
        return "visitors" if self.measure == "visitors" else None

    def unfiltered(self) -> WebSessions | None:
        return self.model_copy(update={"sources": None}) if self.sources else None



HUBSPOT_METRICS = (ContactsEnteredStage, ContactsCreated, ContactsInStage, DealsCreated, DealsClosedWon, MarketingEmailsSent, WebSessions)
