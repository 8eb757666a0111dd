"""The status report as leadership sees it: opened in headless Chromium (Debian's package)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from connectors import parse_config
from okrmodel.evaluation import evaluate
from okrmodel.storage import Store
from reports import write_report

# Flags the machine's closed network needs: no background fetches, no sandbox as root.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

CONFIG = parse_config(
    """
company: Acme Cloud
timezone: UTC
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
objectives:
  - id: demand-gen
    title: Build a new demand generation channel
    owner: maria@acme.example
    key_results:
      - {id: mqls, title: Generate 120 MQLs this quarter, metric: mqls, target: 120, unit: MQLs}
      - {id: training, title: Train 5 team members to use the marketing CRM, target: 5, checkin_every: week}
    actions:
      - {title: Draft the OKR proposal, due: 2026-10-09, status: done}
"""
)
AS_OF = date(2026, 11, 15)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    assert path, "Debian's chromium is needed (make test installs it via .ci/ensure-chromium)"
    return path


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        run = store.start_run(AS_OF)
        store.save_observations(run, "mqls", "hubspot", {date(2026, 10, 1) + timedelta(days=n): 1.0 for n in range(46)})
        store.add_checkin("training", AS_OF, 2, "lee", "two trained")
        return write_report(evaluate(CONFIG, store, AS_OF), tmp_path / "report.html")


def run_chromium(chromium: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_browser_shows_every_objective_number_and_status(chromium, report_file: Path, tmp_path: Path):
    result = run_chromium(chromium, tmp_path, "--dump-dom", report_file.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    for text in ("Acme Cloud: OKR status", "Build a new demand generation channel", "Generate 120 MQLs this quarter",
                 "46 MQLs", "120 MQLs", "Train 5 team members", "note: two trained", "Draft the OKR proposal"):
        assert text in dom, text
    assert "On track" in dom or "At risk" in dom or "Off track" in dom


def test_the_report_renders_to_a_full_page_screenshot(chromium, report_file: Path, tmp_path: Path):
    screenshot = tmp_path / "report.png"
    result = run_chromium(chromium, tmp_path, "--window-size=1100,1400", f"--screenshot={screenshot}", report_file.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    header = screenshot.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert (width, height) == (1100, 1400)
    # A blank page compresses to almost nothing; a drawn report does not.
    assert screenshot.stat().st_size > 20_000
