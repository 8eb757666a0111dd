"""Indexes that keep the sandbox fast on a million records: searches narrowed by a date range or
an enumeration value, lists by id.

A search answer is still computed by ``search.search_records`` over the
candidates returned here, so an index can only make it faster, never change
it: ``narrow`` also names the filters every candidate is known to pass
(parsed exactly as the search parses them), which the search then need not
evaluate again. Indexes are rebuilt when the record list changes length
(records appended between calls are found) or on ``invalidate`` (records
edited in place, such as archived ones). ``prepare`` builds indexes ahead of
the first search, so a benchmark's first query does not pay for them.
"""

from __future__ import annotations

import bisect
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.sandbox.search import parse_epoch_millis

__all__ = ["Narrowed", "RecordIndex"]

_MEMO_SIZE = 16
_LOWER = {"GTE": 0, "GT": 1, "EQ": 0}  # offset added to the bound (milliseconds)
_UPPER = {"LT": 0, "LTE": 1, "EQ": 1}
_VALUE_INDEXED_TYPES = frozenset({"enumeration", "string"})


@dataclass(frozen=True)
class Narrowed:
    """A superset of the records a search can match, and the positions (in its only filter
    group) of the filters every one of them passes."""

    records: Sequence[dict[str, Any]]
    passed: frozenset[int] = frozenset()


class RecordIndex:
    """Per record list: records sorted by id, and by each datetime property on demand."""

    def __init__(self, records: list[dict[str, Any]], property_types: Mapping[str, str]):
        self._records = records
        self._types = property_types
        self._lock = threading.Lock()
        self._size = -1
        self._by_id: dict[bool, list[dict[str, Any]]] = {}
        self._by_date: dict[str, tuple[list[int], list[dict[str, Any]]]] = {}
        self._by_value: dict[str, dict[str, list[dict[str, Any]]]] = {}
        self._matches: OrderedDict[str, list[Any]] = OrderedDict()

    def memo(self, key: str, compute: Callable[[], list[Any]]) -> list[Any]:
        """The ordered matches of the query ``key``, kept for the next pages of the same query."""
        with self._lock:
            self._refresh()
            if key in self._matches:
                self._matches.move_to_end(key)
                return self._matches[key]
        result = compute()
        with self._lock:
            self._matches[key] = result
            while len(self._matches) > _MEMO_SIZE:
                self._matches.popitem(last=False)
        return result

    def by_id(self, *, archived: bool = False) -> list[dict[str, Any]]:
        """Every live record (or, with ``archived``, every archived one), ascending by numeric id."""
        with self._lock:
            self._refresh()
            if archived not in self._by_id:
                chosen = [record for record in self._records if bool(record.get("archived")) == archived]
                self._by_id[archived] = sorted(chosen, key=lambda record: int(record["id"]))
            return self._by_id[archived]

    def invalidate(self) -> None:
        """Forget every index and memo: records were edited in place."""
        with self._lock:
            self._size = -1

    def candidates(self, request: Mapping[str, Any]) -> Sequence[dict[str, Any]]:
        """A superset of the records ``request`` can match (see ``narrow``)."""
        return self.narrow(request).records

    def narrow(self, request: Mapping[str, Any]) -> Narrowed:
        """With a single filter group: the records in the range of its first datetime property's
        bounds (every bound on it combined), else those holding the value of its first ``EQ`` or
        ``IN`` filter on an enumeration or string; every record otherwise."""
        groups = request.get("filterGroups") if isinstance(request, Mapping) else None
        if not isinstance(groups, list) or len(groups) != 1 or not isinstance(groups[0], Mapping):
            return Narrowed(self._records)
        filters = groups[0].get("filters")
        if not isinstance(filters, list):
            return Narrowed(self._records)
        return self._in_date_range(filters) or self._with_value(filters) or Narrowed(self._records)

    def prepare(self, names: Iterable[str]) -> None:
        """Build the indexes of properties ``names`` now rather than on first use: by date for
        datetimes, by value for enumerations and strings."""
        for name in names:
            kind = self._types.get(name, "string")
            if kind == "datetime":
                self._date_index(name)
            elif kind in _VALUE_INDEXED_TYPES:
                self._value_index(name)

    def _in_date_range(self, filters: list[Any]) -> Narrowed | None:
        bounds: dict[str, list[int | None]] = {}
        positions: dict[str, set[int]] = {}
        for position, spec in enumerate(filters):
            if not isinstance(spec, Mapping) or self._types.get(str(spec.get("propertyName"))) != "datetime":
                continue
            operator = spec.get("operator")
            if operator not in _LOWER and operator not in _UPPER:
                continue
            try:
                millis = parse_epoch_millis(spec.get("value"))
            except (TypeError, ValueError, AttributeError):
                return Narrowed(self._records)  # let the search answer the bad value
            bound = bounds.setdefault(spec["propertyName"], [None, None])
            positions.setdefault(spec["propertyName"], set()).add(position)
            if operator in _LOWER:
                low = millis + _LOWER[operator]
                bound[0] = low if bound[0] is None else max(bound[0], low)
            if operator in _UPPER:
                high = millis + _UPPER[operator]
                bound[1] = high if bound[1] is None else min(bound[1], high)
        if not bounds:
            return None
        name, (low, high) = next(iter(bounds.items()))
        stamps, records = self._date_index(name)
        first = 0 if low is None else bisect.bisect_left(stamps, low)
        last = len(stamps) if high is None else bisect.bisect_left(stamps, high)
        # Every record in the slice has a parsed stamp within all the bounds on this property.
        return Narrowed(records[first:last], frozenset(positions[name]))

    def _with_value(self, filters: list[Any]) -> Narrowed | None:
        for position, spec in enumerate(filters):
            if not isinstance(spec, Mapping) or self._types.get(str(spec.get("propertyName")), "string") not in _VALUE_INDEXED_TYPES:
                continue
            operator = spec.get("operator")
            if operator == "EQ" and spec.get("value") is not None:
                wanted = [spec["value"]]
            elif operator == "IN" and isinstance(spec.get("values"), list) and spec["values"]:
                wanted = spec["values"]
            else:
                continue
            by_value = self._value_index(spec["propertyName"])
            keys = dict.fromkeys(_value_key(value) for value in wanted)
            return Narrowed([record for key in keys for record in by_value.get(key, ())], frozenset({position}))
        return None

    def _value_index(self, name: str) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            self._refresh()
            if name not in self._by_value:
                index: dict[str, list[dict[str, Any]]] = {}
                for record in self._records:
                    value = record["properties"].get(name)
                    if value is not None and value != "":  # unset: fails EQ and IN alike
                        index.setdefault(_value_key(value), []).append(record)
                self._by_value[name] = index
            return self._by_value[name]

    def _date_index(self, name: str) -> tuple[list[int], list[dict[str, Any]]]:
        with self._lock:
            self._refresh()
            if name not in self._by_date:
                keyed = []
                for record in self._records:
                    value = record["properties"].get(name)
                    if value:
                        try:
                            keyed.append((parse_epoch_millis(value), record))
                        except ValueError:
                            continue
                keyed.sort(key=lambda pair: pair[0])
                self._by_date[name] = ([stamp for stamp, _ in keyed], [record for _, record in keyed])
            return self._by_date[name]

    def _refresh(self) -> None:
        if len(self._records) != self._size:
            self._size = len(self._records)
            self._by_id, self._by_date, self._by_value = {}, {}, {}
            self._matches.clear()


def _value_key(value: Any) -> str:
    # How the search compares strings and enumerations: case-insensitively, ints by their digits.
    return str(value).casefold()
