"""HubSpot: CRM search counts and sums, marketing emails, via hubspot-api-client."""

from connectors.hubspot.connector import HubSpotConnector

__all__ = ["HubSpotConnector"]
