"""HubSpot sandbox: a local HubSpot that answers the connector's endpoints from a seeded data set.

``okr demo``, the test suite and benchmarks run the real connector and the
official SDK against it over a socket, with answers known in advance::

    dataset = generate_dataset(date(2026, 11, 27), timezone="Europe/Berlin")
    with SandboxServer(dataset) as server:
        client = hubspot.HubSpot(access_token=server.token, host=server.base_url)

Run it standalone with ``python -m connectors.sandbox --port 8765``.
"""

from connectors.sandbox.dataset import SandboxDataset, contact, deal, email, generate_dataset, timestamp_burst, with_legacy_stage_dates
from connectors.sandbox.faults import Fault, RateLimits
from connectors.sandbox.server import DEFAULT_TOKEN, SandboxCall, SandboxServer

__all__ = [
    "DEFAULT_TOKEN",
    "Fault",
    "RateLimits",
    "SandboxCall",
    "SandboxDataset",
    "SandboxServer",
    "contact",
    "deal",
    "email",
    "generate_dataset",
    "timestamp_burst",
    "with_legacy_stage_dates",
]
