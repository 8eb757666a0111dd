"""Records archived, merged or edited between two syncs, as a HubSpot portal's users do it.

An archived record (deleted in the portal; HubSpot keeps it restorable for 90
days) keeps its data but is gone from search and from its ``total``, and from
the list API unless ``archived=true`` is asked for: counts of the days it was
dated on shrink after they were stored (pitfall 3). A merge leaves one record
where there were two: the secondary is archived, and the primary keeps its
properties and lists the secondary's id (and the ids merged into it before) in
``hs_merged_object_ids``, semicolon-separated, as HubSpot writes it. HubSpot's
newer merges give the result a new id; for what a count sees it is the same:
one record where there were two, dated as the primary.

An edit changes properties and stamps the record modified, which is how a
night finds an amount changed on a deal dated weeks ago.

These functions change the records in place; ``SandboxServer.archive``,
``SandboxServer.merge`` and ``SandboxServer.edit`` call them and refresh the server's indexes.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from connectors.sandbox.values import format_hubspot_datetime, numeric_id

__all__ = ["MERGED_IDS_PROPERTY", "archive_records", "edit_record", "merge_records", "sample_ids"]

MERGED_IDS_PROPERTY = "hs_merged_object_ids"
_MODIFIED_PROPERTIES = ("lastmodifieddate", "hs_lastmodifieddate")  # contacts, deals


def archive_records(records: list[dict[str, Any]], ids: Iterable[int | str], *, at: datetime) -> list[dict[str, Any]]:
    """Archive the live records with ``ids`` at ``at``, and return them; raises ``ValueError``
    (archiving nothing) when an id is not a live record's."""
    wanted = {numeric_id(record_id) for record_id in ids}
    found = [record for record in records if record["id"] in wanted and not record.get("archived")]
    missing = wanted - {record["id"] for record in found}
    if missing:
        raise ValueError(f"no live record has id {', '.join(sorted(missing, key=int))}")
    stamp = format_hubspot_datetime(at)
    for record in found:
        record.update(archived=True, archivedAt=stamp, updatedAt=stamp)
    return found


def merge_records(records: list[dict[str, Any]], primary_id: int | str, secondary_id: int | str, *, at: datetime) -> dict[str, Any]:
    """Merge the live record ``secondary_id`` into the live record ``primary_id`` at ``at`` and
    return the primary; raises ``ValueError`` (changing nothing) for an unknown id or an id merged into itself."""
    primary_key, secondary_key = numeric_id(primary_id), numeric_id(secondary_id)
    if primary_key == secondary_key:
        raise ValueError(f"record {primary_key} cannot be merged into itself")
    primary = next((record for record in records if record["id"] == primary_key and not record.get("archived")), None)
    if primary is None:
        raise ValueError(f"no live record has id {primary_key}")
    [secondary] = archive_records(records, [secondary_key], at=at)
    properties = primary["properties"]
    merged = [value for value in (properties.get(MERGED_IDS_PROPERTY), secondary["properties"].get(MERGED_IDS_PROPERTY)) if value]
    properties[MERGED_IDS_PROPERTY] = ";".join([*merged, secondary_key])
    stamp = format_hubspot_datetime(at)
    for name in _MODIFIED_PROPERTIES:
        if name in properties:
            properties[name] = stamp
    primary["updatedAt"] = stamp
    return primary


def edit_record(records: list[dict[str, Any]], record_id: int | str, properties: dict[str, str], *, at: datetime) -> dict[str, Any]:
    """Set ``properties`` on the live record ``record_id`` at ``at`` and return it; raises
    ``ValueError`` (changing nothing) when it is not a live record's id."""
    key = numeric_id(record_id)
    record = next((record for record in records if record["id"] == key and not record.get("archived")), None)
    if record is None:
        raise ValueError(f"no live record has id {key}")
    stamp = format_hubspot_datetime(at)
    record["properties"].update(properties)
    for name in _MODIFIED_PROPERTIES:
        if name in record["properties"]:
            record["properties"][name] = stamp
    record["updatedAt"] = stamp
    return record


def sample_ids(records: Iterable[dict[str, Any]], share: float, *, seed: int | str = 0) -> list[str]:
    """The ids of ``share`` (0 to 1, rounded to whole records) of the live records, drawn
    reproducibly from ``seed``, ascending."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be between 0 and 1, not {share}")
    live = [record["id"] for record in records if not record.get("archived")]
    return sorted(random.Random(seed).sample(live, round(len(live) * share)), key=int)
