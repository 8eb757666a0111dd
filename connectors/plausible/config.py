"""Plausible's settings and metric kind, as written under ``sources:`` and ``metrics:``."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from okrmodel.config import DimensionFilters, EnvironmentVariable, LookBackDays, MetricSettings, Name, WebApiSettings, check_dimension_filters

__all__ = ["PlausibleMetric", "PlausibleMetricName", "PlausibleSource"]

PlausibleMetricName = Literal["visitors", "visits", "pageviews", "events"]
"""Stats API v2 metrics a ``plausible_metric`` can map (``connectors.plausible.vocabulary.METRICS`` says what each counts)."""

# The shape of a dimension name only (visit:source, event:props:plan); the check knows the documented list.
_PLAUSIBLE_DIMENSION = re.compile(r"^(event|visit):[a-z_]+$|^event:props:.+$")


class PlausibleSource(WebApiSettings):
    """A Plausible site (plausible.io or self-hosted at ``base_url``), read with a Stats API key
    from the environment variable ``token_env`` or the Prefect Secret block ``token_block``.

    Plausible cuts days in the site's time zone: the config's ``timezone`` must be the site's.
    """

    type: Literal["plausible"]
    site_id: Name
    """The site's domain as registered in Plausible, such as ``acme.example``."""
    token_env: EnvironmentVariable | None = "PLAUSIBLE_TOKEN"
    base_url: str = "https://plausible.io"
    look_back_days: LookBackDays = 1
    """Days before the as-of day read again each night (Plausible counts in real time; the day before catches late events)."""



class PlausibleMetric(MetricSettings):
    """A Plausible metric per day (one Stats API v2 query by ``time:day``), optionally filtered by
    ``where``: ``{"visit:source": Google}`` (is) or a list (is any of); several dimensions must all match."""

    kind: Literal["plausible_metric"]
    metric: PlausibleMetricName
    where: DimensionFilters = Field(default_factory=dict)

    @property
    def adds_up_over_days(self) -> bool:
        # Plausible counts a visitor once per range: the quarter's visitors are fewer than its days' sum.
        return self.metric != "visitors"

    @property
    def unique_units(self) -> str | None:
        return "visitors" if self.metric == "visitors" else None

    def unfiltered(self) -> PlausibleMetric | None:
        return self.model_copy(update={"where": {}}) if self.where else None

    @field_validator("where")
    @classmethod
    def _expressible(cls, where: DimensionFilters) -> DimensionFilters:
        check_dimension_filters(where, _PLAUSIBLE_DIMENSION, "visit:source, event:page or event:props:plan")
        # v2 sends each value as a JSON string, so any text goes; an empty one would match only
        # visits without that dimension, which is never what a KR means.
        for dimension, value in where.items():
            if any(not item for item in ([value] if isinstance(value, str) else value)):
                raise ValueError(f"{dimension}: an empty value cannot be sent to Plausible; name the {dimension} to match")
        return where
