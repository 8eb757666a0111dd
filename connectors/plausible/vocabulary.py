"""What a Plausible mapping may name, as the Stats API v2 reference documents it, and the check.

Plausible has no API listing a site's metrics or dimensions: the reference
(plausible.io/docs/stats-api) and the query schema it publishes fix them for
every site. So a mapping is checked against the lists here, with no API call:

- ``METRICS``: the v2 counts: ``visits``, ``pageviews`` and ``events`` add
  up over days; ``visitors`` counts each visitor once per range, so a window's
  visitors are read as one aggregate, never summed from its days. Rates and
  averages (``bounce_rate``, ``visit_duration``, ``views_per_visit``,
  ``conversion_rate``, ``time_on_page``, ``scroll_depth``, ``percentage``)
  are no counts, and revenue comes back as an amount in a goal's currency, so
  the schema offers neither.
- ``DIMENSIONS``: the event and visit dimensions a filter may name, plus
  ``event:props:<name>`` for a custom property; ``time:*`` dimensions group
  rows and cannot filter.
- ``DOCUMENTED_VALUES``: dimensions whose every value the reference lists.
  Plausible's ``is`` filter is case-sensitive, so a value off by a letter
  would silently read 0.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from connectors.errors import MappingError
from connectors.plausible.config import PlausibleMetric

__all__ = ["CUSTOM_PROPERTY_PREFIX", "DIMENSIONS", "DOCUMENTED_VALUES", "METRICS", "check_mapping"]

METRICS: dict[str, str] = {
    "visitors": "Unique visitors: a window's are read as one total (a person back on two days counts once), its days apart",
    "visits": "Visits (sessions)",
    "pageviews": "Pageview events",
    "events": "Pageviews plus custom events; with an event:goal filter, the goal's conversions",
}

DIMENSIONS: dict[str, tuple[str, str]] = {
    "event:goal": ("Register", "A goal configured in the site's settings, by its display name"),
    "event:name": ("pageview", "Name of the event: pageview, or a custom event's name"),
    "event:page": ("/blog/remove-google-analytics", "Pathname of the page where the event happened"),
    "event:hostname": ("example.com", "Hostname of the event"),
    "visit:entry_page": ("/home", "Page the visit started on (landing page)"),
    "visit:entry_page_hostname": ("example.com", "Hostname of the entry page"),
    "visit:exit_page": ("/home", "Last page the visit viewed"),
    "visit:exit_page_hostname": ("example.com", "Hostname of the exit page"),
    "visit:source": ("Twitter", "Source: utm_source, source or ref parameter, else the Referer"),
    "visit:referrer": ("t.co/fzWTE9OTPt", "Raw Referer header without scheme or www."),
    "visit:channel": ("Organic Search", "Acquisition channel of the visit"),
    "visit:utm_medium": ("social", "utm_medium parameter of the entry page"),
    "visit:utm_source": ("twitter", "utm_source parameter of the entry page"),
    "visit:utm_campaign": ("profile", "utm_campaign parameter of the entry page"),
    "visit:utm_content": ("banner", "utm_content parameter of the entry page"),
    "visit:utm_term": ("keyword", "utm_term parameter of the entry page"),
    "visit:device": ("Desktop", "Device type: Desktop, Laptop, Tablet or Mobile"),
    "visit:browser": ("Chrome", "Browser vendor"),
    "visit:browser_version": ("88.0.4324.146", "Browser version"),
    "visit:os": ("Mac", "Operating system"),
    "visit:os_version": ("10.6", "Operating system version"),
    "visit:country": ("US", "ISO 3166-1 alpha-2 code of the visitor's country"),
    "visit:region": ("US-MD", "ISO 3166-2 code of the visitor's region"),
    "visit:city": ("4347778", "GeoNames id of the visitor's city"),
    "visit:country_name": ("United States", "Name of the visitor's country"),
    "visit:region_name": ("California", "Name of the visitor's region"),
    "visit:city_name": ("San Francisco", "Name of the visitor's city"),
}
"""Filter dimensions -> (example value, description). Visit dimensions come from a visit's first pageview."""

CUSTOM_PROPERTY_PREFIX = "event:props:"

DOCUMENTED_VALUES: dict[str, tuple[str, ...]] = {
    "visit:device": ("Desktop", "Laptop", "Tablet", "Mobile"),
}


def check_mapping(source_name: str, metric_name: str, spec: PlausibleMetric) -> None:
    """Raise ``MappingError`` at the first metric, dimension or documented value the Stats API v2 does not know."""
    if spec.metric not in METRICS:
        raise MappingError(
            source_name,
            metric_name,
            ("metric",),
            f"{spec.metric!r} is not a Plausible metric that can be mapped{_close_match(spec.metric, METRICS)}; use one of {', '.join(METRICS)}",
        )
    for dimension, value in spec.where.items():
        if dimension not in DIMENSIONS and not dimension.startswith(CUSTOM_PROPERTY_PREFIX):
            raise MappingError(
                source_name,
                metric_name,
                ("where", dimension),
                f"{dimension!r} is not a Plausible filter dimension{_close_match(dimension, DIMENSIONS)}; "
                f"use an event: or visit: dimension of the Stats API, or {CUSTOM_PROPERTY_PREFIX}<name> for a custom property",
            )
        allowed = DOCUMENTED_VALUES.get(dimension)
        if allowed is None:
            continue
        items = [(("where", dimension), value)] if isinstance(value, str) else [(("where", dimension, index), item) for index, item in enumerate(value)]
        for field, item in items:
            if item not in allowed:
                raise MappingError(
                    source_name, metric_name, field, f"{item!r} is not a Plausible {dimension} value{_close_match(item, allowed)}; it is one of {', '.join(allowed)}"
                )


def _close_match(value: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the known name closest to ``value`` (case aside), or nothing."""
    by_folded = {name.casefold(): name for name in known}
    close = difflib.get_close_matches(value.casefold(), list(by_folded), n=1)
    return f" (did you mean {by_folded[close[0]]!r}?)" if close else ""
