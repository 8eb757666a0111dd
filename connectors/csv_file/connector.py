"""The CSV connector: the file is read once per run and shared by every metric (column) of the source."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date
from pathlib import Path

from urllib3.util.retry import Retry

from connectors.base import MetricReading
from connectors.csv_file.config import CsvColumn, CsvSource
from connectors.csv_file.fetch import CsvFetcher
from connectors.csv_file.parse import CsvProblem, column_series
from connectors.errors import SourceConfigurationError
from okrmodel.config import MetricSettings
from okrmodel.periods import Window

__all__ = ["CsvConnector"]


class CsvConnector:
    """Reads ``csv_column`` metrics from one CSV source. Build once per run; ``read`` is thread-safe.

    The first read fetches the file; later reads in the run parse the same
    text (and report no API call), so every column of a sheet comes from one
    download and one version of the file.
    """

    @classmethod
    def from_settings(cls, name: str, settings: CsvSource, *, metrics: Mapping[str, MetricSettings], base_dir: Path) -> CsvConnector:
        """The connector for source ``name`` as configured (see ``connectors.base.SourceKind``)."""
        return cls(name, settings, base_dir=base_dir)

    def __init__(self, source_name: str, source: CsvSource, base_dir: Path = Path("."), retry: Retry | None = None):
        self.source_name = source_name
        self.source = source
        self._fetcher = CsvFetcher(source_name, source, base_dir, retry=retry)
        self._text: str | None = None
        self._lock = threading.Lock()

    def read(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
        """Read metric ``name`` (its ``column``) over ``window``; raise a ``SourceError`` on failure."""
        if not isinstance(spec, CsvColumn):
            raise SourceConfigurationError(self.source_name, f"metric {name!r}: kind {spec.kind!r} is not read from a CSV file")
        text, calls = self._file_text()
        try:
            values = column_series(text, name=self.source.location, date_column=self.source.date_column, column=spec.column, window=window)
        except CsvProblem as problem:
            raise SourceConfigurationError(self.source_name, str(problem)) from None
        return MetricReading(metric=name, values=values, api_calls=calls)

    def close(self) -> None:
        """Release the download session's pooled connections."""
        self._fetcher.close()

    def _file_text(self) -> tuple[str, int]:
        with self._lock:
            if self._text is not None:
                return self._text, 0
            self._text, calls = self._fetcher.read_text()
            return self._text, calls
