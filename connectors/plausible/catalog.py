"""What a Plausible site offers to map: the documented metrics and dimensions, and the site's top sources.

Metrics and dimensions are the same for every site (``vocabulary``), so
those tables cost nothing. Sources are the site's own: Plausible names them
as it recognises them (``Google``, ``Hacker News``, ``(Direct / None)``) and
the ``is`` filter matches them exactly, so the table lists the names of the
last 30 days by visitors, one v2 query grouped by ``visit:source``, for ops to
copy into ``where``.
"""

from __future__ import annotations

from connectors.catalog import CatalogTable, Catalogue
from connectors.errors import FatalSourceError
from connectors.plausible.client import PlausibleClient
from connectors.plausible.vocabulary import CUSTOM_PROPERTY_PREFIX, DIMENSIONS, METRICS

__all__ = ["TOP_SOURCES_SHOWN", "plausible_catalogue"]

TOP_SOURCES_SHOWN = 50
"""Sources listed; cut here rather than with ``pagination``, which older self-hosted instances refuse."""


def plausible_catalogue(client: PlausibleClient) -> Catalogue:
    """The site's catalogue, read with one query (the sources)."""
    metrics = CatalogTable(
        name="metrics",
        title="Metrics (visitors counts each visitor once per window; the others add up over days)",
        columns=("metric", "description"),
        rows=[{"metric": name, "description": description} for name, description in METRICS.items()],
        mapping="metric: <metric>",
    )
    dimensions = CatalogTable(
        name="dimensions",
        title=f"Filter dimensions (and {CUSTOM_PROPERTY_PREFIX}<name> for a custom property)",
        columns=("dimension", "example", "description"),
        rows=[{"dimension": name, "example": example, "description": description} for name, (example, description) in DIMENSIONS.items()],
        mapping="where: {<dimension>: <example>}",
    )
    return Catalogue(source=client.source_name, type=client.source.type, tables=[metrics, dimensions, _top_sources(client)], api_calls=1)


def _top_sources(client: PlausibleClient) -> CatalogTable:
    rows = client.query({"metrics": ["visitors"], "date_range": "30d", "dimensions": ["visit:source"]})
    sources = []
    for row in rows[:TOP_SOURCES_SHOWN]:
        if not row.dimensions or not row.metrics:
            raise FatalSourceError(client.source_name, f"sources query row without a source and its visitors: {row!r}")
        sources.append({"source": str(row.dimensions[0]), "visitors": row.metrics[0]})
    return CatalogTable(
        name="sources",
        title=f"Top sources of the last 30 days, by visitors (at most {TOP_SOURCES_SHOWN})",
        columns=("source", "visitors"),
        rows=sources,
        mapping='where: {"visit:source": <source>}',
    )
