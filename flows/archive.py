"""The report archive: per company, ``YYYY-MM-DD.html`` for each as-of day, ``latest.html`` and
an ``index.html`` listing them, so leadership can go back a day and links never break.

Each company writes only under its own folder (named after the company), so two
configs in one folder can never overwrite each other's reports. ``index.json`` keeps
what the index lists and whose folder it is: a second company whose name makes the same
folder name (``ACME cloud`` beside ``Acme Cloud``, two names in another script) gets the
name plus a digest of its own.

``OKR_REPORTS_DIR`` moves the archive's root (``<dir>/<company>/``): a worker of a work pool runs
in a temporary clone of the configs repository, removed after each run, so its archive must be a
folder of the worker's that lasts (or a shared mount).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from okrmodel.briefing import ReportData
from okrmodel.config import Config
from okrmodel.progress import Status, worst_status
from reports.archive_index import ArchivedReport, render_archive_index

__all__ = ["REPORTS_DIR_ENV", "ArchivedDay", "archive_folder", "archived_day", "company_slug", "previous_report_day", "write_to_archive"]

REPORTS_DIR_ENV = "OKR_REPORTS_DIR"
"""Where every company's archive goes instead of ``.okr/reports/`` beside its config (relative: from the config's folder)."""
_DAY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.html$")
_STATUS_ORDER = (Status.OFF_TRACK, Status.AT_RISK, Status.STALE, Status.NO_DATA, Status.ON_TRACK, Status.DONE)


def company_slug(company: str) -> str:
    """``Acme Cloud GmbH`` -> ``acme-cloud-gmbh``: a folder name and a Prefect key."""
    ascii_name = unicodedata.normalize("NFKD", company).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "company"


def archive_folder(config: Config, environ: dict[str, str] | None = None) -> Path:
    """Where the company's reports are archived: ``.okr/reports/<company>/`` beside the config (or
    ``$OKR_REPORTS_DIR/<company>/``), unless that folder is another company's (see the module's docstring)."""
    root = (environ if environ is not None else os.environ).get(REPORTS_DIR_ENV)
    folder = config.base_dir / Path(root).expanduser() if root else config.base_dir / ".okr" / "reports"
    folder = folder / company_slug(config.company)
    owner = _read_index(folder).get("company")
    if owner is None or owner == config.company:
        return folder
    digest = hashlib.sha256(config.company.encode()).hexdigest()[:8]
    return folder.with_name(f"{folder.name}-{digest}")


def previous_report_day(folder: Path, as_of: date) -> date | None:
    """The newest archived day before ``as_of``: what the next report compares itself with."""
    days = [date.fromisoformat(match.group(1)) for path in folder.glob("*.html") if (match := _DAY_FILE.match(path.name))]
    earlier = [day for day in days if day < as_of]
    return max(earlier) if earlier else None


def write_to_archive(folder: Path, data: ReportData, html: str) -> Path:
    """Write the day's report, refresh ``latest.html`` when it is the newest day, and the index;
    returns the day's file."""
    folder.mkdir(parents=True, exist_ok=True)
    as_of = data.status.as_of
    day_file = folder / f"{as_of.isoformat()}.html"
    day_file.write_text(html, encoding="utf-8")
    entries = _read_index(folder).get("days", {})
    entries[as_of.isoformat()] = {"summary": _summary(data), "attention": len(data.attention), "overall": _overall(data).value}
    index = {"company": data.status.company, "days": entries}
    (folder / "index.json").write_text(json.dumps(index, indent=2, sort_keys=True), encoding="utf-8")
    if as_of.isoformat() == max(entries):
        (folder / "latest.html").write_text(html, encoding="utf-8")
    listed = [
        ArchivedReport(date.fromisoformat(day), f"{day}.html", entry["summary"], entry["attention"])
        for day, entry in entries.items()
        if (folder / f"{day}.html").exists()
    ]
    (folder / "index.html").write_text(render_archive_index(data.status.company, listed), encoding="utf-8")
    return day_file.resolve()


@dataclass(frozen=True)
class ArchivedDay:
    """What the archive's index knows of one day's report (the portfolio page lists it)."""

    path: Path
    summary: str
    attention: int
    overall: Status


def archived_day(folder: Path, as_of: date) -> ArchivedDay | None:
    """The archived report of ``as_of`` with its summary, or None when there is none."""
    entry = _read_index(folder).get("days", {}).get(as_of.isoformat())
    path = folder / f"{as_of.isoformat()}.html"
    if not isinstance(entry, dict) or not path.exists() or entry.get("overall") not in set(Status):
        return None  # reports archived before the index kept the overall status have none to show
    return ArchivedDay(path, str(entry.get("summary", "")), int(entry.get("attention", 0)), Status(entry["overall"]))


def _read_index(folder: Path) -> dict:
    try:
        index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return index if isinstance(index, dict) else {}


def _overall(data: ReportData) -> Status:
    """The company's status at a glance: its weakest top-level objective's."""
    return worst_status([objective.status for objective in data.status.objectives if objective.parent is None])


def _summary(data: ReportData) -> str:
    counts = data.status.status_counts()
    parts = [f"{counts[status]} {status.value.replace('_', ' ')}" for status in _STATUS_ORDER if counts[status]]
    return ", ".join(parts) or "no key results"
