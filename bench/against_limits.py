"""Our nightly sync against HubSpot's physical limit: first night (quarter backfill) and next night.

Each repeat syncs a fresh database as of ``FIRST_NIGHT`` and then, on that
database, as of ``NEXT_NIGHT``, each sync a process of its own
(``bench.sync_once``, measured by GNU time: command wall time and peak RSS).
The portal's call log gives the calls, searches, 429s and the fetch phase's
wall time; the floor is ``max(searches / 5 per s, calls / 10 per s)``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from bench.measure import measured_run, spread
from bench.portals import PortalsProcess
from bench.scenario import FIRST_NIGHT, NEXT_NIGHT, floor_seconds, write_config

__all__ = ["NIGHTS", "TOKEN_ENV", "measure_nights", "night_figures", "run_sync"]

TOKEN_ENV = "BENCH_HUBSPOT_TOKEN"
NIGHTS = {"first_night": FIRST_NIGHT, "next_night": NEXT_NIGHT}
_REPO = Path(__file__).resolve().parent.parent


def run_sync(config: Path, as_of: date, *, token: str, prefect_env: Mapping[str, str]) -> dict[str, Any]:
    """One measured ``bench.sync_once``: its JSON line plus ``command_seconds`` and ``peak_rss_bytes``."""
    run = measured_run([sys.executable, "-m", "bench.sync_once", str(config), as_of.isoformat()], env={TOKEN_ENV: token, **prefect_env}, cwd=_REPO)
    lines = run.stdout.strip().splitlines()
    if not lines:
        raise RuntimeError(f"sync of {config} as of {as_of} printed nothing (exit {run.exit_status}): {run.stderr[-2000:]}")
    outcome = json.loads(lines[-1])
    if outcome["failures"]:
        raise RuntimeError(f"sync of {config} as of {as_of} failed metrics: {outcome['failures']}")
    return {**outcome, "command_seconds": run.wall_seconds, "peak_rss_bytes": run.peak_rss_bytes}


def night_figures(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The spread of every figure of one night over its repeats."""
    names = ("calls", "searches", "rate_limited", "fetch_seconds", "floor_seconds", "wall_over_floor", "command_seconds", "peak_rss_bytes")
    return {name: spread(run[name] for run in runs) for name in names}


def measure_nights(portals: PortalsProcess, workdir: Path, *, repeats: int, prefect_env: Mapping[str, str]) -> tuple[dict[str, Any], Path]:
    """Both nights, ``repeats`` times; returns their figures and the last repeat's database."""
    portal = portals.portals[0]
    runs: dict[str, list[dict[str, Any]]] = {night: [] for night in NIGHTS}
    database = workdir / "okr.db"
    for repeat in range(repeats):
        folder = workdir / f"repeat-{repeat + 1}"
        database = folder / "okr.db"
        config = write_config(folder / "okrs.yaml", company="Bench Co", base_url=portal.base_url, token_env=TOKEN_ENV, database=database)
        for night, as_of in NIGHTS.items():
            portals.reset()
            outcome = run_sync(config, as_of, token=portal.token, prefect_env=prefect_env)
            calls = portals.figures(portal)
            floor = floor_seconds(calls.searches, calls.calls)
            runs[night].append({**outcome, **calls.as_dict(), "floor_seconds": floor, "wall_over_floor": calls.fetch_seconds / floor if floor else 0.0})
    return {night: night_figures(night_runs) for night, night_runs in runs.items()}, database
