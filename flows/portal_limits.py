"""HubSpot's limits per portal, shared by every process that reads the portal through one Prefect
server: one reader at a time, through a Prefect global concurrency limit of one slot per portal.

HubSpot limits a portal, not a process: 5 CRM searches per second and a burst of 100 (190 on
Professional and Enterprise) requests per rolling 10 seconds, whoever sends them. Each process
keeps its own limiter (``connectors.hubspot.rate_limit``), which dates slots by their answers
because HubSpot counts a request when it arrives (pitfall 8); that is what keeps one process
under the limits at their full rate. With a Prefect server other processes can reach
(``PREFECT_API_URL``: workers, ``okr serve``, syncs from cron), a sync holds the portal's lease,
a slot of ``hubspot-portal-<id>-reader`` (limit 1), from opening its HubSpot connector to
closing it, after its report: a second sync of the portal waits for it instead of sharing its
rate, and takes over as ``connectors.hubspot.rate_limit`` describes (what the first left in
HubSpot's windows counts as the second's own). The limit is named by the portal's id (``GET /account-info/v3/details``), so
two configs with two tokens of one portal wait for the same one; it is created on first use.

Prefect's ``concurrency`` holds the slot under a lease the server lets run out after
``LEASE_SECONDS`` unless it is renewed, which Prefect does from a thread of its own while the
holder lives: a holder killed mid-read frees the portal once that time is up and the server's
repossessor (every 15 s by default) has seen it. A renewal that fails only logs Prefect's
warning, never stops the sync: its reads keep their own limiter.

Waiting is the price of sharing: an agency's syncs of many portals do not wait for each other,
two syncs of one portal read it one after the other, each as fast as HubSpot allows. A token
bucket shared by both (this module's former design) had each search wait for a Prefect call and
held a lone sync to a third of HubSpot's rate.

The owned temporary server of a plain ``okr sync`` (``flows.prefect_api``) serves that process
alone, whose own limiter suffices: leases are used only with a server others can reach.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import Any

from connectors.hubspot.rate_limit import PortalRateLimiter, SharedLimitError
from connectors.transport.scrub import scrub

__all__ = ["LEASE_SECONDS", "WAIT_SECONDS", "PrefectPortalLease", "PrefectPortalLimits", "reader_limit_name", "shared_portal_limits"]

LEASE_SECONDS = 60.0
"""How long the server keeps a holder's slot without a renewal (Prefect renews it after three quarters of that)."""
WAIT_SECONDS = 3600.0
"""Waiting longer for the portal means another sync has read it for an hour: the read fails (and is retried)."""


def reader_limit_name(portal_id: str) -> str:
    return f"hubspot-portal-{portal_id}-reader"


class PrefectPortalLease:
    """``connectors.hubspot.rate_limit.PortalLease`` on the Prefect server: the slot of the portal's
    reader limit, held by Prefect's ``concurrency`` entered (in the thread that opens the connector)
    until the last of this run's connectors of the portal closes."""

    def __init__(self, name: str, limiter: PortalRateLimiter, release: ExitStack, owner: PrefectPortalLimits):
        self.name, self.limiter = name, limiter
        self._release, self._owner, self._holders = release, owner, 1

    def held_again(self) -> PrefectPortalLease:
        self._holders += 1
        return self

    def release(self) -> None:
        if self._holders == 0:
            return
        self._holders -= 1
        if self._holders == 0:
            self._owner.leases.pop(self.name, None)
            self._release.close()


class PrefectPortalLimits:
    """``connectors.hubspot.rate_limit.SharedPortalLimits`` on the Prefect server the run talks to.
    ``leases`` are those this run holds, by limit name: a second connector of a portal this run
    already reads shares the first's lease and limiter instead of waiting for itself."""

    def __init__(self) -> None:
        self.leases: dict[str, PrefectPortalLease] = {}
        self.ensured: set[str] = set()

    def hold(self, portal_id: str, limiter: PortalRateLimiter) -> PrefectPortalLease:
        name = reader_limit_name(portal_id)
        if name in self.leases:
            return self.leases[name].held_again()
        self.ensure(name)
        from prefect.concurrency.sync import concurrency

        release = ExitStack()
        try:
            # strict: a limit deleted meanwhile fails the opening instead of letting it read unshared.
            release.enter_context(
                concurrency(name, timeout_seconds=WAIT_SECONDS, lease_duration=LEASE_SECONDS, strict=True, raise_on_lease_renewal_failure=False)
            )
        except TimeoutError:
            raise SharedLimitError(f"{name} still held by another sync after {WAIT_SECONDS:g} s") from None
        except Exception as error:  # the server unreachable, the limit deleted: named, by type and Prefect's words
            raise SharedLimitError(f"{name} on the Prefect server: {type(error).__name__}: {scrub(str(error))}") from None
        lease = self.leases[name] = PrefectPortalLease(name, limiter, release, self)
        return lease

    def ensure(self, name: str) -> None:
        """Create the reader limit, or set it back to one slot, once per run."""
        if name in self.ensured:
            return
        from prefect.client.orchestration import get_client

        try:
            with get_client(sync_client=True) as client:
                _upsert(client, name)
        except Exception as error:
            raise SharedLimitError(f"cannot create {name} on the Prefect server: {type(error).__name__}: {scrub(str(error))}") from None
        self.ensured.add(name)


def _upsert(client: Any, name: str) -> None:
    """Create or update the limit (``client``: Prefect's ``SyncPrefectClient``, imported lazily with Prefect)."""
    from prefect.exceptions import ObjectAlreadyExists

    try:
        client.upsert_global_concurrency_limit_by_name(name, 1)
    except ObjectAlreadyExists:  # another process created it between Prefect's read and create: update it
        client.upsert_global_concurrency_limit_by_name(name, 1)


def shared_portal_limits() -> PrefectPortalLimits | None:
    """Shared limits for this run when its Prefect server is one other processes can reach
    (``PREFECT_API_URL``); None with no server, or with the temporary one this process owns."""
    from prefect.settings import PREFECT_API_URL

    from flows.prefect_api import owned_api_url

    url = PREFECT_API_URL.value()
    return PrefectPortalLimits() if url and url != owned_api_url() else None
