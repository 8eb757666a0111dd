"""HubSpot's legacy (v1) deal endpoints, which full-pull connectors such as singer's tap-hubspot
still page through, as pure functions over the sandbox's records.

``list_deals_v1`` answers ``GET /deals/v1/deal/paged`` as HubSpot documents it:
``{"deals": [...], "hasMore": bool, "offset": int}``, each deal
``{"portalId", "dealId", "isDeleted", "properties", "imports", "stateChanges"}``
(``associations`` too with ``includeAssociations=true``), every property
``{"value", "timestamp", "source", "sourceId", "versions"}`` with its value as
a string and datetimes as millisecond epochs, as v1 writes them. Parameters:
``limit`` (default 100, at most 250), ``offset`` (the ``offset`` of the
previous page: deals with a greater id follow), ``properties`` (repeated or
comma-separated), ``includeAllProperties`` (every property the deal has),
``includeAssociations``, and ``allPropertiesFetchMode``/``propertiesWithHistory``,
which change nothing here (every property has one version). Any other
parameter is refused, so a caller never mistakes an unfiltered answer for a
filtered one. ``deal_properties_v1`` answers ``GET /properties/v1/deals/properties``:
a bare list of property definitions.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.sandbox.search import SearchValidationError, parse_epoch_millis

__all__ = ["DEFAULT_V1_DEAL_PAGE_SIZE", "MAX_V1_DEAL_PAGE_SIZE", "PORTAL_ID", "deal_properties_v1", "list_deals_v1"]

DEFAULT_V1_DEAL_PAGE_SIZE = 100
MAX_V1_DEAL_PAGE_SIZE = 250
PORTAL_ID = 62515
"""The sandbox portal's id (HubSpot's documentation uses this one in its examples)."""

_DEAL_PARAMETERS = frozenset({"limit", "offset", "properties", "includeAllProperties", "includeAssociations", "allPropertiesFetchMode", "propertiesWithHistory"})
_DEFAULT_PROPERTIES = ("dealname",)
_VALUE_SOURCE = "API"


def list_deals_v1(
    deals_by_id: Sequence[Mapping[str, Any]],
    query: Mapping[str, str],
    query_all: Mapping[str, Sequence[str]],
    *,
    property_types: Mapping[str, str],
) -> dict[str, Any]:
    """One page of ``GET /deals/v1/deal/paged``; ``deals_by_id`` ascending by numeric id."""
    unsupported = sorted(set(query) - _DEAL_PARAMETERS)
    if unsupported:
        raise SearchValidationError(f"The HubSpot sandbox does not support the query parameters {unsupported}.")
    limit = _int_param(query.get("limit"), "limit", DEFAULT_V1_DEAL_PAGE_SIZE, MAX_V1_DEAL_PAGE_SIZE)
    offset = _int_param(query.get("offset"), "offset", 0, None)
    every_property = _bool_param(query.get("includeAllProperties"), "includeAllProperties")
    associations = _bool_param(query.get("includeAssociations"), "includeAssociations")
    asked = [name.strip() for value in query_all.get("properties", []) for name in value.split(",") if name.strip()]
    first = bisect.bisect_right(deals_by_id, offset, key=lambda record: int(record["id"]))
    page = deals_by_id[first : first + limit]
    deals = [_deal_v1(record, None if every_property else (asked or _DEFAULT_PROPERTIES), property_types, associations) for record in page]
    has_more = first + limit < len(deals_by_id)
    return {"deals": deals, "hasMore": has_more, "offset": int(page[-1]["id"]) if page else offset}


def deal_properties_v1(definitions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The v3 property definitions of deals in the v1 listing's shape (a bare list)."""
    return [
        {
            "name": item["name"], "label": item["label"], "description": item.get("description", ""), "groupName": item["groupName"],
            "type": item["type"], "fieldType": item["fieldType"], "options": [dict(option) for option in item.get("options", [])],
            "calculated": item.get("calculated", False), "hidden": item.get("hidden", False), "formField": item.get("formField", False),
            "displayOrder": item.get("displayOrder", -1), "readOnlyValue": item.get("modificationMetadata", {}).get("readOnlyValue", False),
        }
        for item in definitions
    ]


def _deal_v1(record: Mapping[str, Any], names: Sequence[str] | None, property_types: Mapping[str, str], associations: bool) -> dict[str, Any]:
    stored = record["properties"]
    changed = parse_epoch_millis(record["updatedAt"])
    wanted = stored if names is None else {name: stored[name] for name in names if stored.get(name) is not None}
    deal: dict[str, Any] = {
        "portalId": PORTAL_ID,
        "dealId": int(record["id"]),
        "isDeleted": bool(record.get("archived")),
        "properties": {name: _property_v1(name, value, property_types.get(name), changed) for name, value in wanted.items()},
        "imports": [],
        "stateChanges": [],
    }
    if associations:
        deal["associations"] = {"associatedVids": [], "associatedCompanyIds": [], "associatedDealIds": [], "associatedTicketIds": []}
    return deal


def _property_v1(name: str, value: str, kind: str | None, changed: int) -> dict[str, Any]:
    # v1 writes datetimes as millisecond epochs (strings); every value was last set when the deal last changed.
    text = str(parse_epoch_millis(value)) if kind == "datetime" and value else value
    version = {"name": name, "value": text, "timestamp": changed, "source": _VALUE_SOURCE, "sourceVid": []}
    return {"value": text, "timestamp": changed, "source": _VALUE_SOURCE, "sourceId": None, "versions": [version]}


def _int_param(raw: str | None, name: str, default: int, maximum: int | None) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)  # type: ignore[arg-type]
    except ValueError:
        raise SearchValidationError(f"{name} must be an integer, not {raw!r}.") from None
    if value < 0 or (maximum is not None and value > maximum):
        raise SearchValidationError(f"{name} must be between 0 and {maximum}, not {value}." if maximum else f"{name} must not be negative.")
    return value


def _bool_param(raw: str | None, name: str) -> bool:
    if raw in (None, ""):
        return False
    if raw.lower() not in ("true", "false"):  # requests sends Python's "True"/"False"
        raise SearchValidationError(f"{name} must be true or false, not {raw!r}.")
    return raw.lower() == "true"
