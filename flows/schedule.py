"""The nightly schedule: the sync flow as a Prefect deployment, served by ``okr serve`` (and, on a work pool, ``okr deploy``).

Each deployment runs one at a time (a concurrency limit of 1). A run
triggered while another is running is cancelled (``CANCEL_NEW``), not queued:
the run in progress already fetches the same days, and a queued copy would
read the portal twice over right after it. The flow's own lock in the store
(``flows.nightly``) keeps a deployment run and a cron ``okr sync`` apart too.
``nightly_options`` is what a served deployment and a work pool's share.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import RunnerDeployment
from prefect.schedules import Cron

from flows.nightly import nightly_sync
from okrmodel.config import Config

__all__ = ["NIGHTLY_PARAMETERS", "ONE_RUN_AT_A_TIME", "deployment_name", "nightly_deployment", "nightly_options"]

ONE_RUN_AT_A_TIME = ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW)
NIGHTLY_PARAMETERS: dict[str, Any] = {"as_of_days_ago": 1}
"""Report on the day that just closed: at 03:00 today has barely begun."""


def _slug(config: Config) -> str:
    return re.sub(r"[^a-z0-9]+", "-", config.company.lower()).strip("-") or "okrs"


def deployment_name(config: Config) -> str:
    """The company's nightly deployment (``okr serve`` and ``okr deploy`` name it so), for whoever triggers it."""
    return f"okr-nightly-{_slug(config)}"


def nightly_options(config: Config, cron: str) -> dict[str, Any]:
    """What every nightly deployment of ``config`` has, wherever it runs: its name (after the company, so an
    agency sees one deployment per client), ``cron`` read in the config's zone, a description, tags, and
    one run at a time. Raises ``ValueError`` for a bad ``cron``."""
    slug = _slug(config)
    return {
        "name": deployment_name(config),
        "schedule": Cron(cron, timezone=config.timezone),
        "description": f"Nightly OKR sync for {config.company}: fetch, store, compute, render.",
        "tags": ["okr-autopilot", slug],
        "concurrency_limit": ONE_RUN_AT_A_TIME,
    }


def nightly_deployment(config: Config, config_path: Path, cron: str) -> RunnerDeployment:
    """A deployment running ``nightly_sync`` for one config on ``cron``, read in the config's zone, served by this process."""
    return nightly_sync.to_deployment(parameters={"config_path": str(config_path.resolve()), **NIGHTLY_PARAMETERS}, **nightly_options(config, cron))
