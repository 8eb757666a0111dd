"""Building blocks every part of the schema shares: strict models, sources and metrics as the
registry of sources extends them, ``where`` filters, credentials from the environment."""

from __future__ import annotations

import os
import re
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = [
    "DimensionFilters",
    "MetricNature",
    "MetricSettings",
    "PropertyCondition",
    "ScalarValue",
    "SourceSettings",
    "StrictModel",
    "WebApiSettings",
    "WhereFilters",
    "check_dimension_filters",
    "http_base_url",
    "secret_from_environment",
]

ScalarValue = str | int | float | bool


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


class SourceSettings(StrictModel):
    """What every source's settings have: its ``type`` (the registry's key) and how many days
    before the as-of day a nightly sync reads again, because the source may still change them."""

    type: str
    look_back_days: int = Field(default=0, ge=0)


def secret_from_environment(variable: str, environ: dict[str, str] | None = None) -> SecretStr | None:
    """A credential from environment variable ``variable``, without surrounding whitespace;
    None when unset or blank.

    Credentials live only in the environment: the config names the variable.
    Whitespace is stripped because ``$(cat token.txt)``-style exports often keep
    a trailing newline, which HTTP libraries reject as a header value (quoting it).
    """
    value = (environ if environ is not None else os.environ).get(variable, "").strip()
    return SecretStr(value) if value else None


class WebApiSettings(SourceSettings):
    """A web API at ``base_url``, reached with a token from the environment variable ``token_env``."""

    token_env: str
    base_url: str
    timeout_seconds: float = Field(default=30.0, gt=0)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_base_url(value)

    def token(self, environ: dict[str, str] | None = None) -> SecretStr | None:
        """The token from ``token_env``, or None when the variable is unset or blank."""
        return secret_from_environment(self.token_env, environ)



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
    source: str
    description: str | None = None
    freshness_days: int = Field(default=1, ge=1)
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

