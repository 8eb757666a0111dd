"""A CSV source's settings and metric kind, as written under ``sources:`` and ``metrics:``."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from connectors.transport.scrub import scrub
from okrmodel.config import LookBackDays, MetricSettings, Name, Seconds, SourceSettings

__all__ = ["CsvColumn", "CsvSource"]


class CsvSource(SourceSettings):
    """A CSV file with a header row, a date column (``YYYY-MM-DD``) and numeric columns: a local
    ``path`` (relative to the config file's folder) or an ``https://`` ``url``, such as a Google
    Sheet published to the web as CSV. Give exactly one of them."""

    type: Literal["csv"]
    path: Name | None = None
    url: str | None = None
    date_column: Name = "date"
    timeout_seconds: Seconds = 30.0
    look_back_days: LookBackDays = 7
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
        """The path or URL as written, for messages: a key in the URL's query is redacted."""
        return scrub(self.path or self.url or "")



class CsvColumn(MetricSettings):
    """A numeric ``column`` of a CSV source, summed per date."""

    kind: Literal["csv_column"]
    column: Name
