"""Many companies: ``okr sync --all DIR`` over 20 portals (one token and one set of limits each)
against ``okr sync`` of one of them, both the real CLI as a user runs it, measured by GNU time.

Both report as of ``FIRST_NIGHT`` (the quarter's backfill) with ``--as-of``;
``okr sync`` takes today from the clock, so as of a past day it reads no stage
snapshot (a count taken now is no value for a past day): the companies read
the config's other metrics. ``--parallel`` is the CLI's default unless given.
"""

from __future__ import annotations

import inspect
import statistics
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.measure import measured_run, spread
from bench.portals import PortalsProcess
from bench.scenario import FIRST_NIGHT, write_config

__all__ = ["measure_many_companies"]

_REPO = Path(__file__).resolve().parent.parent


def _cli_default_parallel() -> int:
    from flows.cli import sync

    return inspect.signature(sync).parameters["parallel"].default


def _okr(*arguments: str) -> list[str]:
    return [str(Path(sys.executable).with_name("okr")), *arguments]


def _company_configs(portals: PortalsProcess, folder: Path) -> dict[str, str]:
    """One config per portal in ``folder``; returns the token variables they name."""
    tokens = {}
    for number, portal in enumerate(portals.portals, start=1):
        variable = f"BENCH_TOKEN_{number:02d}"
        write_config(folder / f"company-{number:02d}.yaml", company=f"Company {number:02d}", base_url=portal.base_url, token_env=variable,
                     database=folder / f"company-{number:02d}.db")
        tokens[variable] = portal.token
    return tokens


def _run(argv: list[str], env: Mapping[str, str]) -> float:
    run = measured_run(argv, env=env, cwd=_REPO)
    if run.exit_status != 0:
        raise RuntimeError(f"{' '.join(argv[-6:])} exited {run.exit_status}: {run.stderr[-2000:]}")
    return run.wall_seconds


def measure_many_companies(
    portals: PortalsProcess, workdir: Path, *, repeats: int, prefect_env: Mapping[str, str], parallel: int | None = None
) -> dict[str, Any]:
    """``okr sync`` of the first portal and ``okr sync --all`` of every portal, ``repeats`` times each."""
    common = ["--as-of", FIRST_NIGHT.isoformat(), "--no-email", "--no-notify"]
    runs: list[dict[str, Any]] = []
    for repeat in range(repeats):
        folder = workdir / f"repeat-{repeat + 1}"
        tokens = _company_configs(portals, folder / "all")
        env = {**prefect_env, **tokens}
        one = write_config(folder / "one" / "okrs.yaml", company="Company 01", base_url=portals.portals[0].base_url, token_env="BENCH_TOKEN_01",
                           database=folder / "one" / "okr.db")
        portals.reset()
        one_seconds = _run(_okr("sync", "-c", str(one), *common), env)
        one_calls = portals.figures(portals.portals[0])
        portals.reset()
        all_seconds = _run(_okr("sync", "--all", str(folder / "all"), *common, *(["--parallel", str(parallel)] if parallel else [])), env)
        per_portal = [portals.figures(portal) for portal in portals.portals]
        runs.append({
            "one_company_seconds": one_seconds,
            "all_companies_seconds": all_seconds,
            "all_over_one": all_seconds / one_seconds,
            "one_company_fetch_seconds": one_calls.fetch_seconds,
            "fetch_seconds_median_per_company": statistics.median(figures.fetch_seconds for figures in per_portal),
            "fetch_seconds_max_per_company": max(figures.fetch_seconds for figures in per_portal),
            "calls": sum(figures.calls for figures in per_portal),
            "rate_limited": sum(figures.rate_limited for figures in per_portal) + one_calls.rate_limited,
        })
    return {
        "companies": len(portals.portals),
        "portal_ids": len({portal.portal_id for portal in portals.portals}),
        "contacts_per_company": portals.portals[0].contacts,
        "parallel": parallel or _cli_default_parallel(),
        **{name: spread(run[name] for run in runs) for name in runs[0]},
    }
