"""Serve a generated sandbox until Ctrl-C: the body of ``python -m connectors.sandbox``, reusable by a CLI.

``SandboxOptions`` holds every choice (data set, portal quirks, network
behaviour); ``build_sandbox`` turns them into a ``SandboxServer`` (not yet
started), ``serve_sandbox`` starts it, prints its base URL and token, and
blocks until Ctrl-C (or until ``stop`` is set). ``parse_options`` reads
them from command-line arguments, the flags ``main`` documents.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.sandbox.dataset import generate_dataset, with_legacy_stage_dates
from connectors.sandbox.faults import RateLimits
from connectors.sandbox.server import DEFAULT_TOKEN, SandboxServer

__all__ = ["SandboxOptions", "build_sandbox", "main", "parse_options", "serve_sandbox"]

HUBSPOT_SEARCHES_PER_SECOND = 5
HUBSPOT_STARTER_BURST = 100


@dataclass(frozen=True)
class SandboxOptions:
    """What to serve and how; the defaults are a quiet, instant portal on port 8765."""

    host: str = "127.0.0.1"
    port: int = 8765
    """0 picks a free port."""
    anchor: date | None = None
    """Last day of data; None is today in ``timezone``."""
    timezone: str = "UTC"
    seed: int = 7
    days: int = 200
    contacts_per_day: float = 12.0
    token: str = DEFAULT_TOKEN
    rate_limits: bool = False
    """Answer 429s as HubSpot does: 5 searches per second and ``burst_limit`` calls per 10 seconds."""
    burst_limit: int = HUBSPOT_STARTER_BURST
    latency_seconds: float = 0.0
    """Delay before each answer."""
    arrival_delay_seconds: float = 0.0
    """One-way network delay before a call counts as arrived (against the rate limits)."""
    arrival_jitter_seconds: float = 0.0
    """Up to this much more arrival delay, random per call: calls sent evenly arrive bunched."""
    legacy_stage_dates: bool = False
    """Only ``hs_lifecyclestage_<stage>_date``, no ``hs_v2_date_entered_*``."""
    hide_v2_properties: bool = False
    """Records carry ``hs_v2_date_entered_*`` but the properties API does not list them."""
    mpp_open_share: float = 0.0
    """Share of recipients behind Apple Mail Privacy Protection, whose mail apps "open" every email."""


def build_sandbox(options: SandboxOptions) -> SandboxServer:
    """The server ``options`` describe, its data set generated; raises ``ValueError`` for a bad option."""
    try:
        zone = ZoneInfo(options.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone: {options.timezone}") from None
    if options.days < 1:
        raise ValueError("days must be at least 1")
    if options.burst_limit < 1:
        raise ValueError("the burst limit must be at least 1")
    anchor = options.anchor or datetime.now(zone).date()
    dataset = generate_dataset(
        anchor, timezone=options.timezone, seed=options.seed, days=options.days,
        contacts_per_day=options.contacts_per_day, mpp_open_share=options.mpp_open_share,
    )
    if options.legacy_stage_dates:
        dataset = with_legacy_stage_dates(dataset)
    dataset.v2_properties_listed = not options.hide_v2_properties
    limits = RateLimits(search_per_second=HUBSPOT_SEARCHES_PER_SECOND, per_10_seconds=options.burst_limit) if options.rate_limits else None
    return SandboxServer(
        dataset, token=options.token, host=options.host, port=options.port, rate_limits=limits,
        latency_seconds=options.latency_seconds, arrival_delay_seconds=options.arrival_delay_seconds,
        arrival_jitter_seconds=options.arrival_jitter_seconds,
    )


def serve_sandbox(options: SandboxOptions, *, out: TextIO | None = None, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or ``stop`` is set) and return the exit status: 0, or 1 when the
    address is taken. Prints what is served, ``base_url:`` and ``token:`` lines to ``out``
    (stdout by default). Raises ``ValueError`` for a bad option, before binding."""
    out = out or sys.stdout
    server = build_sandbox(options)
    try:
        base_url = server.start()
    except OSError as error:
        print(f"cannot listen on {options.host}:{options.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    dataset = server.dataset
    first_day, last_day = min(dataset.traffic), max(dataset.traffic)
    print(
        f"HubSpot sandbox: {len(dataset.contacts)} contacts, {len(dataset.deals)} deals in {len(dataset.pipelines)} pipelines, "
        f"{len(dataset.emails)} emails in {len(dataset.campaigns)} campaigns, {first_day} to {last_day} ({options.timezone})",
        file=out,
    )
    for quirk in _quirks(options):
        print(f"  {quirk}", file=out)
    print(f"base_url: {base_url}", file=out)
    print(f"token:    {server.token}", file=out)
    print(
        f"Between two syncs, archive records as a portal's users do: curl -X POST {base_url}/__sandbox/archive "
        """-d '{"objectType": "contacts", "share": 0.15}' (or "ids": [...]; merge: /__sandbox/merge with primaryId and mergedId)""",
        file=out,
    )
    print("Ctrl-C to stop.", file=out, flush=True)
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _quirks(options: SandboxOptions) -> list[str]:
    quirks = []
    if options.rate_limits:
        quirks.append(f"rate limits: {HUBSPOT_SEARCHES_PER_SECOND} searches/s, {options.burst_limit} calls per 10 s (429s as HubSpot answers them)")
    if options.latency_seconds:
        quirks.append(f"answers delayed {options.latency_seconds:g} s")
    if options.arrival_delay_seconds or options.arrival_jitter_seconds:
        quirks.append(f"calls arrive {options.arrival_delay_seconds:g} s (+ up to {options.arrival_jitter_seconds:g} s) after they are sent")
    if options.legacy_stage_dates:
        quirks.append("legacy stage dates only (hs_lifecyclestage_<stage>_date)")
    if options.hide_v2_properties:
        quirks.append("hs_v2_date_entered_* not in the properties API (records and search still have them)")
    if options.mpp_open_share:
        quirks.append(f"email opens inflated by Apple Mail Privacy Protection ({options.mpp_open_share:.0%} of recipients)")
    return quirks


def parse_options(argv: Sequence[str] | None = None, *, prog: str = "python -m connectors.sandbox") -> SandboxOptions:
    """``SandboxOptions`` from command-line arguments; exits with a usage message on bad ones."""
    parser = argparse.ArgumentParser(prog=prog, description="Serve a seeded HubSpot sandbox until Ctrl-C.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--anchor", type=date.fromisoformat, help="last day of data, YYYY-MM-DD (default: today in --timezone)")
    parser.add_argument("--timezone", default="UTC", help="IANA zone the account's days belong to")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--contacts-per-day", type=float, default=12.0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument("--rate-limits", action="store_true", help="answer HubSpot's 429s: 5 searches/s and --burst-limit calls per 10 s")
    parser.add_argument("--burst-limit", type=int, default=HUBSPOT_STARTER_BURST, help="calls per 10 s with --rate-limits (Free/Starter 100, Pro/Enterprise 190)")
    parser.add_argument("--latency", type=_seconds, default=0.0, metavar="SECONDS", help="delay before each answer")
    parser.add_argument("--arrival-delay", type=_seconds, default=0.0, metavar="SECONDS", help="one-way delay before a call counts as arrived")
    parser.add_argument("--arrival-jitter", type=_seconds, default=0.0, metavar="SECONDS", help="up to this much more arrival delay, random per call")
    parser.add_argument("--legacy-stage-dates", action="store_true", help="a portal with hs_lifecyclestage_<stage>_date instead of hs_v2_date_entered_*")
    parser.add_argument("--hide-v2-properties", action="store_true", help="leave hs_v2_date_entered_* out of the properties API")
    parser.add_argument("--mpp-open-share", type=_share, default=0.0, metavar="FRACTION", help="recipients behind Apple Mail Privacy Protection (0-1)")
    args = parser.parse_args(argv)
    options = SandboxOptions(
        host=args.host, port=args.port, anchor=args.anchor, timezone=args.timezone, seed=args.seed, days=args.days,
        contacts_per_day=args.contacts_per_day, token=args.token, rate_limits=args.rate_limits, burst_limit=args.burst_limit,
        latency_seconds=args.latency, arrival_delay_seconds=args.arrival_delay, arrival_jitter_seconds=args.arrival_jitter,
        legacy_stage_dates=args.legacy_stage_dates, hide_v2_properties=args.hide_v2_properties, mpp_open_share=args.mpp_open_share,
    )
    try:
        ZoneInfo(options.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        parser.error(f"unknown time zone: {options.timezone}")
    if options.days < 1 or options.burst_limit < 1:
        parser.error("--days and --burst-limit must be at least 1")
    return options


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, serve a generated data set until Ctrl-C, and return the exit status."""
    return serve_sandbox(parse_options(argv))


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1: {text}")
    return value
