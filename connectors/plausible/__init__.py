"""Plausible: daily visitors, visits, pageviews or events from the Stats API v2 (``POST /api/v2/query``), via ``requests``."""

from connectors.base import SourceKind
from connectors.plausible.config import PlausibleMetric, PlausibleSource

__all__ = ["SOURCE"]

SOURCE = SourceKind(PlausibleSource, (PlausibleMetric,), "connectors.plausible.connector:PlausibleConnector")
