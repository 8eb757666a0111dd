"""The sandbox portals in a process of their own, so that their memory and CPU are never the client's.

``python -m bench.portals --contacts N --portals K`` generates K portals of
about N contacts each (seeds 7, 8, ...), serves each on a free port with its
own token (``bench-token-1``, ...) and account id (24681357, 24681358, ...), HubSpot's limits and delays
(``scenario.Network``), builds the search indexes the benchmark's metrics use,
prints one JSON line (the portals, how long generating and indexing took, the
process's peak RSS after generating), and serves until its stdin closes.

``PortalsProcess`` starts it under ``/usr/bin/time -v`` (so its peak RSS while
serving is measured too) and reads each portal's call log over the sandbox's
control endpoints.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.measure import GNU_TIME, parse_gnu_time
from bench.scenario import ANCHOR, DAYS, TIMEZONE, Network, contacts_per_day

__all__ = ["CallFigures", "Portal", "PortalsProcess", "call_figures"]

_INDEXED = {
    "contacts": ["createdate", "hs_v2_date_entered_marketingqualifiedlead", "hs_v2_date_entered_customer", "lifecyclestage"],
    "deals": ["createdate", "closedate"],
}
_FIRST_SEED = 7


@dataclass(frozen=True)
class Portal:
    base_url: str
    token: str
    portal_id: int
    """HubSpot's id of the account: one per portal, as the shared limits of a Prefect server name them."""
    contacts: int
    deals: int


@dataclass(frozen=True)
class CallFigures:
    """What one client did to a portal, from the portal's call log."""

    calls: int
    searches: int
    rate_limited: int
    """Calls answered 429."""
    fetch_seconds: float
    """From the first call's sending (its arrival less its network delay) to the last answer."""

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "searches": self.searches, "rate_limited": self.rate_limited, "fetch_seconds": self.fetch_seconds}


def call_figures(log: list[dict[str, Any]]) -> CallFigures:
    """``CallFigures`` of a call log as ``GET /__sandbox/call_log`` answers it."""
    if not log:
        return CallFigures(0, 0, 0, 0.0)
    started = min(call["arrived"] - call["network_delay"] for call in log)
    finished = max(call["answered"] or call["arrived"] for call in log)
    searches = sum(1 for call in log if call["method"] == "POST" and call["path"].rstrip("/").endswith("/search"))
    return CallFigures(len(log), searches, sum(1 for call in log if call["status"] == 429), finished - started)


class PortalsProcess:
    """``python -m bench.portals`` as a child process; ``with`` it to stop it (closing its stdin)."""

    def __init__(self, contacts: int, portals: int = 1, *, network: Network | None = None, limits: bool = True):
        self._report = tempfile.NamedTemporaryFile("r", suffix=".time")  # kept until stop() reads it
        network = network or Network()
        argv = [sys.executable, "-m", "bench.portals", "--contacts", str(contacts), "--portals", str(portals), "--network", json.dumps(network.as_dict())]
        if not limits:
            argv.append("--no-limits")
        self._process = subprocess.Popen(
            [str(GNU_TIME), "-v", "-o", self._report.name, *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait()
            raise RuntimeError(f"the sandbox portals did not start (exit {self._process.returncode})")
        ready = json.loads(line)
        self.portals = [Portal(**portal) for portal in ready["portals"]]
        self.generation_seconds: float = ready["generation_seconds"]
        self.index_seconds: float = ready["index_seconds"]
        self.rss_after_generation_bytes: int = ready["rss_after_generation_bytes"]
        self.peak_rss_bytes: int | None = None

    def reset(self) -> None:
        """Forget every portal's calls so far."""
        for portal in self.portals:
            urllib.request.urlopen(urllib.request.Request(f"{portal.base_url}/__sandbox/calls", method="DELETE")).close()

    def call_log(self, portal: Portal) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{portal.base_url}/__sandbox/call_log") as answer:
            return json.loads(answer.read())["calls"]

    def figures(self, portal: Portal | None = None) -> CallFigures:
        return call_figures(self.call_log(portal or self.portals[0]))

    def stop(self) -> None:
        """Close the portals' stdin, wait for them, and read their peak RSS."""
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=60)
        if not self._report.closed:
            self.peak_rss_bytes = parse_gnu_time(Path(self._report.name).read_text())[1]
            self._report.close()

    def kill(self) -> None:
        """Stop at once (the benchmark failed): no figures are read."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._report.close()

    def __enter__(self) -> PortalsProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if exc_type is not None:
            self.kill()
        else:
            self.stop()


def _serve(contacts: int, portals: int, network: Network, limits: bool) -> None:
    from connectors.sandbox import DEFAULT_PORTAL_ID, RateLimits, SandboxServer, generate_dataset

    started = time.perf_counter()
    datasets = [
        generate_dataset(ANCHOR, timezone=TIMEZONE, seed=_FIRST_SEED + number, days=DAYS, contacts_per_day=contacts_per_day(contacts))
        for number in range(portals)
    ]
    generated = time.perf_counter()
    rss_after_generation = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rate_limits = RateLimits(search_per_second=network.search_per_second, per_10_seconds=network.per_10_seconds) if limits else None
    servers = [
        SandboxServer(
            dataset, token=f"bench-token-{number + 1}", portal_id=DEFAULT_PORTAL_ID + number, rate_limits=rate_limits, latency_seconds=network.latency_seconds,
            arrival_delay_seconds=network.arrival_delay_seconds, arrival_jitter_seconds=network.arrival_jitter_seconds, arrival_seed=number,
        )
        for number, dataset in enumerate(datasets)
    ]
    for server in servers:
        server.prepare_indexes(_INDEXED)
    indexed = time.perf_counter()
    try:
        ready = {
            "portals": [
                {"base_url": server.start(), "token": server.token, "portal_id": server.portal_id, "contacts": len(server.dataset.contacts), "deals": len(server.dataset.deals)}
                for server in servers
            ],
            "generation_seconds": generated - started,
            "index_seconds": indexed - generated,
            "rss_after_generation_bytes": rss_after_generation,
        }
        print(json.dumps(ready), flush=True)
        sys.stdin.read()  # until the benchmark closes it
    finally:
        for server in servers:
            server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portals", description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, required=True, help="about this many contacts per portal")
    parser.add_argument("--portals", type=int, default=1)
    parser.add_argument("--network", type=json.loads, default={}, help="scenario.Network fields as JSON")
    parser.add_argument("--no-limits", action="store_true", help="no rate limits (delays still apply)")
    args = parser.parse_args(argv)
    _serve(args.contacts, args.portals, Network(**args.network), not args.no_limits)


if __name__ == "__main__":
    main()
