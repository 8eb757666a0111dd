"""What a source offers to map, as tables people read and tools parse (``okr catalog``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["CatalogTable", "Catalogue"]


@dataclass(frozen=True)
class CatalogTable:
    """One list of mappable things: lifecycle stages, properties, pipelines, emails, metrics...

    ``rows`` are mappings over ``columns``; ``mapping`` says where a row's value goes in
    ``okrs.yaml`` (``stage: <id>``), so the table tells how to use it."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    mapping: str = ""

    def matching(self, text: str) -> CatalogTable:
        """Only the rows any of whose values contains ``text`` (case-insensitive)."""
        needle = text.casefold()
        return replace(self, rows=[row for row in self.rows if any(needle in _text(value).casefold() for value in row.values())])

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "title": self.title, "mapping": self.mapping, "columns": list(self.columns), "rows": self.rows}


@dataclass(frozen=True)
class Catalogue:
    """Everything one source offers, read live, and the API calls that took."""

    source: str
    type: str
    tables: list[CatalogTable] = field(default_factory=list)
    api_calls: int = 0

    def matching(self, text: str | None) -> Catalogue:
        """The tables' rows matching ``text`` (all of them when None); empty tables are dropped."""
        if not text:
            return self
        return replace(self, tables=[table for table in (table.matching(text) for table in self.tables) if table.rows])

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "type": self.type, "api_calls": self.api_calls, "tables": [table.to_json() for table in self.tables]}


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_text(item) for item in value)
    if isinstance(value, dict):
        return " ".join(_text(item) for item in value.values())
    return "" if value is None else str(value)
