"""What a sync run publishes in Prefect's UI: a markdown artifact (each metric's outcome, then
what needs attention) and a link to the report, under stable keys per company, so the UI
shows the history of one company's runs side by side."""

from __future__ import annotations

import re

from flows.pipeline import SyncSummary
from okrmodel.briefing import ReportData

__all__ = ["artifact_key", "run_markdown", "summary_line"]

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>-])")


def artifact_key(kind: str, company_slug: str) -> str:
    """``okr-sync-acme-cloud``: Prefect keys take lowercase letters, digits and dashes only."""
    return f"okr-{kind}-{company_slug}"


def summary_line(summary: SyncSummary, data: ReportData | None) -> str:
    """The run in one line, for the flow run's final state message and logs."""
    succeeded = len(summary.metrics) - len(summary.failed)
    text = f"{succeeded} of {len(summary.metrics)} metrics synced, {summary.api_calls} API calls"
    if summary.warned:
        text += f", {len(summary.warned)} doubtful"
    if data is not None:
        text += f"; {len(data.attention)} item{'s' if len(data.attention) != 1 else ''} need attention"
    message = summary.run_message()
    return f"{text}; {message}" if message else text


def run_markdown(summary: SyncSummary, data: ReportData | None) -> str:
    """Each metric's outcome (days read, values added, API calls, error), then the attention list.
    Config text is escaped: a title is shown as written, never as markup."""
    lines = [f"### Sync as of {summary.as_of}: {summary.final_status()}", "", summary_line(summary, data), ""]
    lines += ["| metric | outcome | days read | values added | API calls | note |", "| --- | --- | ---: | ---: | ---: | --- |"]
    for outcome in summary.metrics:
        days = (outcome.last_day - outcome.first_day).days + 1 if outcome.first_day and outcome.last_day else 0
        note = _escape(outcome.error or "; ".join(outcome.warnings))
        lines.append(f"| {_escape(outcome.metric)} | {outcome.status} | {days} | {outcome.values_added} | {outcome.api_calls} | {note} |")
    if data is not None:
        lines += ["", "### Needs attention", ""]
        if not data.attention:
            lines.append("Nothing needs attention.")
        for item in data.attention:
            owner = f" ({_escape(item.owner)})" if item.owner else ""
            lines.append(f"- **{_escape(item.title)}**{owner}: {_escape(item.reason)}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    # Backslash-escape markdown syntax and entity-escape HTML, which Prefect's renderer would otherwise run.
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", escaped).replace("\n", " ")
