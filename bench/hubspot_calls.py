"""API calls (and time) of our HubSpot connector vs. a full-pull connector, on a 100k-contact sandbox.

The full pull is what singer's tap-hubspot and dlt's hubspot source do: page
every contact and deal through the CRM list API, 100 records a call, and
compute the metrics locally. It lives in this script only. Both read the same
metrics over the same quarter, and their values are checked equal before any
figure is written. Our connector runs nights as the nightly flow does: the
first backfills the quarter; each later one re-reads only the look-back days
and reconciles the rest of the quarter against the portal (``flows.reconcile``:
a total per count, a re-read per sum). One later night comes after 1% of the
contacts were archived across the quarter: what it stores is checked equal to
the full pull of the remaining records.

Wall times are measured against the local sandbox with client-side limits
lifted; the "floor at HubSpot's limits" is the least time the calls can take
on a real portal (5 searches/s, 190 requests/10 s) and does not depend on
this machine. ``make bench`` runs its full pull (``bench/full_pull.py``);
run alone (``python -m bench.hubspot_calls``) it prints its table.
"""

from __future__ import annotations

import argparse
import json
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from connectors import parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import SandboxServer, generate_dataset
from connectors.sandbox.archiving import sample_ids
from flows.reconcile import needs_reconciliation, reconcile
from okrmodel.periods import Window

ANCHOR = date(2026, 11, 27)
TIMEZONE = "Europe/Berlin"
ZONE = ZoneInfo(TIMEZONE)
QUARTER_START = date(2026, 10, 1)
LOOK_BACK_DAYS = 2
ARCHIVED_SHARE = 0.01
SEARCHES_PER_SECOND, REQUESTS_PER_10_SECONDS = 5, 190

METRICS = parse_config(
    """
company: Bench
timezone: Europe/Berlin
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  new_contacts: {source: hubspot, kind: contacts_created}
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
  inbound_mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {hs_analytics_source: [ORGANIC_SEARCH, SOCIAL_MEDIA, REFERRALS]}}
  customers: {source: hubspot, kind: contacts_entered_stage, stage: customer}
  sqls_now: {source: hubspot, kind: contacts_in_stage, stage: salesqualifiedlead}
  deals: {source: hubspot, kind: deals_created}
  pipeline: {source: hubspot, kind: deals_created, sum: amount}
  won: {source: hubspot, kind: deals_closed_won}
  won_amount: {source: hubspot, kind: deals_closed_won, sum: amount}
"""
).metrics


@dataclass(frozen=True)
class Run:
    label: str
    searches: int
    other_calls: int
    seconds: float
    reconcile_calls: int = 0
    days_corrected: int = 0

    @property
    def calls(self) -> int:
        return self.searches + self.other_calls

    @property
    def floor_seconds(self) -> float:
        """Least time these calls take at HubSpot's limits."""
        return max(self.searches / SEARCHES_PER_SECOND, self.calls / (REQUESTS_PER_10_SECONDS / 10))


Values = dict[str, dict[date, float]]


def run_ours(server: SandboxServer, as_of: date, first_day: date, label: str, *, stored: Values | None = None) -> tuple[Run, Values]:
    """One night of our connector reading ``first_day`` to ``as_of``; with ``stored`` (what earlier
    nights stored), it then reconciles each metric's quarter, and returns what is stored after it."""
    source = HubSpotSource(type="hubspot", base_url=server.base_url, search_requests_per_second=10_000, requests_per_10_seconds=100_000)
    connector = HubSpotConnector("hubspot", source, token=SecretStr(server.token), metrics=METRICS)
    window = Window.from_days(first_day, as_of, ZONE)
    snapshot = Window.from_days(as_of, as_of, ZONE)
    quarter = Window.from_days(QUARTER_START, as_of, ZONE)
    reconciled = {"calls": 0, "days": 0}

    def night() -> Values:
        values = {name: connector.read(name, spec, snapshot if spec.nature == "snapshot" else window, as_of).values for name, spec in METRICS.items()}
        if stored is None:
            return values
        after = {name: {**stored.get(name, {}), **series} for name, series in values.items()}
        for name, spec in METRICS.items():
            if not needs_reconciliation(spec, window, quarter):
                continue
            result = reconcile(connector, name, spec, quarter, as_of, after[name])
            if result.error:
                raise SystemExit(f"reconciling {name} failed: {result.error}")
            reconciled["calls"] += result.api_calls
            reconciled["days"] += sum(1 for day, value in result.corrections.items() if after[name].get(day) != value)
            after[name] |= result.corrections
        return after

    run, values = measured(server, label, night)
    return Run(run.label, run.searches, run.other_calls, run.seconds, reconciled["calls"], reconciled["days"]), values


def run_full_pull(server: SandboxServer, as_of: date) -> tuple[Run, Values]:
    return measured(server, "full pull (list API, 100 a page), every night", lambda: full_pull_metrics(server, as_of))


def measured(server: SandboxServer, label: str, work: Callable[[], Values]) -> tuple[Run, Values]:
    server.reset_calls()
    started = time.perf_counter()
    values = work()
    seconds = time.perf_counter() - started
    searches = sum(1 for _, path in server.calls if path.endswith("/search"))
    return Run(label, searches, server.call_count - searches, seconds), values


def in_quarter(values: Values, as_of: date) -> Values:
    """Each flow metric's days of the quarter to ``as_of``, and the snapshot of ``as_of``: what the report reads."""
    days = set(Window.from_days(QUARTER_START, as_of, ZONE).days())
    return {
        name: {day: value for day, value in series.items() if (day == as_of if METRICS[name].nature == "snapshot" else day in days)}
        for name, series in values.items()
    }


def full_pull_metrics(server: SandboxServer, as_of: date) -> dict[str, dict[date, float]]:
    """The naive connector: page all records, then count and sum locally."""
    contact_props = ["createdate", "lifecyclestage", "hs_analytics_source", "hs_v2_date_entered_marketingqualifiedlead", "hs_v2_date_entered_customer"]
    contacts = page_all(server, "contacts", contact_props)
    deals = page_all(server, "deals", ["createdate", "closedate", "amount", "dealstage"])
    days = Window.from_days(QUARTER_START, as_of, ZONE).days()

    def series(records, date_property, keep=lambda p: True, amount=None):
        values = dict.fromkeys(days, 0.0)
        for props in records:
            stamp = props.get(date_property)
            if stamp and keep(props):
                day = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(ZONE).date()
                if day in values:
                    values[day] += float(props.get(amount) or 0) if amount else 1.0
        return values

    won = lambda p: p.get("dealstage") == "closedwon"  # noqa: E731
    inbound = {"ORGANIC_SEARCH", "SOCIAL_MEDIA", "REFERRALS"}
    return {
        "new_contacts": series(contacts, "createdate"),
        "mqls": series(contacts, "hs_v2_date_entered_marketingqualifiedlead"),
        "inbound_mqls": series(contacts, "hs_v2_date_entered_marketingqualifiedlead", lambda p: p.get("hs_analytics_source") in inbound),
        "customers": series(contacts, "hs_v2_date_entered_customer"),
        "sqls_now": {as_of: float(sum(1 for p in contacts if p.get("lifecyclestage") == "salesqualifiedlead"))},
        "deals": series(deals, "createdate"),
        "pipeline": series(deals, "createdate", amount="amount"),
        "won": series(deals, "closedate", won),
        "won_amount": series(deals, "closedate", won, "amount"),
    }


def page_all(server: SandboxServer, object_type: str, properties: list[str]) -> list[dict]:
    records, after = [], None
    while True:
        query = f"limit=100&properties={','.join(properties)}" + (f"&after={after}" if after else "")
        request = urllib.request.Request(f"{server.base_url}/crm/v3/objects/{object_type}?{query}", headers={"Authorization": f"Bearer {server.token}"})
        with urllib.request.urlopen(request) as response:
            page = json.loads(response.read())
        records.extend(result["properties"] for result in page["results"])
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts-per-day", type=float, default=850.0, help="with --days 120: about 100k contacts")
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--out", type=Path, help="also write the table here (bench/RESULTS.md is make bench's)")
    args = parser.parse_args()

    started = time.perf_counter()
    dataset = generate_dataset(ANCHOR, timezone=TIMEZONE, days=args.days, contacts_per_day=args.contacts_per_day)
    generated = time.perf_counter() - started
    look_back_from = ANCHOR - timedelta(days=LOOK_BACK_DAYS)
    with SandboxServer(dataset) as server:
        yesterday = ANCHOR - timedelta(days=1)
        backfill, stored = run_ours(server, yesterday, QUARTER_START, "ours, first night (backfills the quarter)")
        nightly, stored = run_ours(server, ANCHOR, look_back_from, f"ours, next night (look-back {LOOK_BACK_DAYS} days, reconciliation)", stored=stored)
        archived = server.archive("contacts", sample_ids(server.dataset.contacts, ARCHIVED_SHARE, seed=1))
        after_archiving, stored = run_ours(
            server, ANCHOR, look_back_from, f"ours, a night after {len(archived):,} contacts ({ARCHIVED_SHARE:.0%}) were archived", stored=stored
        )
        full_quarter, ours_values = run_ours(server, ANCHOR, QUARTER_START, "ours, whole quarter (check run)")
        naive, naive_values = run_full_pull(server, ANCHOR)
    for label, values in (("the check run", ours_values), ("the nights after archiving", in_quarter(stored, ANCHOR))):
        if values != naive_values:
            differing = sorted(name for name in values if values[name] != naive_values.get(name))
            raise SystemExit(f"values differ between {label} and the full pull for {differing}; no figures written")

    rows = [backfill, nightly, after_archiving, naive]
    lines = [
        "# HubSpot connector: API calls vs. a full pull",
        "",
        f"Measured by `make bench` (`bench/hubspot_calls.py`) on the sandbox: {len(dataset.contacts):,} contacts and "
        f"{len(dataset.deals):,} deals over {args.days} days to {ANCHOR} ({TIMEZONE}), generated in {generated:.1f} s. "
        f"{len(METRICS)} metrics over the quarter to date ({QUARTER_START} to {ANCHOR}): contact counts by creation and "
        "stage entry (one filtered by source), a stage snapshot, deal counts and amount sums by creation and close. "
        "Both connectors' daily values were checked equal.",
        "",
        "| run | searches | other calls | total calls | wall time (sandbox) | floor at HubSpot's limits |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(f"| {r.label} | {r.searches:,} | {r.other_calls:,} | {r.calls:,} | {r.seconds:.1f} s | {r.floor_seconds:.1f} s |" for r in rows),
        "",
        f"Calls per night: ours {nightly.calls} vs. full pull {naive.calls:,} ({naive.calls / max(nightly.calls, 1):,.0f}x); "
        f"backfill {backfill.calls} ({naive.calls / max(backfill.calls, 1):,.0f}x fewer than one full pull). "
        f"The whole-quarter check run took {full_quarter.calls} calls.",
        "",
        f"Reconciliation (each later night checks the rest of the quarter against the portal) took {nightly.reconcile_calls} of the "
        f"next night's calls: one total per count, and a re-read of the quarter per amount sum (search has no sums: a page per 200 "
        f"deals). After {len(archived):,} contacts were archived, spread over every day, it took {after_archiving.reconcile_calls} calls "
        f"and corrected {after_archiving.days_corrected} stored days; what the nights stored was then checked equal to the full pull "
        "(which, like the check run, read the portal after the archiving).",
        "",
        "The floor is max(searches / 5 per s, calls / 19 per s) (Professional/Enterprise burst; Free/Starter is 10 per s). "
        "Wall times are this machine's against a local server and only compare the two connectors.",
        "",
    ]
    if args.out:
        args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
