"""The ``okrs.yaml`` schema: company, sources, metrics, objectives, key results, actions.

Validation is pydantic's, in two passes: the shape of each entry, then the
references between entries (a key result's metric, a metric's source, unique
ids). Both passes report every problem they find, each with its location in
the file, so a user fixes a file in one round instead of one error at a time.
"""

from __future__ import annotations

import difflib
import os
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from okrmodel.config_errors import ConfigError, ConfigProblem
from okrmodel.periods import Period, WindowKind, parse_period
from okrmodel.yaml_source import YamlDocument

__all__ = [
    "ActionStatus",
    "Config",
    "ConfigError",
    "ConfigProblem",
    "HubSpotSource",
    "KeyResult",
    "MetricNature",
    "MetricSpec",
    "Objective",
    "load_config",
    "parse_config",
]

DEFAULT_DATABASE_URL = "sqlite:///.okr/okr.db"
DATABASE_URL_ENV = "OKR_DATABASE_URL"

ScalarValue = str | int | float | bool
WhereFilters = dict[str, ScalarValue | list[ScalarValue]]
"""Property filters: a value means equals, a list means any of (HubSpot's IN)."""


class _Strict(BaseModel):
    # A misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- sources ---------------------------------------------------------------


class HubSpotSource(_Strict):
    """A HubSpot portal, reached with a private-app token read from the environment."""

    type: Literal["hubspot"]
    token_env: str = "HUBSPOT_TOKEN"
    base_url: str = "https://api.hubapi.com"
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, got {value!r}")
        return value.rstrip("/")

    def token(self, environ: dict[str, str] | None = None) -> SecretStr | None:
        """The token from ``token_env``, or None when the variable is unset or empty."""
        value = (environ if environ is not None else os.environ).get(self.token_env, "")
        return SecretStr(value) if value else None


Source = Annotated[Union[HubSpotSource], Field(discriminator="type")]

# --- metrics ---------------------------------------------------------------


class MetricNature(StrEnum):
    """Whether daily values add up over a window (flow) or each one is a state (snapshot)."""

    FLOW = "flow"
    SNAPSHOT = "snapshot"


class _Metric(_Strict):
    source: str
    description: str | None = None
    nature: ClassVar[MetricNature] = MetricNature.FLOW
    source_types: ClassVar[tuple[str, ...]] = ("hubspot",)


class ContactsEnteredStage(_Metric):
    """Contacts whose date of entering ``stage`` falls in the window."""

    kind: Literal["contacts_entered_stage"]
    stage: str
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
    where: WhereFilters = Field(default_factory=dict)


class MarketingEmailsSent(_Metric):
    """Marketing emails published in the window: their count, or a summed statistic."""

    kind: Literal["marketing_emails_sent"]
    name_contains: str | None = None
    sum: Literal["sent", "delivered", "open", "click"] | None = None


MetricSpec = Annotated[
    Union[ContactsEnteredStage, ContactsCreated, ContactsInStage, DealsCreated, MarketingEmailsSent],
    Field(discriminator="kind"),
]
METRIC_KINDS = ("contacts_entered_stage", "contacts_created", "contacts_in_stage", "deals_created", "marketing_emails_sent")
SOURCE_TYPES = ("hubspot",)

# --- objectives ------------------------------------------------------------


class ActionStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    BLOCKED = "blocked"
    DROPPED = "dropped"


class Action(_Strict):
    """A tactical step planned to reach the key results (an initiative)."""

    title: str = Field(min_length=1)
    owner: str | None = None
    due: date | None = None
    status: ActionStatus = ActionStatus.PLANNED


class KeyResult(_Strict):
    """A measurable result: progress runs from ``baseline`` (default 0) to ``target``.

    With ``metric`` set the actual comes from synced data; without it, from
    manual check-ins (``okr checkin``).
    """

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1)
    owner: str | None = None
    metric: str | None = None
    window: WindowKind | None = None
    baseline: float | None = None
    target: float
    unit: str | None = None

    @property
    def start_value(self) -> float:
        return self.baseline if self.baseline is not None else 0.0


class Objective(_Strict):
    """A qualitative direction for the period, measured by its key results."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1)
    owner: str | None = None
    description: str | None = None
    key_results: list[KeyResult] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)


class Config(_Strict):
    """A validated ``okrs.yaml``."""

    company: str = Field(min_length=1)
    timezone: str = "UTC"
    period: str
    database_url: str | None = None
    sources: dict[str, Source] = Field(default_factory=dict)
    metrics: dict[str, MetricSpec] = Field(default_factory=dict)
    objectives: list[Objective] = Field(default_factory=list)
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
    def _known_period(cls, value: str) -> str:
        return parse_period(value).label

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def planning_period(self) -> Period:
        return parse_period(self.period)

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
        metric = self.metrics.get(key_result.metric) if key_result.metric else None
        if metric is not None and metric.nature is MetricNature.SNAPSHOT:
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
            if key_result.metric is None:
                if key_result.window is not None:
                    problems.append(ConfigProblem(where + ("window",), "window needs a metric; manual key results take their latest check-in"))
                continue
            metric = config.metrics.get(key_result.metric)
            if metric is None:
                problems.append(ConfigProblem(where + ("metric",), f"unknown metric {key_result.metric!r}{_did_you_mean(key_result.metric, config.metrics)}"))
            elif key_result.window is WindowKind.LATEST and metric.nature is not MetricNature.SNAPSHOT:
                problems.append(ConfigProblem(where + ("window",), f"window 'latest' needs a snapshot metric; {key_result.metric!r} ({metric.kind}) adds up over time, use period, month or last_30_days"))
    return problems


def _did_you_mean(word: str, candidates: Any) -> str:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""

