"""Query semantics of the sandbox's CRM search and marketing-email list, as pure functions.

``search_records`` follows HubSpot's documented CRM search: filter groups are
ORed and the filters inside a group ANDed; datetimes compare as epoch
milliseconds (filter values may be millisecond epochs or ISO-8601 strings),
numbers numerically, other strings case-insensitively; a record without the
property (or with an empty value) fails every operator but
``NOT_HAS_PROPERTY``, ``NEQ`` and ``NOT_IN`` included. The documented limits
raise ``SearchValidationError``, which the server answers as HubSpot does:
400 ``VALIDATION_ERROR``. ``list_marketing_emails`` does the same for
``GET /marketing/v3/emails``, ``list_campaigns`` and ``campaign_answer`` for
``GET /marketing/v3/campaigns`` and ``.../{campaignGuid}``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import operator as op
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

__all__ = [
    "DEFAULT_CAMPAIGN_PAGE_SIZE",
    "DEFAULT_EMAIL_PAGE_SIZE",
    "DEFAULT_PAGE_SIZE",
    "MAX_CAMPAIGN_PAGE_SIZE",
    "MAX_EMAIL_PAGE_SIZE",
    "MAX_FILTERS_PER_GROUP",
    "MAX_FILTERS_TOTAL",
    "MAX_FILTER_GROUPS",
    "MAX_PAGE_SIZE",
    "MAX_REACHABLE_RESULTS",
    "SearchValidationError",
    "campaign_answer",
    "list_campaigns",
    "list_marketing_emails",
    "parse_epoch_millis",
    "search_records",
]

MAX_FILTER_GROUPS = 5
MAX_FILTERS_PER_GROUP = 6
MAX_FILTERS_TOTAL = 18
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 200
MAX_REACHABLE_RESULTS = 10_000
"""Search pages cannot start at or past this offset; ``total`` itself is not capped."""
DEFAULT_EMAIL_PAGE_SIZE = 100
MAX_EMAIL_PAGE_SIZE = 300
DEFAULT_CAMPAIGN_PAGE_SIZE = 50
MAX_CAMPAIGN_PAGE_SIZE = 100

Properties = Mapping[str, str | None]
Predicate = Callable[[Properties], bool]
Comparable = int | float | str

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "EQ": op.eq,
    "NEQ": op.ne,
    "GT": op.gt,
    "GTE": op.ge,
    "LT": op.lt,
    "LTE": op.le,
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)
_SORT_DIRECTIONS = {"ASCENDING": False, "DESCENDING": True}  # -> reverse
_EMAIL_PARAMETERS = frozenset({"limit", "after", "includeStats", "isPublished", "createdAfter", "createdBefore", "archived", "marketingCampaignNames"})
_CAMPAIGN_PARAMETERS = frozenset({"limit", "after", "name", "properties", "sort"})
_CAMPAIGN_SORTS = ("hs_name", "createdAt", "updatedAt")


class SearchValidationError(ValueError):
    """The request breaks a rule HubSpot answers with 400 ``VALIDATION_ERROR``; the message says which."""


def parse_epoch_millis(value: str | int) -> int:
    """Epoch milliseconds from a millisecond epoch (int or digit string) or an ISO-8601 string.

    ISO strings without an offset count as UTC; a bare date is its UTC
    midnight. Raises ``ValueError`` for anything else.
    """
    if isinstance(value, bool):
        raise ValueError(f"not a datetime: {value!r}")
    if isinstance(value, int):
        return value
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Integer arithmetic: float timestamps turn .389 into 388.9999 milliseconds.
    return (moment - _EPOCH) // _MILLISECOND


def search_records(
    records: Iterable[Mapping[str, Any]],
    request: Mapping[str, Any],
    *,
    property_types: Mapping[str, str],
    default_properties: Sequence[str],
    always_properties: Sequence[str],
    link_base: str,
    memo: Callable[[str, Callable[[], list[Mapping[str, Any]]]], list[Mapping[str, Any]]] | None = None,
    passed: Collection[int] = (),
) -> dict[str, Any]:
    """The body HubSpot answers to ``POST /crm/v3/objects/{type}/search`` with ``request``.

    ``property_types`` maps property names to HubSpot types and decides how
    values compare (unlisted properties compare as strings). Results carry the
    requested ``properties`` (``default_properties`` when none are requested)
    plus ``always_properties``; a requested property the record lacks is null
    if it is defined, left out if not. Without a sort rule results are
    ascending by ``hs_object_id``; ties always break by id, ascending. Paging
    is by offset: ``paging.next.after`` is the next offset and is left out on
    the last page. Archived records are never returned. ``memo(key, compute)``,
    when given, may keep the ordered matches of a query between its pages.
    ``passed`` names filters of the only filter group (by position) that every
    one of ``records`` is known to pass (an index narrowed them by it): they are
    validated but not evaluated again.
    """
    if not isinstance(request, Mapping):
        raise SearchValidationError("The request body must be a JSON object.")
    if request.get("query"):
        raise SearchValidationError("The HubSpot sandbox does not support full-text `query`; use filterGroups.")
    matches = _compile_filter_groups(request.get("filterGroups"), property_types, passed)
    sort_property, descending = _parse_sort(request.get("sorts"))
    limit = _parse_int(request.get("limit"), "limit", DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE)
    after = _parse_int(request.get("after"), "after", 0, maximum=MAX_REACHABLE_RESULTS - 1)
    names = _result_property_names(request.get("properties"), default_properties, always_properties)

    def ordered_matches() -> list[Mapping[str, Any]]:
        found = [record for record in records if not record.get("archived") and matches(record["properties"])]
        return _sorted_records(found, sort_property, property_types.get(sort_property, "string"), descending)

    if memo is None:
        ordered = ordered_matches()
    else:
        ordered = memo(json.dumps([request.get("filterGroups"), request.get("sorts")], sort_keys=True, default=str), ordered_matches)
    body: dict[str, Any] = {
        "total": len(ordered),
        "results": [_result(record, names, property_types) for record in ordered[after : after + limit]],
    }
    if limit and after + limit < len(ordered):
        next_after = str(after + limit)
        body["paging"] = {"next": {"after": next_after, "link": f"{link_base}?after={next_after}"}}
    return body


def list_marketing_emails(
    emails: Iterable[Mapping[str, Any]], params: Mapping[str, str], *, link_base: str, campaign_names_on_request: bool = False
) -> dict[str, Any]:
    """The body HubSpot answers to ``GET /marketing/v3/emails`` with query ``params`` (one value each).

    Supported: ``limit`` (default 100), ``after`` (an offset cursor),
    ``includeStats`` (default false: ``stats`` left out), ``isPublished``,
    ``archived`` (default false), ``createdAfter``/``createdBefore``
    (exclusive; ISO-8601 or millisecond epochs) and
    ``marketingCampaignNames``: with ``campaign_names_on_request``, emails
    carry ``campaignName`` only when it is true. Any other parameter is
    rejected rather than silently ignored, so a caller never mistakes an
    unfiltered answer for a filtered one. Results are ascending by
    ``createdAt``, then id.
    """
    unsupported = sorted(set(params) - _EMAIL_PARAMETERS)
    if unsupported:
        raise SearchValidationError(f"The HubSpot sandbox does not support the query parameters {unsupported}.")
    limit = _parse_int(params.get("limit"), "limit", DEFAULT_EMAIL_PAGE_SIZE, maximum=MAX_EMAIL_PAGE_SIZE)
    after = _parse_int(params.get("after"), "after", 0)
    include_stats = _parse_bool(params.get("includeStats"), "includeStats")
    is_published = _parse_bool(params.get("isPublished"), "isPublished")
    archived = bool(_parse_bool(params.get("archived"), "archived"))
    created_after = _parse_datetime_param(params.get("createdAfter"), "createdAfter")
    created_before = _parse_datetime_param(params.get("createdBefore"), "createdBefore")
    names_asked = bool(_parse_bool(params.get("marketingCampaignNames"), "marketingCampaignNames"))
    left_out = {key for key, drop in (("stats", not include_stats), ("campaignName", campaign_names_on_request and not names_asked)) if drop}

    def wanted(mail: Mapping[str, Any]) -> bool:
        created = parse_epoch_millis(mail["createdAt"])
        return (
            bool(mail.get("archived")) == archived
            and (is_published is None or mail["isPublished"] == is_published)
            and (created_after is None or created > created_after)
            and (created_before is None or created < created_before)
        )

    found = sorted(filter(wanted, emails), key=lambda mail: (parse_epoch_millis(mail["createdAt"]), int(mail["id"])))
    page = found[after : after + limit]
    body: dict[str, Any] = {
        "total": len(found),
        "results": [{key: value for key, value in mail.items() if key not in left_out} for mail in page],
    }
    if limit and after + limit < len(found):
        next_after = str(after + limit)
        body["paging"] = {"next": {"after": next_after, "link": f"{link_base}?{urlencode({**params, 'after': next_after})}"}}
    return body


def list_campaigns(
    campaigns: Iterable[Mapping[str, Any]], params: Mapping[str, str], *, properties: Sequence[str], known: Sequence[str], link_base: str
) -> dict[str, Any]:
    """The body HubSpot answers to ``GET /marketing/v3/campaigns`` with query ``params``.

    ``limit`` 1 to 100 (default 50), ``after`` the opaque cursor of
    ``paging.next.after``, ``name`` a case-insensitive substring of
    ``hs_name``, ``sort`` ``hs_name`` (default), ``createdAt`` or
    ``updatedAt``, ``-`` first for descending. Each result carries the
    requested ``properties`` that are ``known`` (null when unset; unknown
    ones are ignored, as HubSpot does), none when none are asked.
    """
    unsupported = sorted(set(params) - _CAMPAIGN_PARAMETERS)
    if unsupported:
        raise SearchValidationError(f"The HubSpot sandbox does not support the query parameters {unsupported}.")
    limit = _parse_int(params.get("limit"), "limit", DEFAULT_CAMPAIGN_PAGE_SIZE, maximum=MAX_CAMPAIGN_PAGE_SIZE)
    if limit < 1:
        raise SearchValidationError("limit must be at least 1.")
    after = _decode_cursor(params.get("after"))
    sort = params.get("sort") or "hs_name"
    descending, sort_key = sort.startswith("-"), sort.removeprefix("-")
    if sort_key not in _CAMPAIGN_SORTS:
        raise SearchValidationError(f"sort must be one of {list(_CAMPAIGN_SORTS)}, optionally with a leading '-', not {sort!r}.")
    needle = (params.get("name") or "").casefold()
    found = [item for item in campaigns if needle in str(item["properties"].get("hs_name", "")).casefold()]

    def key(item: Mapping[str, Any]) -> Comparable:
        if sort_key == "hs_name":
            return str(item["properties"].get("hs_name", "")).casefold()
        return parse_epoch_millis(item[sort_key])

    found = sorted(sorted(found, key=lambda item: item["id"]), key=key, reverse=descending)
    body: dict[str, Any] = {"total": len(found), "results": [campaign_answer(item, properties, known) for item in found[after : after + limit]]}
    if after + limit < len(found):
        cursor = _encode_cursor(after + limit)
        body["paging"] = {"next": {"after": cursor, "link": f"{link_base}?{urlencode({**params, 'after': cursor})}"}}
    return body


def campaign_answer(campaign: Mapping[str, Any], properties: Sequence[str], known: Sequence[str]) -> dict[str, Any]:
    """One campaign with the requested ``properties`` that are ``known`` (null when unset)."""
    values = campaign["properties"]
    return {
        "id": campaign["id"],
        "createdAt": campaign["createdAt"],
        "updatedAt": campaign["updatedAt"],
        "properties": {name: values.get(name) for name in dict.fromkeys(properties) if name in known},
        "businessUnits": [dict(unit) for unit in campaign.get("businessUnits", [{"id": 0}])],
    }


def _encode_cursor(offset: int) -> str:
    # Opaque like HubSpot's ("NTA="): clients must pass paging.next.after back, not compute offsets.
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return _parse_int(base64.urlsafe_b64decode(cursor.encode()).decode(), "after", 0)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SearchValidationError(f"after must be a paging cursor from paging.next.after, not {cursor!r}.") from None


# --- filters -----------------------------------------------------------------


def _compile_filter_groups(groups: Any, property_types: Mapping[str, str], passed: Collection[int] = ()) -> Predicate:
    if groups is None or groups == []:
        return lambda properties: True
    if not isinstance(groups, list):
        raise SearchValidationError("filterGroups must be a list.")
    if len(groups) > MAX_FILTER_GROUPS:
        raise SearchValidationError(f"Too many filter groups: {len(groups)}; at most {MAX_FILTER_GROUPS} are allowed.")
    compiled: list[list[Predicate]] = []
    for group in groups:
        filters = group.get("filters") if isinstance(group, Mapping) else None
        if not isinstance(filters, list) or not filters:
            raise SearchValidationError("Each filter group needs a non-empty list of filters.")
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise SearchValidationError(f"Too many filters in one group: {len(filters)}; at most {MAX_FILTERS_PER_GROUP} are allowed.")
        compiled.append([_compile_filter(spec, property_types) for spec in filters])
    total = sum(map(len, compiled))
    if total > MAX_FILTERS_TOTAL:
        raise SearchValidationError(f"Too many filters: {total}; at most {MAX_FILTERS_TOTAL} are allowed across all groups.")
    if passed and len(compiled) == 1:
        compiled = [[check for position, check in enumerate(compiled[0]) if position not in passed]]
    return lambda properties: any(all(check(properties) for check in group) for group in compiled)


def _compile_filter(spec: Any, property_types: Mapping[str, str]) -> Predicate:
    if not isinstance(spec, Mapping):
        raise SearchValidationError("Each filter must be an object.")
    name, operator = spec.get("propertyName"), spec.get("operator")
    if not isinstance(name, str) or not name:
        raise SearchValidationError("Each filter needs a propertyName.")
    kind = property_types.get(name, "string")

    def stored(properties: Properties) -> Comparable | None:
        raw = properties.get(name)
        return None if raw is None or raw == "" else _stored_comparable(raw, kind)

    if operator == "HAS_PROPERTY":
        return lambda properties: stored(properties) is not None
    if operator == "NOT_HAS_PROPERTY":
        return lambda properties: stored(properties) is None
    if operator in ("IN", "NOT_IN"):
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise SearchValidationError(f"Operator {operator} on {name} needs a non-empty `values` list.")
        wanted = frozenset(_filter_comparable(value, kind, name) for value in values)
        expect_member = operator == "IN"
        return lambda properties: (value := stored(properties)) is not None and (value in wanted) == expect_member
    if operator == "BETWEEN":
        low = _filter_comparable(_required(spec, "value", operator, name), kind, name)
        high = _filter_comparable(_required(spec, "highValue", operator, name), kind, name)
        return lambda properties: (value := stored(properties)) is not None and low <= value <= high
    compare = _COMPARISONS.get(operator) if isinstance(operator, str) else None
    if compare is None:
        raise SearchValidationError(f"Operator {operator!r} is not supported by the HubSpot sandbox.")
    target = _filter_comparable(_required(spec, "value", operator, name), kind, name)
    return lambda properties: (value := stored(properties)) is not None and compare(value, target)


def _required(spec: Mapping[str, Any], key: str, operator: str, name: str) -> Any:
    if spec.get(key) is None:
        raise SearchValidationError(f"Operator {operator} on {name} needs `{key}`.")
    return spec[key]


def _filter_comparable(value: Any, kind: str, name: str) -> Comparable:
    try:
        return _comparable(value if isinstance(value, int) and not isinstance(value, bool) else str(value), kind)
    except ValueError:
        raise SearchValidationError(f"{value!r} is not a valid {kind} value for {name}.") from None


@functools.lru_cache(maxsize=1 << 18)
def _stored_comparable(raw: str, kind: str) -> Comparable | None:
    # Cached: every search parses the same stored strings, and datetime parsing dominates its cost.
    try:
        return _comparable(raw, kind)
    except ValueError:
        return None  # a value that does not parse as its type behaves as unset


def _comparable(value: str | int, kind: str) -> Comparable:
    if kind in ("datetime", "date"):
        return parse_epoch_millis(value)
    if kind == "number":
        return float(value)
    return str(value).casefold()


# --- sorting, paging, shaping ---------------------------------------------------


def _parse_sort(sorts: Any) -> tuple[str, bool]:
    if not sorts:
        return "hs_object_id", False
    if not isinstance(sorts, list):
        raise SearchValidationError("sorts must be a list.")
    if len(sorts) > 1:
        raise SearchValidationError(f"Too many sorts: {len(sorts)}; at most 1 is allowed.")
    rule = sorts[0]
    if isinstance(rule, str):  # the SDK types sorts as strings; "-name" sorts descending
        return rule.removeprefix("-"), rule.startswith("-")
    if not isinstance(rule, Mapping) or not isinstance(rule.get("propertyName"), str):
        raise SearchValidationError("A sort needs a propertyName.")
    direction = rule.get("direction", "ASCENDING")
    if direction not in _SORT_DIRECTIONS:
        raise SearchValidationError(f"Sort direction must be ASCENDING or DESCENDING, not {direction!r}.")
    return rule["propertyName"], _SORT_DIRECTIONS[direction]


def _sorted_records(records: list[Mapping[str, Any]], name: str, kind: str, descending: bool) -> list[Mapping[str, Any]]:
    by_id = sorted(records, key=lambda record: int(record["id"]))
    if name == "hs_object_id" and kind == "number" and not descending and all(record["properties"].get("hs_object_id") == record["id"] for record in by_id):
        return by_id  # the default order, on records whose hs_object_id is their id (as HubSpot's always is)
    keyed = [(_sort_key(record, name, kind), record) for record in by_id]
    # Python's sort is stable also in reverse, so equal keys stay in ascending id order.
    present = sorted(((key, record) for key, record in keyed if key is not None), key=op.itemgetter(0), reverse=descending)
    missing = [record for key, record in keyed if key is None]  # records without the property come last
    return [record for _, record in present] + missing


def _sort_key(record: Mapping[str, Any], name: str, kind: str) -> Comparable | None:
    raw = record["properties"].get(name)
    return None if raw is None or raw == "" else _stored_comparable(raw, kind)


def _parse_int(value: Any, name: str, default: int, *, maximum: int | None = None) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise SearchValidationError(f"{name} must be an integer, not {value!r}.") from None
    if number < 0:
        raise SearchValidationError(f"{name} must not be negative.")
    if maximum is not None and number > maximum:
        if name == "after":
            raise SearchValidationError(f"Paging past {maximum + 1:,} results is not allowed (after={number}).")
        raise SearchValidationError(f"{name} must be at most {maximum}, not {number}.")
    return number


def _parse_bool(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    lowered = value.lower()  # the SDK sends Python's "True"/"False"
    if lowered not in ("true", "false"):
        raise SearchValidationError(f"{name} must be true or false, not {value!r}.")
    return lowered == "true"


def _parse_datetime_param(value: str | None, name: str) -> int | None:
    if value is None:
        return None
    try:
        return parse_epoch_millis(value)
    except ValueError:
        raise SearchValidationError(f"{name} must be an ISO-8601 datetime or epoch milliseconds, not {value!r}.") from None


def _result_property_names(requested: Any, default: Sequence[str], always: Sequence[str]) -> list[str]:
    if requested is None or requested == []:
        return list(dict.fromkeys([*default, *always]))
    if not isinstance(requested, list) or not all(isinstance(name, str) for name in requested):
        raise SearchValidationError("properties must be a list of property names.")
    return list(dict.fromkeys([*requested, *always]))


def _result(record: Mapping[str, Any], names: Sequence[str], property_types: Mapping[str, str]) -> dict[str, Any]:
    properties = record["properties"]
    return {
        "id": record["id"],
        "properties": {name: properties.get(name) for name in names if name in properties or name in property_types},
        "createdAt": record["createdAt"],
        "updatedAt": record["updatedAt"],
        "archived": False,
    }
