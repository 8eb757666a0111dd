"""What the report says beyond the numbers, built from a real store: attention, health,
changes, trends, and the status rules they rest on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors import parse_config
from okrmodel.briefing import AttentionKind, build_report_data
from okrmodel.evaluation import evaluate
from okrmodel.progress import Status
from okrmodel.storage import Store

TEXT = """
company: Acme
timezone: UTC
period: 2026-Q4
objective_status: {rule}
sources: {{hubspot: {{type: hubspot}}}}
metrics:
  deals: {{source: hubspot, kind: deals_created}}
  contacts: {{source: hubspot, kind: contacts_created}}
objectives:
  - id: pipeline
    title: Improve the sales pipeline
    owner: sam@acme.example
    key_results:
      - {{id: deals, title: Create 92 new deals, metric: deals, target: 92, unit: deals}}
      - {{id: contacts, title: Add 920 contacts, metric: contacts, target: 920, unit: contacts, owner: maria@acme.example}}
      - {{id: training, title: Train 5 people, target: 5, unit: people, checkin_every: week}}
    actions:
      - {{title: Clean CRM data, due: 2026-11-15, status: in_progress}}
      - {{title: Draft the proposal, due: 2026-10-09, status: done}}
"""
FIRST = date(2026, 10, 1)
AS_OF = date(2026, 11, 15)  # day 46 of 92: half the quarter


def config(rule: str = "weakest"):
    return parse_config(TEXT.format(rule=rule))


def days(last: date) -> list[date]:
    return [FIRST + timedelta(days=n) for n in range((last - FIRST).days + 1)]


def sync(store: Store, as_of: date, per_day: dict[str, float], failed: dict[str, str] | None = None) -> None:
    run = store.start_run(as_of)
    for metric, value in per_day.items():
        store.save_observations(run, metric, "hubspot", dict.fromkeys(days(as_of), value))
        store.record_fetch(run, metric, "hubspot", status="succeeded", api_calls=1)
    for metric, error in (failed or {}).items():
        store.record_fetch(run, metric, "hubspot", status="failed", error=error)
    store.finish_run(run, "partial" if failed else "succeeded")


@pytest.fixture
def store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as opened:
        yield opened


def test_a_kr_on_pace_whose_forecast_misses_is_flagged_and_says_why(store):
    # 0.95 deals a day: 43.7 of the 46 expected (95% of pace, on track); the line ends at 87.4 of 92.
    sync(store, AS_OF, {"deals": 0.95, "contacts": 10})
    deals = next(kr for kr in evaluate(config(), store, AS_OF).objectives[0].key_results if kr.id == "deals")
    assert deals.status is Status.ON_TRACK and deals.forecast_short
    assert deals.status_reason == "on pace: 43.7 of 92 deals, 46 deals expected by now; forecast 87 deals by 31 Dec, short of the target"


def test_objective_status_weakest_or_weighted_says_how_it_was_derived(store):
    sync(store, AS_OF, {"deals": 1.0, "contacts": 5})  # deals on pace, contacts at half pace (off track)
    store.add_checkin("training", AS_OF, 3, "lee", None)
    weakest = evaluate(config("weakest"), store, AS_OF).objectives[0]
    assert weakest.status is Status.OFF_TRACK
    assert weakest.status_basis == "its weakest key result is off track: Add 920 contacts"
    weighted = evaluate(config("weighted"), store, AS_OF).objectives[0]
    # (46/92 + 230/920 + 3/5) / 3 = 0.45 against 0.5 expected: 90% of pace, on track.
    assert weighted.progress == pytest.approx((0.5 + 0.25 + 0.6) / 3)
    assert weighted.status is Status.ON_TRACK
    assert weighted.status_basis == "weighted progress 45% against 50% expected by now"


def test_after_a_failed_sync_the_report_says_so_and_the_kr_keeps_its_last_known_status(store):
    sync(store, AS_OF - timedelta(days=1), {"deals": 1.0, "contacts": 10})
    sync(store, AS_OF, {"contacts": 10}, failed={"deals": "hubspot: token invalid or expired (HTTP 401)"})
    data = build_report_data(config(), store, AS_OF)
    assert data.health.banner.startswith("The last sync (")
    assert "could not read 1 metric (deals): their key results show their last known values, marked stale." in data.health.banner
    deals = next(kr for kr in data.status.objectives[0].key_results if kr.id == "deals")
    assert (deals.status, deals.last_known_status) == (Status.STALE, Status.ON_TRACK)
    assert deals.status_reason.startswith("the last sync failed (hubspot: token invalid")
    (source,) = data.health.sources
    (problem,) = source.problems
    assert problem.metric == "deals" and problem.failed and problem.since is not None
    first = data.attention[0]
    # Named by the KR the metric feeds, since when in its own field, not twice.
    assert (first.kind, first.title, first.severity, first.key_result_id) == (AttentionKind.DATA, "Create 92 new deals", 0, "deals")
    assert first.reason == "sync failing (deals): hubspot: token invalid or expired (HTTP 401)"
    assert first.since == problem.since.date()
    assert first.owner == "sam@acme.example", "a metric's problem goes to the owner of the KRs it feeds"


def test_one_cause_failing_every_metric_is_one_attention_item(store):
    sync(store, AS_OF - timedelta(days=1), {"deals": 1.0, "contacts": 10})
    token = "hubspot: environment variable HUBSPOT_TOKEN is not set"
    sync(store, AS_OF, {}, failed={"deals": token, "contacts": token})
    data = build_report_data(config(), store, AS_OF)
    (item,) = [item for item in data.attention if item.kind is AttentionKind.DATA]
    assert item.title == "Create 92 new deals; Add 920 contacts"
    assert item.reason == f"sync failing (deals, contacts): {token}"


@pytest.mark.parametrize(("status", "says"), [("interrupted", "was stopped before it finished"), ("abandoned", "ended with its process before it finished")])
def test_a_last_sync_that_never_finished_is_a_banner(store, status, says):
    sync(store, AS_OF - timedelta(days=1), {"deals": 1.0, "contacts": 10})
    run = store.start_run(AS_OF)
    if status == "interrupted":
        store.finish_run(run, "interrupted", "stopped by SIGTERM before it finished")
    else:
        store.abandon_run(run, "its process ended without finishing the run")
    data = build_report_data(config(), store, AS_OF)
    assert data.health.last_run_status == status
    assert data.health.banner.startswith("The last sync (") and f"{says}: some numbers may be older than they look." in data.health.banner


def test_nothing_synced_yet_is_a_banner_not_a_healthy_report(store):
    data = build_report_data(config(), store, AS_OF)
    assert data.health.banner.startswith("No sync has run yet")
    assert data.health.last_run_status is None


def test_attention_lists_off_track_first_then_overdue_actions_and_due_checkins(store):
    sync(store, AS_OF, {"deals": 1.0, "contacts": 2})
    data = build_report_data(config(), store, AS_OF + timedelta(days=1))
    kinds = [(item.kind, item.title) for item in data.attention]
    assert kinds[0] == (AttentionKind.KEY_RESULT, "Add 920 contacts")
    assert data.attention[0].owner == "maria@acme.example"
    assert (AttentionKind.ACTION, "Clean CRM data") in kinds and (AttentionKind.ACTION, "Draft the proposal") not in kinds
    assert (AttentionKind.CHECKIN, "Train 5 people") in kinds
    action = next(item for item in data.attention if item.kind is AttentionKind.ACTION)
    assert action.reason == "due 15 Nov, still in progress (1 day overdue)" and action.owner == "sam@acme.example"
    assert [item.severity for item in data.attention] == sorted(item.severity for item in data.attention)


def test_changes_since_the_compared_report_and_over_seven_days(store):
    run = store.start_run(AS_OF)
    store.save_observations(run, "deals", "hubspot", dict.fromkeys(days(AS_OF), 1.0))
    store.save_observations(run, "contacts", "hubspot", {day: 10.0 if day < AS_OF - timedelta(days=2) else 0.0 for day in days(AS_OF)})
    store.finish_run(run, "succeeded")
    data = build_report_data(config(), store, AS_OF, compare_to=AS_OF - timedelta(days=1))
    assert data.changes.since == AS_OF - timedelta(days=1)
    deals = data.changes.for_key_result("deals")
    assert (deals.previous_actual, deals.actual, deals.delta, deals.week_delta) == (45.0, 46.0, 1.0, 7.0)
    contacts = data.changes.for_key_result("contacts")
    assert contacts.delta == 0.0 and contacts.week_delta == 40.0
    first = build_report_data(config(), store, AS_OF)
    assert first.changes.since is None and first.changes.status_changes == []


def test_trends_run_from_the_baseline_along_the_pace_line(store):
    sync(store, AS_OF, {"deals": 1.0, "contacts": 10})
    store.add_checkin("training", AS_OF - timedelta(days=7), 2, "lee", None)
    store.add_checkin("training", AS_OF, 3, "lee", None)
    trends = build_report_data(config(), store, AS_OF).trends
    deals = trends["deals"]
    assert deals.points[0] == (FIRST, 1.0) and deals.points[-1] == (AS_OF, 46.0)
    assert deals.pace == [(FIRST, 0.0), (date(2026, 12, 31), 92.0)]
    assert deals.forecast == (date(2026, 12, 31), pytest.approx(92.0))
    assert deals.label == "running total since 1 Oct"
    training = trends["training"]
    assert training.checkins and training.points == [(AS_OF - timedelta(days=7), 2.0), (AS_OF, 3.0)]


def test_a_stale_rolling_window_ends_at_its_newest_data_not_at_zeros(tmp_path):
    rolling = parse_config(TEXT.format(rule="weakest").replace(
        "metric: contacts, target: 920, unit: contacts,", "metric: contacts, window: last_30_days, baseline: 100, target: 400, unit: contacts,"
    ))
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        sync(store, AS_OF, {"deals": 1.0, "contacts": 10})
        fresh = next(kr for kr in evaluate(rolling, store, AS_OF).objectives[0].key_results if kr.id == "contacts")
        later = next(kr for kr in evaluate(rolling, store, AS_OF + timedelta(days=8)).objectives[0].key_results if kr.id == "contacts")
    assert fresh.actual == 300.0
    # Eight days without data: the last 30 known days still sum to 300, not 300 - 8 x 10.
    assert (later.status, later.actual, later.last_known_status) == (Status.STALE, 300.0, fresh.status)
    assert later.window_first_day == AS_OF - timedelta(days=29)
