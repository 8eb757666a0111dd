"""A company's report as of now, computed from its store on each request (as ``okr report`` does)."""

from __future__ import annotations

from datetime import date, datetime

from console.companies import Company
from flows.archive import archive_folder, previous_report_day
from okrmodel.briefing import ReportData, build_report_data
from okrmodel.progress import Status, worst_status

__all__ = ["live_report", "overall_status", "today_of"]


def today_of(company: Company, now: datetime) -> date:
    """The company's day at ``now``: its own zone decides when a day ends."""
    return now.astimezone(company.config.zone).date()


def live_report(company: Company, now: datetime) -> ReportData:
    """The report as of the company's today, its changes against the newest archived report before it."""
    day = today_of(company, now)
    return build_report_data(company.config, company.store, day, compare_to=previous_report_day(archive_folder(company.config), day))


def overall_status(data: ReportData) -> Status:
    """The company's status at a glance: its weakest top-level objective's (as the portfolio page reads it)."""
    return worst_status([objective.status for objective in data.status.objectives if objective.parent is None])
