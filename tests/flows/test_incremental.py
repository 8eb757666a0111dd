"""Incremental nights: only days not yet final are read again, and a first run backfills.

The plan is a plain function (``okrmodel.fetch_plan``); the nights here run the
sync's plain steps (plan, read, store) against the sandbox, and call counts
come from the sandbox.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors import connector_for, parse_config
from flows.pipeline import record_reading
from okrmodel.fetch_plan import fetch_windows, incremental_window, incremental_windows
from okrmodel.periods import Window
from okrmodel.storage import Store

ZONE = ZoneInfo("Europe/Berlin")
WINDOW = Window.from_days(date(2026, 10, 1), date(2026, 11, 27), ZONE)
AS_OF = date(2026, 11, 27)


def days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


def test_first_run_backfills_the_whole_window():
    assert incremental_window(WINDOW, set(), AS_OF, 2) == WINDOW


def test_a_later_night_reads_only_the_look_back_days():
    stored = days(date(2026, 10, 1), date(2026, 11, 26))
    assert incremental_window(WINDOW, stored, AS_OF, 2) == Window.from_days(date(2026, 11, 25), AS_OF, ZONE)
    assert incremental_window(WINDOW, stored, AS_OF, 0) == Window.from_days(AS_OF, AS_OF, ZONE)


def test_a_day_missed_by_a_failed_night_is_read_again_with_everything_after_it():
    stored = days(date(2026, 10, 1), date(2026, 11, 26)) - {date(2026, 11, 10)}
    assert incremental_window(WINDOW, stored, AS_OF, 2) == Window.from_days(date(2026, 11, 10), AS_OF, ZONE)


def test_a_period_whose_days_are_all_final_is_not_read():
    past = Window.from_days(date(2026, 7, 1), date(2026, 9, 30), ZONE)
    assert incremental_window(past, days(date(2026, 7, 1), date(2026, 9, 30)), AS_OF, 2) is None


CONFIG = """
company: Acme
timezone: Europe/Berlin
period: 2026-Q4
sources:
  hubspot: {{type: hubspot, token_env: SANDBOX_TOKEN, base_url: "{base_url}", search_requests_per_second: 1000, look_back_days: 2}}
metrics:
  new_contacts: {{source: hubspot, kind: contacts_created}}
  deals: {{source: hubspot, kind: deals_created}}
  pipeline: {{source: hubspot, kind: deals_created, sum: amount}}
  sqls_now: {{source: hubspot, kind: contacts_in_stage, stage: salesqualifiedlead}}
"""


def night(config, store: Store, as_of: date, sandbox) -> tuple[dict[str, Window], int]:
    """One night of the sync's plain steps; returns the windows read and the API calls made."""
    windows = incremental_windows(config, as_of, store.stored_days, today=as_of)
    connector = connector_for("hubspot", config.sources["hubspot"], config.metrics)
    run_id = store.start_run(as_of)
    before = sandbox.call_count
    for name, window in windows.items():
        record_reading(store, run_id, "hubspot", connector.read(name, config.metrics[name], window, as_of))
    store.finish_run(run_id, "succeeded")
    return windows, sandbox.call_count - before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_second_night_reads_only_the_look_back_days(sandbox, database_url, monkeypatch):
    monkeypatch.setenv("SANDBOX_TOKEN", sandbox.token)
    config = parse_config(CONFIG.format(base_url=sandbox.base_url))
    with Store(database_url) as store:
        first_windows, first_calls = night(config, store, date(2026, 11, 26), sandbox)
        assert first_windows["new_contacts"] == Window.from_days(date(2026, 10, 1), date(2026, 11, 26), ZONE)
        assert store.stored_days("new_contacts", date(2026, 10, 1), date(2026, 11, 26)) == days(date(2026, 10, 1), date(2026, 11, 26))

        second_windows, second_calls = night(config, store, AS_OF, sandbox)
        look_back = Window.from_days(date(2026, 11, 25), AS_OF, ZONE)
        assert {name: second_windows[name] for name in ("new_contacts", "deals", "pipeline")} == dict.fromkeys(("new_contacts", "deals", "pipeline"), look_back)
        # One search for contacts, one for deals shared by the count and the sum, the deal
        # properties listing (checks `amount`), the contact properties listing (checks the
        # snapshot's stage against lifecyclestage's options), the snapshot: 5 calls, where the
        # backfill needed pages.
        assert second_calls == 5
        assert first_calls > second_calls
        stored = {day.day: day.value for day in store.daily_values("new_contacts", date(2026, 10, 1), AS_OF)}
        assert set(stored) == days(date(2026, 10, 1), AS_OF), "the backfill and the look-back together cover the period"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failed_metric_keeps_its_stored_values_and_is_recorded_failed(sandbox, database_url, monkeypatch):
    from connectors.sandbox import Fault
    from flows.pipeline import record_failure

    monkeypatch.setenv("SANDBOX_TOKEN", sandbox.token)
    config = parse_config(CONFIG.format(base_url=sandbox.base_url))
    with Store(database_url) as store:
        night(config, store, date(2026, 11, 26), sandbox)
        before = store.daily_values("new_contacts", date(2026, 10, 1), date(2026, 11, 26))
        sandbox.faults.push(Fault(status=403, on="/contacts/search", missing_scopes=("crm.objects.contacts.read",)))
        windows = incremental_windows(config, AS_OF, store.stored_days, today=AS_OF)
        connector = connector_for("hubspot", config.sources["hubspot"], config.metrics)
        run_id = store.start_run(AS_OF)
        with pytest.raises(Exception) as caught:
            connector.read("new_contacts", config.metrics["new_contacts"], windows["new_contacts"], AS_OF)
        record_failure(store, run_id, "new_contacts", "hubspot", windows["new_contacts"], str(caught.value))
        deals = connector.read("deals", config.metrics["deals"], windows["deals"], AS_OF)  # the rest of the run goes on
        record_reading(store, run_id, "hubspot", deals)
        assert store.daily_values("new_contacts", date(2026, 10, 1), date(2026, 11, 26)) == before
        outcomes = {fetch.metric: fetch for fetch in store.fetches(run_id)}
        assert outcomes["new_contacts"].status == "failed" and "missing scopes" in outcomes["new_contacts"].error
        assert outcomes["deals"].status == "succeeded"


TWO_QUARTERS = """
company: Acme
timezone: Europe/Berlin
period: [2026-Q4, 2027-Q1]
sources:
  hubspot: {type: hubspot, look_back_days: 2}
metrics:
  new_contacts: {source: hubspot, kind: contacts_created}
  sqls_now: {source: hubspot, kind: contacts_in_stage, stage: salesqualifiedlead}
"""


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_first_nights_of_a_quarter_re_read_the_previous_quarters_last_days(database_url):
    # Dec 31 was synced at 03:00 that night with three hours of data: it is still in flux on Jan 1 and 2.
    config = parse_config(TWO_QUARTERS)
    with Store(database_url) as store:
        run_id = store.start_run(date(2026, 12, 31))
        store.save_observations(run_id, "new_contacts", "hubspot", dict.fromkeys(days(date(2026, 10, 1), date(2026, 12, 31)), 1.0))
        store.finish_run(run_id, "succeeded")
        for as_of, first in ((date(2027, 1, 1), date(2026, 12, 30)), (date(2027, 1, 2), date(2026, 12, 31))):
            windows = incremental_windows(config, as_of, store.stored_days, today=as_of)
            assert windows["new_contacts"] == Window.from_days(first, as_of, ZONE), as_of
            run_id = store.start_run(as_of)
            store.save_observations(run_id, "new_contacts", "hubspot", dict.fromkeys(windows["new_contacts"].days(), 2.0))
            store.finish_run(run_id, "succeeded")
        # Jan 3: Dec 31 is final now.
        windows = incremental_windows(config, date(2027, 1, 3), store.stored_days, today=date(2027, 1, 3))
        assert windows["new_contacts"] == Window.from_days(date(2027, 1, 1), date(2027, 1, 3), ZONE)
        assert store.stored_days("new_contacts", date(2026, 12, 29), date(2027, 1, 2)) == days(date(2026, 12, 29), date(2027, 1, 2))


def test_days_after_every_listed_period_are_not_read_for_the_look_back():
    config = parse_config(TWO_QUARTERS.replace("[2026-Q4, 2027-Q1]", "2026-Q4"))
    stored = days(date(2026, 10, 1), date(2026, 12, 31))
    assert "new_contacts" not in incremental_windows(config, date(2027, 1, 5), lambda *_: stored, today=date(2027, 1, 5))


def test_a_snapshot_is_only_planned_for_the_present():
    config = parse_config(TWO_QUARTERS)
    today = date(2026, 11, 27)
    assert incremental_windows(config, today, lambda *_: set(), today=today)["sqls_now"] == Window.from_days(today, today, ZONE)
    assert fetch_windows(config, today, today=today)["sqls_now"] == Window.from_days(today, today, ZONE)
    past = date(2026, 11, 20)
    # Today's count stored under Nov 20 would be a new revision over that day's true value.
    assert "sqls_now" not in fetch_windows(config, past, today=today)
    assert "sqls_now" not in incremental_windows(config, past, lambda *_: set(), today=today)
    assert "new_contacts" in fetch_windows(config, past, today=today)
