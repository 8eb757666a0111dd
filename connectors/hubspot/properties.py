"""Property names checked against the portal's properties API before a search uses them.

HubSpot's search treats a filter on a property that does not exist as a
request error or, worse, as a filter nothing matches; a misspelt ``where``
key would then read as a real zero. Checking names against
``GET /crm/v3/properties/{objectType}`` (one call per object type and run,
cached by the client) turns that into a configuration error naming the close
matches. The same list decides which date property records when a contact
entered a lifecycle stage: the current ``hs_v2_date_entered_<stage>``, or the
legacy ``hs_lifecyclestage_<stage>_date`` on portals that lack it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from connectors.errors import SourceConfigurationError
from connectors.hubspot.client import HubSpotClient

__all__ = ["require_properties", "stage_entered_property"]


def require_properties(client: HubSpotClient, object_type: str, names: Iterable[str], *, metric: str) -> None:
    """Raise ``SourceConfigurationError`` naming ``metric``, each unknown property and its close matches."""
    wanted = sorted(set(names))
    if not wanted:
        return
    known = client.property_names(object_type)
    problems = [f"{name!r}{_close_matches(name, known)}" for name in wanted if name not in known]
    if problems:
        raise SourceConfigurationError(
            client.source_name, f"metric {metric!r}: {object_type} have no property {'; no property '.join(problems)}"
        )


def stage_entered_property(client: HubSpotClient, stage: str, *, metric: str) -> str:
    """The contact property holding when a contact entered ``stage`` on this portal."""
    known = client.property_names("contacts")
    for candidate in (f"hs_v2_date_entered_{stage}", f"hs_lifecyclestage_{stage}_date"):
        if candidate in known:
            return candidate
    stages = sorted(name.removeprefix("hs_v2_date_entered_") for name in known if name.startswith("hs_v2_date_entered_"))
    close = difflib.get_close_matches(stage, stages, n=3)
    hint = f" (did you mean {', '.join(map(repr, close))}?)" if close else f"; known stages: {', '.join(stages) or 'none'}"
    raise SourceConfigurationError(
        client.source_name,
        f"metric {metric!r}: lifecycle stage {stage!r} has neither hs_v2_date_entered_{stage} nor hs_lifecyclestage_{stage}_date{hint}",
    )


def _close_matches(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
