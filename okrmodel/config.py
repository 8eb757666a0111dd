"""The ``okrs.yaml`` schema: company, sources, metrics, objectives, key results, actions.

Validation is pydantic's, in two passes: the shape of each entry, then the
references between entries (a key result's metric, a metric's source, unique
ids). Both passes report every problem they find, each with its location in
the file, so a user fixes a file in one round instead of one error at a time.
"""

from __future__ import annotations

import difflib
import os
import re
from datetime import date
from email.utils import parseaddr
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

from okrmodel.config_errors import ConfigError, ConfigProblem
from okrmodel.aggregation import Aggregation, AveragePer
from okrmodel.periods import Period, WindowKind, current_period, parse_period
from okrmodel.progress import Direction, Status, StatusThresholds, infer_direction
from okrmodel.yaml_source import YamlDocument

__all__ = [
    "ActionStatus",
    "CheckinCadence",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "CsvColumn",
    "CsvSource",
    "DimensionFilters",
    "EmailSettings",
    "GA4Metric",
    "GA4Source",
    "HubSpotSource",
    "KeyResult",
    "MetricNature",
    "MetricSpec",
    "Objective",
    "PlausibleMetric",
    "PlausibleSource",
    "PropertyCondition",
    "Source",
    "Thresholds",
    "load_config",
    "parse_config",
]

DEFAULT_DATABASE_URL = "sqlite:///.okr/okr.db"
DATABASE_URL_ENV = "OKR_DATABASE_URL"

ScalarValue = str | int | float | bool


class _Strict(BaseModel):
    # A misspelt key is an error, not a silently ignored setting; .nan and .inf
    # are not numbers a target, baseline or threshold can mean (and not JSON).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PropertyCondition(_Strict):
    """A ``where`` condition beyond equality: ``{gte:, lt:, not:, has:}``, all given ones ANDed.

    ``gte``/``lt`` bound a number or date (half-open, like windows), ``not``
    excludes a value or a list of values, ``has`` asks that the property be
    set (true) or empty (false).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False)

    gte: ScalarValue | None = None
    lt: ScalarValue | None = None
    not_: ScalarValue | list[ScalarValue] | None = Field(default=None, alias="not")
    has: bool | None = None

    @model_validator(mode="after")
    def _says_something(self) -> PropertyCondition:
        if self.gte is None and self.lt is None and self.not_ is None and self.has is None:
            raise ValueError("a condition needs at least one of gte, lt, not, has")
        if self.has is False and (self.gte is not None or self.lt is not None or self.not_ is not None):
            raise ValueError("has: false (property empty) cannot be combined with gte, lt or not")
        return self


WhereFilters = dict[str, ScalarValue | list[ScalarValue] | PropertyCondition]
"""Property filters: a value means equals, a list means any of (HubSpot's IN), a
``PropertyCondition`` mapping means ranges, exclusions or presence."""


# --- sources ---------------------------------------------------------------


def secret_from_environment(variable: str, environ: dict[str, str] | None = None) -> SecretStr | None:
    """A credential from environment variable ``variable``, without surrounding whitespace;
    None when unset or blank.

    Credentials live only in the environment: the config names the variable.
    Whitespace is stripped because ``$(cat token.txt)``-style exports often keep
    a trailing newline, which HTTP libraries reject as a header value (quoting it).
    """
    value = (environ if environ is not None else os.environ).get(variable, "").strip()
    return SecretStr(value) if value else None


class _WebApiSource(_Strict):
    """A web API at ``base_url``, reached with a token from the environment variable ``token_env``."""

    token_env: str
    base_url: str
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _http_base_url(value)

    def token(self, environ: dict[str, str] | None = None) -> SecretStr | None:
        """The token from ``token_env``, or None when the variable is unset or blank."""
        return secret_from_environment(self.token_env, environ)


class HubSpotSource(_WebApiSource):
    """A HubSpot portal, reached with a private-app token read from the environment."""

    type: Literal["hubspot"]
    token_env: str = "HUBSPOT_TOKEN"
    base_url: str = "https://api.hubapi.com"
    look_back_days: int = Field(default=2, ge=0)
    """Days before the as-of day read again each night: HubSpot's search index lags writes."""
    search_requests_per_second: float = Field(default=5.0, gt=0)
    """CRM search limit per portal (HubSpot: 5/s); the connector stays under it."""
    requests_per_10_seconds: int = Field(default=100, gt=0)
    """Burst limit per portal (Free/Starter 100, Professional/Enterprise 190)."""


class GA4Source(_Strict):
    """A Google Analytics 4 property, read with a service account whose JSON key sits in the
    environment variable ``credentials_env`` (never in the file).

    GA4 cuts days in the property's time zone: the config's ``timezone`` must be the property's.
    """

    type: Literal["ga4"]
    property_id: str
    """The numeric property id (Admin > Property details), not the ``G-...`` measurement id."""
    credentials_env: str = "GA4_CREDENTIALS_JSON"
    timeout_seconds: float = Field(default=60.0, gt=0)
    look_back_days: int = Field(default=3, ge=0)
    """Days before the as-of day read again each night: GA4 may take up to 48 hours to process a day."""

    @field_validator("property_id", mode="before")
    @classmethod
    def _numeric_id(cls, value: Any) -> Any:
        # An unquoted id in YAML is an int; it means the same property.
        value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(value, str) and not re.fullmatch(r"[0-9]+", value):
            raise ValueError(f"property_id is the numeric GA4 property id (Admin > Property details), such as '123456789', not {value!r}")
        return value

    def credentials_json(self, environ: dict[str, str] | None = None) -> SecretStr | None:
        """The service-account key (JSON text) from ``credentials_env``, or None when unset or empty."""
        return secret_from_environment(self.credentials_env, environ)


class PlausibleSource(_WebApiSource):
    """A Plausible site (plausible.io or self-hosted at ``base_url``), read with a Stats API key
    from the environment variable ``token_env``.

    Plausible cuts days in the site's time zone: the config's ``timezone`` must be the site's.
    """

    type: Literal["plausible"]
    site_id: str = Field(min_length=1)
    """The site's domain as registered in Plausible, such as ``acme.example``."""
    token_env: str = "PLAUSIBLE_TOKEN"
    base_url: str = "https://plausible.io"
    look_back_days: int = Field(default=1, ge=0)
    """Days before the as-of day read again each night (Plausible counts in real time; the day before catches late events)."""


class CsvSource(_Strict):
    """A CSV file with a header row, a date column (``YYYY-MM-DD``) and numeric columns: a local
    ``path`` (relative to the config file's folder) or an ``https://`` ``url``, such as a Google
    Sheet published to the web as CSV. Give exactly one of them."""

    type: Literal["csv"]
    path: str | None = Field(default=None, min_length=1)
    url: str | None = None
    date_column: str = Field(default="date", min_length=1)
    timeout_seconds: float = Field(default=30.0, gt=0)
    look_back_days: int = Field(default=7, ge=0)
    """Days before the as-of day read again each night: people correct recent rows of a sheet."""

    @field_validator("url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError(f"url must start with https://, got {value!r}")
        return value

    @model_validator(mode="after")
    def _one_location(self) -> CsvSource:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of path (a local file) or url (https://...)")
        return self

    @property
    def location(self) -> str:
        """The path or URL as written, for messages."""
        return self.path or self.url or ""


def _http_base_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, got {value!r}")
    return value.rstrip("/")


Source = Annotated[Union[HubSpotSource, GA4Source, PlausibleSource, CsvSource], Field(discriminator="type")]

# --- metrics ---------------------------------------------------------------


class MetricNature(StrEnum):
    """Whether daily values add up over a window (flow) or each one is a state (snapshot)."""

    FLOW = "flow"
    SNAPSHOT = "snapshot"


class _Metric(_Strict):
    source: str
    description: str | None = None
    freshness_days: int = Field(default=1, ge=1)
    """A KR reading this metric is ``stale`` once its newest observed day is more than this many days before the as-of day."""
    nature: ClassVar[MetricNature] = MetricNature.FLOW
    source_types: ClassVar[tuple[str, ...]] = ("hubspot",)


_STAGE_ID = r"^[A-Za-z0-9_]+$"  # default stage names and numeric custom stage ids; part of a property name


class ContactsEnteredStage(_Metric):
    """Contacts whose date of entering ``stage`` falls in the window (``hs_v2_date_entered_<stage>``,
    or the legacy ``hs_lifecyclestage_<stage>_date`` on portals without it)."""

    kind: Literal["contacts_entered_stage"]
    stage: str = Field(pattern=_STAGE_ID)
    where: WhereFilters = Field(default_factory=dict)


class ContactsCreated(_Metric):
    """Contacts created in the window."""

    kind: Literal["contacts_created"]
    where: WhereFilters = Field(default_factory=dict)


class ContactsInStage(_Metric):
    """Contacts currently in ``stage``: a snapshot taken on each sync."""

    kind: Literal["contacts_in_stage"]
    stage: str
    where: WhereFilters = Field(default_factory=dict)
    nature: ClassVar[MetricNature] = MetricNature.SNAPSHOT


class DealsCreated(_Metric):
    """Deals created in the window: their count, or the sum of a numeric property."""

    kind: Literal["deals_created"]
    sum: str | None = None
    pipeline: str | None = None
    dealstage: str | None = None
    where: WhereFilters = Field(default_factory=dict)


class DealsClosedWon(_Metric):
    """Deals whose ``closedate`` falls in the window and that sit in ``dealstage`` (default
    ``closedwon``; custom pipelines have their own won-stage id): a count or a sum."""

    kind: Literal["deals_closed_won"]
    sum: str | None = None
    pipeline: str | None = None
    dealstage: str = "closedwon"
    where: WhereFilters = Field(default_factory=dict)


class MarketingEmailsSent(_Metric):
    """Marketing emails published in the window: their count, or a summed statistic."""

    kind: Literal["marketing_emails_sent"]
    name_contains: str | None = None
    campaign: str | None = None
    """A campaign id or name (exact, case-insensitive)."""
    sum: Literal["sent", "delivered", "open", "click"] | None = None


class WebSessions(_Metric):
    """Website traffic per day from HubSpot's analytics reports: sessions (visits),
    visitors or page views, optionally only from some traffic ``sources``."""

    kind: Literal["web_sessions"]
    measure: Literal["visits", "visitors", "page_views"] = "visits"
    sources: list[str] | None = Field(default=None, min_length=1)
    """Breakdown ids of the sources report (``organic``, ``paid``, ``social``, ``email``, ``referrals``, ``direct``, ...)."""


GA4MetricName = Literal["sessions", "engagedSessions", "totalUsers", "newUsers", "activeUsers", "screenPageViews", "eventCount", "keyEvents", "conversions"]
"""GA4 metrics that add up over days (users add up to user-days: a person back on two days counts twice)."""

_GA4_DIMENSION = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(:[A-Za-z0-9_]+)?$")  # sessionDefaultChannelGroup, customEvent:plan
_PLAUSIBLE_PROPERTY = re.compile(r"^(event|visit):[a-z_]+$|^event:props:[A-Za-z0-9_.-]+$")  # visit:source, event:props:plan
DimensionFilters = dict[str, str | list[str]]
"""Filters on a web-analytics source's dimensions: a value means equals, a list means any of; all must match."""


def _check_dimension_filters(where: DimensionFilters, name: re.Pattern[str], example: str) -> DimensionFilters:
    for key, value in where.items():
        if not name.match(key):
            raise ValueError(f"{key!r} is not a name such as {example}")
        if isinstance(value, list) and not value:
            raise ValueError(f"{key}: list at least one value")
    return where


class GA4Metric(_Metric):
    """A GA4 metric per day (one ``runReport`` by ``date``), optionally only for the rows whose
    dimensions match ``where``: ``{sessionDefaultChannelGroup: Organic Search}`` (equals) or a
    list (any of); several dimensions must all match."""

    kind: Literal["ga4_metric"]
    metric: GA4MetricName
    where: DimensionFilters = Field(default_factory=dict)
    source_types: ClassVar[tuple[str, ...]] = ("ga4",)

    @field_validator("where")
    @classmethod
    def _dimension_names(cls, where: DimensionFilters) -> DimensionFilters:
        return _check_dimension_filters(where, _GA4_DIMENSION, "sessionDefaultChannelGroup or customEvent:plan")


class PlausibleMetric(_Metric):
    """A Plausible metric per day (Stats API v1 timeseries), optionally filtered by ``where``:
    ``{"visit:source": Google}`` (equals) or a list (any of); several properties must all match."""

    kind: Literal["plausible_metric"]
    metric: Literal["visitors", "visits", "pageviews", "events"]
    where: DimensionFilters = Field(default_factory=dict)
    source_types: ClassVar[tuple[str, ...]] = ("plausible",)

    @field_validator("where")
    @classmethod
    def _expressible(cls, where: DimensionFilters) -> DimensionFilters:
        _check_dimension_filters(where, _PLAUSIBLE_PROPERTY, "visit:source, event:page or event:props:plan")
        # The v1 filter string separates filters with ; and alternatives with |.
        for prop, value in where.items():
            for item in [value] if isinstance(value, str) else value:
                if not item or ";" in item or "|" in item:
                    raise ValueError(f"{prop}: {item!r} cannot be sent to Plausible (empty, or contains ; or |)")
        return where


class CsvColumn(_Metric):
    """A numeric ``column`` of a CSV source, summed per date."""

    kind: Literal["csv_column"]
    column: str = Field(min_length=1)
    source_types: ClassVar[tuple[str, ...]] = ("csv",)


MetricSpec = Annotated[
    Union[
        ContactsEnteredStage, ContactsCreated, ContactsInStage, DealsCreated, DealsClosedWon, MarketingEmailsSent, WebSessions,
        GA4Metric, PlausibleMetric, CsvColumn,
    ],
    Field(discriminator="kind"),
]
METRIC_KINDS = (
    "contacts_entered_stage",
    "contacts_created",
    "contacts_in_stage",
    "deals_created",
    "deals_closed_won",
    "marketing_emails_sent",
    "web_sessions",
    "ga4_metric",
    "plausible_metric",
    "csv_column",
)
SOURCE_TYPES = ("hubspot", "ga4", "plausible", "csv")

# --- objectives ------------------------------------------------------------


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


class Action(_Strict):
    """A tactical step planned to reach the key results (an initiative).

    Belongs to one period: ``period``, else the listed period containing
    ``due``, else the newest listed period.
    """

    title: str = Field(min_length=1)
    owner: str | None = None
    due: date | None = None
    status: ActionStatus = ActionStatus.PLANNED
    period: str | None = None

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str | None) -> str | None:
        return parse_period(value).label if value is not None else None


class CheckinCadence(StrEnum):
    """How often a manual key result is checked in; silence beyond it reads ``stale``."""

    WEEK = "week"
    TWO_WEEKS = "two_weeks"
    MONTH = "month"

    @property
    def days(self) -> int:
        return {"week": 7, "two_weeks": 14, "month": 31}[self.value]


class KeyResult(_Strict):
    """A measurable result: progress runs from ``baseline`` (default 0) to ``target``.

    With ``metric`` set the actual comes from synced data; without it, from
    manual check-ins (``okr checkin``), expected every ``checkin_every``.
    ``direction`` defaults to ``decrease`` when the target is below the
    baseline, else ``increase``; a ``milestone`` is reached at ``target``
    (default 1). ``aggregation`` defaults to ``sum`` for flow metrics and
    ``latest`` for snapshots. ``start``/``due`` narrow the pace to part of the
    period. ``target`` may be left out only so ``okr lint`` can say why a KR
    needs one; such a KR is never measured.
    """

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1)
    owner: str | None = None
    metric: str | None = None
    window: WindowKind | None = None
    aggregation: Aggregation | None = None
    average_per: AveragePer | None = None
    direction: Direction | None = None
    baseline: float | None = None
    target: float | None = None
    unit: str | None = None
    weight: float = Field(default=1.0, gt=0)
    start: date | None = None
    due: date | None = None
    period: str | None = None
    checkin_every: CheckinCadence | None = None

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str | None) -> str | None:
        return parse_period(value).label if value is not None else None

    @property
    def start_value(self) -> float:
        return self.baseline if self.baseline is not None else 0.0

    @property
    def target_value(self) -> float | None:
        """The target, with a milestone's implicit 1 (done) filled in."""
        if self.target is None and self.direction is Direction.MILESTONE:
            return 1.0
        return self.target

    @property
    def effective_direction(self) -> Direction:
        if self.direction is not None:
            return self.direction
        return infer_direction(self.start_value, self.target if self.target is not None else self.start_value)


class Objective(_Strict):
    """A qualitative direction, measured by its key results; it persists across periods.

    ``parent`` aligns it under another objective (company -> team), whose
    roll-up then includes it with this ``weight``. ``status`` overrides the
    computed status (its weakest KR's), e.g. when leadership knows better.
    """

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1)
    owner: str | None = None
    description: str | None = None
    parent: str | None = None
    weight: float = Field(default=1.0, gt=0)
    status: Status | None = None
    key_results: list[KeyResult] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)


# --- email ----------------------------------------------------------------

_SUBJECT_FIELDS = {"company": "Acme", "period": "2026-Q4", "as_of": "2026-11-27"}


class EmailSettings(_Strict):
    """Where the status report is emailed after each sync; the SMTP password is read from
    the environment variable ``password_env``, never from the file."""

    smtp_host: str = Field(min_length=1)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str
    recipients: list[str] = Field(min_length=1)
    subject: str = "{company}: OKR status {period}, as of {as_of}"
    timeout_seconds: float = Field(default=30.0, gt=0)
    allow_plaintext_login: bool = False
    """With ``security: none``, send the username and password unencrypted anyway (a trusted local relay only)."""

    @field_validator("sender")
    @classmethod
    def _sender_address(cls, value: str) -> str:
        return _email_address(value)

    @field_validator("recipients")
    @classmethod
    def _recipient_addresses(cls, values: list[str]) -> list[str]:
        return [_email_address(value) for value in values]

    @field_validator("subject")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            value.format(**_SUBJECT_FIELDS)
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"subject may use {{company}}, {{period}} and {{as_of}} only ({error!r} is not one)") from None
        return value

    @model_validator(mode="after")
    def _password_with_username(self) -> "EmailSettings":
        if self.username and not self.password_env:
            raise ValueError("username needs password_env: the environment variable holding the SMTP password")
        if self.security == "none" and self.username and not self.allow_plaintext_login:
            raise ValueError(
                "security: none with a username would send the SMTP password unencrypted; use starttls or ssl, "
                "or set allow_plaintext_login: true for a trusted local relay"
            )
        return self

    def password(self, environ: dict[str, str] | None = None) -> SecretStr | None:
        """The SMTP password from ``password_env``, or None when unset or empty."""
        return secret_from_environment(self.password_env, environ) if self.password_env else None


def _email_address(value: str) -> str:
    _name, address = parseaddr(value)
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise ValueError(f"{value!r} is not an email address")
    return value


class Thresholds(_Strict):
    """Status thresholds as shares of the expected pace (``thresholds:`` in the file)."""

    on_track: float = Field(default=0.9, gt=0, le=1)
    at_risk: float = Field(default=0.7, ge=0, le=1)

    def as_status_thresholds(self) -> StatusThresholds:
        return StatusThresholds(on_track=self.on_track, at_risk=self.at_risk)


class Config(_Strict):
    """A validated ``okrs.yaml``."""

    company: str = Field(min_length=1)
    timezone: str = "UTC"
    period: str | list[str]
    """One quarter (``2026-Q4``) or several (``[2026-Q3, 2026-Q4]``); the as-of day picks the current one."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    database_url: str | None = None
    sources: dict[str, Source] = Field(default_factory=dict)
    metrics: dict[str, MetricSpec] = Field(default_factory=dict)
    objectives: list[Objective] = Field(default_factory=list)
    email: EmailSettings | None = None
    base_dir: Path = Field(default=Path("."), exclude=True)
    """Folder of the file the config was read from; relative paths resolve against it."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin'") from None
        return value

    @field_validator("period")
    @classmethod
    def _known_period(cls, value: str | list[str]) -> str | list[str]:
        if isinstance(value, str):
            return parse_period(value).label
        if not value:
            raise ValueError("list at least one period, such as 2026-Q4")
        labels = [parse_period(label).label for label in value]
        repeated = sorted({label for label in labels if labels.count(label) > 1})
        if repeated:
            raise ValueError(f"period {', '.join(repeated)} is listed twice")
        return sorted(labels)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def periods(self) -> list[Period]:
        """Every listed period, oldest first."""
        labels = [self.period] if isinstance(self.period, str) else self.period
        return [parse_period(label) for label in labels]

    @property
    def period_label(self) -> str:
        """The ``period`` key as written for people: ``2026-Q3, 2026-Q4``."""
        return ", ".join(period.label for period in self.periods)

    @property
    def planning_period(self) -> Period:
        """The newest listed period (the only one when ``period`` is a single quarter)."""
        return self.periods[-1]

    def current_period(self, as_of: date) -> Period:
        """The listed period a report as of ``as_of`` is about (see ``periods.current_period``)."""
        return current_period(self.periods, as_of)

    def key_result_period(self, key_result: KeyResult) -> str:
        """The label of the period a KR belongs to: its own, else the single listed one."""
        return key_result.period or self.planning_period.label

    def action_period(self, action: Action) -> str:
        """The label of the period an action belongs to (see ``Action``)."""
        if action.period is not None:
            return action.period
        containing = [period for period in self.periods if action.due is not None and period.contains(action.due)]
        return (containing[0] if containing else self.planning_period).label

    def key_results_in(self, objective: Objective, period: Period) -> list[KeyResult]:
        return [kr for kr in objective.key_results if self.key_result_period(kr) == period.label]

    def actions_in(self, objective: Objective, period: Period) -> list[Action]:
        return [action for action in objective.actions if self.action_period(action) == period.label]

    def aggregation(self, key_result: KeyResult) -> Aggregation:
        """The KR's aggregation: as configured, else ``latest`` for snapshots and ``sum`` for flows."""
        if key_result.aggregation is not None:
            return key_result.aggregation
        metric = self.metrics.get(key_result.metric) if key_result.metric else None
        if metric is not None and metric.nature is MetricNature.SNAPSHOT:
            return Aggregation.LATEST
        return Aggregation.SUM

    def key_result(self, key_result_id: str) -> tuple[Objective, KeyResult]:
        for objective in self.objectives:
            for key_result in objective.key_results:
                if key_result.id == key_result_id:
                    return objective, key_result
        known = [kr.id for objective in self.objectives for kr in objective.key_results]
        raise KeyError(f"no key result {key_result_id!r}{_did_you_mean(key_result_id, known)}")

    def window_kind(self, key_result: KeyResult) -> WindowKind:
        """The KR's window: as configured, else ``latest`` for snapshots and ``period`` for flows."""
        if key_result.window is not None:
            return key_result.window
        if self.aggregation(key_result) is Aggregation.LATEST:
            return WindowKind.LATEST
        return WindowKind.PERIOD

    def storage_url(self, environ: dict[str, str] | None = None) -> str:
        """The storage URL: ``OKR_DATABASE_URL``, else the file's, else SQLite beside the file."""
        url = (environ if environ is not None else os.environ).get(DATABASE_URL_ENV) or self.database_url or DEFAULT_DATABASE_URL
        prefix = "sqlite:///"
        if url.startswith(prefix) and url != "sqlite:///:memory:":
            path = Path(url[len(prefix):])
            if not path.is_absolute():
                return prefix + str((self.base_dir / path).resolve())
        return url


# --- loading ---------------------------------------------------------------


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read, validate and cross-check a config file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [ConfigProblem((), "file not found; pass -c PATH or set OKR_CONFIG")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), [ConfigProblem((), f"cannot read the file: {error}")]) from None
    return parse_config(text, name=str(path), base_dir=path.resolve().parent)


def parse_config(text: str, name: str = "okrs.yaml", base_dir: Path | None = None) -> Config:
    """Validate config text; ``name`` prefixes every error message."""
    document = YamlDocument.parse(text, name)
    if not isinstance(document.data, dict):
        raise ConfigError(name, [ConfigProblem((), "the file must be a mapping with company, period, metrics and objectives")])
    try:
        config = Config.model_validate({**document.data, "base_dir": base_dir or Path(".")})
    except ValidationError as error:
        raise ConfigError(name, [_problem_from_pydantic(item, document) for item in error.errors()]) from None
    problems = [problem.with_line(document.line_of(problem.location)) for problem in _cross_check(config)]
    if problems:
        raise ConfigError(name, problems)
    return config


def _problem_from_pydantic(item: dict[str, Any], document: YamlDocument) -> ConfigProblem:
    location = _strip_union_tags(tuple(item["loc"]))
    message = item["msg"]
    if item["type"] == "extra_forbidden":
        message = "unknown key"
    elif item["type"] == "missing":
        message = "required key is missing"
    elif item["type"] == "union_tag_invalid":
        field = item["ctx"]["discriminator"].strip("'")
        allowed = METRIC_KINDS if location[:1] == ("metrics",) else SOURCE_TYPES
        tag = str(item["ctx"]["tag"])
        message = f"unknown {field} {tag!r}{_did_you_mean(tag, allowed)}; expected one of {', '.join(allowed)}"
    elif item["type"] == "union_tag_not_found":
        message = f"required key {item['ctx']['discriminator']} is missing"
    elif message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return ConfigProblem(location, message, document.line_of(location))


def _strip_union_tags(location: tuple[str | int, ...]) -> tuple[str | int, ...]:
    # pydantic puts the discriminator value into the location of a tagged
    # union member (metrics.x.deals_created.sum); users never wrote that level.
    if len(location) > 2 and location[0] in ("metrics", "sources") and location[2] in METRIC_KINDS + SOURCE_TYPES:
        return location[:2] + location[3:]
    return location


def _cross_check(config: Config) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    for name, metric in config.metrics.items():
        source = config.sources.get(metric.source)
        if source is None:
            problems.append(ConfigProblem(("metrics", name, "source"), f"unknown source {metric.source!r}{_did_you_mean(metric.source, config.sources)}"))
        elif source.type not in metric.source_types:
            problems.append(ConfigProblem(("metrics", name, "kind"), f"kind {metric.kind!r} needs a source of type {' or '.join(metric.source_types)}, not {source.type!r}"))
    seen_objectives: dict[str, int] = {}
    seen_key_results: dict[str, tuple[int, int]] = {}
    for o_index, objective in enumerate(config.objectives):
        if objective.id in seen_objectives:
            problems.append(ConfigProblem(("objectives", o_index, "id"), f"duplicate objective id {objective.id!r} (also objectives[{seen_objectives[objective.id]}])"))
        seen_objectives.setdefault(objective.id, o_index)
        for k_index, key_result in enumerate(objective.key_results):
            where = ("objectives", o_index, "key_results", k_index)
            if key_result.id in seen_key_results:
                first = seen_key_results[key_result.id]
                problems.append(ConfigProblem(where + ("id",), f"duplicate key result id {key_result.id!r} (also objectives[{first[0]}].key_results[{first[1]}])"))
            seen_key_results.setdefault(key_result.id, (o_index, k_index))
            problems.extend(_check_key_result_semantics(config, key_result, where))
            if key_result.metric is None:
                if key_result.window is not None:
                    problems.append(ConfigProblem(where + ("window",), "window needs a metric; manual key results take their latest check-in"))
                continue
            metric = config.metrics.get(key_result.metric)
            if metric is None:
                problems.append(ConfigProblem(where + ("metric",), f"unknown metric {key_result.metric!r}{_did_you_mean(key_result.metric, config.metrics)}"))
            elif key_result.window is WindowKind.LATEST and metric.nature is not MetricNature.SNAPSHOT:
                problems.append(ConfigProblem(where + ("window",), f"window 'latest' needs a snapshot metric; {key_result.metric!r} ({metric.kind}) adds up over time, use period, month or last_30_days"))
    problems.extend(_check_periods_and_alignment(config))
    return problems


def _check_key_result_semantics(config: Config, key_result: KeyResult, where: tuple[str | int, ...]) -> list[ConfigProblem]:
    """Direction, aggregation, dates and period of one KR, against each other and its metric."""
    problems: list[ConfigProblem] = []
    direction, target = key_result.direction, key_result.target
    if target is not None and direction is Direction.INCREASE and target < key_result.start_value:
        problems.append(ConfigProblem(where + ("direction",), f"direction increase needs a target above the baseline, got {key_result.start_value:g} -> {target:g}; use decrease"))
    if target is not None and direction is Direction.DECREASE and target > key_result.start_value:
        problems.append(ConfigProblem(where + ("direction",), f"direction decrease needs a target below the baseline, got {key_result.start_value:g} -> {target:g}; use increase"))
    metric = config.metrics.get(key_result.metric) if key_result.metric else None
    if key_result.metric is None:
        if key_result.aggregation is not None:
            problems.append(ConfigProblem(where + ("aggregation",), "aggregation needs a metric; manual key results take their latest check-in"))
    elif key_result.checkin_every is not None:
        problems.append(ConfigProblem(where + ("checkin_every",), "checkin_every is for key results without a metric; a metric's freshness is its freshness_days"))
    aggregation = config.aggregation(key_result)
    if key_result.average_per is not None and aggregation is not Aggregation.AVERAGE:
        problems.append(ConfigProblem(where + ("average_per",), "average_per needs aggregation: average"))
    if metric is not None and metric.nature is MetricNature.SNAPSHOT:
        if aggregation is Aggregation.SUM:
            problems.append(ConfigProblem(where + ("aggregation",), f"a snapshot metric ({metric.kind}) does not add up over days; use latest or average"))
        if key_result.average_per is AveragePer.MONTH:
            problems.append(ConfigProblem(where + ("average_per",), f"a snapshot metric ({metric.kind}) has no per-month rate; use average_per: day"))
    if (
        metric is not None
        and metric.nature is MetricNature.FLOW
        and aggregation is Aggregation.SUM
        and config.window_kind(key_result) is WindowKind.PERIOD
        and key_result.target is not None
        and key_result.effective_direction in (Direction.DECREASE, Direction.STAY_ABOVE)
    ):
        # A period total starts at 0 and only grows: a decrease is "done" on day one and
        # a floor is broken until enough days add up. A cap (stay_below) on it is fine.
        problems.append(ConfigProblem(
            where + ("direction",),
            f"direction {key_result.effective_direction} on the period's sum of {key_result.metric!r}: a running total only grows: "
            "use window last_30_days/month, or aggregation latest/average",
        ))
    if key_result.window is WindowKind.LATEST and key_result.aggregation not in (None, Aggregation.LATEST):
        problems.append(ConfigProblem(where + ("window",), f"window 'latest' is one day; aggregation {key_result.aggregation} needs period, month or last_30_days"))
    period_labels = [period.label for period in config.periods]
    if key_result.period is not None and key_result.period not in period_labels:
        problems.append(ConfigProblem(where + ("period",), f"period {key_result.period} is not listed in the file's period ({config.period_label})"))
    elif key_result.period is None and len(period_labels) > 1:
        problems.append(ConfigProblem(where + ("period",), f"the file lists several periods ({config.period_label}); say which one this key result belongs to"))
    else:
        period = parse_period(config.key_result_period(key_result))
        for name in ("start", "due"):
            day = getattr(key_result, name)
            if day is not None and not period.contains(day):
                problems.append(ConfigProblem(where + (name,), f"{name} {day} is outside period {period.label} ({period.first_day} to {period.last_day})"))
        if key_result.start is not None and key_result.due is not None and key_result.start > key_result.due:
            problems.append(ConfigProblem(where + ("due",), f"due {key_result.due} is before start {key_result.start}"))
    return problems


def _check_periods_and_alignment(config: Config) -> list[ConfigProblem]:
    """Thresholds, action periods and the parent links between objectives (no unknowns, no cycles)."""
    problems: list[ConfigProblem] = []
    if config.thresholds.at_risk > config.thresholds.on_track:
        problems.append(ConfigProblem(("thresholds", "at_risk"), f"at_risk ({config.thresholds.at_risk:g}) must not exceed on_track ({config.thresholds.on_track:g})"))
    period_labels = [period.label for period in config.periods]
    parents = {objective.id: objective.parent for objective in config.objectives}
    for o_index, objective in enumerate(config.objectives):
        for a_index, action in enumerate(objective.actions):
            if action.period is not None and action.period not in period_labels:
                problems.append(ConfigProblem(("objectives", o_index, "actions", a_index, "period"), f"period {action.period} is not listed in the file's period ({config.period_label})"))
        if objective.parent is None:
            continue
        location = ("objectives", o_index, "parent")
        if objective.parent not in parents:
            problems.append(ConfigProblem(location, f"unknown objective {objective.parent!r}{_did_you_mean(objective.parent, parents)}"))
            continue
        seen = [objective.id]
        ancestor: str | None = objective.parent
        while ancestor is not None and ancestor in parents:
            if ancestor in seen:
                problems.append(ConfigProblem(location, f"parent links form a cycle: {' -> '.join(seen + [ancestor])}"))
                break
            seen.append(ancestor)
            ancestor = parents[ancestor]
    return problems


def _did_you_mean(word: str, candidates: Any) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

