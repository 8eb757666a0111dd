"""Plausible: daily visitors, visits, pageviews or events from the Stats API v1, via ``requests``."""

from connectors.plausible.connector import PlausibleConnector

__all__ = ["PlausibleConnector"]
