"""Web traffic over a whole window from HubSpot's ``total`` analytics report, against the sandbox.

Visitors are people: HubSpot counts one once per report range, so a window's
visitors are fewer than its days' visitors whenever some come back. The
sandbox models that with returning visitors; the expected figures are counted
here person by person from its records (each day's first-time visitors, plus
those who came back from before the window), sharing no code with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors import parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import SandboxServer, generate_dataset
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
AS_OF = date(2026, 11, 27)
WINDOWS = {
    "day": Window.from_days(date(2026, 11, 2), date(2026, 11, 2), ZONE),
    "month": Window.from_days(date(2026, 11, 1), AS_OF, ZONE),
    "quarter": Window.from_days(date(2026, 10, 1), AS_OF, ZONE),
}
METRICS = parse_config(
    """
company: Acme
timezone: America/New_York
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  visitors: {source: hubspot, kind: web_sessions, measure: visitors}
  search_visitors: {source: hubspot, kind: web_sessions, measure: visitors, sources: [organic, Paid]}
  sessions: {source: hubspot, kind: web_sessions}
"""
).metrics


@pytest.fixture(scope="module")
def dataset():
    return generate_dataset(AS_OF, timezone="America/New_York", days=120)


@pytest.fixture(scope="module")
def server(dataset):
    with SandboxServer(dataset) as running:
        yield running


def connect(server: SandboxServer) -> HubSpotConnector:
    return HubSpotConnector("hubspot", HubSpotSource(type="hubspot", base_url=server.base_url), token=SecretStr(server.token))


def people(dataset, window: Window, sources: set[str] | None) -> int:
    """Distinct visitors of ``window``: each day's first-timers, and those back from a visit before it."""
    count = 0
    for day in window.days():
        for source, row in dataset.traffic.get(day, {}).items():
            if sources is not None and source not in sources:
                continue
            back = dataset.returning.get(day, {}).get(source, {})
            count += row["visitors"] - sum(back.values())  # first visits
            count += sum(number for gap, number in back.items() if day - timedelta(days=gap) < window.first_day)
    return count


def day_sum(dataset, window: Window, field: str, sources: set[str] | None) -> int:
    return sum(row[field] for day in window.days() for source, row in dataset.traffic.get(day, {}).items() if sources is None or source in sources)


@pytest.mark.parametrize("window_name", WINDOWS)
@pytest.mark.parametrize(("metric", "sources"), [("visitors", None), ("search_visitors", {"organic", "paid"})])
def test_visitors_over_a_window_count_each_person_once(server, dataset, metric, sources, window_name):
    window = WINDOWS[window_name]
    server.reset_calls()
    total = connect(server).read_total(metric, METRICS[metric], window, AS_OF)
    assert total.value == people(dataset, window, sources)
    breakdown = "sources" if sources else "totals"
    assert server.calls == [("GET", f"/analytics/v2/reports/{breakdown}/total")]
    assert total.api_calls == 1
    if window_name == "day":
        assert total.value == day_sum(dataset, window, "visitors", sources)  # one day: nobody can come back within it
    else:
        assert total.value < day_sum(dataset, window, "visitors", sources), "returning visitors must make the window's figure smaller"


def test_visits_over_a_window_are_the_sum_of_its_days(server, dataset):
    window = WINDOWS["quarter"]
    assert connect(server).read_total("sessions", METRICS["sessions"], window, AS_OF).value == day_sum(dataset, window, "visits", None)
    assert METRICS["sessions"].adds_up_over_days and not METRICS["visitors"].adds_up_over_days
