"""The interface every source connector implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from okrmodel.config import MetricSpec
from okrmodel.periods import Window

__all__ = ["Connector", "MetricReading"]


@dataclass(frozen=True)
class MetricReading:
    """Values read for one metric: one per day of the window (zeros included) for
    flows, a single ``{as_of: value}`` for snapshots."""

    metric: str
    values: dict[date, float]
    api_calls: int


class Connector(Protocol):
    """Reads metrics from one source. Build once per run; not tied to Prefect."""

    def read(self, name: str, spec: MetricSpec, window: Window, as_of: date) -> MetricReading:
        """Read metric ``name`` over ``window``; raise a ``SourceError`` on failure."""
        ...

    def close(self) -> None: ...
