"""The peer: singer-io's tap-hubspot 4.5.0 from PyPI, in a venv of its own, against the same sandbox.

``ensure_peer`` installs it under ``.bench/tap-hubspot`` (git-ignored; never
a dependency of ours) with the platform's ``python3 -m venv`` and ``pip``.
``bench/tap_runner.py`` points it at the sandbox (it hard-codes HubSpot's base
URL; the runner sets the module attribute at run time) and builds its catalog
with the tap's own discovery code for the streams our CRM metrics need:

- ``contacts`` (v3 list API, 100 a page): ``createdate``, ``lifecyclestage``,
  ``hs_analytics_source`` and the stage dates of the configured stages;
- ``deals`` (legacy ``/deals/v1/deal/paged``, 100 a page, every property):
  ``createdate``, ``closedate``, ``amount``, ``dealstage``, ``pipeline``.

The email metrics cannot be computed from the tap: its ``campaigns`` stream
keeps ids, names, subjects and counters but no send date, and per-day counts
would need its ``email_events`` stream, one event per recipient, which the
sandbox does not model. The web sessions metric has no stream at all (the
tap does not read the analytics reports API).

The first night runs the tap with no state; the next night with the state
the first one ended with, as a scheduler would: the tap still pages every
contact and deal (it filters by ``updatedAt`` on its side), so its calls are
the same every night.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.measure import measured_run, spread
from bench.peer_metrics import PeerMetrics
from bench.portals import Portal, PortalsProcess
from bench.scenario import floor_seconds

__all__ = ["PEER_PACKAGE", "PEER_STREAMS", "UNCOMPUTABLE", "ensure_peer", "measure_peer"]

PEER_PACKAGE = "tap-hubspot==4.5.0"
PEER_STREAMS = {
    "contacts": ["createdate", "lifecyclestage", "hs_analytics_source", "hs_v2_date_entered_marketingqualifiedlead", "hs_v2_date_entered_customer"],
    "deals": ["createdate", "closedate", "amount", "dealstage", "pipeline"],
}
UNCOMPUTABLE = {
    "newsletters": "tap-hubspot's campaigns stream has no send date; per-day counts need its email_events stream (one event per recipient), which the sandbox does not model",
    "newsletter_recipients": "as newsletters",
    "web_visits": "tap-hubspot has no stream for HubSpot's analytics reports",
}
_RUNNER = Path(__file__).with_name("tap_runner.py")
_START_DATE = "2000-01-01T00:00:00Z"
# The peer's processes see nothing of ours: no PYTHONPATH, and the runner copied beside its files.
_PEER_ENV: dict[str, str | None] = {"PYTHONPATH": None}


def _peer_environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name not in _PEER_ENV}


def ensure_peer(folder: Path) -> dict[str, Any]:
    """The peer's venv under ``folder`` (installed when missing): its python and package versions."""
    python = folder / "bin" / "python"
    if not python.exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(["python3", "-m", "venv", str(folder)], check=True, env=_peer_environment(), cwd=folder.parent)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PEER_PACKAGE], check=True, env=_peer_environment(), cwd=folder)
    frozen = subprocess.run([str(python), "-m", "pip", "freeze", "--disable-pip-version-check"], check=True, capture_output=True, text=True,
                            env=_peer_environment(), cwd=folder).stdout
    versions = dict(line.split("==", 1) for line in frozen.splitlines() if "==" in line)
    python_version = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"], check=True, capture_output=True, text=True,
                                    env=_peer_environment(), cwd=folder).stdout
    return {"python": str(python), "python_version": python_version.strip(), "packages": versions}


def _tap_config(folder: Path, portal: Portal) -> Path:
    path = folder / "tap-config.json"
    # api_key is the tap's name for a private-app token (sent as a Bearer token).
    path.write_text(json.dumps({"api_key": portal.token, "start_date": _START_DATE, "select_fields_by_default": False}))
    return path


def _catalog(python: str, runner: Path, folder: Path, portal: Portal, config: Path) -> Path:
    selections = [f"{stream}:{','.join(fields)}" for stream, fields in PEER_STREAMS.items()]
    built = subprocess.run([python, str(runner), portal.base_url, "catalog", str(config), *selections], capture_output=True, text=True,
                           env=_peer_environment(), cwd=folder)
    if built.returncode != 0:
        raise RuntimeError(f"tap-hubspot catalog failed: {built.stderr[-2000:]}")
    path = folder / "catalog.json"
    path.write_text(built.stdout)
    return path


def measure_peer(
    peer_python: str,
    portals: PortalsProcess,
    folder: Path,
    *,
    repeats: int,
    metrics: PeerMetrics,
    next_night: bool = True,
) -> dict[str, Any]:
    """The tap's first night ``repeats`` times (each from no state; ``metrics`` is fed by the last)
    and, with ``next_night``, one night from the state the last first night left."""
    portal = portals.portals[0]
    folder.mkdir(parents=True, exist_ok=True)
    config = _tap_config(folder, portal)
    runner = Path(shutil.copy(_RUNNER, folder / _RUNNER.name))
    catalog = _catalog(peer_python, runner, folder, portal, config)
    runs: dict[str, list[dict[str, Any]]] = {"first_night": [], "next_night": []}
    state: dict[str, Any] = {}
    for repeat in range(repeats):
        last = repeat == repeats - 1
        run, state = _night(peer_python, runner, portals, portal, config, catalog, None, metrics if last else None)
        runs["first_night"].append(run)
    if next_night:
        state_file = folder / "state.json"
        state_file.write_text(json.dumps(state))
        run, _ = _night(peer_python, runner, portals, portal, config, catalog, state_file, None)
        runs["next_night"].append(run)
    names = ("calls", "searches", "rate_limited", "fetch_seconds", "floor_seconds", "wall_over_floor", "command_seconds", "peak_rss_bytes", "records")
    return {night: {name: spread(run[name] for run in night_runs) for name in names} for night, night_runs in runs.items() if night_runs}


def _night(
    python: str, runner: Path, portals: PortalsProcess, portal: Portal, config: Path, catalog: Path, state: Path | None, metrics: PeerMetrics | None
) -> tuple[dict[str, Any], Mapping[str, Any]]:
    portals.reset()
    last_state: dict[str, Any] = {"value": {}}
    records = 0

    def on_line(line: str) -> None:
        nonlocal records
        if line.startswith('{"type": "STATE"'):
            last_state["value"] = json.loads(line)["value"]
        elif line.startswith('{"type": "RECORD"'):
            records += 1
            if metrics is not None:
                metrics.feed_line(line)

    argv = [python, str(runner), portal.base_url, "sync", "--config", str(config), "--properties", str(catalog), *(["--state", str(state)] if state else [])]
    run = measured_run(argv, on_line=on_line, env=_PEER_ENV, cwd=runner.parent)
    if run.exit_status != 0:
        raise RuntimeError(f"tap-hubspot sync failed (exit {run.exit_status}): {run.stderr[-2000:]}")
    calls = portals.figures(portal)
    floor = floor_seconds(calls.searches, calls.calls)
    figures = {
        **calls.as_dict(), "floor_seconds": floor, "wall_over_floor": calls.fetch_seconds / floor if floor else 0.0,
        "command_seconds": run.wall_seconds, "peak_rss_bytes": run.peak_rss_bytes, "records": records,
    }
    return figures, last_state["value"]


if __name__ == "__main__":
    print(json.dumps(ensure_peer(Path(sys.argv[1])), indent=2))
