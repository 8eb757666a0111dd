"""Run the HubSpot sandbox standalone until Ctrl-C.

``python -m connectors.sandbox --port 8765 --anchor 2026-11-27 --timezone UTC``
prints the base URL and token to point a HubSpot client at.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.sandbox.dataset import generate_dataset
from connectors.sandbox.server import DEFAULT_TOKEN, SandboxServer

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, serve a generated data set, and return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m connectors.sandbox", description="Serve a seeded HubSpot sandbox.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--anchor", type=date.fromisoformat, help="last day of data, YYYY-MM-DD (default: today in --timezone)")
    parser.add_argument("--timezone", default="UTC", help="IANA zone the account's days belong to")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--contacts-per-day", type=float, default=12.0)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        parser.error(f"unknown time zone: {args.timezone}")
    anchor = args.anchor or datetime.now(zone).date()
    dataset = generate_dataset(anchor, timezone=args.timezone, seed=args.seed, days=args.days, contacts_per_day=args.contacts_per_day)
    server = SandboxServer(dataset, token=args.token, host=args.host, port=args.port)
    try:
        base_url = server.start()
    except OSError as error:
        print(f"cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(
        f"HubSpot sandbox: {len(dataset.contacts)} contacts, {len(dataset.deals)} deals, {len(dataset.emails)} emails "
        f"over {args.days} days to {anchor} ({args.timezone})"
    )
    print(f"base_url: {base_url}")
    print(f"token:    {server.token}")
    print("Ctrl-C to stop.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
