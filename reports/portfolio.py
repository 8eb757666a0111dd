"""The portfolio page: every company of an agency on one page, worst first.

One row per company: its overall status, what needs attention, the status counts of its
key results, how its last sync went, and a link to its latest report. A company whose
config could not be read or whose sync failed before a report was written still has its
row, saying why, so a broken client never drops out of sight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from okrmodel.progress import Status
from okrmodel.status_rules import STATUS_LABELS
from reports.palette import PALETTE, STATUS_TONES

__all__ = ["PortfolioCompany", "portfolio_context", "render_portfolio"]

# Worst first: what needs someone today tops the page.
_ORDER = (Status.OFF_TRACK, Status.AT_RISK, Status.STALE, Status.NO_DATA, Status.ON_TRACK, Status.DONE)


@dataclass(frozen=True)
class PortfolioCompany:
    """One company's row. ``overall`` is None when no report could be made (see ``problem``)."""

    company: str
    config: str
    """The config file's name, so ops know which file to open."""
    as_of: date | None
    """The day its report is about (each company's own zone decides its day)."""
    overall: Status | None
    summary: str
    """``2 off track, 1 at risk, 6 on track``; empty without a report."""
    attention: int
    report_link: str | None
    """The latest report, relative to the portfolio page."""
    sync_status: str
    """succeeded, partial, failed, or the reason no sync ran (``config not valid``)."""
    problem: str | None = None
    """One line on what went wrong: the config error, the failed metrics."""

    @property
    def rank(self) -> tuple[int, str]:
        """No report first, then a sync that went wrong (its numbers are doubtful), then the worst status."""
        if self.overall is None:
            position = -2
        elif self.sync_status != "succeeded":
            position = -1
        else:
            position = _ORDER.index(self.overall)
        return position, self.company.casefold()


_environment = Environment(loader=PackageLoader("reports", "templates"), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_portfolio(companies: Sequence[PortfolioCompany], generated: str) -> str:
    """The portfolio page (self-contained HTML), broken and off-track companies first."""
    return _environment.get_template("portfolio.html.j2").render(**portfolio_context(companies, generated))


def portfolio_context(companies: Sequence[PortfolioCompany], generated: str) -> dict[str, Any]:
    """What ``partials/portfolio_table.html.j2`` shows (the page, and the console's overview)."""
    rows = sorted(companies, key=lambda company: company.rank)
    counts = {status: sum(1 for company in rows if company.overall is status) for status in _ORDER}
    return dict(
        companies=rows,
        days=sorted({company.as_of for company in rows if company.as_of is not None}),
        generated=generated,
        broken=sum(1 for company in rows if company.overall is None or company.sync_status != "succeeded"),
        counts=[(STATUS_LABELS[status], STATUS_TONES[status], counts[status]) for status in _ORDER if counts[status]]
        + ([("no report", "bad", unreported)] if (unreported := sum(1 for company in rows if company.overall is None)) else []),
        label=lambda status: STATUS_LABELS[status] if status is not None else "no report",
        tone=lambda status: PALETTE.tones[STATUS_TONES[status] if status is not None else "bad"],
        palette=PALETTE,
    )
