"""Every benchmark of ``make bench`` in one run, side by side: ``run_suite`` returns the figures
that ``results.json`` holds (and ``results_md`` renders). ``SuiteOptions`` says how big and how
often; its defaults are the full run, the test suite runs it tiny."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.against_limits import measure_nights
from bench.full_pull import computed_full_pull, measure_full_pull, pages
from bench.machine import machine_facts, package_versions
from bench.many_companies import measure_many_companies
from bench.measure import measured_run, spread
from bench.peer import PEER_PACKAGE, UNCOMPUTABLE, ensure_peer, measure_peer
from bench.peer_metrics import PeerMetrics
from bench.portals import PortalsProcess
from bench.prefect_server import PrefectServer, ephemeral_env
from bench.render_report import measure_rendering
from bench.scenario import ANCHOR, DAYS, FIRST_NIGHT, NEXT_NIGHT, PEER_METRICS, QUARTER_START, TIMEZONE, Network, config_text, floor_seconds
from bench.startup import measure_startup
from bench.values_check import compare_values, stored_values

__all__ = ["SuiteOptions", "run_startup", "run_suite"]

_REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class SuiteOptions:
    sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000)
    """Contacts per portal, one portal per size."""
    repeats: int = 3
    """Repeats of both nights of our sync at every size."""
    peer_sizes: tuple[int, ...] = (10_000, 100_000)
    """Sizes the peer runs at (at HubSpot's limits it needs calls / 10 seconds at least); others are computed."""
    peer_repeats: int = 1
    peer_next_night_sizes: tuple[int, ...] = (10_000,)
    """Sizes the peer's next night runs at too (its calls are its first night's, every night)."""
    peer: bool = True
    """False: no peer venv, no peer runs (the test suite, offline machines)."""
    full_pull_sizes: tuple[int, ...] = (10_000, 100_000)
    shared_limit_sizes: tuple[int, ...] = (10_000, 100_000)
    """Sizes our sync also runs at (once per night) with HubSpot's limits shared through a running Prefect server
    (not 1M: its nights would add minutes and show what 100k shows)."""
    prefect_repeats: int = 3
    startup_repeats: int = 3
    """Repeats of ``okr sync``'s fixed cost and of the commands without Prefect (``bench.startup``)."""
    baseline: str | None = None
    """A git revision whose code ``bench.startup`` measures beside the checkout's (before/after)."""
    render_sizes: tuple[int, ...] = (50, 500)
    render_runs: int = 5
    companies: int = 20
    company_contacts: int = 10_000
    company_repeats: int = 1
    network: Network = field(default_factory=Network)
    work: Path = _REPO / ".bench" / "work"
    peer_venv: Path = _REPO / ".bench" / "tap-hubspot"


def run_suite(options: SuiteOptions, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run every benchmark; the figures as ``results.json`` holds them."""
    started = time.monotonic()

    def say(message: str) -> None:
        # What is measured so far goes to the work folder too, for a run that fails later.
        (options.work / "partial-results.json").write_text(json.dumps(results, indent=1, default=str))
        if progress is not None:
            progress(f"[{time.monotonic() - started:6.0f} s] {message}")

    shutil.rmtree(options.work, ignore_errors=True)
    options.work.mkdir(parents=True)
    results: dict[str, Any] = {
        "schema": 1,
        "machine": machine_facts(),
        "packages": package_versions(),
        "settings": {
            **{key: value for key, value in asdict(options).items() if key not in ("work", "peer_venv", "network")},
            "network": options.network.as_dict(), "anchor": ANCHOR.isoformat(), "timezone": TIMEZONE, "days_of_data": DAYS,
            "first_night": FIRST_NIGHT.isoformat(), "next_night": NEXT_NIGHT.isoformat(), "quarter_start": QUARTER_START.isoformat(),
        },
    }
    peer = None
    if options.peer:
        say(f"peer: {PEER_PACKAGE} in {options.peer_venv}")
        peer = ensure_peer(options.peer_venv)
        results["peer_packages"] = peer
    prefect_home = options.work / "prefect"
    say("Prefect's fixed cost, ephemeral")
    results["prefect"] = _prefect_fixed_cost(options, ephemeral_env(prefect_home / "ephemeral"), "ephemeral")
    server_started = time.monotonic()
    with PrefectServer(prefect_home / "server") as prefect:
        results["prefect"]["server_start_seconds"] = time.monotonic() - server_started
        say("Prefect's fixed cost, with a running server")
        results["prefect"].update(_prefect_fixed_cost(options, prefect.env(), "server"))
        say("okr sync's fixed cost and the commands without Prefect" + (f", beside {options.baseline}" if options.baseline else ""))
        results["startup"] = _startup(options, prefect_home, prefect)
        results["sizes"] = []
        for size in options.sizes:
            results["sizes"].append(_one_size(options, size, prefect.env(), peer, say))
        _computed_peer(results["sizes"])
        say(f"many companies: {options.companies} portals of {options.company_contacts:,} contacts")
        with PortalsProcess(options.company_contacts, options.companies, network=options.network) as portals:
            results["many_companies"] = measure_many_companies(portals, options.work / "companies", repeats=options.company_repeats, prefect_env=prefect.env())
        results["many_companies"]["sandbox_generation_seconds"] = portals.generation_seconds
    say("rendering")
    results["rendering"] = measure_rendering(options.render_sizes, options.render_runs)
    results["machine"]["load_average_at_end"] = list(os.getloadavg())
    results["total_seconds"] = time.monotonic() - started
    say("done")
    return results


def run_startup(options: SuiteOptions, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Only ``results["startup"]`` (``python -m bench --only startup``), with a Prefect server of its own."""
    shutil.rmtree(options.work, ignore_errors=True)
    options.work.mkdir(parents=True)
    if progress is not None:
        progress("okr sync's fixed cost and the commands without Prefect" + (f", beside {options.baseline}" if options.baseline else ""))
    prefect_home = options.work / "prefect"
    with PrefectServer(prefect_home / "server") as prefect:
        return _startup(options, prefect_home, prefect)


def _startup(options: SuiteOptions, prefect_home: Path, prefect: PrefectServer) -> dict[str, Any]:
    machine = machine_facts()  # the load before, and after below: other work on the machine moves these figures most
    figures = measure_startup(
        options.work / "startup", repeats=options.startup_repeats, ephemeral_env=ephemeral_env(prefect_home / "ephemeral"),
        server_env=prefect.env(), baseline=options.baseline,
    )
    return {**figures, "machine": {**machine, "load_average_at_end": list(os.getloadavg())}}


def _prefect_fixed_cost(options: SuiteOptions, env: dict[str, str], mode: str) -> dict[str, Any]:
    noop = [sys.executable, "-m", "bench.prefect_noop"]
    figures = {f"{mode}_noop_flow_seconds": spread(_wall(noop, env) for _ in range(options.prefect_repeats))}
    if mode == "ephemeral":
        figures["import_only_seconds"] = spread(_wall([*noop, "--import-only"], env) for _ in range(options.prefect_repeats))
    return figures


def _wall(argv: list[str], env: dict[str, str]) -> float:
    run = measured_run(argv, env=env, cwd=_REPO)
    if run.exit_status != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {run.exit_status}: {run.stderr[-2000:]}")
    return run.wall_seconds


def _one_size(options: SuiteOptions, size: int, prefect_env: dict[str, str], peer: dict[str, Any] | None, say: Callable[[str], None]) -> dict[str, Any]:
    folder = options.work / f"size-{size}"
    say(f"{size:,} contacts: generating the portal")
    with PortalsProcess(size, network=options.network) as portals:
        portal = portals.portals[0]
        entry: dict[str, Any] = {"contacts_asked": size, "contacts": portal.contacts, "deals": portal.deals}
        say(f"{size:,} contacts: our sync, both nights x {options.repeats}")
        # As a plain okr sync runs: its own temporary Prefect server, the connector's limiter alone.
        entry["ours"], database = measure_nights(portals, folder / "ours", repeats=options.repeats, prefect_env=ephemeral_env(folder / "prefect"))
        if size in options.shared_limit_sizes:
            say(f"{size:,} contacts: our sync, both nights, limits shared through the Prefect server")
            entry["ours_shared_limits"], _ = measure_nights(portals, folder / "ours-shared", repeats=1, prefect_env=prefect_env)
        if peer is not None and size in options.peer_sizes:
            say(f"{size:,} contacts: tap-hubspot x {options.peer_repeats}" + (" and its next night" if size in options.peer_next_night_sizes else ""))
            metrics = _config_metrics()
            computed = PeerMetrics({name: metrics[name] for name in PEER_METRICS}, ZoneInfo(TIMEZONE), QUARTER_START, ANCHOR)
            entry["peer"] = {"measured": True, **measure_peer(
                peer["python"], portals, folder / "peer", repeats=options.peer_repeats, metrics=computed, next_night=size in options.peer_next_night_sizes,
            )}
            entry["values"] = compare_values(stored_values(database, PEER_METRICS, QUARTER_START, ANCHOR), computed.values())
            entry["values"]["not_computable_from_peer"] = UNCOMPUTABLE
            if not entry["values"]["equal"]:
                say(f"{size:,} contacts: VALUES DIFFER from the peer's: {entry['values']['metrics']}")
    entry["sandbox"] = {
        "generation_seconds": portals.generation_seconds, "index_seconds": portals.index_seconds,
        "rss_after_generation_bytes": portals.rss_after_generation_bytes, "peak_rss_bytes": portals.peak_rss_bytes,
    }
    if size in options.full_pull_sizes:
        say(f"{size:,} contacts: the in-script full pull (no limits, calls only)")
        entry["full_pull"] = measure_full_pull(size)
    else:
        entry["full_pull"] = computed_full_pull(entry["contacts"], entry["deals"])
    return entry


def _config_metrics() -> dict[str, Any]:
    from connectors import parse_config

    return dict(parse_config(config_text(company="Bench Co", base_url="http://127.0.0.1:1", token_env="UNUSED", database_url="sqlite://")).metrics)


def _computed_peer(entries: list[dict[str, Any]]) -> None:
    """Where the peer did not run: its calls by arithmetic (pages of 100 plus the fixed calls
    of its measured runs), and the least time they take at HubSpot's limits."""
    measured = [entry for entry in entries if entry.get("peer", {}).get("measured")]
    if not measured:
        return
    reference = measured[-1]
    fixed = reference["peer"]["first_night"]["calls"]["median"] - pages(reference["contacts"], reference["deals"])
    for entry in entries:
        if "peer" not in entry:
            calls = pages(entry["contacts"], entry["deals"]) + fixed
            entry["peer"] = {"measured": False, "calls": calls, "floor_seconds": floor_seconds(0, calls)}
