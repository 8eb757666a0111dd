"""The ``okr status --json`` contract: every key of every level, pinned. Fields are only ever
added; a change here is a change to every script built on the contract."""

from __future__ import annotations

import json
from datetime import date, timedelta

from connectors import parse_config
from okrmodel.evaluation import evaluate
from okrmodel.run_log import sync_freshness
from okrmodel.status_json import report_json
from okrmodel.storage import Store

CONFIG = parse_config(
    """
company: Acme
timezone: UTC
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
objectives:
  - id: grow
    title: Improve funnel conversion rates
    owner: maria@acme.example
    key_results:
      - {id: quarter-mqls, title: Generate 100 MQLs this quarter, metric: mqls, target: 100, unit: MQLs}
      - {id: training, title: Train 5 people, target: 5, checkin_every: week}
"""
)
AS_OF = date(2026, 11, 15)

DOCUMENT_KEYS = {"period", "as_of", "objectives", "expected", "score", "closed", "sync"}
OBJECTIVE_KEYS = {
    "id", "title", "owner", "progress", "status", "key_results", "parent", "weight", "computed_status", "score", "score_label",
    "children", "rollup_progress", "rollup_status", "frozen", "status_basis",
}
KEY_RESULT_KEYS = {
    "id", "title", "owner", "metric", "actual", "baseline", "target", "progress", "expected", "status", "source", "updated_at",
    "unit", "direction", "aggregation", "weight", "automated_actual", "checkin", "stale", "newest_data_day", "forecast",
    "forecast_progress", "score", "score_label", "frozen", "last_fetch", "caveats", "status_reason", "forecast_short",
    "last_known_status", "expected_value",
}
CHECKIN_KEYS = {"value", "day", "author", "note", "pinned", "created_at", "wins"}
LAST_FETCH_KEYS = {"status", "at", "error", "warning"}
SYNC_KEYS = {"last_success_at", "runs_since", "overdue", "warning"}


def test_every_key_of_every_level_is_pinned(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        run = store.start_run(AS_OF)
        store.save_observations(run, "mqls", "hubspot", {date(2026, 10, 1) + timedelta(days=n): 1.0 for n in range(46)})
        store.record_fetch(run, "mqls", "hubspot", status="succeeded", api_calls=1)
        store.finish_run(run, "succeeded")
        store.add_checkin("training", AS_OF, 2, "lee", "two of five")
        [synced] = store.runs()
        # The wall clock three days after the run: the sync is overdue.
        sync = sync_freshness(CONFIG, store, synced.started_at + timedelta(days=3))
        document = json.loads(json.dumps(report_json(evaluate(CONFIG, store, AS_OF), sync), allow_nan=False))
    assert set(document) == DOCUMENT_KEYS
    (objective,) = document["objectives"]
    assert set(objective) == OBJECTIVE_KEYS
    metric_kr, manual_kr = objective["key_results"]
    assert set(metric_kr) == set(manual_kr) == KEY_RESULT_KEYS
    assert set(manual_kr["checkin"]) == CHECKIN_KEYS
    assert set(metric_kr["last_fetch"]) == LAST_FETCH_KEYS
    assert (metric_kr["actual"], metric_kr["last_fetch"]["status"], manual_kr["last_fetch"]) == (46.0, "succeeded", None)
    assert set(document["sync"]) == SYNC_KEYS
    assert (document["sync"]["last_success_at"], document["sync"]["overdue"]) == (synced.started_at.isoformat(), True)
