"""The archive's ``index.html``: every archived day of one company with its overall status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from jinja2 import Environment, StrictUndefined

__all__ = ["ArchivedReport", "render_archive_index"]


@dataclass(frozen=True)
class ArchivedReport:
    """One archived report: its day, its file (relative to the index) and its status counts."""

    day: date
    file: str
    summary: str
    """``2 off track, 1 at risk, 6 on track``."""
    attention: int


_TEMPLATE = Environment(autoescape=True, undefined=StrictUndefined).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ company }}: OKR reports</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2937; margin: 0; padding: 24px; max-width: 720px; }
h1 { font-size: 1.4rem; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 8px 6px; border-bottom: 1px solid #d1d5db; vertical-align: top; }
th { font-size: .85rem; color: #374151; }
a { color: #1d4ed8; }
</style></head>
<body><main>
<h1>{{ company }}: OKR reports</h1>
<p><a href="latest.html">Latest report</a></p>
<table>
<thead><tr><th scope="col">As of</th><th scope="col">Status</th><th scope="col">Needs attention</th></tr></thead>
<tbody>
{% for entry in entries %}<tr><td><a href="{{ entry.file }}">{{ entry.day.isoformat() }}</a></td><td>{{ entry.summary }}</td><td>{{ entry.attention }}</td></tr>
{% endfor %}</tbody>
</table>
</main></body></html>
"""
)


def render_archive_index(company: str, entries: Sequence[ArchivedReport]) -> str:
    """The index page, newest report first."""
    return _TEMPLATE.render(company=company, entries=sorted(entries, key=lambda entry: entry.day, reverse=True))
