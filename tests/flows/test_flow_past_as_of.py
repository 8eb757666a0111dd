"""A sync as of a past day on the nightly flow: snapshots cannot be taken of the past; a future day is refused."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors import load_config
from flows.nightly import nightly_sync
from okrmodel.config import MetricNature
from okrmodel.periods import today_in
from okrmodel.storage import Store

PAST = date(2026, 11, 20)  # the demo sandbox is seeded up to 2026-11-27


def test_a_sync_as_of_a_past_day_stores_no_snapshot_value_for_it(prefect_harness, demo_config: Path, sandbox, tmp_path):
    config = load_config(demo_config)
    assert PAST < today_in(ZoneInfo(config.timezone))
    snapshots = {name for name, spec in config.metrics.items() if spec.nature is MetricNature.SNAPSHOT}
    assert snapshots, "the demo config has a contacts_in_stage metric"

    summary = nightly_sync(str(demo_config), as_of=PAST, report_path=str(tmp_path / "report.html"), send_email=False)

    assert summary.status == "succeeded"
    assert {outcome.metric for outcome in summary.metrics} == set(config.metrics) - snapshots
    with Store(config.storage_url()) as store:
        for name in snapshots:
            # The connector can only count contacts in the stage now: that count is not Nov 20's.
            assert store.stored_days(name, PAST, PAST) == set()
            assert store.latest_value(name, PAST) is None
        assert store.stored_days("new_contacts", PAST, PAST) == {PAST}


def test_a_sync_as_of_a_day_after_today_records_nothing(prefect_harness, demo_config: Path, sandbox):
    # A deployment run with an as_of parameter reaches the flow without the CLI's --as-of check.
    config = load_config(demo_config)
    tomorrow = today_in(ZoneInfo(config.timezone)) + timedelta(days=1)
    with pytest.raises(ValueError, match=f"as_of {tomorrow} is after today"):
        nightly_sync(str(demo_config), as_of=tomorrow, send_email=False, send_notify=False)
    with Store(config.storage_url()) as store:
        assert store.runs() == [] and store.observation_count() == 0
    assert sandbox.call_count == 0
