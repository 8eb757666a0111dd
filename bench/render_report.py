"""How long the report takes to render: the web page, the email (HTML and its trend PNGs)
and the plain text, for 50 and 500 KRs with 90 days of data each; min, median and max of 5 runs.

    .venv/bin/python -m bench.render_report

The data is built once per size through the real path (config, SQLite store,
``build_report_data``); only the rendering is timed, by the standard library's
``timeit`` (one call per run, the garbage collector on as in production).
``make bench`` takes ``measure_rendering``'s figures into ``results.json``.
"""

from __future__ import annotations

import tempfile
import timeit
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.measure import Spread, spread
from connectors import parse_config
from okrmodel.briefing import ReportData, build_report_data
from okrmodel.config import EmailSettings
from okrmodel.storage import Store
from reports import build_status_email, render_report, render_text

AS_OF = date(2026, 12, 29)  # day 90 of Q4
FIRST_DAY = date(2026, 10, 1)
SIZES = (50, 500)
RUNS = 5
KEY_RESULTS_PER_OBJECTIVE = 5
SETTINGS = EmailSettings(smtp_host="mail.invalid", sender="reports@acme.example", recipients=["ceo@acme.example"])


def config_text(key_results: int) -> str:
    lines = ["company: Bench Co", "timezone: UTC", "period: 2026-Q4", "sources: {hubspot: {type: hubspot}}", "metrics:"]
    lines += [f"  m{n}: {{source: hubspot, kind: contacts_created}}" for n in range(key_results)]
    lines.append("objectives:")
    for objective in range(key_results // KEY_RESULTS_PER_OBJECTIVE):
        lines += [f"  - id: o{objective}", f"    title: Objective {objective}", f"    owner: owner{objective % 7}@bench.example", "    key_results:"]
        for offset in range(KEY_RESULTS_PER_OBJECTIVE):
            n = objective * KEY_RESULTS_PER_OBJECTIVE + offset
            lines.append(f"      - {{id: k{n}, title: Add {100 + n} contacts, metric: m{n}, target: {100 + n}, unit: contacts}}")
    return "\n".join(lines) + "\n"


def report_data(key_results: int, folder: Path) -> ReportData:
    config = parse_config(config_text(key_results))
    with Store(f"sqlite:///{folder / f'bench-{key_results}.db'}") as store:
        run = store.start_run(AS_OF)
        days = [FIRST_DAY + timedelta(days=offset) for offset in range((AS_OF - FIRST_DAY).days + 1)]
        for n in range(key_results):
            # Some ahead of pace, some behind, so every section has something to show.
            rate = (0.6 + (n % 9) * 0.1) * (100 + n) / 92
            store.save_observations(run, f"m{n}", "hubspot", {day: float(round(rate + (index % 3) - 1)) for index, day in enumerate(days)})
            store.record_fetch(run, f"m{n}", "hubspot", status="succeeded", first_day=FIRST_DAY, last_day=AS_OF)
        store.finish_run(run, "succeeded")
        return build_report_data(config, store, AS_OF, compare_to=AS_OF - timedelta(days=7))


def seconds(render: Callable[[], object], runs: int) -> Spread:
    """The spread of ``runs`` timings of one ``render()`` each."""
    return spread(timeit.repeat(render, setup="gc.enable()", repeat=runs, number=1))


def measure_rendering(sizes: Sequence[int] = SIZES, runs: int = RUNS) -> dict[str, Any]:
    """Per size: the three renderings' spreads over ``runs`` and the rendered sizes in bytes."""
    figures: dict[str, Any] = {"runs": runs, "days_of_data": (AS_OF - FIRST_DAY).days + 1, "sizes": {}}
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            data = report_data(size, Path(folder))
            figures["sizes"][str(size)] = {
                "web_seconds": seconds(lambda: render_report(data), runs),  # noqa: B023 (timed within this iteration)
                "email_seconds": seconds(lambda: build_status_email(data, SETTINGS), runs),  # noqa: B023
                "text_seconds": seconds(lambda: render_text(data), runs),  # noqa: B023
                "web_bytes": len(render_report(data).encode()),
                "email_bytes": len(build_status_email(data, SETTINGS).as_bytes()),
            }
    return figures


def main() -> None:
    figures = measure_rendering()
    print(f"Report rendering, median of {figures['runs']} runs ({figures['days_of_data']} days of data per KR)")
    print(f"{'KRs':>5}  {'web':>8}  {'email':>8}  {'text':>8}  {'web size':>10}  {'email size':>10}")
    for size, row in figures["sizes"].items():
        web, email, text = (row[f"{kind}_seconds"]["median"] for kind in ("web", "email", "text"))
        print(f"{size:>5}  {web:>7.2f}s  {email:>7.2f}s  {text:>7.2f}s  {row['web_bytes'] / 1e6:>8.2f}MB  {row['email_bytes'] / 1e6:>8.2f}MB")


if __name__ == "__main__":
    main()
