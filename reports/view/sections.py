"""The report as the reader sees it: sections of plain, already formatted strings.

Every number here carries its unit and every label is final, so the three renderings
(web HTML, email HTML, plain text) only lay things out and never decide what a value
means. Each section has a ``kind``, the name of its partial template.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

__all__ = [
    "ActionView",
    "AttentionEntry",
    "AttentionSection",
    "Badge",
    "Bar",
    "BarCell",
    "BannerSection",
    "ChangeEntry",
    "ChangesSection",
    "Figure",
    "Footer",
    "Header",
    "HealthSection",
    "KeyResultView",
    "Notice",
    "ObjectiveView",
    "ObjectivesSection",
    "OwnerGroup",
    "OwnerItem",
    "OwnersSection",
    "ProblemView",
    "ReportView",
    "Section",
    "SourceView",
    "TrendChart",
]


@dataclass(frozen=True)
class Badge:
    """A status chip: its words and its tone (a key of ``reports.palette.TONES``)."""

    label: str
    tone: str


@dataclass(frozen=True)
class BarCell:
    """One stretch of a progress bar. The email draws it as a table cell ``pixels`` wide
    (Outlook drops empty sized divs), the web as a flex item ``percent`` wide."""

    part: str
    """``fill`` (progress, in the tone), ``track`` (the rest) or ``pace`` (the expected-by-now mark)."""
    tone: str
    pixels: int
    percent: float


@dataclass(frozen=True)
class Bar:
    label: str
    """The bar in words, for screen readers and the plain text: ``47% of target, 61% expected by now``."""
    cells: tuple[BarCell, ...]


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    hint: str | None = None


@dataclass(frozen=True)
class Notice:
    """A line a reader must not miss (``warning``: the number may be wrong) or should know (``info``)."""

    tone: str
    text: str


@dataclass(frozen=True)
class TrendChart:
    """A KR's trend in chart coordinates (origin top left), drawn as SVG on the web and as a PNG
    in the email; ``description`` is its text alternative."""

    title_id: str
    content_id: str
    """The email's ``cid:`` for this chart's PNG."""
    description: str
    caption: str
    width: int
    height: int
    actual: tuple[tuple[float, float], ...]
    pace: tuple[tuple[float, float], ...]
    forecast: tuple[tuple[float, float], ...]
    """From the last actual to the forecast point; empty without a forecast."""
    target_y: float | None
    target_label: str | None
    start_label: str
    end_label: str
    axis_y: float
    """The bottom of the plot, where the date axis runs."""
    legend: str = "Solid: actual; dashed: pace; dotted: forecast."

    @staticmethod
    def svg_points(points: tuple[tuple[float, float], ...]) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


@dataclass(frozen=True)
class KeyResultView:
    id: str
    anchor: str
    title: str
    owner: str | None
    badge: Badge
    flags: tuple[Badge, ...]
    """Beside the status: ``Forecast short``, ``Last known: On track``, a period-end score."""
    reason: str | None
    headline: str
    """``17 of 20 MQLs (70%)``: the one line a summary shows."""
    reading: tuple[Figure, ...]
    """Actual and target."""
    outlook: tuple[Figure, ...]
    """Expected by now (or the threshold to hold) and the forecast."""
    bar: Bar | None
    movement: tuple[str, ...]
    """``+12 deals in the last 7 days``, ``was At risk on 24 Nov``."""
    freshness: str
    notices: tuple[Notice, ...]
    trend: TrendChart | None
    checkins: tuple[str, ...]
    """A manual KR's check-ins, oldest first: ``12 Nov: 2 people``."""

    @property
    def figures(self) -> tuple[Figure, ...]:
        return self.reading + self.outlook


@dataclass(frozen=True)
class ActionView:
    title: str
    badge: Badge
    due: str | None
    owner: str | None


@dataclass(frozen=True)
class ObjectiveView:
    id: str
    anchor: str
    title: str
    owner: str | None
    badge: Badge
    progress: str
    bar: Bar | None
    basis: str | None
    """How its status follows from its KRs: ``its weakest key result is off track: ...``."""
    details: tuple[str, ...]
    key_results: tuple[KeyResultView, ...]
    actions: tuple[ActionView, ...]


@dataclass(frozen=True)
class Header:
    title: str
    period: str
    as_of: str
    elapsed: str
    """``67% of the quarter elapsed``: the pace every KR is held to, said as what it is."""
    counts: tuple[Badge, ...]
    closing: str | None
    report_url: str | None


@dataclass(frozen=True)
class BannerSection:
    kind: ClassVar[str] = "banner"
    text: str


@dataclass(frozen=True)
class AttentionEntry:
    title: str
    reason: str
    badge: Badge
    owner: str | None
    since: str | None
    link: str | None


@dataclass(frozen=True)
class AttentionSection:
    kind: ClassVar[str] = "attention"
    heading: ClassVar[str] = "Needs attention"
    items: tuple[AttentionEntry, ...]
    empty: str = "Nothing needs attention today"


@dataclass(frozen=True)
class ChangeEntry:
    title: str
    text: str
    badge: Badge
    link: str


@dataclass(frozen=True)
class ChangesSection:
    kind: ClassVar[str] = "changes"
    heading: str
    note: str | None
    """Why the lists are empty: a first report, or nothing moved."""
    status_changes: tuple[ChangeEntry, ...]
    movers: tuple[ChangeEntry, ...]


@dataclass(frozen=True)
class ObjectivesSection:
    kind: ClassVar[str] = "objectives"
    heading: ClassVar[str] = "Objectives"
    objectives: tuple[ObjectiveView, ...]


@dataclass(frozen=True)
class OwnerItem:
    category: str
    title: str
    badge: Badge
    detail: str
    link: str


@dataclass(frozen=True)
class OwnerGroup:
    owner: str
    summary: str
    items: tuple[OwnerItem, ...]


@dataclass(frozen=True)
class OwnersSection:
    kind: ClassVar[str] = "owners"
    heading: ClassVar[str] = "By owner"
    groups: tuple[OwnerGroup, ...]


@dataclass(frozen=True)
class ProblemView:
    metric: str
    message: str
    badge: Badge
    since: str | None


@dataclass(frozen=True)
class SourceView:
    name: str
    badge: Badge
    last_success: str
    problems: tuple[ProblemView, ...]


@dataclass(frozen=True)
class HealthSection:
    kind: ClassVar[str] = "health"
    heading: ClassVar[str] = "Data health"
    last_run: str
    sources: tuple[SourceView, ...]


Section = BannerSection | AttentionSection | ChangesSection | ObjectivesSection | OwnersSection | HealthSection


@dataclass(frozen=True)
class Footer:
    generated: str
    report_url: str | None
    method: str


@dataclass(frozen=True)
class ReportView:
    headline: str
    """``Acme Cloud OKRs, 1 Dec: 2 off track, 1 at risk``: the page title and the email's subject."""
    summary: str
    """``2 off track, 1 at risk`` or ``all on track``."""
    preheader: str
    """What an inbox previews before the message is opened: the top attention item."""
    header: Header
    sections: tuple[Section, ...]
    """In reading order: the data warning (when one), needs attention, changes, objectives, by owner, data health."""
    footer: Footer
