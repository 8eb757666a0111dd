"""Reconciliation: records archived or merged in the portal after their days were stored are
corrected within one normal night, at about one call per metric when nothing changed.

Each test has its own sandbox (archiving changes it). Expected figures are computed here from
the sandbox's remaining records with a few plain lines; call counts come from the sandbox.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors import MetricReading, connector_for, load_config, parse_config
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.sandbox import Fault, SandboxServer, contact, deal, generate_dataset
from flows.nightly import nightly_sync
from flows.pipeline import SyncSummary, record_reading
from flows.reconcile import StoredDays, needs_reconciliation, reconcile, reconcile_reading
from okrmodel.config import MetricSettings
from okrmodel.evaluation import evaluate
from okrmodel.periods import Window
from okrmodel.run_log import recent_runs
from okrmodel.storage import Store

ZONE = ZoneInfo("Europe/Berlin")
FIRST_NIGHT, NIGHT = date(2026, 11, 26), date(2026, 11, 27)
QUARTER = Window.from_days(date(2026, 10, 1), NIGHT, ZONE)
CHANGED_DAY = date(2026, 10, 14)
INBOUND = ("ORGANIC_SEARCH", "SOCIAL_MEDIA", "REFERRALS")
MQL_DATE = "hs_v2_date_entered_marketingqualifiedlead"

CONFIG = """
company: Acme
timezone: Europe/Berlin
period: 2026-Q4
database_url: "{database_url}"
sources:
  hubspot: {{type: hubspot, token_env: RECONCILE_SANDBOX_TOKEN, base_url: "{base_url}", search_requests_per_second: 1000, requests_per_10_seconds: 10000}}
metrics:
  new_contacts: {{source: hubspot, kind: contacts_created}}
  inbound_mqls: {{source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead, where: {{hs_analytics_source: [ORGANIC_SEARCH, SOCIAL_MEDIA, REFERRALS]}}}}
  deals: {{source: hubspot, kind: deals_created}}
  pipeline: {{source: hubspot, kind: deals_created, sum: amount}}
objectives:
  - id: grow
    title: Improve the sales pipeline
    key_results:
      - {{id: contacts, title: Add 1000 new contacts, metric: new_contacts, target: 1000}}
      - {{id: mqls, title: Reach 100 inbound MQLs, metric: inbound_mqls, target: 100}}
      - {{id: deals, title: Create 100 deals, metric: deals, target: 100}}
      - {{id: pipeline, title: "Add $2,000,000 of pipeline", metric: pipeline, target: 2000000}}
"""


def local_day(value: str | None) -> date | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZONE).date() if value else None


def live(records) -> list[dict]:
    return [record for record in records if not record["archived"]]


def daily(records, date_property: str, keep=lambda props: True, amount: bool = False) -> dict[date, float]:
    series = dict.fromkeys(QUARTER.days(), 0.0)
    for record in live(records):
        props = record["properties"]
        day = local_day(props.get(date_property))
        if day in series and keep(props):
            series[day] += float(props.get("amount") or 0) if amount else 1.0
    return series


def inbound(props) -> bool:
    return props.get("hs_analytics_source") in INBOUND


def expected_series(dataset) -> dict[str, dict[date, float]]:
    return {
        "new_contacts": daily(dataset.contacts, "createdate"),
        "inbound_mqls": daily(dataset.contacts, MQL_DATE, inbound),
        "deals": daily(dataset.deals, "createdate"),
        "pipeline": daily(dataset.deals, "createdate", amount=True),
    }


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZONE)


@pytest.fixture
def portal():
    """A portal of its own, with an inbound MQL and two deals on ``CHANGED_DAY`` to archive later."""
    dataset = generate_dataset(NIGHT, timezone="Europe/Berlin")
    dataset.contacts.append(contact(7_000_001, at(CHANGED_DAY, 9), stages={"lead": at(CHANGED_DAY, 9), "marketingqualifiedlead": at(CHANGED_DAY, 11)}))
    dataset.deals += [deal(7_000_001, at(CHANGED_DAY, 10), amount="12000"), deal(7_000_002, at(CHANGED_DAY, 15), amount="30500")]
    with SandboxServer(dataset) as server:
        yield server


def archive_and_merge_on_the_changed_day(server: SandboxServer) -> None:
    """What a portal's users do between two syncs; every metric loses records on ``CHANGED_DAY`` only."""
    contacts = live(server.dataset.contacts)

    def only_that_day_changes(props) -> bool:  # its MQL entry, if it counts, is on that day too
        return local_day(props["createdate"]) == CHANGED_DAY and (not (inbound(props) and props.get(MQL_DATE)) or local_day(props[MQL_DATE]) == CHANGED_DAY)

    leaving = [record["id"] for record in contacts if only_that_day_changes(record["properties"])]
    assert "7000001" in leaving and len(leaving) >= 3
    server.archive("contacts", leaving[1:])
    primary = next(record["id"] for record in contacts if local_day(record["properties"]["createdate"]) == date(2026, 10, 2))
    server.merge("contacts", primary, leaving[0])
    server.archive("deals", ["7000001"])
    other_deal = next(record["id"] for record in server.dataset.deals if local_day(record["properties"]["createdate"]) == date(2026, 10, 2))
    server.merge("deals", other_deal, "7000002")


PORTAL_ID = 1
"""A flow run on a Prefect server other processes can reach shares the portal's limits: one call asks its id."""


def write_config(tmp_path: Path, server: SandboxServer, database_url: str, monkeypatch) -> Path:
    monkeypatch.setenv("RECONCILE_SANDBOX_TOKEN", server.token)
    monkeypatch.delenv("OKR_DATABASE_URL", raising=False)
    path = tmp_path / "okrs.yaml"
    path.write_text(CONFIG.format(base_url=server.base_url, database_url=database_url))
    return path


def sync(config_path: Path, server: SandboxServer, as_of: date) -> tuple[SyncSummary, int]:
    before = server.call_count
    summary = nightly_sync(str(config_path), as_of=as_of, today=as_of, send_email=False, send_notify=False)
    return summary, server.call_count - before


def test_records_archived_between_two_syncs_are_corrected_in_one_normal_night(prefect_harness, portal, database_url, tmp_path, monkeypatch):
    config_path = write_config(tmp_path, portal, database_url, monkeypatch)
    config = load_config(config_path)
    sync(config_path, portal, FIRST_NIGHT)  # the backfill: every day read, nothing left to check
    with Store(config.storage_url()) as store:
        before = {name: store.daily_values(name, CHANGED_DAY, CHANGED_DAY)[0].value for name in config.metrics}

    archive_and_merge_on_the_changed_day(portal)
    expected = expected_series(portal.dataset)
    assert all(expected[name][CHANGED_DAY] < before[name] for name in config.metrics), "every metric lost records that day"

    summary, calls = sync(config_path, portal, NIGHT)

    # The night's own reads: a search each for the two contact metrics and one for the deals (the count and the
    # sum share it), the contact and deal property listings (mappings): 5. Then per count, the quarter's total
    # (58 days), the totals of the halves holding 14 Oct (Oct 1-29, Oct 1-14, then Oct 8-14 is the first half
    # of a week or less, its total the difference), and one read of Oct 8-14: 5 each. The pipeline sum counts its
    # deals with the same totals as the deal count (asked once), reads the deals modified since the last night
    # (the merge's primary, dated 2 Oct: 1) and reads again 2 Oct (1) and 8-14 Oct (the deal count's read of
    # those days, shared): 2. And the portal's id, whose limits the run shares on the session's Prefect server.
    assert calls == summary.api_calls == 5 + 3 * 5 + 2 + PORTAL_ID
    outcomes = {outcome.metric: outcome for outcome in summary.metrics}
    assert {name: (outcome.reconciliation.api_calls, outcome.days_corrected) for name, outcome in outcomes.items()} == {
        "new_contacts": (5, 1), "inbound_mqls": (5, 1), "deals": (5, 1), "pipeline": (2, 1)
    }
    assert outcomes["new_contacts"].reconciliation.reread == (Window.from_days(date(2026, 10, 8), CHANGED_DAY, ZONE),)
    assert outcomes["pipeline"].reconciliation.reread == (
        Window.from_days(date(2026, 10, 2), date(2026, 10, 2), ZONE), Window.from_days(date(2026, 10, 8), CHANGED_DAY, ZONE)
    )
    assert summary.status == "succeeded"

    with Store(config.storage_url()) as store:
        for name in config.metrics:
            stored = {value.day: value.value for value in store.daily_values(name, QUARTER.first_day, NIGHT)}
            assert stored == expected[name], name
            history = store.observation_history(name, CHANGED_DAY, CHANGED_DAY)
            assert [(row.revision, row.value) for row in history] == [(1, before[name]), (2, expected[name][CHANGED_DAY])], name
        actuals = {kr.metric: kr.actual for objective in evaluate(config, store, NIGHT).objectives for kr in objective.key_results}
        assert actuals == {name: sum(series.values()) for name, series in expected.items()}
        [latest, _] = recent_runs(store, 2)
        assert latest.api_calls == calls
        assert latest.message == (
            "past days of 4 metrics checked against the source in 17 API calls: 4 days corrected "
            "(new_contacts 1, inbound_mqls 1, deals 1, pipeline 1)"
        )

    # A night where nothing changed: a total per count, nothing written. The pipeline's deals are counted by the
    # deal count's total; the merge's primary, modified less than an hour before the last check began (HubSpot's
    # index lags writes), is looked up and its day read again: 2 calls.
    again, calls = sync(config_path, portal, NIGHT)
    assert calls == again.api_calls == 5 + 3 + 2 + PORTAL_ID
    assert {outcome.metric: (outcome.reconciliation.api_calls, outcome.values_added) for outcome in again.metrics} == {
        "new_contacts": (1, 0), "inbound_mqls": (1, 0), "deals": (1, 0), "pipeline": (2, 0)
    }
    with Store(config.storage_url()) as store:
        assert recent_runs(store, 1)[0].message == "past days of 4 metrics checked against the source in 5 API calls: nothing to correct"


def test_an_amount_edited_weeks_later_is_corrected_in_one_night_by_the_deals_modified_since(
    prefect_harness, portal, database_url, tmp_path, monkeypatch
):
    config_path = write_config(tmp_path, portal, database_url, monkeypatch)
    sync(config_path, portal, FIRST_NIGHT)
    portal.edit("deals", "7000002", {"amount": "45500"})  # dated 14 Oct, out of the look-back: no count changes

    summary, calls = sync(config_path, portal, NIGHT)

    outcomes = {outcome.metric: outcome for outcome in summary.metrics}
    # The deal count's quarter total agrees (1); the sum's deals are counted by it (0), the deals modified since
    # the last night are read (1: the edited one) and 14 Oct is read again (1).
    assert {name: outcomes[name].reconciliation.api_calls for name in ("deals", "pipeline")} == {"deals": 1, "pipeline": 2}
    assert outcomes["pipeline"].reconciliation.reread == (Window.from_days(CHANGED_DAY, CHANGED_DAY, ZONE),)
    assert outcomes["pipeline"].days_corrected == 1 and outcomes["deals"].days_corrected == 0
    assert calls == summary.api_calls
    with Store(load_config(config_path).storage_url()) as store:
        [value] = store.daily_values("pipeline", CHANGED_DAY, CHANGED_DAY)
        assert value.value == expected_series(portal.dataset)["pipeline"][CHANGED_DAY]
        assert value.records == expected_series(portal.dataset)["deals"][CHANGED_DAY]


def test_a_full_refresh_or_a_first_night_needs_no_reconciliation(prefect_harness, portal, database_url, tmp_path, monkeypatch):
    config_path = write_config(tmp_path, portal, database_url, monkeypatch)
    first, _ = sync(config_path, portal, NIGHT)
    assert all(outcome.reconciliation is None for outcome in first.metrics)
    full = nightly_sync(str(config_path), as_of=NIGHT, today=NIGHT, full_refresh=True, send_email=False, send_notify=False)
    assert all(outcome.reconciliation is None for outcome in full.metrics)
    assert full.reconciliation_note() is None


# --- the plain steps, without Prefect ---------------------------------------------------------

METRICS = parse_config(CONFIG.format(base_url="http://127.0.0.1:9", database_url="sqlite://")).metrics


def connect(server: SandboxServer) -> HubSpotConnector:
    source = HubSpotSource(type="hubspot", base_url=server.base_url, search_requests_per_second=1000, requests_per_10_seconds=10_000)
    return HubSpotConnector("hubspot", source, token=SecretStr(server.token), metrics=METRICS)


def test_a_single_changed_day_in_a_long_window_is_found_in_log_n_totals(portal):
    window = Window.from_days(date(2026, 7, 22), date(2026, 11, 26), ZONE)  # 128 days
    stored = connect(portal).read("new_contacts", METRICS["new_contacts"], window, NIGHT).values
    gone = [record["id"] for record in live(portal.dataset.contacts) if local_day(record["properties"]["createdate"]) == CHANGED_DAY]
    portal.archive("contacts", gone)
    connector = connect(portal)
    connector.check("new_contacts", METRICS["new_contacts"])
    portal.reset_calls()

    result = reconcile(connector, "new_contacts", METRICS["new_contacts"], window, NIGHT, StoredDays(stored))

    # 128 days halve to 64, 32, 16, 8 and 4: the window's total, one per halving, then one read of 4 days.
    assert result.api_calls == portal.call_count == 1 + 5 + 1
    [reread] = result.reread
    assert len(reread.days()) == 4 and reread.first_day <= CHANGED_DAY <= reread.last_day
    assert result.corrections == {day: value for day, value in daily(portal.dataset.contacts, "createdate").items() if day in reread.days()}
    assert result.corrections[CHANGED_DAY] == stored[CHANGED_DAY] - len(gone)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_failed_check_is_a_warning_and_keeps_the_nights_reading(portal, database_url):
    spec = METRICS["new_contacts"]
    with Store(database_url) as store:
        run_id = store.start_run(FIRST_NIGHT)
        record_reading(store, run_id, "hubspot", connect(portal).read("new_contacts", spec, Window.from_days(QUARTER.first_day, FIRST_NIGHT, ZONE), FIRST_NIGHT))
        run_id = store.start_run(NIGHT)
        connector = connect(portal)
        reading = connector.read("new_contacts", spec, Window.from_days(date(2026, 11, 25), NIGHT, ZONE), NIGHT)
        portal.faults.push(Fault(status=403, on="/contacts/search", missing_scopes=("crm.objects.contacts.read",)))

        result = reconcile_reading(store, connector, spec, reading, QUARTER, NIGHT)
        outcome = record_reading(store, run_id, "hubspot", reading, reconciliation=result)

        assert outcome.status == "succeeded" and outcome.days_corrected == 0 and result.corrections == {}
        assert outcome.warnings == [f"past days (2026-10-01 to {NIGHT}) not checked against the source: {result.error}"]
        assert "missing scopes: crm.objects.contacts.read" in result.error
        stored = {value.day: value.value for value in store.daily_values("new_contacts", date(2026, 11, 25), NIGHT)}
        assert stored == reading.values, "the night's reading is stored"
        [fetch] = store.fetches(run_id)
        assert (fetch.status, fetch.warning) == ("succeeded", outcome.warnings[0])
    summary = SyncSummary(run_id=run_id, as_of=NIGHT, metrics=[outcome])
    assert summary.problems() == "past days of 1 metric not checked against the source (see the warnings)"
    assert summary.reconciliation_note() is None and summary.warned == [outcome]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_csv_row_corrected_weeks_later_is_read_again_at_no_call(tmp_path, database_url):
    rows = {day: float(day.day) for day in QUARTER.days()}
    sheet = tmp_path / "signups.csv"

    def write() -> None:
        sheet.write_text("date,signups\n" + "".join(f"{day.isoformat()},{value:g}\n" for day, value in rows.items()))

    config = parse_config(f"""
company: Acme
timezone: Europe/Berlin
period: 2026-Q4
sources: {{sheet: {{type: csv, path: "{sheet}"}}}}
metrics: {{signups: {{source: sheet, kind: csv_column, column: signups}}}}
""")
    spec = config.metrics["signups"]
    write()
    with Store(database_url) as store:
        run_id = store.start_run(NIGHT)
        record_reading(store, run_id, "sheet", connector_for("sheet", config.sources["sheet"]).read("signups", spec, QUARTER, NIGHT))
        rows[CHANGED_DAY] += 5  # someone fixes a row of six weeks ago, long out of the look-back
        write()
        run_id = store.start_run(NIGHT)
        connector = connector_for("sheet", config.sources["sheet"])
        look_back = Window.from_days(NIGHT - timedelta(days=7), NIGHT, ZONE)
        assert needs_reconciliation(spec, look_back, QUARTER) and not spec.reconciled_by_total
        reading = connector.read("signups", spec, look_back, NIGHT)
        outcome = record_reading(store, run_id, "sheet", reading, reconciliation=reconcile_reading(store, connector, spec, reading, QUARTER, NIGHT))
        assert (outcome.days_corrected, outcome.api_calls, outcome.reconciliation.reread) == (1, 0, (QUARTER,))
        assert store.daily_values("signups", CHANGED_DAY, CHANGED_DAY)[0].value == rows[CHANGED_DAY]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_sum_stored_before_record_counts_were_kept_is_read_whole_once_and_gains_them_without_a_revision(portal, database_url):
    spec = METRICS["pipeline"]
    first_days = Window.from_days(QUARTER.first_day, FIRST_NIGHT, ZONE)
    with Store(database_url) as store:
        run_id = store.start_run(FIRST_NIGHT)
        old = connect(portal).read("pipeline", spec, first_days, FIRST_NIGHT)
        assert old.records is not None and sum(old.records.values()) > 0
        record_reading(store, run_id, "hubspot", MetricReading(old.metric, old.values, old.api_calls))  # no counts, as before
        store.finish_run(run_id, "succeeded")
        run_id = store.start_run(NIGHT)
        connector = connect(portal)
        reading = connector.read("pipeline", spec, Window.from_days(date(2026, 11, 25), NIGHT, ZONE), NIGHT)

        result = reconcile_reading(store, connector, spec, reading, QUARTER, NIGHT)
        outcome = record_reading(store, run_id, "hubspot", reading, reconciliation=result)

        assert (result.by_total, result.reread, outcome.days_corrected) == (False, (QUARTER,), 0)
        stored = store.daily_values("pipeline", QUARTER.first_day, FIRST_NIGHT)
        assert {value.day: value.records for value in stored} == {day: round(count) for day, count in old.records.items()}
        assert {row.revision for row in store.observation_history("pipeline", QUARTER.first_day, FIRST_NIGHT)} == {1}


class UniqueVisitors(MetricSettings):
    """A metric whose days do not add up (the same visitor on two days is one visitor)."""

    kind: str = "unique_visitors"

    @property
    def adds_up_over_days(self) -> bool:
        return False


def test_only_flow_metrics_that_add_up_and_were_not_read_whole_are_reconciled():
    look_back = Window.from_days(date(2026, 11, 25), NIGHT, ZONE)
    snapshot = parse_config(CONFIG.format(base_url="http://127.0.0.1:9", database_url="sqlite://").replace(
        "metrics:\n", "metrics:\n  sqls_now: {source: hubspot, kind: contacts_in_stage, stage: salesqualifiedlead}\n"
    )).metrics["sqls_now"]
    assert needs_reconciliation(METRICS["new_contacts"], look_back, QUARTER)
    assert not needs_reconciliation(METRICS["new_contacts"], QUARTER, QUARTER)
    assert not needs_reconciliation(METRICS["new_contacts"], Window.from_days(date(2026, 9, 28), NIGHT, ZONE), QUARTER)
    assert not needs_reconciliation(snapshot, look_back, QUARTER)
    assert not needs_reconciliation(UniqueVisitors(source="web"), look_back, QUARTER)
    assert [METRICS[name].reconciled_by_total for name in ("new_contacts", "inbound_mqls", "deals", "pipeline")] == [True, True, True, False]
