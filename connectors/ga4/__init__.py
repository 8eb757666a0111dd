"""Google Analytics 4: daily sessions, users, page views, events from the Data API (REST), via google-analytics-data;
mappings checked against the property's metadata."""

from connectors.base import SourceKind
from connectors.ga4.config import GA4Metric, GA4Source

__all__ = ["SOURCE"]

SOURCE = SourceKind(GA4Source, (GA4Metric,), "connectors.ga4.connector:GA4Connector")
