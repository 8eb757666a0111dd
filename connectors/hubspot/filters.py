"""Config ``where:`` conditions as CRM search filters, within HubSpot's filter limits."""

from __future__ import annotations

from connectors.errors import SourceConfigurationError
from connectors.hubspot.client import SearchFilter
from connectors.hubspot.values import filter_value
from okrmodel.config import PropertyCondition, WhereFilters

__all__ = ["MAX_FILTERS_PER_GROUP", "check_filter_budget", "where_filters"]

MAX_FILTERS_PER_GROUP = 6
"""HubSpot's limit on filters in one filter group (all of ours go in one group: they are ANDed)."""


def where_filters(where: WhereFilters) -> list[SearchFilter]:
    """``where`` as ANDed search filters: a value is ``EQ``, a list ``IN``, and a condition
    ``{gte, lt, not, has}`` becomes ``GTE``/``LT``/``NEQ`` or ``NOT_IN``/``HAS_PROPERTY`` or ``NOT_HAS_PROPERTY``."""
    filters: list[SearchFilter] = []
    for name, wanted in where.items():
        if isinstance(wanted, PropertyCondition):
            filters.extend(_condition_filters(name, wanted))
        elif isinstance(wanted, list):
            filters.append({"propertyName": name, "operator": "IN", "values": [filter_value(v) for v in wanted]})
        else:
            filters.append({"propertyName": name, "operator": "EQ", "value": filter_value(wanted)})
    return filters


def check_filter_budget(source_name: str, metric: str, filters: list[SearchFilter], *, reserved: int) -> None:
    """Fail early, naming ``metric``, when its filters plus the ``reserved`` ones the reads add
    (the window's two, or a timestamp and an id for ties) exceed one filter group."""
    if len(filters) + reserved > MAX_FILTERS_PER_GROUP:
        allowed = MAX_FILTERS_PER_GROUP - reserved
        raise SourceConfigurationError(
            source_name,
            f"metric {metric!r}: {len(filters)} filters from where/stage/pipeline options, but HubSpot allows "
            f"{MAX_FILTERS_PER_GROUP} per search and the date window needs {reserved}; keep at most {allowed}",
        )


def _condition_filters(name: str, condition: PropertyCondition) -> list[SearchFilter]:
    filters: list[SearchFilter] = []
    if condition.has is True:
        filters.append({"propertyName": name, "operator": "HAS_PROPERTY"})
    elif condition.has is False:
        filters.append({"propertyName": name, "operator": "NOT_HAS_PROPERTY"})
    if condition.gte is not None:
        filters.append({"propertyName": name, "operator": "GTE", "value": filter_value(condition.gte)})
    if condition.lt is not None:
        filters.append({"propertyName": name, "operator": "LT", "value": filter_value(condition.lt)})
    if isinstance(condition.not_, list):
        filters.append({"propertyName": name, "operator": "NOT_IN", "values": [filter_value(v) for v in condition.not_]})
    elif condition.not_ is not None:
        filters.append({"propertyName": name, "operator": "NEQ", "value": filter_value(condition.not_)})
    return filters
