"""What the portal has: properties with their types and options, deal pipelines, campaigns, emails.

Mapping checks, reads and the catalogue all look these up; each list is read
once per run (``HubSpotClient.shared``: one call per list, pages aside) and
shared by every metric and thread, so checking every mapping of a run costs a
handful of calls however many metrics it has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.errors import FatalSourceError
from connectors.hubspot.client import NEXT_AFTER, HubSpotClient
from connectors.transport.paging import CursorPaginator

__all__ = [
    "Campaign",
    "Pipeline",
    "PipelineStage",
    "PropertyDefinition",
    "campaigns",
    "lifecycle_stages",
    "marketing_emails",
    "pipelines",
    "properties",
]


@dataclass(frozen=True)
class PropertyDefinition:
    """One CRM property: ``type`` is HubSpot's (``string``, ``number``, ``datetime``, ``enumeration``,
    ``bool``, ...); ``options`` maps each option's value to its label (enumerations only)."""

    name: str
    label: str
    type: str
    options: Mapping[str, str]


@dataclass(frozen=True)
class PipelineStage:
    """A deal stage: ``outcome`` is ``open``, ``won`` or ``lost``."""

    id: str
    label: str
    outcome: str


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    stages: tuple[PipelineStage, ...]

    def stage(self, stage_id: str) -> PipelineStage | None:
        return next((stage for stage in self.stages if stage.id == stage_id), None)


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str


def properties(client: HubSpotClient, object_type: str) -> Mapping[str, PropertyDefinition]:
    """The listed properties of ``contacts`` or ``deals`` by name (the listing may leave out
    the ``hs_v2_*`` stage properties records carry: see ``properties.py``)."""
    return client.shared(("properties", object_type), lambda: _read_properties(client, object_type))


def lifecycle_stages(client: HubSpotClient) -> Mapping[str, str]:
    """Lifecycle stage id -> label, in the portal's order: the options of ``lifecyclestage``
    (custom stages have numeric ids)."""
    lifecycle = properties(client, "contacts").get("lifecyclestage")
    return lifecycle.options if lifecycle is not None else {}


def pipelines(client: HubSpotClient) -> tuple[Pipeline, ...]:
    """The deal pipelines with their stages, in the portal's display order."""
    return client.shared(("pipelines", "deals"), lambda: _read_pipelines(client))


def campaigns(client: HubSpotClient) -> tuple[Campaign, ...]:
    """The portal's marketing campaigns (id and name), every page."""
    return client.shared("campaigns", lambda: _read_campaigns(client))


def marketing_emails(client: HubSpotClient) -> tuple[dict[str, Any], ...]:
    """Every marketing email, drafts included, with its statistics, as HubSpot answers them."""
    return client.shared("marketing emails", lambda: _read_emails(client))


def _read_properties(client: HubSpotClient, object_type: str) -> Mapping[str, PropertyDefinition]:
    definitions: dict[str, PropertyDefinition] = {}
    for item in client.properties(object_type):
        name = _text(client, item, "name", f"{object_type} property")
        options = {str(option["value"]): str(option.get("label") or option["value"]) for option in item.get("options") or [] if "value" in option}
        definitions[name] = PropertyDefinition(name, str(item.get("label") or name), str(item.get("type") or ""), options)
    return definitions


def _read_pipelines(client: HubSpotClient) -> tuple[Pipeline, ...]:
    listed = sorted(client.pipelines("deals"), key=lambda item: (item.get("displayOrder") or 0, str(item.get("label") or "")))
    return tuple(
        Pipeline(
            _text(client, item, "id", "pipeline"),
            str(item.get("label") or item["id"]),
            tuple(
                PipelineStage(_text(client, stage, "id", "pipeline stage"), str(stage.get("label") or stage["id"]), _outcome(stage))
                for stage in sorted(item.get("stages") or [], key=lambda stage: stage.get("displayOrder") or 0)
            ),
        )
        for item in listed
    )


def _outcome(stage: dict[str, Any]) -> str:
    # HubSpot writes stage metadata as strings: isClosed "true"/"false", probability "1.0" for won, "0.0" for lost.
    metadata = stage.get("metadata") or {}
    if str(metadata.get("isClosed", "")).lower() != "true":
        return "open"
    try:
        return "won" if float(metadata.get("probability", 0)) >= 1.0 else "lost"
    except (TypeError, ValueError):
        return "lost"


def _read_campaigns(client: HubSpotClient) -> tuple[Campaign, ...]:
    pages = CursorPaginator(client.source_name, "campaigns", NEXT_AFTER).pages(lambda after: client.campaigns_page(after=after))
    return tuple(
        Campaign(_text(client, item, "id", "campaign"), str((item.get("properties") or {}).get("hs_name") or ""))
        for page in pages
        for item in page.get("results") or []
    )


def _read_emails(client: HubSpotClient) -> tuple[dict[str, Any], ...]:
    pages = CursorPaginator(client.source_name, "marketing emails", NEXT_AFTER).pages(lambda after: client.marketing_emails_page(after=after))
    return tuple(email for page in pages for email in page.get("results") or [])


def _text(client: HubSpotClient, item: dict[str, Any], key: str, what: str) -> str:
    value = item.get(key)
    if value is None or value == "":
        raise FatalSourceError(client.source_name, f"a {what} in HubSpot's answer has no {key}")
    return str(value)
