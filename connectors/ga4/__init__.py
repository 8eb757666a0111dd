"""Google Analytics 4: daily sessions, users, page views, events from the Data API (REST), via google-analytics-data."""

from connectors.ga4.connector import GA4Connector

__all__ = ["GA4Connector"]
