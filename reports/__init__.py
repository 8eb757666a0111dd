"""Status reports: Jinja2 templates and rendering. No network."""

from reports.render import render_report, write_report

__all__ = ["render_report", "write_report"]
