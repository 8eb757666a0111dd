"""The whole ``okrs.yaml`` as one model, and the schema built from the source registry."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Union, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, PrivateAttr, TypeAdapter, ValidationError, create_model, field_validator

from okrmodel.aggregation import Aggregation
from okrmodel.config.alerts import AlertSettings
from okrmodel.config.base import MetricNature, MetricSettings, Name, SourceSettings, StrictModel
from okrmodel.config.checks import problems_from_pydantic, source_problem
from okrmodel.config.email import EmailSettings
from okrmodel.config.notify import NotifyDestinations
from okrmodel.config.objectives import Action, KeyResult, Objective, Thresholds
from okrmodel.config.people import ConsoleSettings, People, ReminderSettings
from okrmodel.config_errors import ConfigError, ConfigProblem, did_you_mean
from okrmodel.periods import Period, WindowKind, current_period, parse_period
from okrmodel.yaml_source import YamlDocument

__all__ = ["DATABASE_URL_ENV", "DEFAULT_DATABASE_URL", "Config", "SourceSchema", "config_model"]

DEFAULT_DATABASE_URL = "sqlite:///.okr/okr.db"
DATABASE_URL_ENV = "OKR_DATABASE_URL"

SourceSchema = tuple[type[SourceSettings], Sequence[type[MetricSettings]]]
"""One source type's settings model and the metric kinds its package defines."""


class Config(StrictModel):
    """A validated ``okrs.yaml``.

    ``sources`` and ``metrics`` hold the settings models of the source registry: a
    schema built by ``config_model`` from it fills in which ``type`` and ``kind``
    values exist. ``file_name`` and the line index locate a problem found later,
    such as a mapped value the source does not know.
    """

    source_types: ClassVar[tuple[str, ...]] = ()
    metric_kinds: ClassVar[tuple[str, ...]] = ()
    kind_source_types: ClassVar[dict[str, str]] = {}
    """Metric kind -> the source type whose package defines it."""
    metric_adapter: ClassVar[TypeAdapter[Any] | None] = None

    company: Name
    timezone: str = "UTC"
    period: str | list[str]
    """One quarter (``2026-Q4``) or several (``[2026-Q3, 2026-Q4]``); the as-of day picks the current one."""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    objective_status: Literal["weakest", "weighted"] = "weakest"
    """How an objective's status follows from its KRs: its weakest KR's (default), or its weighted
    progress against the weighted expected pace."""
    report_url: str | None = None
    """Where the report archive is published (``https://...``), for links in emails."""
    database_url: Name | None = None
    sources: dict[str, SourceSettings] = Field(default_factory=dict)
    metrics: dict[str, MetricSettings] = Field(default_factory=dict)
    objectives: list[Objective] = Field(default_factory=list)
    email: EmailSettings | None = None
    alerts: AlertSettings | None = None
    """Who is told when a sync fails or partly fails, and when it is back to normal (over ``email:``'s SMTP)."""
    notify: NotifyDestinations = Field(default_factory=list)
    """The chat channels (Slack, Teams webhooks) that get the digest after each sync."""
    people: People = Field(default_factory=dict)
    """Each owner's address (``owner:`` name -> email), for reminders and the console's sign-in links."""
    reminders: ReminderSettings | None = None
    """When owners are reminded of their key results and actions (over ``email:``'s SMTP)."""
    console: ConsoleSettings | None = None
    """The web console: where owners reach it, and where the ops token is kept."""
    base_dir: Path = Field(default=Path("."), exclude=True)
    """Folder of the file the config was read from; relative paths resolve against it."""
    file_name: str = Field(default="okrs.yaml", exclude=True)
    """The file as named to the user; every located message starts with it."""
    _document: YamlDocument | None = PrivateAttr(default=None)

    @field_validator("report_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError(f"report_url must be an http(s) address where the archive is published, got {value!r}")
        return value.rstrip("/") if value else value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin'") from None
        return value

    @field_validator("period", mode="before")
    @classmethod
    def _quarters(cls, value: Any) -> Any:
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            return value
        raise ValueError("must be a quarter such as 2026-Q4, or a list of quarters such as [2026-Q3, 2026-Q4]")

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
        """The KR's aggregation: as configured, else ``latest`` for snapshots, ``total`` for unique
        counts (the window's figure as the source counts it) and ``sum`` for other flows."""
        if key_result.aggregation is not None:
            return key_result.aggregation
        metric = self.metrics.get(key_result.metric) if key_result.metric else None
        if metric is not None and metric.nature is MetricNature.SNAPSHOT:
            return Aggregation.LATEST
        if metric is not None and not metric.adds_up_over_days:
            return Aggregation.TOTAL
        return Aggregation.SUM

    def action(self, action_id: str) -> tuple[Objective, Action]:
        """The action named ``action_id`` (see ``Objective.action_id``) and its objective; KeyError otherwise."""
        for objective in self.objectives:
            for index, action in enumerate(objective.actions):
                if objective.action_id(index) == action_id:
                    return objective, action
        known = [objective.action_id(index) for objective in self.objectives for index in range(len(objective.actions))]
        raise KeyError(f"no action {action_id!r}{did_you_mean(action_id, known)}")

    def owner_of(self, objective: Objective, key_result: KeyResult | None = None) -> str | None:
        """Who is accountable: the KR's own owner, else its objective's (None when neither has one)."""
        return (key_result.owner if key_result is not None else None) or objective.owner

    def address_of(self, owner: str | None) -> str | None:
        """The address ``people:`` lists for ``owner`` (None for nobody, or a name it does not list)."""
        return self.people.get(owner) if owner is not None else None

    def key_result(self, key_result_id: str) -> tuple[Objective, KeyResult]:
        for objective in self.objectives:
            for key_result in objective.key_results:
                if key_result.id == key_result_id:
                    return objective, key_result
        known = [kr.id for objective in self.objectives for kr in objective.key_results]
        raise KeyError(f"no key result {key_result_id!r}{did_you_mean(key_result_id, known)}")

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

    def secret_blocks(self) -> dict[str, tuple[str | int, ...]]:
        """Every Prefect Secret block the file names (sources' tokens and keys, the SMTP password,
        the chat webhooks, the console's ops token), each with the first place naming it, for the wiring layer to read once
        per run and to locate a block that cannot be read."""
        places: dict[str, tuple[str | int, ...]] = {}
        for name, settings in self.sources.items():
            for place in settings.secret_places:
                if place.block is not None:
                    places.setdefault(place.block, ("sources", name, place.block_key))
        if self.email is not None and self.email.password_block is not None:
            places.setdefault(self.email.password_block, ("email", "password_block"))
        for index, destination in enumerate(self.notify):
            if destination.webhook_block is not None:
                places.setdefault(destination.webhook_block, ("notify", index, "webhook_block"))
        if self.console is not None and self.console.admin_token_block is not None:
            places.setdefault(self.console.admin_token_block, ("console", "admin_token_block"))
        return places

    def line_of(self, location: tuple[str | int, ...]) -> int | None:
        """The line of ``location`` in the file the config was read from (None for a config built in code)."""
        return self._document.line_of(location) if self._document is not None else None

    def locate(self, location: tuple[str | int, ...], message: str) -> str:
        """``okrs.yaml: metrics.won.dealstage: <message> (line 14)``: a problem found after
        loading (by a source's checks, say), located like the schema's own."""
        return ConfigProblem(location, message, self.line_of(location)).render(self.file_name)

    def parse_metric(self, data: Any, name: str = "--define") -> MetricSettings:
        """A metric's settings from ``data`` (a mapping, as under ``metrics:``), checked like the
        file's own, its source among this config's; raise ``ConfigError`` naming ``name``."""
        assert self.metric_adapter is not None, "parse_metric needs a schema built by config_model"
        try:
            metric = self.metric_adapter.validate_python(data)
        except ValidationError as error:
            raise ConfigError(name, problems_from_pydantic(error, type(self), data)) from None
        problem = source_problem(self, metric, ())
        if problem is not None:
            raise ConfigError(name, [problem])
        return metric


def config_model(schemas: Sequence[SourceSchema]) -> type[Config]:
    """The ``Config`` schema whose ``sources`` and ``metrics`` are the given models, told apart
    by ``type`` and ``kind``."""
    source_models = [settings for settings, _ in schemas]
    metric_models = [metric for _, metrics in schemas for metric in metrics]
    sources = Annotated[Union[tuple(source_models)], Field(discriminator="type")]  # noqa: UP007 - built at run time
    metrics = Annotated[Union[tuple(metric_models)], Field(discriminator="kind")]  # noqa: UP007
    model = create_model(
        "Config",
        __base__=Config,
        __module__=Config.__module__,
        sources=(dict[Name, sources], Field(default_factory=dict)),
        metrics=(dict[Name, metrics], Field(default_factory=dict)),
    )
    model.source_types = tuple(_tag(settings, "type") for settings in source_models)
    model.metric_kinds = tuple(_tag(metric, "kind") for metric in metric_models)
    model.kind_source_types = {_tag(metric, "kind"): _tag(settings, "type") for settings, kinds in schemas for metric in kinds}
    model.metric_adapter = TypeAdapter(metrics)
    return model


def _tag(model: type[StrictModel], field: str) -> str:
    (value,) = get_args(model.model_fields[field].annotation)
    return value

