"""What a HubSpot portal offers to map, as ``okr catalog`` shows it: one table per kind of value.

Read live from the same lists the mapping checks use (``portal.py``): a
properties listing per object type, the deal pipelines, every marketing email
page and every campaign page. Each table says where its values go in
``okrs.yaml``.
"""

from __future__ import annotations

from typing import Any

from connectors.catalog import CatalogTable
from connectors.hubspot import portal
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.portal import PropertyDefinition
from connectors.hubspot.web_analytics import TRAFFIC_SOURCES

__all__ = ["portal_catalogue"]

_OPTIONS_LISTED = 20  # beyond this many options a property shows a short text, not the list


def portal_catalogue(client: HubSpotClient) -> list[CatalogTable]:
    """Every table of the portal's catalogue, read live."""
    return [
        _lifecycle_stages(client),
        _properties(client, "contacts"),
        _properties(client, "deals"),
        _pipelines(client),
        _marketing_emails(client),
        _campaigns(client),
        _traffic_sources(),
    ]


def _lifecycle_stages(client: HubSpotClient) -> CatalogTable:
    rows = [
        # HubSpot numbers the stages a portal adds; its own have names.
        {"id": stage, "label": label, "custom": "yes" if stage.isdigit() else "no"}
        for stage, label in portal.lifecycle_stages(client).items()
    ]
    return CatalogTable("lifecycle_stages", "Lifecycle stages", ("id", "label", "custom"), rows, mapping="stage: <id>")


def _properties(client: HubSpotClient, object_type: str) -> CatalogTable:
    singular = object_type.removesuffix("s")
    rows = [
        {"name": item.name, "label": item.label, "type": item.type, "options": _options(item)}
        for item in sorted(portal.properties(client, object_type).values(), key=lambda item: item.name)
    ]
    return CatalogTable(
        f"{singular}_properties", f"{singular.capitalize()} properties", ("name", "label", "type", "options"), rows,
        mapping="where: {<name>: ...}",
    )


def _options(definition: PropertyDefinition) -> list[str] | str:
    values = list(definition.options)
    if len(values) <= _OPTIONS_LISTED:
        return values
    return f"{len(values)} options: {', '.join(values[:5])}, ..."


def _pipelines(client: HubSpotClient) -> CatalogTable:
    rows = [
        {"pipeline": pipeline.id, "pipeline_label": pipeline.label, "stage": stage.id, "stage_label": stage.label, "closed": _closed(stage.outcome)}
        for pipeline in portal.pipelines(client)
        for stage in pipeline.stages
    ]
    return CatalogTable(
        "pipelines", "Deal pipelines and stages", ("pipeline", "pipeline_label", "stage", "stage_label", "closed"), rows,
        mapping="pipeline: <pipeline>, dealstage: <stage>",
    )


def _closed(outcome: str) -> str:
    return "no" if outcome == "open" else outcome


def _marketing_emails(client: HubSpotClient) -> CatalogTable:
    names = {campaign.id: campaign.name for campaign in portal.campaigns(client)}
    rows = [_email_row(mail, names) for mail in portal.marketing_emails(client)]
    return CatalogTable(
        "marketing_emails", "Marketing emails", ("name", "state", "published", "campaign"), rows, mapping="name_contains: <part of a name>"
    )


def _email_row(mail: dict[str, Any], campaign_names: dict[str, str]) -> dict[str, Any]:
    campaign_id = str(mail.get("campaign") or "")
    return {
        "name": str(mail.get("name") or ""),
        "state": str(mail.get("state") or ""),
        "published": str(mail.get("publishDate") or ""),
        # An email may carry only its campaign's id: the campaigns list names it.
        "campaign": str(mail.get("campaignName") or campaign_names.get(campaign_id) or campaign_id),
    }


def _campaigns(client: HubSpotClient) -> CatalogTable:
    rows = [{"id": campaign.id, "name": campaign.name} for campaign in portal.campaigns(client)]
    return CatalogTable("campaigns", "Marketing campaigns", ("id", "name"), rows, mapping="campaign: <id or name>")


def _traffic_sources() -> CatalogTable:
    rows = [{"id": source, "label": label} for source, label in TRAFFIC_SOURCES.items()]
    return CatalogTable("web_traffic_sources", "Website traffic sources", ("id", "label"), rows, mapping="sources: [<id>, ...]")
