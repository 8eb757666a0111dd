"""One numeric column of a CSV as daily sums, every bad row reported with its line.

The file has a header row, a date column (``YYYY-MM-DD``) and numeric
columns. Rows of the same date add up. An empty cell is no value (not zero),
so a sheet whose dates run ahead of its numbers covers only the days up to
its last filled row. Days of the window the file has no row for are 0 when
the column's last filled date is on or after them; a window reaching past
that date fails, because a day the file has not reached yet is unknown, not
zero. Any bad row of the column fails the whole read, listing every bad row as
``file:line: column 'x': 'n/a' is not a number``: nothing is stored from a
file that is partly wrong.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from datetime import date

from okrmodel.periods import Window

__all__ = ["CsvProblem", "column_series"]

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


def column_series(text: str, *, name: str, date_column: str, column: str, window: Window) -> dict[date, float]:
    """Per day of ``window``: the sum of ``column`` over the rows dated that day; raise ``CsvProblem``."""
    reader = csv.reader(io.StringIO(text, newline=""))  # quoted cells may span lines
    header = [cell.strip() for cell in next(reader, [])]
    date_index = _column_index(header, date_column, name)
    value_index = _column_index(header, column, name)
    sums: dict[date, float] = {}
    problems: list[str] = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue  # blank lines, and rows a sheet pads with empty cells
        where = f"{name}:{reader.line_num}"
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


def _column_index(header: list[str], column: str, name: str) -> int:
    positions = [index for index, cell in enumerate(header) if cell == column]
    if len(positions) > 1:
        raise CsvProblem((f"{name}:1: column {column!r} appears {len(positions)} times in the header",))
    if not positions:
        close = difflib.get_close_matches(column, header, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise CsvProblem((f"{name}:1: no column {column!r}{hint}; the header has {', '.join(repr(cell) for cell in header) or 'no columns'}",))
    return positions[0]


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
