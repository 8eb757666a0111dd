"""Evaluation over a real (SQLite) store: actuals, overrides, roll-up, missing data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors import parse_config
from okrmodel.briefing import build_report_data
from okrmodel.evaluation import evaluate
from okrmodel.progress import Status
from okrmodel.storage import Store
from reports import render_report

CONFIG = parse_config(
    """
company: Acme <Cloud>
timezone: UTC
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
  pool: {source: hubspot, kind: contacts_in_stage, stage: lead}
objectives:
  - id: grow
    title: Improve funnel conversion rates
    owner: maria@acme.example
    key_results:
      - {id: monthly-mqls, title: MQLs this month, metric: mqls, window: month, target: 40}
      - {id: quarter-mqls, title: MQLs this quarter, metric: mqls, target: 100, owner: sam@acme.example}
      - {id: pool, title: "Lead pool <b>from</b> 100 to 200", metric: pool, baseline: 100, target: 200}
      - {id: training, title: Train 5 people, target: 5}
    actions:
      - {title: Build a funnel dashboard, due: 2026-11-30, status: in_progress}
"""
)
AS_OF = date(2026, 11, 15)


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as opened:
        yield opened


def fill(store: Store, metric: str, first: date, last: date, per_day: float) -> None:
    run = store.start_run(last)
    days = (last - first).days + 1
    store.save_observations(run, metric, "hubspot", {first + timedelta(days=n): per_day for n in range(days)})


def key_results(store: Store, as_of: date = AS_OF):
    report = evaluate(CONFIG, store, as_of)
    return report, {kr.id: kr for kr in report.objectives[0].key_results}


def test_actuals_progress_and_rollup(store):
    fill(store, "mqls", date(2026, 10, 1), AS_OF, 1)
    fill(store, "pool", date(2026, 11, 14), date(2026, 11, 14), 130)
    fill(store, "pool", date(2026, 11, 16), date(2026, 11, 16), 999)  # after as-of: ignored
    report, krs = key_results(store)
    assert report.expected == pytest.approx(46 / 92)
    assert (krs["monthly-mqls"].actual, krs["monthly-mqls"].progress) == (15, pytest.approx(15 / 40))
    assert (krs["quarter-mqls"].actual, krs["quarter-mqls"].progress) == (46, pytest.approx(0.46))
    assert krs["quarter-mqls"].owner == "sam@acme.example" and krs["monthly-mqls"].owner == "maria@acme.example"
    assert (krs["pool"].actual, krs["pool"].progress) == (130, pytest.approx(0.3))
    assert krs["quarter-mqls"].status is Status.ON_TRACK  # 0.46 >= 0.9 x 0.5
    assert krs["monthly-mqls"].status is Status.AT_RISK  # 0.375 >= 0.7 x 0.5
    assert krs["pool"].status is Status.OFF_TRACK
    assert krs["training"].status is Status.NO_DATA
    objective = report.objectives[0]
    assert objective.progress == pytest.approx((15 / 40 + 0.46 + 0.3 + 0) / 4)  # training has no data: counts as 0
    assert objective.status is Status.OFF_TRACK


def test_data_through_yesterday_is_current_and_measured_against_yesterdays_pace(store):
    fill(store, "mqls", date(2026, 10, 1), AS_OF - timedelta(days=1), 1)
    _, krs = key_results(store)
    quarter = krs["quarter-mqls"]
    assert (quarter.actual, quarter.window_last_day, quarter.stale) == (45, AS_OF - timedelta(days=1), False)
    assert quarter.expected == pytest.approx(45 / 92)


def test_a_gap_inside_the_window_is_stale_rather_than_a_low_sum(store):
    fill(store, "mqls", date(2026, 10, 1), date(2026, 10, 31), 1)
    fill(store, "mqls", date(2026, 11, 2), AS_OF, 1)  # 1 November never synced
    _, krs = key_results(store)
    assert (krs["quarter-mqls"].actual, krs["quarter-mqls"].status) == (None, Status.STALE)


def test_silence_is_never_green_old_data_is_stale_whatever_it_says(store):
    fill(store, "mqls", date(2026, 10, 1), AS_OF - timedelta(days=2), 5)  # far ahead of pace, but two days old
    _, krs = key_results(store)
    quarter = krs["quarter-mqls"]
    assert (quarter.status, quarter.stale, quarter.actual) == (Status.STALE, True, 220)
    assert quarter.newest_data_day == AS_OF - timedelta(days=2)


def test_nothing_ever_observed_is_no_data(store):
    _, krs = key_results(store)
    assert {kr.status for kr in krs.values()} == {Status.NO_DATA}


def test_checkin_overrides_only_until_the_next_synced_value(store):
    fill(store, "mqls", date(2026, 10, 1), AS_OF, 1)
    store.add_checkin("quarter-mqls", AS_OF, 60, "sam", "HubSpot misses the event leads")
    _, krs = key_results(store)
    assert (krs["quarter-mqls"].actual, krs["quarter-mqls"].source, krs["quarter-mqls"].note) == (60, "checkin:sam", "HubSpot misses the event leads")
    fill(store, "mqls", AS_OF, AS_OF, 2)  # a newer synced value
    _, krs = key_results(store)
    assert (krs["quarter-mqls"].actual, krs["quarter-mqls"].source) == (47, "hubspot:mqls")


def test_report_escapes_user_text_and_shows_every_part(store):
    fill(store, "mqls", date(2026, 10, 1), AS_OF, 1)
    html = render_report(build_report_data(CONFIG, store, AS_OF))
    assert "Acme &lt;Cloud&gt;" in html and "<b>from</b>" not in html
    for text in ("Improve funnel conversion rates", "MQLs this quarter", "Build a funnel dashboard", "On track", "No data", "46"):
        assert text in html, text
