"""Nightly reconciliation: a metric's stored past days checked against its source, and corrected.

A night reads again only the days still in flux (``okrmodel.fetch_plan``), but
sources change older days too: HubSpot drops archived, deleted and merged
records from search and from ``total``, so a count stored for a past day
stays too high (pitfall 3). So each night, for every flow metric that adds up
over days and whose whole window was not read anyway, the stored days (with
the night's reading) are checked against the source over the whole window:

- by totals, where a total is much cheaper than a read (``spec.reconciled_by_total``,
  a HubSpot count): one ``read_total`` for the window, then halving down to the
  ranges that disagree (``okrmodel.reconciliation``), which are read again;
- otherwise by reading the whole window again: one call or none for GA4,
  Plausible, HubSpot's web analytics and emails, and a CSV; a page per 200
  records for a HubSpot amount sum, whose total needs those same pages.

What was read again is returned as corrections; saving them writes only the
days whose value changed, as new revisions, so history keeps what was stored
before. A failure is returned too, never raised: the night's reading is good
and stays stored. Plain functions, no Prefect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from connectors import Connector, MetricReading, SourceError
from okrmodel.config import MetricNature, MetricSettings
from okrmodel.periods import Window
from okrmodel.reconciliation import differing_ranges
from okrmodel.storage import Store

__all__ = ["Reconciliation", "needs_reconciliation", "reconcile", "reconcile_reading"]


@dataclass(frozen=True)
class Reconciliation:
    """What checking metric ``metric``'s stored days over ``window`` against its source found."""

    metric: str
    window: Window
    by_total: bool
    """Checked against window totals (then halved); else the whole window was read again."""
    api_calls: int
    reread: tuple[Window, ...] = ()
    """The ranges read again: those whose totals disagreed, or the whole window."""
    corrections: dict[date, float] = field(default_factory=dict)
    """The values read again; saving them stores only those that changed."""
    error: str | None = None

    @property
    def warning(self) -> str | None:
        """What the run records when the check failed (the night's reading is kept either way)."""
        if self.error is None:
            return None
        return f"past days ({self.window.first_day} to {self.window.last_day}) not checked against the source: {self.error}"


def needs_reconciliation(spec: MetricSettings, read: Window, whole: Window) -> bool:
    """Whether a night that read ``read`` of a metric whose window is ``whole`` must still check the
    rest: flow metrics that add up over days, unless the night read the whole window anyway."""
    return spec.nature is MetricNature.FLOW and spec.adds_up_over_days and not read.covers(whole)


def reconcile(connector: Connector, name: str, spec: MetricSettings, window: Window, as_of: date, stored: Mapping[date, float]) -> Reconciliation:
    """Check ``stored`` (metric ``name``'s current daily values over ``window``, a missing day
    counting 0) against the source, and read again the ranges that disagree."""
    calls = 0

    def source_total(part: Window) -> float:
        nonlocal calls
        total = connector.read_total(name, spec, part, as_of)
        calls += total.api_calls
        return total.value

    reread: list[Window] = []
    corrections: dict[date, float] = {}
    try:
        ranges = differing_ranges(window, stored, source_total) if spec.reconciled_by_total else [window]
        for part in ranges:
            reading = connector.read(name, spec, part, as_of)
            calls += reading.api_calls
            reread.append(part)
            corrections.update(reading.values)
    except Exception as error:  # the night's reading is stored already: a failed check must not cost it
        message = str(error) if isinstance(error, SourceError) else f"{type(error).__name__}: {error}"
        return Reconciliation(name, window, spec.reconciled_by_total, calls, tuple(reread), error=message)
    return Reconciliation(name, window, spec.reconciled_by_total, calls, tuple(reread), corrections)


def reconcile_reading(store: Store, connector: Connector, spec: MetricSettings, reading: MetricReading, window: Window, as_of: date) -> Reconciliation:
    """``reconcile`` over ``window`` against what is stored once ``reading`` (the night's) is saved."""
    stored = {value.day: value.value for value in store.daily_values(reading.metric, window.first_day, window.last_day)}
    stored |= {day: value for day, value in reading.values.items() if window.first_day <= day <= window.last_day}
    return reconcile(connector, reading.metric, spec, window, as_of, stored)
