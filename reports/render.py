"""Render a StatusReport as one self-contained HTML file.

The stylesheet is inlined into ``style`` attributes, so the same file opens in
a browser and survives email clients that strip ``<style>`` blocks; there are
no external assets to fetch.
"""

from __future__ import annotations

from pathlib import Path

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from okrmodel.evaluation import StatusReport
from reports.formatting import bar_width, format_approximate, format_date, format_number, format_percent, format_status, format_value

__all__ = ["render_report", "write_html", "write_report"]

_environment = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.filters.update(
    approximate=format_approximate, bar_width=bar_width, number=format_number, value=format_value, percent=format_percent, status_label=format_status, day=format_date
)


def render_report(report: StatusReport) -> str:
    """The status report as HTML with inline styles."""
    html = _environment.get_template("report.html.j2").render(report=report)
    return css_inline.inline(html)


def write_report(report: StatusReport, path: Path) -> Path:
    """Render ``report`` to ``path`` (parents created); returns the absolute path."""
    return write_html(render_report(report), path)


def write_html(html: str, path: Path) -> Path:
    """Save rendered report HTML to ``path`` (parents created); returns the absolute path."""
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
