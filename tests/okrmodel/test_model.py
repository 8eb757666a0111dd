"""The OKR model end to end over a real Store: directions, aggregation, weights,
alignment, periods, pace, forecast, score, staleness, overrides, history, closing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors import parse_config
from okrmodel.aggregation import DAYS_PER_MONTH
from okrmodel.briefing import build_report_data
from okrmodel.closing import PeriodNotOver, close_period
from okrmodel.evaluation import evaluate
from okrmodel.history import key_result_history
from okrmodel.progress import Direction, Status
from okrmodel.status_json import report_json
from okrmodel.storage import Store
from reports import render_report

Q4_START, Q4_END = date(2026, 10, 1), date(2026, 12, 31)
AS_OF = date(2026, 11, 15)  # day 46 of 92: expected 0.5

HEADER = """
company: Acme
timezone: UTC
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
  contacts: {source: hubspot, kind: contacts_created}
  pool: {source: hubspot, kind: contacts_in_stage, stage: lead}
  weekly: {source: hubspot, kind: deals_created, freshness_days: 7}
"""


def config(objectives: str, header: str = HEADER):
    return parse_config(header + "objectives:\n" + objectives)


@pytest.fixture
def store(database_url):
    with Store(database_url) as opened:
        yield opened


def fill(store: Store, metric: str, first: date, last: date, per_day: float | None = None, values: dict | None = None) -> str:
    run = store.start_run(last)
    if values is None:
        values = {first + timedelta(days=n): per_day for n in range((last - first).days + 1)}
    store.save_observations(run, metric, "hubspot", values)
    return run


def krs_of(report):
    return {kr.id: kr for objective in report.objectives for kr in objective.key_results}


# --- directions and aggregation -----------------------------------------------


def test_decrease_threshold_and_milestone_key_results(store):
    cfg = config("""
  - id: o
    title: Improve the sales pipeline
    key_results:
      - {id: shrink, title: Cut the stale lead pool from 200 to 100, metric: pool, baseline: 200, target: 100}
      - {id: floor, title: Keep at least 150 leads in the pool, metric: pool, direction: stay_above, target: 150}
      - {id: ceiling, title: Keep the pool below 120, metric: pool, direction: stay_below, target: 120}
      - {id: launch, title: Ship the pricing page, direction: milestone}
""")
    fill(store, "pool", AS_OF, AS_OF, 160)
    store.add_checkin("launch", AS_OF, 0, "lee")
    krs = krs_of(evaluate(cfg, store, AS_OF))
    assert (krs["shrink"].direction, krs["shrink"].progress, krs["shrink"].status) == (Direction.DECREASE, pytest.approx(0.4), Status.AT_RISK)
    assert (krs["floor"].progress, krs["floor"].status) == (1.0, Status.ON_TRACK)  # holds; done only when it held to the end
    assert (krs["ceiling"].progress, krs["ceiling"].status) == (0.0, Status.OFF_TRACK)
    assert (krs["launch"].target, krs["launch"].status) == (1.0, Status.ON_TRACK)  # not done, time left
    store.add_checkin("launch", AS_OF, 1, "lee", "live")
    assert krs_of(evaluate(cfg, store, AS_OF))["launch"].status is Status.DONE
    fill(store, "pool", Q4_END, Q4_END, 155)
    at_end = krs_of(evaluate(cfg, store, Q4_END))
    assert at_end["floor"].status is Status.DONE and at_end["shrink"].status is Status.OFF_TRACK


def test_sum_latest_and_average_aggregations(store):
    cfg = config("""
  - id: o
    title: Increase website traffic
    key_results:
      - {id: total, title: Add 100 contacts, metric: contacts, target: 100}
      - {id: per-month, title: Average 60 new contacts a month, metric: contacts, aggregation: average, average_per: month, target: 60}
      - {id: per-day, title: Average 2 new contacts a day, metric: contacts, aggregation: average, target: 2}
      - {id: pool-avg, title: Hold 150 leads on average, metric: pool, aggregation: average, target: 150}
      - {id: pool-now, title: Grow the pool to 150, metric: pool, target: 150}
""")
    fill(store, "contacts", Q4_START, AS_OF, 2)
    fill(store, "pool", Q4_START, Q4_START, 100)
    fill(store, "pool", AS_OF, AS_OF, 140)
    krs = krs_of(evaluate(cfg, store, AS_OF))
    assert krs["total"].actual == 92
    assert krs["per-month"].actual == pytest.approx(2 * DAYS_PER_MONTH)
    assert krs["per-day"].actual == pytest.approx(2)
    assert krs["pool-avg"].actual == pytest.approx(120)  # mean of the snapshots taken
    assert krs["pool-now"].actual == 140


# --- weights, override, alignment, thresholds -----------------------------------


def test_weights_status_override_and_parent_roll_up(store):
    cfg = config("""
  - id: company
    title: Improve the sales pipeline
    weight: 2
    key_results:
      - {id: big, title: Add 92 contacts, metric: contacts, target: 92, weight: 3}
      - {id: small, title: Add 100 contacts, metric: contacts, target: 100}
  - id: team
    title: Increase website traffic
    parent: company
    status: at_risk
    key_results:
      - {id: team-kr, title: Add 46 contacts, metric: contacts, target: 46}
""")
    fill(store, "contacts", Q4_START, AS_OF, 1)  # 46 so far
    report = evaluate(cfg, store, AS_OF)
    company, team = report.objectives
    assert company.progress == pytest.approx((3 * 0.5 + 1 * 0.46) / 4)
    assert company.status is Status.ON_TRACK
    assert (team.status, team.computed_status) == (Status.AT_RISK, Status.DONE)
    assert company.children == ["team"]
    assert company.rollup_progress == pytest.approx((2 * company.progress + 1 * 1.0) / 3)
    assert company.rollup_status is Status.AT_RISK  # the team's overridden status counts
    html = render_report(build_report_data(cfg, store, AS_OF))
    assert "status set by hand" in html
    assert team.status_basis == "set by hand in okrs.yaml" and company.status_basis.startswith("every key result is on track")


def test_thresholds_come_from_the_file(store):
    text = """
  - id: o
    title: Increase website traffic
    key_results:
      - {id: k, title: Add 100 contacts, metric: contacts, target: 100}
"""
    fill(store, "contacts", Q4_START, AS_OF, 1)  # progress 0.46 against 0.5 expected: 0.92 of pace
    assert krs_of(evaluate(config(text), store, AS_OF))["k"].status is Status.ON_TRACK
    strict = config(text, HEADER + "thresholds: {on_track: 0.95, at_risk: 0.9}\n")
    assert krs_of(evaluate(strict, store, AS_OF))["k"].status is Status.AT_RISK


def test_a_key_result_paces_over_its_own_start_and_due(store):
    cfg = config("""
  - id: o
    title: Increase website traffic
    key_results:
      - {id: sprint, title: Add 30 contacts in November, metric: contacts, target: 30, start: 2026-11-01, due: 2026-11-30}
      - {id: later, title: Add 10 contacts in December, metric: contacts, target: 10, start: 2026-12-01}
""")
    fill(store, "contacts", Q4_START, AS_OF, 1)
    krs = krs_of(evaluate(cfg, store, AS_OF))
    assert (krs["sprint"].expected, krs["sprint"].actual, krs["sprint"].window_first_day) == (pytest.approx(15 / 30), 15, date(2026, 11, 1))
    assert krs["sprint"].status is Status.ON_TRACK
    assert (krs["later"].expected, krs["later"].actual, krs["later"].status) == (0.0, None, Status.NO_DATA)  # not started


def test_a_month_window_is_paced_over_its_month_not_the_quarter(store):
    cfg = config("""
  - id: o
    title: Build a new demand generation channel
    key_results:
      - {id: monthly, title: Reach 300 MQLs a month, metric: mqls, window: month, target: 300}
""")
    fill(store, "mqls", Q4_START, Q4_END, 10)  # exactly on pace: 10 a day, 300 in a 30-day month
    golden = [
        # as of, month-to-date total, days through the as-of day / days in its month, status
        (date(2026, 10, 1), 10, 1 / 31, Status.ON_TRACK),
        (date(2026, 10, 15), 150, 15 / 31, Status.ON_TRACK),
        (date(2026, 10, 31), 310, 1.0, Status.DONE),
        (date(2026, 11, 1), 10, 1 / 30, Status.ON_TRACK),
        (date(2026, 11, 15), 150, 15 / 30, Status.ON_TRACK),
        (date(2026, 11, 30), 300, 1.0, Status.DONE),
        (date(2026, 12, 1), 10, 1 / 31, Status.ON_TRACK),
        (date(2026, 12, 20), 200, 20 / 31, Status.ON_TRACK),
        (date(2026, 12, 31), 310, 1.0, Status.DONE),
    ]
    for as_of, actual, expected, status in golden:
        kr = krs_of(evaluate(cfg, store, as_of))["monthly"]
        assert (as_of, kr.actual, kr.expected, kr.status) == (as_of, actual, pytest.approx(expected), status)


# --- several periods ---------------------------------------------------------


def test_the_as_of_day_picks_the_period_and_its_key_results(store):
    header = HEADER.replace("period: 2026-Q4", "period: [2026-Q3, 2026-Q4]")
    cfg = config("""
  - id: o
    title: Increase website traffic
    key_results:
      - {id: q3, title: Add 90 contacts, metric: contacts, target: 90, period: 2026-Q3}
      - {id: q4, title: Add 92 contacts, metric: contacts, target: 92, period: 2026-Q4}
    actions:
      - {title: Clean CRM data, due: 2026-08-01}
      - {title: Build a funnel dashboard, due: 2026-11-01}
""", header)
    fill(store, "contacts", date(2026, 7, 1), AS_OF, 1)
    q3 = evaluate(cfg, store, date(2026, 9, 30))
    q4 = evaluate(cfg, store, AS_OF)
    assert (q3.period, [kr.id for kr in q3.objectives[0].key_results], q3.objectives[0].actions[0].title) == ("2026-Q3", ["q3"], "Clean CRM data")
    assert (q4.period, [kr.id for kr in q4.objectives[0].key_results], q4.objectives[0].actions[0].title) == ("2026-Q4", ["q4"], "Build a funnel dashboard")
    assert krs_of(q3)["q3"].score == pytest.approx(1.0)  # 92 of 90 at period end
    assert krs_of(q4)["q4"].score is None  # the period still runs


# --- forecast ----------------------------------------------------------------


def test_forecasts_project_totals_levels_and_check_ins(store):
    cfg = config("""
  - id: o
    title: Increase website traffic
    key_results:
      - {id: total, title: Add 100 contacts, metric: contacts, target: 100}
      - {id: rolling, title: Reach 30 MQLs in 30 days, metric: mqls, window: last_30_days, target: 30}
      - {id: pool, title: Grow the pool from 100 to 200, metric: pool, baseline: 100, target: 200}
      - {id: manual, title: Train 10 people, target: 10, checkin_every: week}
      - {id: single, title: Approve 3 OKRs, target: 3, checkin_every: week}
""")
    fill(store, "contacts", Q4_START, AS_OF, 1)
    fill(store, "mqls", AS_OF - timedelta(days=29), AS_OF, values={AS_OF - timedelta(days=n): (n % 2) for n in range(30)})
    fill(store, "pool", Q4_START + timedelta(days=1), Q4_START + timedelta(days=1), 102)
    fill(store, "pool", AS_OF, AS_OF, 145)
    store.add_checkin("manual", date(2026, 10, 31), 2, "lee")
    store.add_checkin("manual", AS_OF, 5, "lee")
    store.add_checkin("single", AS_OF, 3, "lee")
    krs = krs_of(evaluate(cfg, store, AS_OF))
    assert krs["single"].forecast is None  # one check-in is no trend
    assert krs["total"].forecast == pytest.approx(46 + 1 * 46)  # 1 a day for the 46 days left
    assert krs["total"].forecast_progress == pytest.approx(0.92)
    assert krs["rolling"].forecast == pytest.approx(15)  # the 30-day rate (0.5/day) holds
    # Least-squares line through (day 0, 100), (day 1, 102), (day 45, 145), read at day 91.
    xs, ys = [0, 1, 45], [100, 102, 145]
    mean_x, mean_y = sum(xs) / 3, sum(ys) / 3
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    assert krs["pool"].forecast == pytest.approx(mean_y + slope * (91 - mean_x))
    xs, ys = [0, 30, 45], [0, 2, 5]  # baseline 0 on day one, then the check-ins
    mean_x, mean_y = sum(xs) / 3, sum(ys) / 3
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sum((x - mean_x) ** 2 for x in xs)
    assert krs["manual"].forecast == pytest.approx(mean_y + slope * (91 - mean_x))
    assert "forecast 92 by 31 Dec" in render_report(build_report_data(cfg, store, AS_OF))


# --- staleness ---------------------------------------------------------------


def test_a_failed_fetch_writes_no_zero_and_the_kr_turns_stale(store):
    cfg = config("""
  - id: o
    title: Increase website traffic
    key_results:
      - {id: k, title: Add 100 contacts, metric: contacts, target: 100}
      - {id: weekly, title: Create 10 deals, metric: weekly, target: 10}
      - {id: manual, title: Train 10 people, target: 10, checkin_every: week}
      - {id: single, title: Approve 3 OKRs, target: 3, checkin_every: week}
""")
    fill(store, "contacts", Q4_START, AS_OF, 1)
    fill(store, "weekly", Q4_START, AS_OF, 0.1)
    store.add_checkin("manual", AS_OF, 5, "lee")
    later = AS_OF + timedelta(days=2)
    run = store.start_run(later)
    store.record_fetch(run, "contacts", "hubspot", status="failed", error="hubspot: 503")
    count = store.observation_count()
    krs = krs_of(evaluate(cfg, store, later))
    assert store.observation_count() == count
    assert (krs["k"].status, krs["k"].actual, krs["k"].newest_data_day) == (Status.STALE, 46, AS_OF)
    assert krs["weekly"].status is not Status.STALE  # its freshness is 7 days
    assert krs["manual"].status is Status.ON_TRACK
    week_later = krs_of(evaluate(cfg, store, AS_OF + timedelta(days=8)))
    assert week_later["manual"].status is Status.STALE and week_later["weekly"].status is Status.STALE
    report = evaluate(cfg, store, later)
    assert report.objectives[0].status is Status.STALE
    assert krs["k"].status_reason == "the last sync failed (hubspot: 503); last known 46, on track"
    assert "the last sync failed (hubspot: 503)" in render_report(build_report_data(cfg, store, later)).lower()


def test_key_results_without_data_are_never_green_and_count_as_zero(store):
    cfg = config("""
  - id: o
    title: Increase website traffic
    key_results:
      - {id: paced, title: Add 92 MQLs, metric: mqls, target: 92}
      - {id: silent-a, title: Add 100 contacts, metric: contacts, target: 100}
      - {id: silent-b, title: Add 50 deals, metric: weekly, target: 50}
  - id: dark
    title: Improve the sales pipeline
    key_results:
      - {id: silent-c, title: Add 10 deals, metric: weekly, target: 10}
""")
    fill(store, "mqls", Q4_START, Q4_END, 1)  # exactly on pace all quarter
    report = evaluate(cfg, store, AS_OF)
    objective, dark = report.objectives
    assert [kr.status for kr in objective.key_results] == [Status.ON_TRACK, Status.NO_DATA, Status.NO_DATA]
    assert (objective.status, objective.progress) == (Status.NO_DATA, pytest.approx(0.5 / 3))
    assert (dark.status, dark.progress) == (Status.NO_DATA, None)  # nothing measured at all
    at_end = evaluate(cfg, store, Q4_END)
    objective, dark = at_end.objectives
    assert [kr.score for kr in objective.key_results] == [1.0, None, None]
    assert (objective.status, objective.score, dark.score) == (Status.NO_DATA, pytest.approx(1 / 3), None)
    assert at_end.score == pytest.approx((1 / 3 + 0) / 2)  # the dark objective scores 0, not "missing"
    document = report_json(at_end)
    assert document["objectives"][0]["status"] == "no_data" and document["score"] == pytest.approx(1 / 6, abs=1e-4)


def test_a_key_result_without_target_is_never_measured(store):
    cfg = config("""
  - id: o
    title: Increase website traffic
    key_results:
      - {id: vague, title: Increase brand awareness, checkin_every: week}
""")
    store.add_checkin("vague", AS_OF, 5, "lee")
    vague = krs_of(evaluate(cfg, store, AS_OF))["vague"]
    assert (vague.actual, vague.progress, vague.status) == (5, None, Status.NO_DATA)


# --- check-ins: override, pin, history -----------------------------------------

MQL_KR = """
  - id: o
    title: Increase website traffic
    key_results:
      - {id: k, title: Add 100 MQLs, metric: mqls, target: 100}
"""


def test_override_wins_until_the_next_synced_value_and_both_stay_visible(store):
    cfg = config(MQL_KR)
    fill(store, "mqls", Q4_START, AS_OF, 1)
    store.add_checkin("k", AS_OF, 60, "sam", "events are missing")
    k = krs_of(evaluate(cfg, store, AS_OF))["k"]
    assert (k.actual, k.automated_actual, k.source, k.checkin.wins) == (60, 46, "checkin:sam", True)
    silent = krs_of(evaluate(cfg, store, AS_OF + timedelta(days=2)))["k"]
    assert (silent.actual, silent.status) == (60, Status.STALE)  # an unpinned override ages like the metric
    fill(store, "mqls", AS_OF + timedelta(days=1), AS_OF + timedelta(days=1), 1)
    k = krs_of(evaluate(cfg, store, AS_OF + timedelta(days=1)))["k"]
    assert (k.actual, k.automated_actual, k.checkin.value, k.checkin.wins) == (47, 47, 60, False)


def test_a_pinned_override_survives_syncs_until_the_next_check_in(store):
    cfg = config(MQL_KR)
    fill(store, "mqls", Q4_START, AS_OF, 1)
    store.add_checkin("k", AS_OF, 60, "sam", "counted by hand", pinned=True)
    fill(store, "mqls", AS_OF + timedelta(days=1), AS_OF + timedelta(days=1), 1)
    k = krs_of(evaluate(cfg, store, AS_OF + timedelta(days=1)))["k"]
    assert (k.actual, k.automated_actual, k.checkin.pinned) == (60, 47, True)
    assert krs_of(evaluate(cfg, store, AS_OF + timedelta(days=5)))["k"].status is not Status.STALE  # vouched for until replaced
    assert "Check-in (pinned) overrides the synced 47" in render_report(build_report_data(cfg, store, AS_OF + timedelta(days=1)))
    store.add_checkin("k", AS_OF + timedelta(days=1), 61, "sam", "unpinned")
    fill(store, "mqls", AS_OF + timedelta(days=2), AS_OF + timedelta(days=2), 1)
    assert krs_of(evaluate(cfg, store, AS_OF + timedelta(days=2)))["k"].actual == 48


def test_history_keeps_every_revision_and_check_in_with_provenance(store):
    first_run = fill(store, "mqls", AS_OF, AS_OF, 3)
    second_run = fill(store, "mqls", AS_OF, AS_OF, 4)  # HubSpot revised the day
    store.add_checkin("k", AS_OF, 60, "sam", "events are missing", pinned=True)
    entries = key_result_history(store, "k", "mqls", Q4_START, Q4_END)
    assert [(e.kind, e.value, e.revision, e.superseded, e.sync_run_id, e.author, e.pinned) for e in entries] == [
        ("sync", 3.0, 1, True, first_run, None, False),
        ("sync", 4.0, 2, False, second_run, None, False),
        ("checkin", 60.0, None, False, None, "sam", True),
    ]
    assert entries[2].note == "events are missing" and entries[0].source == "hubspot:mqls"


# --- closing a period ---------------------------------------------------------


def test_closing_freezes_final_values_against_later_revisions(store):
    cfg = config(MQL_KR)
    fill(store, "mqls", Q4_START, Q4_END, 1)
    report, frozen_now = close_period(cfg, store, "2026-Q4", "maria", as_of=Q4_END, today=Q4_END + timedelta(days=1))
    assert frozen_now and report.closed
    k = krs_of(report)["k"]
    assert (k.actual, k.score, k.status, k.frozen) == (92, 0.92, Status.ON_TRACK, True)  # 0.92 >= 0.9 x a full period
    assert report.score == pytest.approx(0.92)
    fill(store, "mqls", Q4_END, Q4_END, 30)  # a late revision after closing
    again = evaluate(cfg, store, Q4_END)
    assert (krs_of(again)["k"].actual, krs_of(again)["k"].score, again.objectives[0].score) == (92, 0.92, pytest.approx(0.92))
    _, second_close = close_period(cfg, store, "2026-Q4", "sam", as_of=Q4_END + timedelta(days=3), today=Q4_END + timedelta(days=3))
    assert second_close is False
    assert [row.closed_by for row in store.frozen_scores("2026-Q4")] == ["maria", "maria"]
    with pytest.raises(KeyError, match="2026-Q1 is not listed"):
        close_period(cfg, store, "2026-Q1", "maria", as_of=Q4_END, today=Q4_END + timedelta(days=1))


def test_closing_refuses_a_period_that_has_not_ended_unless_forced(store):
    cfg = config(MQL_KR)
    fill(store, "mqls", Q4_START, AS_OF, 1)
    with pytest.raises(PeriodNotOver, match=r"period 2026-Q4 runs until 2026-12-31 \(as of 2026-11-15\)"):
        close_period(cfg, store, "2026-Q4", "maria", as_of=AS_OF, today=AS_OF)
    with pytest.raises(ValueError):  # the CLI can catch it as a plain ValueError
        close_period(cfg, store, "2026-Q4", "maria", as_of=Q4_END - timedelta(days=1), today=Q4_END)
    # As of its last day, while that day is still today: its numbers are not all in yet.
    with pytest.raises(PeriodNotOver, match=r"period 2026-Q4 runs until 2026-12-31 \(today is 2026-12-31\)"):
        close_period(cfg, store, "2026-Q4", "maria", as_of=Q4_END, today=Q4_END)
    assert store.frozen_scores("2026-Q4") == []  # nothing was frozen
    report, frozen_now = close_period(cfg, store, "2026-Q4", "maria", as_of=AS_OF, today=AS_OF, force=True)
    assert frozen_now and report.closed and krs_of(report)["k"].actual == 46
