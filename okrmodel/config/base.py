"""Building blocks every part of the schema shares: strict models, sources and metrics as the
registry of sources extends them, ``where`` filters, credentials from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = [
    "LARGEST_AMOUNT",
    "Amount",
    "Day",
    "DimensionFilters",
    "EnvironmentVariable",
    "Identifier",
    "LocalTime",
    "LookBackDays",
    "MetricNature",
    "MetricSettings",
    "Name",
    "Number",
    "PropertyCondition",
    "ScalarValue",
    "SecretBlockName",
    "SecretPlace",
    "Seconds",
    "SourceSettings",
    "StrictModel",
    "WebApiSettings",
    "WhereFilters",
    "WholeNumber",
    "check_dimension_filters",
    "http_base_url",
    "one_secret_place",
    "secret_from_environment",
]

ScalarValue = str | int | float | bool


# --- the kinds of value a setting takes --------------------------------------
# Each refuses what pydantic's lax mode would quietly turn into something else,
# in words the messages keep (see ``checks.problems_from_pydantic``).

def _a_number(value: Any) -> Any:
    # YAML's true is a bool, which pydantic reads as 1; an int past a float's range fails as "not a number".
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, int) and abs(value) > 1e300:
        raise ValueError("is too large a number")
    return value


Number = Annotated[float, BeforeValidator(_a_number)]
"""A number (finite: ``StrictModel`` refuses .nan and .inf); true and false are not numbers."""
WholeNumber = Annotated[int, BeforeValidator(_a_number)]
LARGEST_AMOUNT = 1e15
"""The largest target, baseline or check-in: beyond it sums and progress lose precision, and a
value that large is a typo, not a goal."""
Amount = Annotated[Number, Field(ge=-LARGEST_AMOUNT, le=LARGEST_AMOUNT)]
"""A target, baseline or other value a KR is measured in."""
Seconds = Annotated[Number, Field(ge=0.1, le=600)]
"""A network timeout: long enough to connect, short enough that a hung server fails the run in minutes."""
LookBackDays = Annotated[WholeNumber, Field(ge=0, le=92)]
"""Days before the as-of day read again each night; a quarter at most (``okr sync --full`` re-reads all)."""


def _one_line(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty; leave the key out instead")
    if any(mark in value for mark in "\n\r\x85\u2028\u2029"):
        raise ValueError("must be one line")
    return value


Name = Annotated[str, AfterValidator(_one_line)]
"""Text that names or titles something: not empty, one line."""

_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError("must start with a letter or digit and hold only letters, digits, '_', '.' and '-', such as pipeline-q4")
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]
"""An objective's or key result's id, as typed in commands (``okr checkin ID``)."""

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _variable_name(value: str) -> str:
    # The value is never quoted back: pasting the secret itself here is the commonest mistake.
    if not _VARIABLE.fullmatch(value):
        raise ValueError("must name an environment variable (letters, digits and underscores, such as HUBSPOT_TOKEN) that holds the secret, not the secret")
    return value


EnvironmentVariable = Annotated[str, AfterValidator(_variable_name)]

_BLOCK_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def _block_name(value: str) -> str:
    # Prefect's own rule for block names; the value is never quoted back, it may be the secret pasted here.
    if not _BLOCK_NAME.fullmatch(value):
        raise ValueError(
            "must name a Prefect Secret block (lowercase letters, digits and dashes, such as hubspot-acme) that holds the secret, not the secret"
        )
    return value


SecretBlockName = Annotated[str, AfterValidator(_block_name)]
"""The name of a Prefect Secret block holding a credential (``prefect block create secret``)."""

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day_text(value: Any) -> Any:
    # pydantic reads a number as seconds since 1970: due: 0 would be 1970-01-01.
    if isinstance(value, date) or (isinstance(value, str) and _DAY.fullmatch(value)):
        return value
    raise ValueError("must be a date such as 2026-10-31 (YYYY-MM-DD)")


Day = Annotated[date, BeforeValidator(_day_text)]

_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def _time_text(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 9:00 as the number 540 (base 60), and pydantic a number as seconds.
    if isinstance(value, time):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError('must be a time such as "09:00" in quotes: unquoted, YAML reads 9:00 as a number')
    if isinstance(value, str) and (match := _TIME.fullmatch(value)):
        return time(int(match.group(1)), int(match.group(2)))
    raise ValueError('must be a time of day such as "09:00" (HH:MM, 00:00 to 23:59)')


LocalTime = Annotated[time, BeforeValidator(_time_text)]
"""A time of day on the company's clock (``timezone:``), to the minute: ``"09:00"``."""


class StrictModel(BaseModel):
    # A misspelt key is an error, not a silently ignored setting; .nan and .inf
    # are not numbers a target, baseline or threshold can mean (and not JSON).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class PropertyCondition(StrictModel):
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

    @field_validator("gte", "lt", mode="before")
    @classmethod
    def _a_bound(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("must be a number or a date, not true or false (has: true asks for any value)")
        return value

    @model_validator(mode="after")
    def _says_something(self) -> PropertyCondition:
        if self.gte is None and self.lt is None and self.not_ is None and self.has is None:
            raise ValueError("a condition needs at least one of gte, lt, not, has")
        if self.has is False and (self.gte is not None or self.lt is not None or self.not_ is not None):
            raise ValueError("has: false (property empty) cannot be combined with gte, lt or not")
        return self


WhereFilters = dict[Name, ScalarValue | list[ScalarValue] | PropertyCondition]
"""Property filters: a value means equals, a list means any of (HubSpot's IN), a
``PropertyCondition`` mapping means ranges, exclusions or presence."""


# --- sources ---------------------------------------------------------------


class SourceSettings(StrictModel):
    """What every source's settings have: its ``type`` (the registry's key) and how many days
    before the as-of day a nightly sync reads again, because the source may still change them."""

    type: str
    look_back_days: LookBackDays = 0

    @property
    def secret_places(self) -> tuple[SecretPlace, ...]:
        """Where this source's credentials are kept (none for a source that needs none)."""
        return ()


@dataclass(frozen=True)
class SecretPlace:
    """Where a credential is kept, as the config names it: an environment variable, or a Prefect
    Secret block. The domain knows no Prefect: the wiring layer reads the blocks a config names
    (``Config.secret_blocks``) and hands their values in as ``blocks``."""

    variable: str | None
    block: str | None
    block_key: str
    """The key naming the block in the file (``token_block``), to locate a block that cannot be read."""

    @property
    def name(self) -> str:
        """``HUBSPOT_TOKEN`` or ``Prefect Secret block 'hubspot-acme'``: the place in messages, never the value."""
        return self.variable if self.block is None else f"Prefect Secret block {self.block!r}"

    def value(self, environ: Mapping[str, str] | None = None, blocks: Mapping[str, SecretStr] | None = None) -> SecretStr | None:
        """The credential from the variable (stripped; None when unset or blank) or from ``blocks``
        (None when the block was not read)."""
        if self.block is not None:
            return (blocks or {}).get(self.block)
        return secret_from_environment(self.variable, environ) if self.variable else None

    def missing(self, what: str) -> str:
        """One line for a credential that is not there: where it should be and what it must hold."""
        if self.block is not None:
            return f"{self.name} was not read; it must hold {what}"
        return f"environment variable {self.variable} is not set; it must hold {what}"


def one_secret_place(data: Any, variable_key: str, block_key: str) -> Any:
    """``data`` (a settings mapping before validation) with the variable left out when the block is
    given: a credential is kept in one place. Both given is refused; neither keeps the variable's default."""
    if isinstance(data, dict) and data.get(block_key) is not None:
        if data.get(variable_key) is not None:
            raise ValueError(
                f"give {variable_key} (an environment variable) or {block_key} (a Prefect Secret block), not both: "
                "the credential is kept in one place"
            )
        return {**data, variable_key: None}
    return data


def secret_from_environment(variable: str, environ: Mapping[str, str] | None = None) -> SecretStr | None:
    """A credential from environment variable ``variable``, without surrounding whitespace;
    None when unset or blank.

    Credentials never live in the file: the config names the variable (or a Prefect Secret block).
    Whitespace is stripped because ``$(cat token.txt)``-style exports often keep
    a trailing newline, which HTTP libraries reject as a header value (quoting it).
    """
    value = (environ if environ is not None else os.environ).get(variable, "").strip()
    return SecretStr(value) if value else None


class WebApiSettings(SourceSettings):
    """A web API at ``base_url``, reached with a token from the environment variable ``token_env``
    or from the Prefect Secret block ``token_block`` (exactly one; each source's default variable
    when neither is given)."""

    token_env: EnvironmentVariable | None
    token_block: SecretBlockName | None = None
    """The Prefect Secret block holding the token, for workers whose environment the deployment does not set."""
    base_url: str
    timeout_seconds: Seconds = 30.0

    @model_validator(mode="before")
    @classmethod
    def _one_place_for_the_token(cls, data: Any) -> Any:
        return one_secret_place(data, "token_env", "token_block")

    @model_validator(mode="after")
    def _a_place_for_the_token(self) -> WebApiSettings:
        if self.token_env is None and self.token_block is None:
            raise ValueError("give token_env (an environment variable) or token_block (a Prefect Secret block) for the token")
        return self

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_base_url(value)

    @property
    def token_place(self) -> SecretPlace:
        return SecretPlace(self.token_env, self.token_block, "token_block")

    @property
    def secret_places(self) -> tuple[SecretPlace, ...]:
        return (self.token_place,)

    def token(self, environ: Mapping[str, str] | None = None, blocks: Mapping[str, SecretStr] | None = None) -> SecretStr | None:
        """The token from ``token_env`` (None when unset or blank) or from ``blocks`` for ``token_block``."""
        return self.token_place.value(environ, blocks)



def http_base_url(value: str) -> str:
    """``value`` without a trailing slash; refused unless it is an http(s) URL."""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"base_url must start with http:// or https://, got {value!r}")
    return value.rstrip("/")



# --- metrics ---------------------------------------------------------------


class MetricNature(StrEnum):
    """Whether daily values add up over a window (flow) or each one is a state (snapshot)."""

    FLOW = "flow"
    SNAPSHOT = "snapshot"


class MetricSettings(StrictModel):
    """What every metric has; each source's package adds its kinds (``kind:``) with their options."""

    kind: str
    source: Name
    description: str | None = None
    freshness_days: Annotated[WholeNumber, Field(ge=1, le=92)] = 1
    """A KR reading this metric is ``stale`` once its newest observed day is more than this many days before the as-of day."""
    nature: ClassVar[MetricNature] = MetricNature.FLOW

    @property
    def adds_up_over_days(self) -> bool:
        """Whether the window's figure is the sum of its days; False for unique counts
        (users, visitors), whose window figure must be read from the source as one total."""
        return True

    @property
    def unique_units(self) -> str | None:
        """What a unique count counts, in words ("visitors", "active users"), for the messages
        and reports that must say why its days do not add up; None for other measures."""
        return None

    def unfiltered(self) -> MetricSettings | None:
        """The same query without its filters, or None when it has none: a metric that reads 0
        over its whole window while this does not is probably mapped wrong."""
        return None

    @property
    def reconciled_by_total(self) -> bool:
        """How the nightly reconciliation checks this metric's stored past days: True, against
        window totals from the source (``Connector.read_total``), halving the window down to the
        days that changed, which pays where a total costs far fewer calls than reading the window
        by day (a HubSpot count: one search, against a page per 200 records); False, by reading
        the whole window again, where that costs about one call or none."""
        return False

    @property
    def caveats(self) -> list[str]:
        """What a reader of this metric's numbers must know (say, that opens are inflated)."""
        return []



DimensionFilters = dict[str, str | list[str]]
"""Filters on a web-analytics source's dimensions: a value means equals, a list means any of; all must match."""


def check_dimension_filters(where: DimensionFilters, name: re.Pattern[str], example: str) -> DimensionFilters:
    for key, value in where.items():
        if not name.match(key):
            raise ValueError(f"{key!r} is not a name such as {example}")
        if isinstance(value, list) and not value:
            raise ValueError(f"{key}: list at least one value")
    return where

