"""A GA4 mapping checked against the property's metadata (``getMetadata``) before any report runs.

``properties/{id}/metadata`` lists every dimension and metric the property
can report, its custom definitions (``customEvent:plan``) included, each by
``apiName`` plus any ``deprecatedApiNames`` still served. A report naming
anything else fails, so a typo is caught here with its location in the file
and the name closest to it. The config accepts only metrics that add up over
days; the check adds whether this property offers the one named (GA4 renamed
``conversions`` to ``keyEvents``, and a property may list only the new name).

Values cannot be listed without reading data, except the default channel
groups: GA4 defines them once for every property, and a misspelt one in a
filter matches nothing, so it would read as a real 0. The report's string filters
ignore case (``case_sensitive`` is left unset), so the check does too.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from google.analytics.data_v1beta.types import DimensionMetadata, Metadata, MetricMetadata

from connectors.errors import MappingError
from connectors.ga4.config import GA4Metric

__all__ = ["CHANNEL_GROUP_DIMENSIONS", "DEFAULT_CHANNEL_GROUPS", "check_mapping"]

DEFAULT_CHANNEL_GROUPS = (
    "Affiliates",
    "Audio",
    "Cross-network",
    "Direct",
    "Display",
    "Email",
    "Mobile Push Notifications",
    "Organic Search",
    "Organic Shopping",
    "Organic Social",
    "Organic Video",
    "Paid Other",
    "Paid Search",
    "Paid Shopping",
    "Paid Social",
    "Paid Video",
    "Referral",
    "SMS",
    "Unassigned",
)
"""GA4's default channel groups (Analytics Help, "[GA4] Default channel group"); they cannot be edited."""

CHANNEL_GROUP_DIMENSIONS = ("sessionDefaultChannelGroup", "firstUserDefaultChannelGroup", "defaultChannelGroup")
"""Dimensions whose values are the default channel groups (session, first user and key-event scope)."""

_RENAMED_METRICS = {"conversions": "keyEvents"}
"""Old name -> new: difflib cannot see that these mean the same."""
_CUSTOM_SCOPES = ("customEvent:", "customUser:", "customItem:")


def check_mapping(metadata: Metadata, *, source_name: str, property_id: str, metric_name: str, spec: GA4Metric) -> None:
    """Raise ``MappingError`` at the first metric, dimension or channel group of ``spec`` the property does not offer."""
    if spec.metric not in _served_names(metadata.metrics):
        raise MappingError(source_name, metric_name, ("metric",), _unknown_metric(spec.metric, metadata.metrics, property_id))
    dimensions = _served_names(metadata.dimensions)
    for dimension, value in spec.where.items():
        if dimension not in dimensions:
            raise MappingError(source_name, metric_name, ("where", dimension), _unknown_dimension(dimension, metadata.dimensions, property_id))
        if dimension in CHANNEL_GROUP_DIMENSIONS:
            _check_channel_groups(source_name, metric_name, dimension, value)


def _served_names(fields: Sequence[MetricMetadata] | Sequence[DimensionMetadata]) -> set[str]:
    return {name for field in fields for name in (field.api_name, *field.deprecated_api_names)}


def _unknown_metric(metric: str, metrics: Sequence[MetricMetadata], property_id: str) -> str:
    message = f"{metric!r} is not a GA4 metric of property {property_id}"
    offered = [field.api_name for field in metrics]
    renamed = _RENAMED_METRICS.get(metric)
    if renamed in offered:
        return f"{message}: GA4 renamed it {renamed!r}; use metric: {renamed}"
    return f"{message}{_did_you_mean(_closest(metric, offered))}"


def _unknown_dimension(dimension: str, dimensions: Sequence[DimensionMetadata], property_id: str) -> str:
    offered = [field.api_name for field in dimensions]
    custom = dimension.startswith(_CUSTOM_SCOPES)
    scope, _, parameter = dimension.partition(":")
    if custom:
        # Custom names share their scope's prefix, which makes any two look alike: compare the parameters.
        parameters = {name.partition(":")[2]: name for name in offered if name.startswith(f"{scope}:")}
        closest = parameters.get(_closest(parameter, parameters) or "")
    else:
        closest = _closest(dimension, offered)
    message = f"{dimension!r} is not a GA4 dimension of property {property_id}{_did_you_mean(closest)}"
    if custom and closest is None:
        message += f"; it exists once {parameter!r} is registered as a custom dimension (GA4 Admin > Custom definitions)"
    return message


def _check_channel_groups(source_name: str, metric_name: str, dimension: str, value: str | list[str]) -> None:
    known = {group.casefold() for group in DEFAULT_CHANNEL_GROUPS}
    items = [(("where", dimension), value)] if isinstance(value, str) else [(("where", dimension, index), item) for index, item in enumerate(value)]
    for field, item in items:
        if item.casefold() not in known:
            raise MappingError(
                source_name,
                metric_name,
                field,
                f"{item!r} is not a GA4 default channel group{_did_you_mean(_closest(item, DEFAULT_CHANNEL_GROUPS))}; the groups are {', '.join(DEFAULT_CHANNEL_GROUPS)}",
            )


def _closest(value: str, known: Iterable[str]) -> str | None:
    """The known name closest to ``value`` (case aside), if any is close."""
    by_folded = {name.casefold(): name for name in known}
    close = difflib.get_close_matches(value.casefold(), list(by_folded), n=1)
    return by_folded[close[0]] if close else None


def _did_you_mean(name: str | None) -> str:
    return f" (did you mean {name!r}?)" if name else ""
