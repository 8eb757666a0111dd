"""Our stored values against the peer's, metric by metric and day by day."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from okrmodel.storage import Store

__all__ = ["compare_values", "stored_values"]


def stored_values(database: Path, metrics: Iterable[str], first_day: date, last_day: date) -> dict[str, dict[date, float]]:
    """The current value of each stored day of ``metrics`` in ``first_day..last_day``."""
    with Store(f"sqlite:///{database}") as store:
        return {name: {row.day: row.value for row in store.daily_values(name, first_day, last_day)} for name in metrics}


def compare_values(ours: Mapping[str, Mapping[date, float]], peer: Mapping[str, Mapping[date, float]]) -> dict[str, Any]:
    """Per metric: ``equal``, or how many of the peer's days differ (and the first of them).
    Ours must have every day the peer has; extra stored days of ours (a snapshot's earlier
    nights) are not compared."""
    verdicts: dict[str, str] = {}
    for name, theirs in peer.items():
        mine = ours.get(name, {})
        differing = sorted(day for day, value in theirs.items() if mine.get(day) != value)
        if differing:
            first = differing[0]
            verdicts[name] = f"differs on {len(differing)} of {len(theirs)} days (first {first}: ours {mine.get(first)}, peer {theirs[first]})"
        else:
            verdicts[name] = "equal"
    return {"equal": all(verdict == "equal" for verdict in verdicts.values()), "metrics": verdicts}
