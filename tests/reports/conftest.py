"""Report data as the nightly job builds it (``build_report_data``), for the demo's OKRs on
seeded stored data shaped to show every case a reader meets: KRs behind and ahead, one on pace
with a forecast short of its target, one metric whose last sync failed, overdue actions,
manual check-ins, and a week-old report to compare with.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from connectors import parse_config
from flows.demo import DEMO_CHECKINS, render_demo_config
from okrmodel.briefing import ReportData, build_report_data
from okrmodel.config import Config
from okrmodel.storage import Store

AS_OF = date(2026, 12, 1)
COMPARED = AS_OF - timedelta(days=7)
Q4_START = date(2026, 10, 1)
FAILING_METRIC = "newsletters"
FAILURE = "HubSpot answered 502 Bad Gateway three times"
REPORT_URL = "https://okr.acme.example/reports/2026-Q4/"
# Per-day values of the demo's metrics, shaped so the report has every kind of status.
DAILY = {
    "inbound_mqls": lambda n: 1.0 if n % 5 in (0, 1, 3) else 0.0,
    "new_contacts": lambda n: 9.0,
    "deals_created": lambda n: 1.0 if n % 3 else 0.0,
    "pipeline_added": lambda n: 31_000.0,
    "newsletter_recipients": lambda n: 3_100.0 if n % 7 == 3 else 0.0,
    FAILING_METRIC: lambda n: 1.0 if n % 7 == 3 else 0.0,
}
SNAPSHOT = {"mqls_now": lambda n: 150 + n // 2}


def seed(store: Store, config: Config, *, failing: bool = True) -> None:
    """Q4 to date synced night after night; the last night's ``newsletters`` fetch failed."""
    earlier = store.start_run(AS_OF - timedelta(days=1))
    days = [Q4_START + timedelta(days=n) for n in range((AS_OF - Q4_START).days + 1)]
    for metric, daily in {**DAILY, **SNAPSHOT}.items():
        stop = AS_OF - timedelta(days=4) if failing and metric == FAILING_METRIC else AS_OF
        store.save_observations(earlier, metric, "hubspot", {day: float(round(daily(n), 1)) for n, day in enumerate(days) if day <= stop})
        store.record_fetch(earlier, metric, "hubspot", status="succeeded", first_day=Q4_START, last_day=stop)
    store.finish_run(earlier, "succeeded")
    if failing:
        last = store.start_run(AS_OF)
        store.record_fetch(last, FAILING_METRIC, "hubspot", status="failed", error=FAILURE)
        store.finish_run(last, "partial")
    for key_result, (value, note) in DEMO_CHECKINS.items():
        store.add_checkin(key_result, AS_OF - timedelta(days=30), max(value - 2, 0), "lee@acme.example")
        store.add_checkin(key_result, AS_OF - timedelta(days=2), value, "lee@acme.example", note)


def demo_config() -> Config:
    return parse_config(render_demo_config(AS_OF, "http://127.0.0.1:9") + f"report_url: {REPORT_URL}\n")


@pytest.fixture
def demo_store(tmp_path: Path):
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        yield store


@pytest.fixture
def demo_data(demo_store: Store) -> ReportData:
    """The demo's OKRs on 1 Dec: behind and ahead, one metric failing, compared with 24 Nov."""
    config = demo_config()
    seed(demo_store, config)
    return build_report_data(config, demo_store, AS_OF, compare_to=COMPARED)


@pytest.fixture
def first_report_data(demo_store: Store) -> ReportData:
    """A first report: nothing to compare with, every sync healthy."""
    config = demo_config()
    seed(demo_store, config, failing=False)
    return build_report_data(config, demo_store, AS_OF)
