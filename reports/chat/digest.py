"""What a chat digest says, taken from the report's view model: the headline with the counts
by status, the data warning when a sync failed, what needs attention (KR, owner, reason),
what changed since the last report, and the link to the day's report. Plain strings, not
yet escaped: ``slack.py`` and ``teams.py`` escape them for their own markup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from okrmodel.briefing.model import ReportData
from reports.view import AttentionSection, BannerSection, ChangeEntry, ChangesSection, ReportView

__all__ = [
    "DIGEST_CHANGES",
    "DIGEST_ITEMS",
    "TONE_MARKS",
    "Digest",
    "DigestLine",
    "build_digest",
    "clip",
    "clip_escaped",
    "report_link",
    "safe_url",
]

DIGEST_ITEMS = 10
"""Attention items a digest lists before "and N more": a chat message is read at a glance."""
DIGEST_CHANGES = 5
"""Status changes a digest lists before "and N more" (the biggest movers are three at most)."""
TONE_MARKS = {"bad": "\U0001f534", "warn": "\U0001f7e0", "good": "\U0001f7e2", "done": "\u2705", "muted": "\u26aa", "stale": "\U0001f7e3"}
"""A status's tone as a coloured mark that Slack and Teams both show (the report's palette, in emoji)."""
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class DigestLine:
    """One attention item or change: the KR (or action, or metric), its status, the words."""

    title: str
    status: str
    """The badge's words: ``Off track``, ``Data problem``, ``Overdue``."""
    tone: str
    text: str
    """Why it needs attention, or how it changed."""
    owner: str | None = None
    since: str | None = None
    link: str | None = None
    """Where the report shows it (the day's report and the item's anchor); None without ``report_url``."""

    @property
    def mark(self) -> str:
        return TONE_MARKS.get(self.tone, TONE_MARKS["muted"])

    @property
    def byline(self) -> str | None:
        """``maria@acme.example · since 15 Nov 2026``."""
        parts = [part for part in (self.owner, self.since) if part]
        return " \u00b7 ".join(parts) or None


@dataclass(frozen=True)
class Digest:
    headline: str
    """``Acme Cloud OKRs, 1 Dec: 3 off track, 2 at risk, 1 stale``."""
    context: str
    """``As of 1 Dec 2026 (Europe/Berlin) · 67% of the quarter elapsed``."""
    counts: tuple[tuple[str, str], ...]
    """(label, tone) per status present, worst first: ``("3 off track", "bad")``."""
    closing: str | None
    banner: str | None
    """The data warning (a sync failed or missed metrics), else None."""
    attention: tuple[DigestLine, ...]
    """Every item, most urgent first; a rendering shows the first few."""
    nothing: str
    """What to say when nothing needs attention."""
    changes_heading: str
    changes_note: str | None
    status_changes: tuple[DigestLine, ...]
    movers: tuple[DigestLine, ...]
    report_link: str | None


def report_link(data: ReportData) -> str | None:
    """The day's page in the published archive (``report_url``), or None when it is not published."""
    return data.report_page


def build_digest(view: ReportView, link: str | None) -> Digest:
    attention = next(section for section in view.sections if isinstance(section, AttentionSection))
    changes = next(section for section in view.sections if isinstance(section, ChangesSection))
    banner = next((section.text for section in view.sections if isinstance(section, BannerSection)), None)
    header = view.header
    return Digest(
        headline=view.headline,
        context=f"{header.as_of} \u00b7 {header.elapsed}",
        counts=tuple((badge.label, badge.tone) for badge in header.counts),
        closing=header.closing,
        banner=banner,
        attention=tuple(
            DigestLine(item.title, item.badge.label, item.badge.tone, item.reason, item.owner, item.since, _anchored(link, item.link))
            for item in attention.items
        ),
        nothing=attention.empty,
        changes_heading=changes.heading,
        changes_note=changes.note,
        status_changes=tuple(_change(entry, link) for entry in changes.status_changes),
        movers=tuple(_change(entry, link) for entry in changes.movers),
        report_link=link,
    )


def _change(entry: ChangeEntry, link: str | None) -> DigestLine:
    return DigestLine(entry.title, entry.badge.label, entry.badge.tone, entry.text, link=_anchored(link, entry.link))


def _anchored(link: str | None, anchor: str | None) -> str | None:
    if link is None:
        return None
    return f"{link}{anchor}" if anchor and anchor.startswith("#") else link


def safe_url(url: str) -> str:
    """``url`` with every character that could end a link in Slack's ``<url|text>`` or in markdown's
    ``[text](url)`` percent-encoded (``|``, ``<``, ``>``, ``(``, ``)``, ``[``, ``]``, spaces), so a
    configured ``report_url`` can never close the link early; what was already encoded stays."""
    return quote(url, safe=":/?#@!$&'*+,;=%-._~")


def clip(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def clip_escaped(text: str, limit: int, escape: Callable[[str], str]) -> str:
    """``escape(text)``, or when that exceeds ``limit`` characters, the escape of the longest prefix
    of ``text`` that fits with an ellipsis: cut before escaping, so no escape is ever cut in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    low, high = 0, len(text)
    while low < high:  # the longest prefix whose escape and the ellipsis fit; escapes only grow with the prefix
        middle = (low + high + 1) // 2
        if len(escape(text[:middle].rstrip())) + len(ELLIPSIS) <= limit:
            low = middle
        else:
            high = middle - 1
    return escape(text[:low].rstrip()) + ELLIPSIS
