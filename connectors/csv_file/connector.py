"""The CSV connector: the file is read once per run and shared by every check, read and catalogue of the source."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

from urllib3.util.retry import Retry

from connectors.base import MetricReading, RunServices, WindowTotal
from connectors.catalog import CatalogTable, Catalogue
from connectors.csv_file.config import CsvColumn, CsvSource
from connectors.csv_file.fetch import CsvFetcher
from connectors.csv_file.parse import CsvProblem, column_problem, column_profiles, column_series, header_of
from connectors.errors import MappingError, SourceConfigurationError
from okrmodel.config import MetricSettings
from okrmodel.periods import Window

__all__ = ["CsvConnector"]


class CsvConnector:
    """Reads ``csv_column`` metrics from one CSV source. Build once per run; ``check`` and ``read`` are thread-safe.

    The first of them fetches the file; later ones in the run parse the same
    text (and report no API call), so every column of a sheet comes from one
    download and one version of the file.
    """

    @classmethod
    def from_settings(cls, name: str, settings: CsvSource, *, metrics: Mapping[str, MetricSettings], base_dir: Path, services: RunServices) -> CsvConnector:
        """The connector for source ``name`` as configured (see ``connectors.base.SourceKind``)."""
        return cls(name, settings, base_dir=base_dir)

    def __init__(self, source_name: str, source: CsvSource, base_dir: Path = Path("."), retry: Retry | None = None):
        self.source_name = source_name
        self.source = source
        self._fetcher = CsvFetcher(source_name, source, base_dir, retry=retry)

    def check(self, name: str, spec: MetricSettings) -> int:
        """Check that the file's header has the source's date column and metric ``name``'s ``column``, once each;
        return the calls that took (1 for the run's download, else 0)."""
        column = self._csv_column(name, spec).column
        text, calls = self._fetcher.read_text()
        header = header_of(text)
        date_problem = column_problem(header, self.source.date_column, name=self.source.location)
        if date_problem is not None:
            raise SourceConfigurationError(self.source_name, f"date_column: {date_problem}")
        problem = column_problem(header, column, name=self.source.location)
        if problem is not None:
            raise MappingError(self.source_name, name, ("column",), problem)
        return calls

    def read(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
        """Check metric ``name``'s mapping, then read its ``column`` over ``window``; raise a ``SourceError`` on failure."""
        calls = self.check(name, spec)
        text, _ = self._fetcher.read_text()  # the text check read: no call
        try:
            values = column_series(text, name=self.source.location, date_column=self.source.date_column, column=self._csv_column(name, spec).column, window=window)
        except CsvProblem as problem:
            raise SourceConfigurationError(self.source_name, str(problem)) from None
        return MetricReading(metric=name, values=values, api_calls=calls)

    def read_total(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> WindowTotal:
        """Metric ``name``'s ``column`` summed over ``window``, from the run's one copy of the file (no call
        after the first); fails as ``read`` does, for a bad row or a window the file has not reached."""
        reading = self.read(name, spec, window, as_of)
        return WindowTotal(metric=name, window=window, value=sum(reading.values.values()), api_calls=reading.api_calls)

    def catalog(self) -> Catalogue:
        """The file's columns, each with whether it is numeric and its last filled date."""
        text, calls = self._fetcher.read_text()
        try:
            profiles = column_profiles(text, name=self.source.location, date_column=self.source.date_column)
        except CsvProblem as problem:
            raise SourceConfigurationError(self.source_name, f"date_column: {problem}") from None
        table = CatalogTable(
            name="columns",
            title=f"Columns of {self.source.location} (numeric: every filled cell is a number; a read reaches up to last_filled)",
            columns=("column", "numeric", "last_filled"),
            rows=[
                {"column": profile.column, "numeric": profile.numeric, "last_filled": profile.last_filled.isoformat() if profile.last_filled else None}
                for profile in profiles
            ],
            mapping="column: <column>",
        )
        return Catalogue(source=self.source_name, type=self.source.type, tables=[table], api_calls=calls)

    def close(self) -> None:
        """Release the download session's pooled connections."""
        self._fetcher.close()

    def _csv_column(self, name: str, spec: MetricSettings) -> CsvColumn:
        if not isinstance(spec, CsvColumn):
            raise SourceConfigurationError(self.source_name, f"metric {name!r}: kind {spec.kind!r} is not read from a CSV file")
        return spec
