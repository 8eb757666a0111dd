"""CSV files (local, or a published sheet over https): numeric columns summed per date."""

from connectors.csv_file.connector import CsvConnector

__all__ = ["CsvConnector"]
