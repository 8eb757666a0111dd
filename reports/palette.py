"""The report's colours, in one place for the web stylesheet, the email's inline colours and
the trend PNGs. Every text/background pair passes WCAG AA (4.5:1) for small text."""

from __future__ import annotations

from dataclasses import dataclass

from okrmodel.progress import Status

__all__ = ["PALETTE", "STATUS_TONES", "TONES", "Palette", "Tone"]


@dataclass(frozen=True)
class Tone:
    text: str
    background: str
    fill: str
    """A bar's or a chart line's colour: drawn, never carrying text."""


TONES = {
    "good": Tone("#0e5e1a", "#e3f9e5", "#2f9e44"),
    "warn": Tone("#7a4f01", "#fff3c4", "#f0b429"),
    "bad": Tone("#8a1c1c", "#ffe3e3", "#e12d39"),
    "done": Tone("#0b4f8a", "#dceefb", "#2186eb"),
    "muted": Tone("#3e4c59", "#e4e7eb", "#9aa5b1"),
    "stale": Tone("#5b21b6", "#f3e8ff", "#a78bfa"),
}
STATUS_TONES = {
    Status.ON_TRACK: "good",
    Status.AT_RISK: "warn",
    Status.OFF_TRACK: "bad",
    Status.DONE: "done",
    Status.NO_DATA: "muted",
    Status.STALE: "stale",
}


@dataclass(frozen=True)
class Palette:
    tones: dict[str, Tone]
    ink: str
    muted_ink: str
    """Secondary text: 6.4:1 on white, 5.9:1 on the page background."""
    rule: str
    track: str
    pace: str
    """The expected-by-now mark on a bar."""
    series: str
    """A trend's actual line and forecast."""


PALETTE = Palette(TONES, ink="#1f2933", muted_ink="#52606d", rule="#d9e2ec", track="#e4e7eb", pace="#1f2933", series="#0b4f8a")
