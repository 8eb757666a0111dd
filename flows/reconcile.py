"""Nightly reconciliation: a metric's stored past days checked against its source, and corrected.

A night reads again only the days still in flux (``okrmodel.fetch_plan``), but
sources change older days too: HubSpot drops archived, deleted and merged
records from search and from ``total``, so a count stored for a past day
stays too high (pitfall 3). So each night, for every flow metric that adds up
over days and whose whole window was not read anyway, the stored days (with
the night's reading) are checked against the source over the whole window:

- a count whose total is much cheaper than a read (``spec.reconciled_by_total``,
  a HubSpot count): window totals, in parts under the source's cap on exact
  totals, halved down to the ranges that disagree (``okrmodel.reconciliation``),
  which are read again;
- a sum over records (``spec.records_counted``, a HubSpot deal amount): the
  same by counting its records against the records stored with each day's
  sum, which finds records that came or went; and the days of the records
  modified since the last night that checked it (``records_modified_since``),
  which finds an edited amount. Both are a call or two on a quiet night,
  where reading the window again is a page per 200 records;
- otherwise by reading the whole window again: one call or none for GA4,
  Plausible, HubSpot's web analytics and emails, and a CSV (and for a sum the
  first time, before its records are stored).

What was read again is returned as corrections; saving them writes only the
days whose value changed, as new revisions, so history keeps what was stored
before. A failure is returned too, never raised: the night's reading is good
and stays stored. Plain functions, no Prefect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from connectors import Connector, MetricReading, SourceConfigurationError, SourceError
from okrmodel.config import MetricNature, MetricSettings
from okrmodel.periods import Window
from okrmodel.reconciliation import SourceTotal, differing_ranges
from okrmodel.storage import Store

__all__ = ["Reconciliation", "StoredDays", "needs_reconciliation", "reconcile", "reconcile_reading"]


NOT_CHECKED = "not checked against the source"

MODIFIED_MARGIN = timedelta(hours=1)
"""Edits are looked for since this long before the last check began: HubSpot's search index lags writes."""


@dataclass(frozen=True)
class StoredDays:
    """What is stored of a metric over its window (with the night's reading): each day's value (a
    missing day counts 0) and, for a sum over records, the record counts stored (a day missing from
    them has none yet); and when its last successful check began, if it had one."""

    values: Mapping[date, float]
    records: Mapping[date, float] | None = None
    last_checked: datetime | None = None


@dataclass(frozen=True)
class Reconciliation:
    """What checking metric ``metric``'s stored days over ``window`` against its source found."""

    metric: str
    window: Window
    by_total: bool
    """Checked against window totals (of the metric, or of its records' count); else the whole window was read again."""
    api_calls: int
    reread: tuple[Window, ...] = ()
    """The ranges read again: those whose totals disagreed or had edits, or the whole window."""
    corrections: dict[date, float] = field(default_factory=dict)
    """The values read again; saving them stores only those that changed."""
    record_corrections: dict[date, float] | None = None
    """For a sum over records, the record counts read with ``corrections``."""
    error: str | None = None

    @property
    def warning(self) -> str | None:
        """What the run records when the check failed (the night's reading is kept either way)."""
        if self.error is None:
            return None
        return f"past days ({self.window.first_day} to {self.window.last_day}) {NOT_CHECKED}: {self.error}"


def needs_reconciliation(spec: MetricSettings, read: Window, whole: Window) -> bool:
    """Whether a night that read ``read`` of a metric whose window is ``whole`` must still check the
    rest: flow metrics that add up over days, unless the night read the whole window anyway."""
    return spec.nature is MetricNature.FLOW and spec.adds_up_over_days and not read.covers(whole)


def reconcile(connector: Connector, name: str, spec: MetricSettings, window: Window, as_of: date, stored: StoredDays) -> Reconciliation:
    """Check ``stored`` (metric ``name``'s over ``window``) against the source, and read again the
    ranges that disagree (see the module's notes for how each kind of metric is checked)."""
    calls = 0

    def total_of(counted: MetricSettings) -> SourceTotal:
        def source_total(part: Window) -> float:
            nonlocal calls
            total = connector.read_total(name, counted, part, as_of)
            calls += total.api_calls
            return total.value

        return source_total

    def read(which: MetricSettings, part: Window) -> MetricReading:
        nonlocal calls
        reading = connector.read(name, which, part, as_of)
        calls += reading.api_calls
        return reading

    counted = spec.records_counted()
    # A sum is checked by counting only once every stored day has its count, and since a check it can look for edits from.
    records = stored.records if counted is not None and stored.last_checked is not None and _records_complete(stored) else None
    by_total = spec.reconciled_by_total or records is not None
    reread: list[Window] = []
    corrections: dict[date, float] = {}
    record_corrections: dict[date, float] | None = {} if counted is not None else None
    try:
        if spec.reconciled_by_total:
            ranges = differing_ranges(window, stored.values, total_of(spec), largest_total=spec.exact_total_limit)
        elif counted is not None and records is not None and stored.last_checked is not None:
            ranges = differing_ranges(window, records, total_of(counted), largest_total=counted.exact_total_limit)
            ranges = joined(ranges + _edited_days(spec, window, stored.last_checked - MODIFIED_MARGIN, read))
        else:
            ranges = [window]
        for part in ranges:
            reading = read(spec, part)
            reread.append(part)
            corrections.update(reading.values)
            if record_corrections is not None and reading.records is not None:
                record_corrections.update(reading.records)
    except Exception as error:  # the night's reading is stored already: a failed check must not cost it
        message = str(error) if isinstance(error, SourceError) else f"{type(error).__name__}: {error}"
        return Reconciliation(name, window, by_total, calls, tuple(reread), error=message)
    return Reconciliation(name, window, by_total, calls, tuple(reread), corrections, record_corrections)


def reconcile_reading(store: Store, connector: Connector, spec: MetricSettings, reading: MetricReading, window: Window, as_of: date) -> Reconciliation:
    """``reconcile`` over ``window`` against what is stored once ``reading`` (the night's) is saved."""
    in_window = {day for day in reading.values if window.first_day <= day <= window.last_day}
    current = store.daily_values(reading.metric, window.first_day, window.last_day)
    values = {value.day: value.value for value in current} | {day: reading.values[day] for day in in_window}
    records: dict[date, float] | None = None
    if spec.records_counted() is not None:  # whether every day has its count is ``reconcile``'s to judge
        records = {value.day: float(value.records) for value in current if value.records is not None and value.day not in in_window}
        records |= {day: reading.records[day] for day in in_window if reading.records and day in reading.records}
    stored = StoredDays(values, records, _last_checked(store, reading.metric))
    return reconcile(connector, reading.metric, spec, window, as_of, stored)


def joined(ranges: list[Window]) -> list[Window]:
    """``ranges`` oldest first, overlapping or adjacent ones joined into one."""
    result: list[Window] = []
    for part in sorted(ranges, key=lambda part: part.start):
        if result and result[-1].end >= part.start:
            result[-1] = result[-1].union(part)
        else:
            result.append(part)
    return result


def _last_checked(store: Store, metric: str) -> datetime | None:
    """When the newest night that read ``metric`` and checked its past days began (a first night
    reads the whole window, which checks it too)."""
    for fetch, run in store.fetch_history(metric):
        if fetch.status == "succeeded" and NOT_CHECKED not in (fetch.warning or ""):
            return run.started_at
    return None


def _records_complete(stored: StoredDays) -> bool:
    """Whether every stored day has its record count (days stored before counts were kept have none)."""
    return stored.records is not None and all(day in stored.records for day in stored.values)


def _edited_days(spec: MetricSettings, window: Window, since: datetime, read: Callable[[MetricSettings, Window], MetricReading]) -> list[Window]:
    """The days of ``window`` holding records of ``spec`` modified since ``since``, one range each;
    the whole window when the source cannot ask (a filter too many for one search)."""
    modified = spec.records_modified_since(since)
    if modified is None:
        return [window]
    try:
        days = read(modified, window).values
    except SourceConfigurationError:
        return [window]
    zone = window.start.tzinfo
    return [Window.from_days(day, day, zone) for day, count in sorted(days.items()) if count > 0]  # type: ignore[arg-type]
