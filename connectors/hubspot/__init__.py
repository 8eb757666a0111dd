"""HubSpot: CRM search counts and sums, marketing emails, web analytics, via hubspot-api-client."""

from connectors.base import SourceKind
from connectors.hubspot.config import HUBSPOT_METRICS, HubSpotSource

__all__ = ["SOURCE"]

SOURCE = SourceKind(HubSpotSource, HUBSPOT_METRICS, "connectors.hubspot.connector:HubSpotConnector")
