"""What a portal lets a mapping name: its pipelines and stages, its properties and their options.

``Pipeline`` and ``PipelineStage`` describe a deal pipeline as the pipelines
API answers it (``pipeline_json``); ``DEFAULT_PIPELINE`` is HubSpot's
``default`` "Sales Pipeline", ``PARTNER_PIPELINE`` a custom one with numeric
ids as HubSpot gives custom pipelines and stages. Contacts answer a single
pipeline, the lifecycle stages (custom ones included).

``property_definitions`` lists the properties of ``contacts`` or ``deals`` as
``GET /crm/v3/properties/{objectType}`` does, every enumeration with its
options, consistent with the portal: ``lifecyclestage`` has the custom
stages, ``pipeline`` and ``dealstage`` the stages of every deal pipeline (as
HubSpot lists them). A portal with ``v2_properties_listed`` false leaves the
``hs_v2_date_entered_*`` properties out of the listing although its records
carry them, as HubSpot sometimes does; ``property_types`` still types them,
so searches filter on them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from connectors.sandbox.values import format_hubspot_datetime

if TYPE_CHECKING:
    from connectors.sandbox.dataset import SandboxDataset

__all__ = [
    "ANALYTICS_SOURCES",
    "DEAL_STAGES",
    "DEFAULT_PIPELINE",
    "LIFECYCLE_PIPELINE_ID",
    "LIFECYCLE_STAGES",
    "PARTNER_PIPELINE",
    "Pipeline",
    "PipelineStage",
    "V2_STAGE_DATE_PREFIX",
    "pipeline_json",
    "pipelines_of",
    "property_definitions",
    "property_types",
]

LIFECYCLE_STAGES: dict[str, str] = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "marketingqualifiedlead": "Marketing Qualified Lead",
    "salesqualifiedlead": "Sales Qualified Lead",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "evangelist": "Evangelist",
    "other": "Other",
}
"""HubSpot's default lifecycle stages, internal value -> label, in funnel order."""

ANALYTICS_SOURCES: dict[str, str] = {
    "ORGANIC_SEARCH": "Organic search",
    "PAID_SEARCH": "Paid search",
    "EMAIL_MARKETING": "Email marketing",
    "SOCIAL_MEDIA": "Organic social",
    "REFERRALS": "Referrals",
    "OTHER_CAMPAIGNS": "Other campaigns",
    "DIRECT_TRAFFIC": "Direct traffic",
    "OFFLINE": "Offline sources",
    "PAID_SOCIAL": "Paid social",
}
"""Options of ``hs_analytics_source`` (original traffic source), value -> label."""

DEAL_STAGES: dict[str, str] = {
    "appointmentscheduled": "Appointment Scheduled",
    "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In",
    "contractsent": "Contract Sent",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
"""Stages of the ``default`` sales pipeline, id -> label."""

V2_STAGE_DATE_PREFIX = "hs_v2_date_entered_"
LIFECYCLE_PIPELINE_ID = "contacts-lifecycle-pipeline"
_PORTAL_CREATED = datetime(2021, 3, 4, 9, 26, 53, 117_000, tzinfo=UTC)


@dataclass(frozen=True)
class PipelineStage:
    """One stage: ``probability`` is the deal win probability (0.0 to 1.0; None leaves
    ``metadata`` without it), ``closed`` whether deals in it are closed."""

    id: str
    label: str
    probability: float | None = None
    closed: bool = False


@dataclass(frozen=True)
class Pipeline:
    """A deal pipeline: ``id`` is ``default`` for HubSpot's own, numeric for custom ones."""

    id: str
    label: str
    stages: tuple[PipelineStage, ...]
    display_order: int = 0
    created: datetime = _PORTAL_CREATED

    def stage(self, stage_id: str) -> PipelineStage | None:
        return next((stage for stage in self.stages if stage.id == stage_id), None)


_DEFAULT_PROBABILITIES = {
    "appointmentscheduled": 0.2,
    "qualifiedtobuy": 0.4,
    "presentationscheduled": 0.6,
    "decisionmakerboughtin": 0.8,
    "contractsent": 0.9,
    "closedwon": 1.0,
    "closedlost": 0.0,
}
DEFAULT_PIPELINE = Pipeline(
    "default",
    "Sales Pipeline",
    tuple(PipelineStage(stage, label, _DEFAULT_PROBABILITIES[stage], stage in ("closedwon", "closedlost")) for stage, label in DEAL_STAGES.items()),
)
"""HubSpot's ``default`` deal pipeline with ``DEAL_STAGES``."""

PARTNER_PIPELINE = Pipeline(
    "12345678",
    "Partner Pipeline",
    (
        PipelineStage("1001", "Partner Sourced", 0.1),
        PipelineStage("1002", "Partner Qualified", 0.5),
        PipelineStage("1003", "Partner Closed Won", 1.0, closed=True),
        PipelineStage("1004", "Partner Closed Lost", 0.0, closed=True),
    ),
    display_order=1,
    created=_PORTAL_CREATED + timedelta(days=400),
)
"""A custom deal pipeline with numeric pipeline and stage ids, as HubSpot numbers custom ones."""


def pipelines_of(object_type: str, dataset: SandboxDataset) -> list[Pipeline] | None:
    """The pipelines of ``object_type`` in display order: the deal pipelines, the lifecycle
    stage pipeline of contacts, None for an object type without pipelines."""
    if object_type == "deals":
        return sorted(dataset.pipelines, key=lambda pipeline: (pipeline.display_order, pipeline.label))
    if object_type == "contacts":
        stages = {**LIFECYCLE_STAGES, **dataset.custom_stages}
        # Lifecycle stages have no probability and are never "closed"; their metadata is left empty.
        return [Pipeline(LIFECYCLE_PIPELINE_ID, "Lifecycle Stage Pipeline", tuple(PipelineStage(stage, label) for stage, label in stages.items()))]
    return None


def pipeline_json(pipeline: Pipeline) -> dict[str, Any]:
    """``pipeline`` as ``GET /crm/v3/pipelines/{objectType}/{pipelineId}`` answers it."""
    stamp = format_hubspot_datetime(pipeline.created)
    return {
        "label": pipeline.label,
        "displayOrder": pipeline.display_order,
        "id": pipeline.id,
        "stages": [_stage_json(stage, order, stamp) for order, stage in enumerate(pipeline.stages)],
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
    }


def _stage_json(stage: PipelineStage, display_order: int, stamp: str) -> dict[str, Any]:
    metadata: dict[str, str] = {}
    if stage.probability is not None:
        # HubSpot writes stage metadata as strings: "true"/"false", "0.2".
        metadata = {"isClosed": "true" if stage.closed else "false", "probability": repr(float(stage.probability))}
    return {
        "label": stage.label,
        "displayOrder": display_order,
        "metadata": metadata,
        "id": stage.id,
        "createdAt": stamp,
        "updatedAt": stamp,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


# --- property schema ---------------------------------------------------------


@dataclass(frozen=True)
class _Property:
    name: str
    label: str
    type: str
    field_type: str
    group: str
    options: Mapping[str, str] | None = None


_COMPUTED_PROPERTIES = frozenset({"hs_object_id", "createdate", "lastmodifieddate", "hs_lastmodifieddate"})

_CONTACT_PROPERTIES = (
    _Property("hs_object_id", "Record ID", "number", "number", "contactinformation"),
    _Property("email", "Email", "string", "text", "contactinformation"),
    _Property("firstname", "First Name", "string", "text", "contactinformation"),
    _Property("lastname", "Last Name", "string", "text", "contactinformation"),
    _Property("createdate", "Create Date", "datetime", "date", "contactinformation"),
    _Property("lastmodifieddate", "Last Modified Date", "datetime", "date", "contactinformation"),
    _Property("hs_analytics_source", "Original Traffic Source", "enumeration", "select", "analyticsinformation", ANALYTICS_SOURCES),
)
_DEAL_PROPERTIES = (
    _Property("hs_object_id", "Record ID", "number", "number", "dealinformation"),
    _Property("dealname", "Deal Name", "string", "text", "dealinformation"),
    _Property("amount", "Amount", "number", "number", "dealinformation"),
    # pipeline and dealstage (their options come from the portal's pipelines) sit here.
    _Property("createdate", "Create Date", "datetime", "date", "dealinformation"),
    _Property("closedate", "Close Date", "datetime", "date", "dealinformation"),
    _Property("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "dealinformation"),
)


def property_types(object_type: str, dataset: SandboxDataset | None = None) -> dict[str, str]:
    """Property name -> HubSpot type (``number``, ``string``, ``datetime``, ``enumeration``) for
    ``contacts`` or ``deals`` of ``dataset``'s portal, the properties left out of its listing included."""
    return {prop.name: prop.type for prop in _schema(object_type, dataset)}


def property_definitions(object_type: str, dataset: SandboxDataset | None = None) -> list[dict[str, Any]]:
    """The properties of ``contacts`` or ``deals`` as ``GET /crm/v3/properties/{objectType}`` lists them."""
    hide_v2 = dataset is not None and not dataset.v2_properties_listed
    return [
        _definition_json(prop, order)
        for order, prop in enumerate(_schema(object_type, dataset))
        if not (hide_v2 and prop.name.startswith(V2_STAGE_DATE_PREFIX))
    ]


def _schema(object_type: str, dataset: SandboxDataset | None) -> tuple[_Property, ...]:
    if object_type == "deals":
        pipelines = pipelines_of("deals", dataset) if dataset is not None else [DEFAULT_PIPELINE]
        assert pipelines is not None
        stages: dict[str, str] = {}
        for pipeline in pipelines:
            for stage in pipeline.stages:
                stages.setdefault(stage.id, stage.label)
        first, rest = _DEAL_PROPERTIES[:3], _DEAL_PROPERTIES[3:]
        return (
            *first,
            _Property("pipeline", "Pipeline", "enumeration", "select", "dealinformation", {pipeline.id: pipeline.label for pipeline in pipelines}),
            _Property("dealstage", "Deal Stage", "enumeration", "radio", "dealinformation", stages),
            *rest,
        )
    if object_type != "contacts":
        raise KeyError(object_type)
    custom = dataset.custom_stages if dataset is not None else {}
    legacy = dataset.legacy_stage_dates if dataset is not None else False
    stages = {**LIFECYCLE_STAGES, **custom}
    lifecycle = _Property("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "contactinformation", stages)
    dated = tuple(
        _Property(_stage_date_property(stage, legacy), _stage_date_label(label, legacy), "datetime", "date", "contactlcs")
        for stage, label in stages.items()
    )
    return (*_CONTACT_PROPERTIES[:6], lifecycle, _CONTACT_PROPERTIES[6], *dated)


def _stage_date_property(stage: str, legacy: bool) -> str:
    return f"hs_lifecyclestage_{stage}_date" if legacy else f"{V2_STAGE_DATE_PREFIX}{stage}"


def _stage_date_label(label: str, legacy: bool) -> str:
    return f"Became a {label} Date" if legacy else f'Date entered "{label} (Lifecycle Stage Pipeline)"'


def _definition_json(prop: _Property, display_order: int) -> dict[str, Any]:
    options = [
        {"label": label, "value": value, "displayOrder": index, "hidden": False}
        for index, (value, label) in enumerate((prop.options or {}).items())
    ]
    return {
        "name": prop.name,
        "label": prop.label,
        "type": prop.type,
        "fieldType": prop.field_type,
        "description": "",
        "groupName": prop.group,
        "options": options,
        "displayOrder": display_order,
        "calculated": False,
        "externalOptions": False,
        "hasUniqueValue": False,
        "hidden": False,
        "hubspotDefined": True,
        "archived": False,
        "modificationMetadata": {"archivable": False, "readOnlyDefinition": True, "readOnlyValue": _is_computed_by_hubspot(prop.name)},
    }


def _is_computed_by_hubspot(name: str) -> bool:
    return name in _COMPUTED_PROPERTIES or name.startswith((V2_STAGE_DATE_PREFIX, "hs_lifecyclestage_"))
