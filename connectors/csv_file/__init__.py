"""CSV files (local, or a published sheet over https): numeric columns summed per date, mappings checked against the header."""

from connectors.base import SourceKind
from connectors.csv_file.config import CsvColumn, CsvSource

__all__ = ["SOURCE"]

SOURCE = SourceKind(CsvSource, (CsvColumn,), "connectors.csv_file.connector:CsvConnector")
