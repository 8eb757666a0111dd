"""``okr demo``: the whole path on the built-in HubSpot sandbox and SQLite; ``okr sandbox``: that
sandbox on its fixed port, so the demo's config keeps working after the demo.

The sandbox is seeded relative to today, so the demo always shows the
current quarter with realistic numbers and needs no account or network; the
same day gives the same data set, so ``okr sandbox`` serves what the demo read.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from connectors import load_config
from connectors.sandbox import DEFAULT_TOKEN, SandboxServer, generate_dataset
from flows.nightly import SyncIncomplete, nightly_sync
from flows.pipeline import SyncSummary
from okrmodel.periods import quarter_of, today_in
from okrmodel.storage import Store

__all__ = ["DEMO_CHECKINS", "DEMO_PORT", "DEMO_TOKEN_ENV", "DemoPortTaken", "demo_sandbox", "render_demo_config", "run_demo"]

DEMO_TOKEN_ENV = "OKR_DEMO_HUBSPOT_TOKEN"
DEMO_TIMEZONE = "Europe/Berlin"
DEMO_PORT = 8765
"""Where ``okr sandbox`` serves, and so where the demo's config points."""
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


class DemoPortTaken(Exception):
    """Another program (not the demo's sandbox) listens on the demo's port."""


def demo_sandbox(as_of: date | None = None, port: int = DEMO_PORT) -> SandboxServer:
    """The demo's sandbox (not started) for ``as_of`` (default: today in the demo's zone) on ``port``."""
    as_of = as_of or today_in(ZoneInfo(DEMO_TIMEZONE))
    return SandboxServer(generate_dataset(as_of, timezone=DEMO_TIMEZONE), port=port)


def run_demo(out_dir: Path, as_of: date | None = None, port: int = DEMO_PORT) -> SyncSummary:
    """Seed a sandbox on ``port`` (0: any free one), write the demo config into ``out_dir``, sync,
    and render the report. When ``okr sandbox`` already serves that port, the demo reads it."""
    as_of = as_of or today_in(ZoneInfo(DEMO_TIMEZONE))
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    server = demo_sandbox(as_of, port)
    try:
        server.start()
    except OSError:
        if not _sandbox_answers(port):
            raise DemoPortTaken(f"port {port} is taken by another program; run the demo on another with --port") from None
        base_url = f"http://127.0.0.1:{port}"
    else:
        base_url = server.base_url
    try:
        config_path = out_dir / "okrs.yaml"
        config_path.write_text(render_demo_config(as_of, base_url), encoding="utf-8")
        config = load_config(config_path)
        with Store(config.storage_url()) as store:
            store.claim(config.company)
            for key_result, (value, note) in DEMO_CHECKINS.items():
                if store.latest_checkin(key_result, as_of) is None:
                    store.add_checkin(key_result, as_of, value, "demo", note)
        os.environ[DEMO_TOKEN_ENV] = server.token
        try:
            return nightly_sync(str(config_path), as_of=as_of, report_path=str(out_dir / "report.html"))
        except SyncIncomplete as incomplete:
            return incomplete.summary
    finally:
        server.stop()


def _sandbox_answers(port: int) -> bool:
    """Whether the demo's sandbox (``okr sandbox``) is what listens on ``port``."""
    try:
        answer = requests.get(
            f"http://127.0.0.1:{port}/crm/v3/properties/contacts", headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"}, timeout=5
        )
    except requests.RequestException:
        return False
    return answer.status_code == 200 and "results" in answer.text
