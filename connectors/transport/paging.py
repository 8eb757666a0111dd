"""Paginators: where a listing's next page starts, read from the page before.

As with dlt's and the Singer SDK's paginators, a paginator only knows where the
next page starts; the client fetches it, with its own counting, rate limit and
errors. ``pages(fetch)`` calls ``fetch`` with each page's start and yields the
pages as they come, so a caller stops reading when it has what it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from connectors.errors import FatalSourceError

__all__ = ["CursorPaginator", "OffsetPaginator"]

Page = TypeVar("Page")
JsonPage = TypeVar("JsonPage", bound=Mapping[str, Any])


class CursorPaginator(Generic[JsonPage]):
    """A listing whose every page names the next one's cursor at ``path`` (HubSpot:
    ``("paging", "next", "after")``), absent or empty on the last page.

    A cursor seen before means the source sends the same pages round again, which
    would never end: that fails, as the Singer SDK's loop check does. A ``path`` that
    leads through something other than an object fails too, rather than reading the
    first page as the whole listing.
    """

    def __init__(self, source: str, what: str, path: Sequence[str]):
        self.source = source
        self.what = what
        self.path = tuple(path)

    def cursor(self, page: Mapping[str, Any]) -> str | None:
        """The next page's cursor in ``page``; ``None`` on the last page."""
        value: Any = page
        for key in self.path:
            if value is None:
                return None
            if not isinstance(value, Mapping):
                raise FatalSourceError(self.source, f"{self.what} answer's {'.'.join(self.path)} runs through a {type(value).__name__}, not an object")
            value = value.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, Mapping | list | bool):
            raise FatalSourceError(self.source, f"{self.what} answer's {'.'.join(self.path)} is a {type(value).__name__}, not a cursor")
        return str(value)

    def pages(self, fetch: Callable[[str | None], JsonPage]) -> Iterator[JsonPage]:
        """``fetch(None)``, then ``fetch(cursor)`` with each page's next cursor, until a page names none."""
        seen: set[str] = set()
        cursor: str | None = None
        while True:
            page = fetch(cursor)
            yield page
            cursor = self.cursor(page)
            if cursor is None:
                return
            if cursor in seen:
                raise FatalSourceError(self.source, f"{self.what} paging came back to cursor {cursor!r}; stopped instead of reading the same pages again")
            seen.add(cursor)


class OffsetPaginator(Generic[Page]):
    """A listing asked for by offset (GA4's ``runReport``): each page starts after the rows read
    so far, until ``total(page)`` rows are read or a page comes back empty (rows removed while
    the listing was read)."""

    def __init__(self, *, rows: Callable[[Page], int], total: Callable[[Page], int]):
        self.rows = rows
        self.total = total

    def pages(self, fetch: Callable[[int], Page]) -> Iterator[Page]:
        """``fetch(0)``, then ``fetch(offset)`` past the rows read, until every row is read."""
        offset = 0
        while True:
            page = fetch(offset)
            yield page
            read = self.rows(page)
            offset += read
            if read == 0 or offset >= self.total(page):
                return
