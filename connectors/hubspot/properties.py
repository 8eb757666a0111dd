"""Properties a mapping may name, the ``hs_v2_*`` stage properties the listing can hide included.

HubSpot calculates ``hs_v2_date_entered_<stage>`` (and its ``date_exited``,
``latest_time_in``, ``cumulative_time_in`` siblings) for every stage, but the
properties API does not always list them while records carry them and search
filters on them work (pitfall 7 of the API notes). So a name of that family is
known when its stage is, and the property dating a lifecycle stage entry is
never decided from the listing alone: an unlisted v2 property is probed with
one ``HAS_PROPERTY`` search (``limit: 1``, once per stage and run). v2 wins
whenever it has values; the legacy ``hs_lifecyclestage_<stage>_date`` (which
HubSpot back-fills for skipped stages, so it over-counts entries) only when v2
has none and the portal lists the legacy one.
"""

from __future__ import annotations

from connectors.errors import SourceConfigurationError
from connectors.hubspot import portal
from connectors.hubspot.client import HubSpotClient
from connectors.hubspot.daily_series import count_matching
from connectors.hubspot.portal import PropertyDefinition

__all__ = ["V2_STAGE_PROPERTY_TYPES", "find_property", "stage_entered_property"]

V2_STAGE_PROPERTY_TYPES = {
    "hs_v2_date_entered_": "datetime",
    "hs_v2_date_exited_": "datetime",
    "hs_v2_latest_time_in_": "number",
    "hs_v2_cumulative_time_in_": "number",
}
"""Prefixes of the stage-calculated properties HubSpot keeps for every stage, and their types."""


def find_property(client: HubSpotClient, object_type: str, name: str) -> PropertyDefinition | None:
    """Property ``name`` of ``contacts`` or ``deals``: listed, or a v2 stage property of one of
    the portal's stages (lifecycle stages for contacts, any pipeline's stages for deals)."""
    listed = portal.properties(client, object_type).get(name)
    if listed is not None:
        return listed
    for prefix, type_ in V2_STAGE_PROPERTY_TYPES.items():
        if name.startswith(prefix) and name.removeprefix(prefix) in _stage_ids(client, object_type):
            return PropertyDefinition(name, name, type_, {})
    return None


def stage_entered_property(client: HubSpotClient, stage: str) -> str:
    """The contact property dating entries into lifecycle ``stage`` on this portal (the stage
    itself is checked against ``lifecyclestage``'s options beforehand)."""
    v2, legacy = f"hs_v2_date_entered_{stage}", f"hs_lifecyclestage_{stage}_date"
    listed = portal.properties(client, "contacts")
    if v2 in listed or client.shared(("v2 has values", v2), lambda: _has_values(client, v2)):
        return v2
    # Without v2 values, a zero from v2 is the truth unless the portal dates entries the legacy way.
    return legacy if legacy in listed else v2


def _has_values(client: HubSpotClient, name: str) -> bool:
    try:
        return count_matching(client, "contacts", [{"propertyName": name, "operator": "HAS_PROPERTY"}]) > 0
    except SourceConfigurationError as error:
        # A portal without the property may reject a filter on it (HTTP 400) rather than match nothing.
        if error.status == 400:
            return False
        raise


def _stage_ids(client: HubSpotClient, object_type: str) -> set[str]:
    if object_type == "contacts":
        return set(portal.lifecycle_stages(client))
    return {stage.id for pipeline in portal.pipelines(client) for stage in pipeline.stages}
