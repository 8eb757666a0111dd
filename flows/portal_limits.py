"""HubSpot's limits per portal, shared by every process that reads the portal through one Prefect
server: two global concurrency limits with slot decay per portal, taken with Prefect's ``rate_limit``.

HubSpot limits a portal, not a process: 5 CRM searches per second and a burst of 100 (190 on
Professional and Enterprise) requests per rolling 10 seconds, whoever sends them. Each process
keeps its own limiter (``connectors.hubspot.rate_limit``, which dates slots by their answers);
with a Prefect server other processes can reach (``PREFECT_API_URL``: workers, ``okr serve``,
syncs from cron), every HubSpot request of a sync also takes a slot here, right before it
leaves: ``hubspot-portal-<id>-searches`` for a search, and ``hubspot-portal-<id>-requests`` for
every request. The limits are named by the portal's id (``GET /account-info/v3/details``), so
two configs with two tokens of one portal share them; they are created on first use (and by
``ensure_portal_limits``, for a deployment), and brought up to date with the config's limits.

A Prefect limit with slot decay is a token bucket: it grants ``limit`` slots at once, then
``slot_decay_per_second`` more per second (the server rounds each decay down, so it grants at
most that). Slots are granted when asked, while HubSpot counts a request when it arrives
(pitfall 8): the Prefect server's answer, the connection and the network to HubSpot come in
between, and vary, so requests granted ``ARRIVAL_SPREAD_SECONDS`` apart can arrive together.
``shared_bucket`` sizes each bucket so that what it grants within any HubSpot window widened by
that spread, plus a ``SAFETY_MARGIN`` in time, stays under HubSpot's limit; the sandbox's
two-process test (HubSpot's limits on, counted on arrival, 50-100 ms delay) draws no 429.
``rate_limit`` asks one slot at a time per process and set of limits, and asks again after the
server's ``Retry-After`` (longer as more asks were refused), which spreads the processes' asks:
the server restarts a limit's decay at every ask, a refused one included.

The owned temporary server of a plain ``okr sync`` (``flows.prefect_api``) serves that process
alone, whose own limiter suffices: shared limits are used only with a server others can reach.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from connectors import RunServices, SourceError, connector_for
from connectors.hubspot.rate_limit import SharedLimitError
from connectors.transport.scrub import scrub
from okrmodel.config import Config

__all__ = [
    "ARRIVAL_SPREAD_SECONDS",
    "SAFETY_MARGIN",
    "PortalLimitNames",
    "PrefectPortalLimit",
    "PrefectPortalLimits",
    "SharedBucket",
    "ensure_portal_limits",
    "portal_limit_names",
    "shared_bucket",
    "shared_portal_limits",
]

ARRIVAL_SPREAD_SECONDS = 0.25
"""How much later than another a request granted at the same moment may reach HubSpot: the Prefect
server's answer, connection set-up and the network's delay, varying."""
SAFETY_MARGIN = 0.1
"""The share of each window's time left unused on top, for HubSpot's window edges and clocks."""
TAKE_TIMEOUT_SECONDS = 300.0
"""Waiting longer for a slot means something else spends the portal's limits: the read fails (and is retried)."""
BURST_WINDOW_SECONDS = 10.0


@dataclass(frozen=True)
class SharedBucket:
    """One Prefect global concurrency limit used as a token bucket."""

    limit: int
    slot_decay_per_second: float

    def most_granted(self, seconds: float) -> int:
        """The most slots it can grant within any ``seconds``: all ``limit`` at once, then what decays (rounded down)."""
        return self.limit + math.floor(self.slot_decay_per_second * seconds)


def shared_bucket(requests: int, window_seconds: float) -> SharedBucket:
    """The bucket that keeps requests arriving at HubSpot under ``requests`` per ``window_seconds``.

    What it grants within a window widened by the arrival spread reaches HubSpot within the
    window; its decay leaves ``SAFETY_MARGIN`` of that time unused. A tenth of the window's
    requests may go at once (one at least), so a sync starts without waiting.
    """
    if requests < 1 or window_seconds <= 0:
        raise ValueError("a limit allows at least one request per window")
    burst = max(1, requests // 10)
    widened = (window_seconds + ARRIVAL_SPREAD_SECONDS) * (1 + SAFETY_MARGIN)
    if requests == burst:
        # One request per window: the bucket's one slot must come back more slowly than the widened window.
        return SharedBucket(burst, 1 / (widened * (1 + SAFETY_MARGIN)))
    return SharedBucket(burst, (requests - burst) / widened)


def search_window(search_per_second: float) -> tuple[int, float]:
    """HubSpot's search limit as whole requests per window, as ``PortalRateLimiter`` counts it (2.5/s: 5 per 2 s)."""
    requests = max(1, round(search_per_second)) if search_per_second >= 1 else 1
    return requests, requests / search_per_second


@dataclass(frozen=True)
class PortalLimitNames:
    searches: str
    requests: str


def portal_limit_names(portal_id: str) -> PortalLimitNames:
    return PortalLimitNames(f"hubspot-portal-{portal_id}-searches", f"hubspot-portal-{portal_id}-requests")


class PrefectPortalLimit:
    """``connectors.hubspot.rate_limit.SharedLimit`` on the Prefect server, taken with Prefect's
    ``rate_limit``: a search takes a slot of both limits, any other request one of the requests limit."""

    def __init__(self, names: PortalLimitNames):
        self.names = names

    def take(self, *, search: bool) -> None:
        from prefect.concurrency.sync import rate_limit

        names = [self.names.searches, self.names.requests] if search else [self.names.requests]
        try:
            # strict: a limit deleted while the sync runs fails the read instead of letting it go ungated.
            rate_limit(names, timeout_seconds=TAKE_TIMEOUT_SECONDS, strict=True)
        except TimeoutError:
            raise SharedLimitError(f"no slot of {' and '.join(names)} within {TAKE_TIMEOUT_SECONDS:g} s: other syncs spend the portal's limits") from None
        except Exception as error:  # the server unreachable, the limits deleted: named, by type and Prefect's words
            raise SharedLimitError(f"{' and '.join(names)} on the Prefect server: {type(error).__name__}: {scrub(str(error))}") from None


class PrefectPortalLimits:
    """``connectors.hubspot.rate_limit.SharedPortalLimits`` on the Prefect server the run talks to;
    each portal's limits brought up to date once (``ensured`` lists them; ``latest`` is the last asked for)."""

    def __init__(self) -> None:
        self.ensured: dict[str, PortalLimitNames] = {}
        self.latest: PortalLimitNames | None = None

    def for_portal(self, portal_id: str, *, search_per_second: float, requests_per_10_seconds: int) -> PrefectPortalLimit:
        from prefect.client.orchestration import get_client

        names = portal_limit_names(portal_id)
        if portal_id not in self.ensured:
            buckets = {
                names.searches: shared_bucket(*search_window(search_per_second)),
                names.requests: shared_bucket(requests_per_10_seconds, BURST_WINDOW_SECONDS),
            }
            try:
                with get_client(sync_client=True) as client:
                    for name, bucket in buckets.items():
                        _upsert(client, name, bucket)
            except Exception as error:
                raise SharedLimitError(f"cannot create {names.searches} and {names.requests} on the Prefect server: {type(error).__name__}: {scrub(str(error))}") from None
            self.ensured[portal_id] = names
        self.latest = names
        return PrefectPortalLimit(names)


def _upsert(client: Any, name: str, bucket: SharedBucket) -> None:
    """Create or update the limit (``client``: Prefect's ``SyncPrefectClient``, imported lazily with Prefect)."""
    from prefect.exceptions import ObjectAlreadyExists

    try:
        client.upsert_global_concurrency_limit_by_name(name, bucket.limit, slot_decay_per_second=bucket.slot_decay_per_second)
    except ObjectAlreadyExists:  # another process created it between Prefect's read and create: update it
        client.upsert_global_concurrency_limit_by_name(name, bucket.limit, slot_decay_per_second=bucket.slot_decay_per_second)


def shared_portal_limits() -> PrefectPortalLimits | None:
    """Shared limits for this run when its Prefect server is one other processes can reach
    (``PREFECT_API_URL``); None with no server, or with the temporary one this process owns."""
    from prefect.settings import PREFECT_API_URL

    from flows.prefect_api import owned_api_url

    url = PREFECT_API_URL.value()
    return PrefectPortalLimits() if url and url != owned_api_url() else None


def ensure_portal_limits(config: Config, secrets: Mapping[str, SecretStr] | None = None) -> dict[str, str]:
    """Create, or bring up to date, on the Prefect server the shared limits of every HubSpot portal
    ``config`` reads (for a deployment: its first run finds them). One call per portal, for its id;
    ``secrets`` are the config's Secret blocks (``flows.secret_blocks.config_secrets``). Returns, per
    HubSpot source, its limits' names or why they could not be made (one line)."""
    limits = PrefectPortalLimits()
    outcome: dict[str, str] = {}
    for name, settings in config.sources.items():
        if settings.type != "hubspot":
            continue
        limits.latest = None
        try:
            connector_for(name, settings, services=RunServices(secrets or {}, limits)).close()  # opening it asks the portal's id and makes its limits
        except SourceError as error:
            outcome[name] = str(error)
            continue
        if limits.latest is not None:
            outcome[name] = f"{limits.latest.searches}, {limits.latest.requests}"
    return outcome
