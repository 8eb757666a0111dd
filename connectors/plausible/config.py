"""Plausible's settings and metric kind, as written under ``sources:`` and ``metrics:``."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from okrmodel.config import DimensionFilters, MetricSettings, WebApiSettings, check_dimension_filters

__all__ = ["PlausibleMetric", "PlausibleSource"]

_PLAUSIBLE_PROPERTY = re.compile(r"^(event|visit):[a-z_]+$|^event:props:[A-Za-z0-9_.-]+$")  # visit:source, event:props:plan


class PlausibleSource(WebApiSettings):
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



class PlausibleMetric(MetricSettings):
    """A Plausible metric per day (Stats API v1 timeseries), optionally filtered by ``where``:
    ``{"visit:source": Google}`` (equals) or a list (any of); several properties must all match."""

    kind: Literal["plausible_metric"]
    metric: Literal["visitors", "visits", "pageviews", "events"]
    where: DimensionFilters = Field(default_factory=dict)

    @field_validator("where")
    @classmethod
    def _expressible(cls, where: DimensionFilters) -> DimensionFilters:
        check_dimension_filters(where, _PLAUSIBLE_PROPERTY, "visit:source, event:page or event:props:plan")
        # The v1 filter string separates filters with ; and alternatives with |.
        for prop, value in where.items():
            for item in [value] if isinstance(value, str) else value:
                if not item or ";" in item or "|" in item:
                    raise ValueError(f"{prop}: {item!r} cannot be sent to Plausible (empty, or contains ; or |)")
        return where
