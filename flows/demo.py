"""``okr demo``: the whole path on the built-in HubSpot sandbox and SQLite.

The sandbox is seeded relative to today, so the demo always shows the
current quarter with realistic numbers and needs no account or network.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors import load_config
from connectors.sandbox import SandboxServer, generate_dataset
from flows.nightly import SyncIncomplete, nightly_sync
from flows.pipeline import SyncSummary
from okrmodel.periods import quarter_of, today_in
from okrmodel.storage import Store

__all__ = ["DEMO_CHECKINS", "render_demo_config", "run_demo"]

DEMO_TOKEN_ENV = "OKR_DEMO_HUBSPOT_TOKEN"
DEMO_TIMEZONE = "Europe/Berlin"
DEMO_CHECKINS = {
    "lifecycle-stages": (3, "Lead, MQL and SQL are tracked; opportunity and customer next"),
    "crm-training": (2, "Two of five trained; sessions booked for the rest"),
    "exec-approval": (3, "All three OKRs approved at the quarterly kick-off"),
}


def render_demo_config(as_of: date, base_url: str) -> str:
    """The demo ``okrs.yaml`` for the quarter containing ``as_of``."""
    quarter = quarter_of(as_of)
    text = files("flows").joinpath("demo/okrs.yaml").read_text(encoding="utf-8")
    placeholders = {
        "period": quarter.label,
        "base_url": base_url,
        "first_week": (quarter.first_day + timedelta(days=6)).isoformat(),
        "mid_quarter": (quarter.first_day + timedelta(days=45)).isoformat(),
        "late_quarter": (quarter.last_day - timedelta(days=10)).isoformat(),
    }
    # Plain replacement: string.Template would trip over "$2,500,000".
    for name, value in placeholders.items():
        text = text.replace("${" + name + "}", value)
    return text


def run_demo(out_dir: Path, as_of: date | None = None) -> SyncSummary:
    """Seed a sandbox, write the demo config into ``out_dir``, sync, and render the report."""
    as_of = as_of or today_in(ZoneInfo(DEMO_TIMEZONE))
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    dataset = generate_dataset(as_of, timezone=DEMO_TIMEZONE)
    with SandboxServer(dataset) as server:
        config_path = out_dir / "okrs.yaml"
        config_path.write_text(render_demo_config(as_of, server.base_url), encoding="utf-8")
        config = load_config(config_path)
        with Store(config.storage_url()) as store:
            for key_result, (value, note) in DEMO_CHECKINS.items():
                if store.latest_checkin(key_result, as_of) is None:
                    store.add_checkin(key_result, as_of, value, "demo", note)
        os.environ[DEMO_TOKEN_ENV] = server.token
        try:
            return nightly_sync(str(config_path), as_of=as_of, report_path=str(out_dir / "report.html"))
        except SyncIncomplete as incomplete:
            return incomplete.summary
