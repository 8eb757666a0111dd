"""The metrics from tap-hubspot's records: what a user of a full-pull connector computes downstream.

``PeerMetrics`` reads the tap's singer messages one line at a time (nothing
is kept but the daily series) and computes the benchmark's CRM metrics the
way our connector defines them: contacts created or entering a stage on each
local day, contacts in a stage now, deals created or closed-won on each day,
counted or summed. The tap writes contacts as ``{"id", "property_<name>":
value}`` (v3) and deals as ``{"dealId", "property_<name>": {"value": ...}}``
(v1); datetimes come out as ISO-8601 (``2026-10-01T07:00:00.001000Z``), and
millisecond epochs are read too. ``where`` filters are equality or any-of,
compared case-insensitively as HubSpot's search compares strings.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from connectors.hubspot.config import ContactsCreated, ContactsEnteredStage, ContactsInStage, DealsClosedWon, DealsCreated
from okrmodel.config import MetricSettings, PropertyCondition

__all__ = ["PeerMetrics", "UnsupportedMetric"]

_STREAMS = {ContactsCreated: "contacts", ContactsEnteredStage: "contacts", ContactsInStage: "contacts", DealsCreated: "deals", DealsClosedWon: "deals"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
Record = Mapping[str, Any]


class UnsupportedMetric(ValueError):
    """A metric the peer's records cannot give (its kind has no stream, or a ``where`` condition)."""


class PeerMetrics:
    """Daily series of ``metrics`` over ``first_day..last_day`` (local days of ``zone``), snapshots on ``last_day``."""

    def __init__(self, metrics: Mapping[str, MetricSettings], zone: ZoneInfo, first_day: date, last_day: date):
        self.zone = zone
        self.days = [first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
        self.last_day = last_day
        self.records = {"contacts": 0, "deals": 0}
        self._series = {name: dict.fromkeys([last_day] if isinstance(spec, ContactsInStage) else self.days, 0.0) for name, spec in metrics.items()}
        self._rules: dict[str, list[tuple[str, Callable[[Record], tuple[date, float] | None]]]] = {"contacts": [], "deals": []}
        for name, spec in metrics.items():
            stream = _STREAMS.get(type(spec))
            if stream is None:
                raise UnsupportedMetric(f"{name}: kind {spec.kind} has no tap-hubspot stream")
            self._rules[stream].append((name, self._rule(name, spec)))

    def feed_line(self, line: str) -> None:
        """One line of the tap's stdout; messages other than records of contacts and deals are skipped."""
        if not line.startswith('{"type": "RECORD"'):
            return
        message = json.loads(line)
        self.feed(message["stream"], message["record"])

    def feed(self, stream: str, record: Record) -> None:
        rules = self._rules.get(stream)
        if rules is None:
            return
        self.records[stream] += 1
        for name, rule in rules:
            hit = rule(record)
            if hit is not None:
                day, amount = hit
                series = self._series[name]
                if day in series:
                    series[day] += amount

    def values(self) -> dict[str, dict[date, float]]:
        return {name: dict(series) for name, series in self._series.items()}

    def _rule(self, name: str, spec: MetricSettings) -> Callable[[Record], tuple[date, float] | None]:
        keep = _where(name, getattr(spec, "where", {}))
        match spec:
            case ContactsCreated():
                return self._dated(lambda record: _contact(record, "createdate"), keep, None, _contact)
            case ContactsEnteredStage():
                return self._dated(lambda record: _contact(record, f"hs_v2_date_entered_{spec.stage}"), keep, None, _contact)
            case ContactsInStage():
                stage = spec.stage.casefold()
                return lambda record: (self.last_day, 1.0) if _text(_contact(record, "lifecyclestage")) == stage and keep(record, _contact) else None
            case DealsCreated() | DealsClosedWon():
                deal_filters = {"pipeline": spec.pipeline, "dealstage": spec.dealstage}
                wanted = {key: value.casefold() for key, value in deal_filters.items() if value}

                def deal_keep(record: Record, read: Callable[[Record, str], Any]) -> bool:
                    return all(_text(read(record, key)) == value for key, value in wanted.items()) and keep(record, read)

                date_property = "createdate" if isinstance(spec, DealsCreated) else "closedate"
                return self._dated(lambda record: _deal(record, date_property), deal_keep, spec.sum, _deal)
        raise UnsupportedMetric(f"{name}: kind {spec.kind} is not computed from the peer's records")

    def _dated(self, stamp, keep, sum_property: str | None, read) -> Callable[[Record], tuple[date, float] | None]:
        def rule(record: Record) -> tuple[date, float] | None:
            moment = _moment(stamp(record))
            if moment is None or not keep(record, read):
                return None
            amount = 1.0 if sum_property is None else _number(read(record, sum_property))
            return moment.astimezone(self.zone).date(), amount

        return rule


def _contact(record: Record, name: str) -> Any:
    return record.get(f"property_{name}")


def _deal(record: Record, name: str) -> Any:
    value = record.get(f"property_{name}")
    return value.get("value") if isinstance(value, Mapping) else value


def _where(metric: str, where: Mapping[str, Any]) -> Callable[[Record, Callable[[Record, str], Any]], bool]:
    wanted: dict[str, set[str]] = {}
    for name, value in where.items():
        if isinstance(value, PropertyCondition):
            raise UnsupportedMetric(f"{metric}: where.{name} is a condition; the peer adapter compares values only")
        wanted[name] = {_text(item) for item in (value if isinstance(value, list) else [value])}
    return lambda record, read: all(_text(read(record, name)) in values for name, values in wanted.items())


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value).casefold()


def _moment(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    text = str(value)
    if text.isdigit():
        return _EPOCH + timedelta(milliseconds=int(text))
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: Any) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        return 0.0
