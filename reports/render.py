"""Render the report's view model as the web page, the email's HTML and plain text.

All three come from one ``ReportView`` (``reports.view``), so they always say the same
thing. The HTML's stylesheet is inlined into ``style`` attributes (css-inline) so the page
is one self-contained file and mail clients that strip ``<style>`` keep the look; the
media queries stay in a ``<style>`` block for the clients and browsers that honour them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined

from okrmodel.briefing.model import ReportData
from reports.palette import PALETTE
from reports.view import ReportView, build_view

if TYPE_CHECKING:
    from reports.alerts import AlertView
    from reports.reminders import OwnerMessageView

__all__ = [
    "alert_html",
    "alert_text",
    "email_html",
    "owner_message_html",
    "owner_message_text",
    "plain_text",
    "render_report",
    "render_text",
    "web_html",
    "write_html",
]

_environment = Environment(
    loader=PackageLoader("reports", "templates"),
    # Every HTML template escapes what it prints (titles come from okrs.yaml); the text part is not HTML.
    autoescape=lambda name: name is None or not name.endswith(".txt.j2"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.globals["palette"] = PALETTE
_inliner = css_inline.CSSInliner(keep_at_rules=True)


def render_report(data: ReportData) -> str:
    """The report as a self-contained web page."""
    return web_html(build_view(data))


def render_text(data: ReportData) -> str:
    """The report as plain text: the email's text part, and whatever shows no HTML."""
    return plain_text(build_view(data))


def web_html(view: ReportView) -> str:
    return _inliner.inline(_environment.get_template("web.html.j2").render(view=view))


def email_html(view: ReportView, detailed: frozenset[str]) -> str:
    """The email's HTML: tables, cell-drawn bars and ``cid:`` trend images for the KRs in
    ``detailed`` (their ids; see ``reports.email``), one compact line for the others."""
    return _inliner.inline(_environment.get_template("email.html.j2").render(view=view, detailed=detailed))


def plain_text(view: ReportView) -> str:
    return _tidy(_environment.get_template("text.txt.j2").render(view=view))


def alert_html(view: AlertView) -> str:
    """An alert to ops as email HTML, styled and inlined like the report's email."""
    return _inliner.inline(_environment.get_template("alert.html.j2").render(view=view))


def alert_text(view: AlertView) -> str:
    return _tidy(_environment.get_template("alert.txt.j2").render(view=view))


def owner_message_html(view: OwnerMessageView) -> str:
    """An owner's reminder or escalation as email HTML, styled and inlined like the report's email."""
    return _inliner.inline(_environment.get_template("owner_message.html.j2").render(view=view))


def owner_message_text(view: OwnerMessageView) -> str:
    return _tidy(_environment.get_template("owner_message.txt.j2").render(view=view))


def _tidy(text: str) -> str:
    # Sections end with or without a newline depending on their last tag; one blank line parts them.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def write_html(html: str, path: Path) -> Path:
    """Save rendered report HTML to ``path`` (parents created); returns the absolute path."""
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
