"""The HubSpot connector: each metric kind mapped onto the cheapest API reads.

Every read first checks the metric's mapping against the portal
(``mapping.py``), so a misspelt value fails the metric instead of reading 0.
Metrics that run the same search over the same window (a deal count and a
deal amount sum, say) share one read: the connector knows the run's metrics,
asks the first read for every sum the others need, and hands the rest the
stored result.

A window's total (``read_total``) costs one search for a count (its
``total``), asked once per run for every metric counting the same search; a
sum needs every record of the window (search has no sums), a page per 200
records, the same read as the daily series, which it shares.
Email counts and statistics come from the run's one email listing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.base import MetricReading, RunServices, WindowTotal
from connectors.catalog import Catalogue
from connectors.errors import SourceConfigurationError
from connectors.hubspot.catalog import portal_catalogue
from connectors.hubspot.client import HubSpotClient, SearchFilter
from connectors.hubspot.config import (
    ContactsCreated,
    ContactsEnteredStage,
    ContactsInStage,
    DealsClosedWon,
    DealsCreated,
    HubSpotSource,
    MarketingEmailsSent,
    WebSessions,
)
from connectors.hubspot.daily_series import DailyTotals, count_matching, daily_totals, window_count
from connectors.hubspot.emails import emails_sent_series
from connectors.hubspot.filters import check_filter_budget, where_filters
from connectors.hubspot.mapping import check_mapping
from connectors.hubspot.properties import stage_entered_property
from connectors.hubspot.rate_limit import SharedPortalLimits
from connectors.hubspot.web_analytics import web_traffic_series, web_traffic_total
from connectors.transport.counting import counted_requests
from okrmodel.config import MetricSettings
from okrmodel.periods import Window

__all__ = ["HubSpotConnector", "where_filters"]

_WINDOW_FILTERS = 2  # GTE + LT, or EQ timestamp + GT id when reading ties


@dataclass(frozen=True)
class _SeriesQuery:
    """A daily search: what is dated by which property, filtered how; sums come on top."""

    object_type: str
    date_property: str
    filters_json: str
    sum_property: str | None

    @property
    def key(self) -> tuple[str, str, str]:
        return self.object_type, self.date_property, self.filters_json

    @property
    def filters(self) -> list[SearchFilter]:
        return json.loads(self.filters_json)


class HubSpotConnector:
    """Reads marketing metrics from one HubSpot portal through ``hubspot-api-client``.

    Build one per portal and run; ``read`` is thread-safe and every thread
    shares the portal's rate limiter. ``metrics`` (the run's metrics of this
    source) lets reads of the same search share their calls.
    """

    @classmethod
    def from_settings(
        cls, name: str, settings: HubSpotSource, *, metrics: Mapping[str, MetricSettings], base_dir: Path, services: RunServices
    ) -> HubSpotConnector:
        """The connector for source ``name`` as configured (see ``connectors.base.SourceKind``): its
        token from the environment or the run's Secret blocks, its rate limit shared when the run shares them."""
        token = settings.token(blocks=services.secrets)
        if token is None:
            raise SourceConfigurationError(name, settings.token_place.missing("a private-app token"))
        return cls(name, settings, token, metrics=metrics, shared_limits=services.portal_limits)

    def __init__(
        self,
        source_name: str,
        source: HubSpotSource,
        token: SecretStr | None = None,
        retry: Retry | None = None,
        metrics: Mapping[str, MetricSettings] | None = None,
        shared_limits: SharedPortalLimits | None = None,
    ):
        """``token`` defaults to ``source``'s variable's; with ``shared_limits``, the portal's id is
        asked once (one call) to name the limits every process reading the portal shares."""
        token = token or source.token()
        if token is None:
            raise SourceConfigurationError(source_name, source.token_place.missing("a private-app token"))
        self.client = HubSpotClient(source_name, source, token, retry=retry, shared_limits=shared_limits)
        self._sums_wanted: dict[tuple[str, str, str], set[str]] = {}
        self._shared: dict[tuple, DailyTotals] = {}
        self._counts: dict[tuple, int] = {}
        self._query_locks: dict[tuple, threading.Lock] = {}
        self._locks_lock = threading.Lock()
        for spec in (metrics or {}).values():
            query = _plain_query(spec)
            if query is not None and query.sum_property:
                self._sums_wanted.setdefault(query.key, set()).add(query.sum_property)

    def check(self, name: str, spec: MetricSettings) -> int:
        """Check every value metric ``name`` maps against the portal, reading no data; return
        the API calls it took (0 when the run has read the lists it needs). Raise ``MappingError``
        for a value the portal does not know."""
        with counted_requests() as sent:
            self._check(self.client, name, spec)
        return sent.value

    def read(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
        """Check metric ``name``'s mapping, then read it over ``window`` (snapshots: as of ``as_of``);
        raise a ``SourceError`` on failure, carrying the calls it took. ``api_calls`` include the check's."""
        # The window's zone is the account's: a spent daily quota resets at midnight there.
        client = self.client.in_zone(window.start.tzinfo)
        with counted_requests() as sent:
            self._check(client, name, spec)
            values, records = self._read_values(client, name, spec, window, as_of)
        return MetricReading(metric=name, values=values, api_calls=sent.value, records=records)

    def read_total(self, name: str, spec: MetricSettings, window: Window, as_of: date) -> WindowTotal:
        """Metric ``name``'s figure over the whole ``window`` (see the module's notes on cost); raise a
        ``SourceError`` on failure. ``api_calls`` include the mapping check's."""
        client = self.client.in_zone(window.start.tzinfo)
        with counted_requests() as sent:
            self._check(client, name, spec)
            value = self._total(client, name, spec, window)
        return WindowTotal(metric=name, window=window, value=value, api_calls=sent.value)

    def catalog(self) -> Catalogue:
        """What the portal offers to map (stages, properties, pipelines, emails, campaigns, traffic sources), read live."""
        with counted_requests() as sent:
            tables = portal_catalogue(self.client)
        return Catalogue(source=self.client.source_name, type="hubspot", tables=tables, api_calls=sent.value)

    def _check(self, client: HubSpotClient, name: str, spec: MetricSettings) -> None:
        # The filter budget first: it needs no call, and a crowded search fails however it is spelt.
        filters, reserved = _search_filters(spec)
        if filters is not None:
            check_filter_budget(client.source_name, name, filters, reserved=reserved)
        check_mapping(client, name, spec)

    def _read_values(
        self, client: HubSpotClient, name: str, spec: MetricSettings, window: Window, as_of: date
    ) -> tuple[dict[date, float], dict[date, float] | None]:
        """The metric's values, and for a sum the records per day it adds up (read with it)."""
        match spec:
            case MarketingEmailsSent():
                return emails_sent_series(client, window, name_contains=spec.name_contains, statistic=spec.sum, campaign=spec.campaign), None
            case WebSessions():
                return web_traffic_series(client, window, measure=spec.measure, sources=spec.sources), None
            case ContactsInStage():
                return {as_of: float(count_matching(client, "contacts", _stage_filters(spec)))}, None
        query = self._query(client, name, spec)
        totals = self._daily_totals(client, query, window)
        if query.sum_property:
            return totals.sums[query.sum_property], dict(totals.counts)
        return totals.counts, None

    def _total(self, client: HubSpotClient, name: str, spec: MetricSettings, window: Window) -> float:
        match spec:
            case MarketingEmailsSent():
                return sum(emails_sent_series(client, window, name_contains=spec.name_contains, statistic=spec.sum, campaign=spec.campaign).values())
            case WebSessions():
                return web_traffic_total(client, window, measure=spec.measure, sources=spec.sources)
            case ContactsInStage():
                raise SourceConfigurationError(client.source_name, f"metric {name!r}: kind {spec.kind!r} has no window total")
        query = self._query(client, name, spec)
        if query.sum_property:
            return sum(self._daily_totals(client, query, window).sums[query.sum_property].values())
        return float(self._window_count(client, query, window))

    def _query(self, client: HubSpotClient, name: str, spec: MetricSettings) -> _SeriesQuery:
        """The metric's search; a stage entry is dated by the property this portal keeps."""
        query = _plain_query(spec)
        if query is None:
            raise SourceConfigurationError(client.source_name, f"metric {name!r}: kind {spec.kind!r} is not read from HubSpot")
        if isinstance(spec, ContactsEnteredStage):
            return _SeriesQuery(query.object_type, stage_entered_property(client, spec.stage), query.filters_json, query.sum_property)
        return query

    def _daily_totals(self, client: HubSpotClient, query: _SeriesQuery, window: Window) -> DailyTotals:
        """Counts and sums of ``query`` over ``window``, read once per run for every metric sharing it."""
        sums = set(self._sums_wanted.get(_plain_key(query), ())) | ({query.sum_property} if query.sum_property else set())
        cache_key = (query.key, window.start, window.end)
        with self._locks_lock:
            lock = self._query_locks.setdefault(cache_key, threading.Lock())
        with lock:
            cached = self._shared.get(cache_key)
            if cached is not None and (query.sum_property is None or query.sum_property in cached.sums):
                return cached
            totals = daily_totals(client, query.object_type, query.date_property, query.filters, window, sum_properties=sorted(sums))
            self._shared[cache_key] = totals
            return totals

    def _window_count(self, client: HubSpotClient, query: _SeriesQuery, window: Window) -> int:
        """How many records ``query`` matches over ``window``, counted once per run: a deal count and
        the records of a deal sum over the same search ask the same totals when both are checked."""
        cache_key = ("count", query.key, window.start, window.end)
        with self._locks_lock:
            lock = self._query_locks.setdefault(cache_key, threading.Lock())
        with lock:
            if cache_key not in self._counts:
                self._counts[cache_key] = window_count(client, query.object_type, query.date_property, query.filters, window)
            return self._counts[cache_key]

    def close(self) -> None:
        """Release the pooled connections of the analytics session."""
        self.client.close()


def _plain_query(spec: MetricSettings) -> _SeriesQuery | None:
    match spec:
        case ContactsEnteredStage():
            return _query_of("contacts", f"hs_v2_date_entered_{spec.stage}", where_filters(spec.where), None)
        case ContactsCreated():
            return _query_of("contacts", "createdate", where_filters(spec.where), None)
        case DealsCreated():
            return _query_of("deals", "createdate", _deal_filters(spec.pipeline, spec.dealstage) + where_filters(spec.where), spec.sum)
        case DealsClosedWon():
            return _query_of("deals", "closedate", _deal_filters(spec.pipeline, spec.dealstage) + where_filters(spec.where), spec.sum)
    return None


def _search_filters(spec: MetricSettings) -> tuple[list[SearchFilter] | None, int]:
    """The filters of the metric's search and how many more the reads add; None when it runs none."""
    if isinstance(spec, ContactsInStage):
        return _stage_filters(spec), 0
    query = _plain_query(spec)
    return (query.filters, _WINDOW_FILTERS) if query is not None else (None, 0)


def _stage_filters(spec: ContactsInStage) -> list[SearchFilter]:
    return [{"propertyName": "lifecyclestage", "operator": "EQ", "value": spec.stage}, *where_filters(spec.where)]


def _query_of(object_type: str, date_property: str, filters: list[SearchFilter], sum_property: str | None) -> _SeriesQuery:
    return _SeriesQuery(object_type, date_property, json.dumps(filters, sort_keys=True), sum_property)


def _plain_key(query: _SeriesQuery) -> tuple[str, str, str]:
    # Sum plans are keyed by the configured stage property; a legacy fallback reads the same records.
    if query.date_property.startswith("hs_lifecyclestage_"):
        stage = query.date_property.removeprefix("hs_lifecyclestage_").removesuffix("_date")
        return query.object_type, f"hs_v2_date_entered_{stage}", query.filters_json
    return query.key


def _deal_filters(pipeline: str | None, dealstage: str | None) -> list[SearchFilter]:
    filters: list[SearchFilter] = []
    if pipeline:
        filters.append({"propertyName": "pipeline", "operator": "EQ", "value": pipeline})
    if dealstage:
        filters.append({"propertyName": "dealstage", "operator": "EQ", "value": dealstage})
    return filters
