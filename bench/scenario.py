"""What every benchmark measures against: the portal, the network, HubSpot's limits and the config.

The portal is the sandbox's generated account over ``DAYS`` days ending on
``ANCHOR`` (Europe/Berlin), at a contact rate chosen for the portal's size
(deals are a tenth of contacts). The network is 100 ms a call: 50 ms (plus up
to 20 ms of jitter) before a call arrives, where HubSpot counts it against
its limits, and 40 ms before its answer. The limits are a Free/Starter
portal's: 5 searches per second and 100 calls per rolling 10 seconds.

The config reads every HubSpot metric kind (``config_text``): contact counts
by creation and by stage entry (one filtered by source), a stage snapshot,
deal counts and amount sums by creation and by close, marketing emails and
their recipients, and web sessions. The first night backfills the quarter to
date as of ``FIRST_NIGHT``; the next night, one day later, reads what is not
yet final.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

__all__ = [
    "ANCHOR",
    "DAYS",
    "FIRST_NIGHT",
    "NEXT_NIGHT",
    "PEER_METRICS",
    "QUARTER_START",
    "SEARCHES_PER_SECOND",
    "CALLS_PER_10_SECONDS",
    "TIMEZONE",
    "Network",
    "contacts_per_day",
    "config_text",
    "floor_seconds",
    "write_config",
]

ANCHOR = date(2026, 11, 27)
"""The last day of data; the next night reports on it."""
FIRST_NIGHT = ANCHOR - timedelta(days=1)
NEXT_NIGHT = ANCHOR
QUARTER_START = date(2026, 10, 1)
TIMEZONE = "Europe/Berlin"
DAYS = 120
SEARCHES_PER_SECOND = 5
CALLS_PER_10_SECONDS = 100
# Measured: 850 contacts a day over 120 days generate 102,526 contacts (a midnight contact every
# tenth day, and the daily counts' rounding, add the rest).
_RATE_PER_CONTACT = 850 / 102_526


@dataclass(frozen=True)
class Network:
    """How the sandbox delays and limits calls (``SandboxServer`` options)."""

    arrival_delay_seconds: float = 0.05
    arrival_jitter_seconds: float = 0.02
    latency_seconds: float = 0.04
    search_per_second: int = SEARCHES_PER_SECOND
    per_10_seconds: int = CALLS_PER_10_SECONDS

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def contacts_per_day(contacts: int) -> float:
    """The generator's contact rate for a portal of about ``contacts`` contacts over ``DAYS`` days."""
    return contacts * _RATE_PER_CONTACT * 120 / DAYS


def floor_seconds(searches: int, calls: int) -> float:
    """The least time these calls take at HubSpot's limits: max(searches / 5 per s, calls / 10 per s)."""
    return max(searches / SEARCHES_PER_SECOND, calls / (CALLS_PER_10_SECONDS / 10))


_METRICS = """\
  new_contacts: {source: hubspot, kind: contacts_created}
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
  inbound_mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {hs_analytics_source: [ORGANIC_SEARCH, SOCIAL_MEDIA, REFERRALS]}}
  customers: {source: hubspot, kind: contacts_entered_stage, stage: customer}
  sqls_now: {source: hubspot, kind: contacts_in_stage, stage: salesqualifiedlead}
  deals: {source: hubspot, kind: deals_created}
  pipeline: {source: hubspot, kind: deals_created, sum: amount}
  won: {source: hubspot, kind: deals_closed_won}
  won_amount: {source: hubspot, kind: deals_closed_won, sum: amount}
  newsletters: {source: hubspot, kind: marketing_emails_sent, name_contains: Newsletter}
  newsletter_recipients: {source: hubspot, kind: marketing_emails_sent, name_contains: Newsletter, sum: sent}
  web_visits: {source: hubspot, kind: web_sessions}
"""
PEER_METRICS = ("new_contacts", "mqls", "inbound_mqls", "customers", "sqls_now", "deals", "pipeline", "won", "won_amount")
"""The metrics tap-hubspot's streams can give (contacts and deals); see ``peer.py`` for the others."""

_OBJECTIVES = """\
objectives:
  - id: demand
    title: Build a new demand generation channel
    owner: maria@bench.example
    key_results:
      - {id: contacts, title: "Add 1,000 new contacts", metric: new_contacts, target: 1000, unit: contacts}
      - {id: inbound, title: Increase monthly inbound MQLs from 20 to 30, metric: inbound_mqls, window: last_30_days, baseline: 20, target: 30, unit: MQLs}
      - {id: newsletters, title: Send 12 email newsletters, metric: newsletters, target: 12, unit: newsletters}
      - {id: visits, title: "Reach 50,000 website visits", metric: web_visits, target: 50000, unit: visits}
  - id: pipeline
    title: Improve the sales pipeline
    owner: sam@bench.example
    key_results:
      - {id: deals, title: Create 100 new deals, metric: deals, target: 100, unit: deals}
      - {id: won, title: Win 30 deals, metric: won, target: 30, unit: deals}
      - {id: sqls, title: Grow the SQL pool to 500 contacts, metric: sqls_now, target: 500, unit: SQLs}
"""


def config_text(*, company: str, base_url: str, token_env: str, database_url: str) -> str:
    """The benchmark's ``okrs.yaml`` for one portal."""
    return (
        f"company: {json.dumps(company)}\ntimezone: {TIMEZONE}\nperiod: 2026-Q4\ndatabase_url: {json.dumps(database_url)}\n"
        f"sources:\n  hubspot: {{type: hubspot, token_env: {token_env}, base_url: {json.dumps(base_url)}}}\n"
        f"metrics:\n{_METRICS}{_OBJECTIVES}"
    )


def write_config(path: Path, *, company: str, base_url: str, token_env: str, database: Path) -> Path:
    """Write the config for one portal at ``path``, its SQLite database at ``database``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config_text(company=company, base_url=base_url, token_env=token_env, database_url=f"sqlite:///{database}"), encoding="utf-8")
    return path
