"""GA4's settings and metric kind, as written under ``sources:`` and ``metrics:``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from okrmodel.config import (
    DimensionFilters,
    EnvironmentVariable,
    LookBackDays,
    MetricSettings,
    Seconds,
    SecretBlockName,
    SecretPlace,
    SourceSettings,
    check_dimension_filters,
    one_secret_place,
)

__all__ = ["GA4Metric", "GA4MetricName", "GA4Source", "GA4_USER_COUNTS"]

GA4MetricName = Literal["sessions", "engagedSessions", "totalUsers", "newUsers", "activeUsers", "screenPageViews", "eventCount", "keyEvents", "conversions"]
"""GA4 metrics a ``ga4_metric`` can map: counts per day, and the user counts below."""

GA4_USER_COUNTS = {
    "totalUsers": "users",
    "activeUsers": "active users",
    "newUsers": "new users",
    "active1DayUsers": "1-day active users",
    "active7DayUsers": "7-day active users",
    "active28DayUsers": "28-day active users",
    "totalPurchasers": "purchasers",
    "firstTimePurchasers": "first-time purchasers",
    "scrolledUsers": "users who scrolled",
}
"""GA4's metrics that count distinct users (API schema), in words: their figure over a range is
GA4's own count of distinct users in it, never the sum of its days (a user back on two days
counts twice in the sum), so a KR reads them as one total per window."""

_GA4_DIMENSION = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(:[A-Za-z0-9_]+)?$")  # sessionDefaultChannelGroup, customEvent:plan


class GA4Source(SourceSettings):
    """A Google Analytics 4 property, read with a service account whose JSON key sits in the
    environment variable ``credentials_env`` or the Prefect Secret block ``credentials_block``
    (never in the file).

    GA4 cuts days in the property's time zone: the config's ``timezone`` must be the property's.
    """

    type: Literal["ga4"]
    property_id: str
    """The numeric property id (Admin > Property details), not the ``G-...`` measurement id."""
    credentials_env: EnvironmentVariable | None = "GA4_CREDENTIALS_JSON"
    credentials_block: SecretBlockName | None = None
    """The Prefect Secret block holding the key's JSON, for workers whose environment the deployment does not set."""
    timeout_seconds: Seconds = 60.0
    look_back_days: LookBackDays = 3
    """Days before the as-of day read again each night: GA4 may take up to 48 hours to process a day."""

    @field_validator("property_id", mode="before")
    @classmethod
    def _numeric_id(cls, value: Any) -> Any:
        # An unquoted id in YAML is an int; it means the same property.
        value = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(value, str) and not re.fullmatch(r"[0-9]+", value):
            raise ValueError(f"property_id is the numeric GA4 property id (Admin > Property details), such as '123456789', not {value!r}")
        return value

    @model_validator(mode="before")
    @classmethod
    def _one_place_for_the_key(cls, data: Any) -> Any:
        return one_secret_place(data, "credentials_env", "credentials_block")

    @model_validator(mode="after")
    def _a_place_for_the_key(self) -> GA4Source:
        if self.credentials_env is None and self.credentials_block is None:
            raise ValueError("give credentials_env (an environment variable) or credentials_block (a Prefect Secret block) for the key")
        return self

    @property
    def credentials_place(self) -> SecretPlace:
        return SecretPlace(self.credentials_env, self.credentials_block, "credentials_block")

    @property
    def secret_places(self) -> tuple[SecretPlace, ...]:
        return (self.credentials_place,)

    def credentials_json(self, environ: Mapping[str, str] | None = None, blocks: Mapping[str, SecretStr] | None = None) -> SecretStr | None:
        """The service-account key (JSON text) from ``credentials_env`` (None when unset or empty) or from
        ``blocks`` for ``credentials_block``."""
        return self.credentials_place.value(environ, blocks)



class GA4Metric(MetricSettings):
    """A GA4 metric per day (one ``runReport`` by ``date``), optionally only for the rows whose
    dimensions match ``where``: ``{sessionDefaultChannelGroup: Organic Search}`` (equals) or a
    list (any of); several dimensions must all match. A user count is also read as one total
    per KR window (``GA4_USER_COUNTS``)."""

    kind: Literal["ga4_metric"]
    metric: GA4MetricName
    where: DimensionFilters = Field(default_factory=dict)

    @property
    def adds_up_over_days(self) -> bool:
        return self.metric not in GA4_USER_COUNTS

    @property
    def unique_units(self) -> str | None:
        return GA4_USER_COUNTS.get(self.metric)

    def unfiltered(self) -> GA4Metric | None:
        return self.model_copy(update={"where": {}}) if self.where else None

    @field_validator("where")
    @classmethod
    def _dimension_names(cls, where: DimensionFilters) -> DimensionFilters:
        return check_dimension_filters(where, _GA4_DIMENSION, "sessionDefaultChannelGroup or customEvent:plan")
