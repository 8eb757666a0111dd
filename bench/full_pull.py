"""The lower bound of any full-pull connector: page every contact and deal, 100 a call.

``bench/hubspot_calls.py`` holds the in-script full pull (and its check that
its values equal our connector's). It runs here on an in-process sandbox
without limits, since only its calls matter: at HubSpot's limits those calls
take at least ``calls / 10`` seconds, which is the floor reported. Where
paging a portal is too long for the benchmark's budget, ``pages`` gives the
same count by arithmetic.
"""

from __future__ import annotations

import math
from typing import Any

from bench import hubspot_calls
from bench.scenario import ANCHOR, DAYS, TIMEZONE, contacts_per_day, floor_seconds

__all__ = ["LIST_PAGE_SIZE", "computed_full_pull", "measure_full_pull", "pages"]

LIST_PAGE_SIZE = 100


def pages(contacts: int, deals: int) -> int:
    """Calls to page ``contacts`` and ``deals`` through the list API, 100 a call."""
    return math.ceil(contacts / LIST_PAGE_SIZE) + math.ceil(deals / LIST_PAGE_SIZE)


def measure_full_pull(contacts: int) -> dict[str, Any]:
    """The in-script full pull on the benchmark's first portal (same seed), its calls checked
    against ``pages`` and its values against our connector's (the 9 metrics of ``hubspot_calls``)."""
    from connectors.sandbox import SandboxServer, generate_dataset

    dataset = generate_dataset(ANCHOR, timezone=TIMEZONE, days=DAYS, contacts_per_day=contacts_per_day(contacts))
    with SandboxServer(dataset) as server:
        naive, naive_values = hubspot_calls.run_full_pull(server, ANCHOR)
        ours, ours_values = hubspot_calls.run_ours(server, ANCHOR, hubspot_calls.QUARTER_START, "ours, whole quarter")
    return {
        "measured": True,
        "calls": naive.calls,
        "searches": naive.searches,
        "floor_seconds": floor_seconds(naive.searches, naive.calls),
        "pages_expected": pages(len(dataset.contacts), len(dataset.deals)),
        "values_equal_ours": ours_values == naive_values,
        "ours_calls_same_metrics": ours.calls,
    }


def computed_full_pull(contacts: int, deals: int) -> dict[str, Any]:
    """The full pull's calls by arithmetic, for a portal too large to page within the budget."""
    calls = pages(contacts, deals)
    return {"measured": False, "calls": calls, "searches": 0, "floor_seconds": floor_seconds(0, calls)}
