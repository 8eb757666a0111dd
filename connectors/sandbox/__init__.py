"""HubSpot sandbox: a local HubSpot that answers the connector's endpoints from a seeded data set.

``okr demo``, the test suite and benchmarks run the real connector and the
official SDK against it over a socket, with answers known in advance::

    dataset = generate_dataset(date(2026, 11, 27), timezone="Europe/Berlin")
    with SandboxServer(dataset) as server:
        client = hubspot.HubSpot(access_token=server.token, host=server.base_url)

Besides CRM records and marketing emails it serves the portal's catalogue
(deal pipelines and stages, properties with their options, campaigns) and
website traffic with returning visitors (by day, and over a range), the
legacy v1 deal endpoints full-pull connectors page through, and
portal quirks are switches: ``with_legacy_stage_dates``,
``SandboxDataset.v2_properties_listed``, ``generate_dataset(mpp_open_share=)``,
and on the server ``rate_limits``, ``latency_seconds`` and
``arrival_delay_seconds``/``arrival_jitter_seconds``. Between two syncs,
``server.archive(...)`` and ``server.merge(...)`` (or ``POST
/__sandbox/archive`` and ``/__sandbox/merge``) make records vanish from search
and ``total``, as archiving, deleting and merging do in a portal.

Run it standalone with ``python -m connectors.sandbox --port 8765``, or from
code with ``serve_sandbox(SandboxOptions(...))``.
"""

from connectors.sandbox.catalogue import DEFAULT_PIPELINE, PARTNER_PIPELINE, Pipeline, PipelineStage
from connectors.sandbox.dataset import SandboxDataset, campaign, contact, deal, email, generate_dataset, timestamp_burst, with_legacy_stage_dates
from connectors.sandbox.faults import Fault, RateLimits
from connectors.sandbox.marketing import with_machine_opens
from connectors.sandbox.server import DEFAULT_PORTAL_ID, DEFAULT_TOKEN, SandboxCall, SandboxServer
from connectors.sandbox.standalone import SandboxOptions, build_sandbox, parse_options, serve_sandbox

__all__ = [
    "DEFAULT_PIPELINE",
    "DEFAULT_PORTAL_ID",
    "DEFAULT_TOKEN",
    "PARTNER_PIPELINE",
    "Fault",
    "Pipeline",
    "PipelineStage",
    "RateLimits",
    "SandboxCall",
    "SandboxDataset",
    "SandboxOptions",
    "SandboxServer",
    "build_sandbox",
    "campaign",
    "contact",
    "deal",
    "email",
    "generate_dataset",
    "parse_options",
    "serve_sandbox",
    "timestamp_burst",
    "with_legacy_stage_dates",
    "with_machine_opens",
]
