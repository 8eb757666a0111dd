"""A CSV's columns: the header checked, one numeric column as daily sums, every column profiled.

The file has a header row, a date column (``YYYY-MM-DD``) and numeric
columns. Rows of the same date add up. An empty cell is no value (not zero),
so a sheet whose dates run ahead of its numbers covers only the days up to
its last filled row. Days of the window the file has no row for are 0 when
the column's last filled date is on or after them; a window reaching past
that date fails, because a day the file has not reached yet is unknown, not
zero. Any bad row of the column fails the whole read, listing every bad row as
``file:line: column 'x': 'n/a' is not a number``: nothing is stored from a
file that is partly wrong.

Checking a mapping needs only the header (``header_of``, ``column_problem``:
a column absent, with the closest name, or there twice). The catalogue
profiles every column (``column_profiles``): whether all its filled cells are
numbers, and its last filled date, which is how far a read can reach.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from okrmodel.periods import Window

__all__ = ["ColumnProfile", "CsvProblem", "column_problem", "column_profiles", "column_series", "header_of"]

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SHOWN_PROBLEMS = 10


class CsvProblem(Exception):
    """Why a column could not be read: one line per located problem."""

    def __init__(self, lines: tuple[str, ...]):
        super().__init__(*lines)
        self.lines = lines

    def __str__(self) -> str:
        shown = list(self.lines[:_SHOWN_PROBLEMS])
        if len(self.lines) > _SHOWN_PROBLEMS:
            shown.append(f"... and {len(self.lines) - _SHOWN_PROBLEMS} more bad rows")
        return "; ".join(shown)


@dataclass(frozen=True)
class ColumnProfile:
    """One column as the catalogue shows it: ``numeric`` when it has filled cells and all are numbers."""

    column: str
    numeric: bool
    last_filled: date | None


def header_of(text: str) -> list[str]:
    """The header row's cells, stripped."""
    return _header_and_rows(text)[0]


def column_problem(header: list[str], column: str, *, name: str) -> str | None:
    """Why ``column`` cannot be read from file ``name`` with ``header`` (absent, or there twice); None when it is there once."""
    count = header.count(column)
    if count == 1:
        return None
    if count > 1:
        return f"column {column!r} appears {count} times in the header of {name}"
    by_folded = {cell.casefold(): cell for cell in header}
    close = difflib.get_close_matches(column.casefold(), list(by_folded), n=1)
    hint = f" (did you mean {by_folded[close[0]]!r}?)" if close else ""
    return f"{column!r} is not a column of {name}{hint}; its header has {', '.join(repr(cell) for cell in header) or 'no columns'}"


def column_series(text: str, *, name: str, date_column: str, column: str, window: Window) -> dict[date, float]:
    """Per day of ``window``: the sum of ``column`` over the rows dated that day; raise ``CsvProblem``."""
    header, rows = _header_and_rows(text)
    date_index = _column_index(header, date_column, name)
    value_index = _column_index(header, column, name)
    sums: dict[date, float] = {}
    problems: list[str] = []
    for line, row in rows:
        where = f"{name}:{line}"
        raw_day = _cell(row, date_index)
        raw_value = _cell(row, value_index)
        day = _parse_day(raw_day)
        if day is None:
            problems.append(f"{where}: column {date_column!r}: {raw_day!r} is not a date (YYYY-MM-DD)")
            continue
        if not raw_value:
            continue
        value = _parse_number(raw_value)
        if value is None:
            problems.append(f"{where}: column {column!r}: {raw_value!r} is not a number")
            continue
        sums[day] = sums.get(day, 0.0) + value
    if problems:
        raise CsvProblem(tuple(problems))
    last_day = max(sums, default=None)
    if last_day is None or last_day < window.last_day:
        reached = f"its last value of {column!r} is on {last_day}" if last_day else f"it has no value in column {column!r}"
        raise CsvProblem((f"{name}: the window runs to {window.last_day} but {reached}; add the missing days (0 where nothing happened)",))
    return {day: sums.get(day, 0.0) for day in window.days()}


def column_profiles(text: str, *, name: str, date_column: str) -> list[ColumnProfile]:
    """Every named column but the date column, in header order; rows whose date is not a date are left out
    (a read reports them)."""
    header, rows = _header_and_rows(text)
    date_index = _column_index(header, date_column, name)
    columns = [index for index, cell in enumerate(header) if cell and index != date_index]
    last_filled: dict[int, date] = {}
    not_numeric: set[int] = set()
    for _, row in rows:
        day = _parse_day(_cell(row, date_index))
        if day is None:
            continue
        for index in columns:
            raw = _cell(row, index)
            if not raw:
                continue
            last_filled[index] = max(day, last_filled.get(index, day))
            if _parse_number(raw) is None:
                not_numeric.add(index)
    return [ColumnProfile(header[index], index in last_filled and index not in not_numeric, last_filled.get(index)) for index in columns]


def _header_and_rows(text: str) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The stripped header, and the rows after it with their line; blank lines and rows a sheet pads with empty cells are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))  # quoted cells may span lines
    header = [cell.strip() for cell in next(reader, [])]

    def rows() -> Iterator[tuple[int, list[str]]]:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row

    return header, rows()


def _column_index(header: list[str], column: str, name: str) -> int:
    problem = column_problem(header, column, name=name)
    if problem is not None:
        raise CsvProblem((problem,))
    return header.index(column)


def _cell(row: list[str], index: int) -> str:
    # A short row (trailing empty cells cut off) has empty cells past its end.
    return row[index].strip() if index < len(row) else ""


def _parse_day(value: str) -> date | None:
    if not _ISO_DAY.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None  # 2026-02-30


def _parse_number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
