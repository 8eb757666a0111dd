"""``alerts:``, and which runs alert ops and what they say, decided from the store's run records (no Prefect)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from connectors import load_config, parse_config
from okrmodel.alerting import RunProblem, all_clear, failure_alert, fix_for, unrecorded_failure_alert
from okrmodel.config import ConfigError, salvage_alert_route
from okrmodel.storage import Store

CONFIG = parse_config(
    """
company: Acme Cloud
period: 2026-Q4
report_url: https://okr.acme.example/reports
sources:
  hubspot: {type: hubspot, token_env: ACME_HUBSPOT_TOKEN}
  sheet: {type: csv, path: data/signups.csv}
metrics:
  new_contacts: {source: hubspot, kind: contacts_created}
  signups: {source: sheet, kind: csv_column, column: signups}
""",
    name="acme.yaml",
)
D1 = date(2026, 11, 25)
REJECTED = "hubspot: token invalid or expired: Authentication credentials not found (HTTP 401, correlationId abc-1)"


def night(store: Store, as_of: date, outcome: str) -> str:
    """One run: ``succeeded`` reads both metrics, ``failed`` neither (a rejected token and a bad CSV
    row), ``partial`` only the CSV's."""
    run = store.start_run(as_of)
    if outcome == "succeeded" or outcome == "partial":
        store.save_observations(run, "signups", "sheet", {as_of: 3.0})
        store.record_fetch(run, "signups", "sheet", status="succeeded")
    else:
        store.record_fetch(run, "signups", "sheet", status="failed", error="data/signups.csv:14: column 'signups': 'n/a' is not a number")
    if outcome == "succeeded":
        store.save_observations(run, "new_contacts", "hubspot", {as_of: 12.0})
        store.record_fetch(run, "new_contacts", "hubspot", status="succeeded")
    else:
        store.record_fetch(run, "new_contacts", "hubspot", status="failed", error=REJECTED)
    store.finish_run(run, outcome)
    return run


def run_of(store: Store, run_id: str):
    return next(run for run in store.runs(limit=100) if run.id == run_id)


def test_a_success_after_a_success_says_nothing(database_url):
    with Store(database_url) as store:
        night(store, D1, "succeeded")
        second = night(store, D1 + timedelta(days=1), "succeeded")
        assert all_clear(CONFIG, store, run_of(store, second)) is None


def test_the_second_failure_in_a_row_is_failing_since_the_first(database_url):
    with Store(database_url) as store:
        good = night(store, D1, "succeeded")
        first = night(store, D1 + timedelta(days=1), "failed")
        second = night(store, D1 + timedelta(days=2), "failed")
        once = failure_alert(CONFIG, store, run_of(store, first))
        twice = failure_alert(CONFIG, store, run_of(store, second), flow_run="brave-otter")
        good_run, first_run = run_of(store, good), run_of(store, first)
    assert (once.failed_runs, once.failing_since) == (1, first_run.started_at)
    assert (twice.failed_runs, twice.failing_since, twice.failing_since_as_of) == (2, first_run.started_at, D1 + timedelta(days=1))
    assert (twice.status, twice.metrics_read, twice.flow_run, twice.report_url) == ("failed", 2, "brave-otter", "https://okr.acme.example/reports")
    contacts, signups = sorted(twice.metrics, key=lambda metric: metric.metric)
    # The data of each failed metric is as old as its last successful read.
    assert (contacts.source, contacts.error, contacts.last_success_at, contacts.newest_day) == ("hubspot", REJECTED, good_run.started_at, D1)
    assert "$ACME_HUBSPOT_TOKEN" in contacts.fix
    assert (signups.source, signups.last_success_at, signups.fix) == ("sheet", good_run.started_at, None)


def test_the_first_success_after_failures_is_one_all_clear(database_url):
    with Store(database_url) as store:
        night(store, D1, "succeeded")
        first = night(store, D1 + timedelta(days=1), "partial")
        night(store, D1 + timedelta(days=2), "failed")
        back = night(store, D1 + timedelta(days=3), "succeeded")
        after = night(store, D1 + timedelta(days=4), "succeeded")
        clear = all_clear(CONFIG, store, run_of(store, back))
        back_run, first_run = run_of(store, back), run_of(store, first)
        assert all_clear(CONFIG, store, run_of(store, after)) is None
    assert (clear.failed_runs, clear.stale_from, clear.stale_from_as_of) == (2, first_run.started_at, D1 + timedelta(days=1))
    assert (clear.back_since, clear.as_of) == (back_run.finished_at, D1 + timedelta(days=3))


def test_a_partial_run_names_only_what_failed_and_a_first_run_has_no_earlier_success(database_url):
    with Store(database_url) as store:
        partial = night(store, D1, "partial")
        alert = failure_alert(CONFIG, store, run_of(store, partial), problems=(RunProblem("report not emailed", "could not reach smtp.acme.example:587"),))
    assert (alert.status, alert.failed_runs, [metric.metric for metric in alert.metrics]) == ("partial", 1, ["new_contacts"])
    assert alert.metrics[0].last_success_at is None and alert.metrics[0].newest_day is None
    assert [problem.what for problem in alert.problems] == ["report not emailed"]


def test_a_run_that_left_no_record_extends_the_streak_it_follows(database_url):
    with Store(database_url) as store:
        night(store, D1, "succeeded")
        failed = night(store, D1 + timedelta(days=1), "failed")
        crash = unrecorded_failure_alert("Acme Cloud", store, started_at=datetime.now(UTC) + timedelta(seconds=1), problems=(RunProblem("run stopped", "TerminationSignal"),), crashed=True, flow_run="calm-lynx")
        failed_run = run_of(store, failed)
    assert (crash.status, crash.failed_runs, crash.failing_since, crash.metrics, crash.as_of) == ("crashed", 2, failed_run.started_at, (), None)


@pytest.mark.parametrize(
    ("source", "error", "fix"),
    [
        ("hubspot", REJECTED, "put a valid one in $ACME_HUBSPOT_TOKEN"),
        ("hubspot", "hubspot: permission denied; missing scopes: content: ... (HTTP 403)", "put a valid one in $ACME_HUBSPOT_TOKEN"),
        ("hubspot", "acme.yaml: metrics.won.dealstage: 'closedwonn' is not a deal stage (line 14)", "Correct that value in acme.yaml"),
        ("hubspot", "hubspot: environment variable ACME_HUBSPOT_TOKEN is not set; it must hold a private-app token", "Set that variable where the sync runs"),
        ("hubspot", "hubspot: HubSpot kept failing after retries: Bad Gateway (HTTP 502)", "the next run reads the missed days by itself"),
        ("hubspot", "hubspot: HubSpot at https://api.hubapi.com unreachable after retries: ConnectionError", "the next run reads the missed days by itself"),
        ("sheet", "data/signups.csv:14: column 'signups': 'n/a' is not a number", None),
    ],
)
def test_each_kind_of_failure_has_its_fix(source, error, fix):
    found = fix_for(CONFIG, source, error)
    assert (found is None) if fix is None else (fix in found)


EMAIL = """email:
  smtp_host: smtp.acme.example
  sender: reports@acme.example
  recipients: [ceo@acme.example]
"""
BASE = "company: Acme Cloud\nperiod: 2026-Q4\n"


def config_problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, name="acme.yaml")
    return str(caught.value).splitlines()


def test_alerts_go_to_their_own_recipients_over_the_email_settings():
    config = parse_config(BASE + EMAIL + "alerts: {recipients: [ops@acme.example, Ops On Call <oncall@acme.example>]}\n")
    assert config.alerts.recipients == ["ops@acme.example", "Ops On Call <oncall@acme.example>"]
    assert parse_config(BASE + EMAIL).alerts is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BASE + "alerts: {recipients: [ops@acme.example]}\n",
         "acme.yaml: alerts: alerts are sent with the SMTP settings of email:, which this file lacks; add email: (smtp_host, sender, recipients) (line 3)"),
        (BASE + EMAIL + "alerts:\n  recipients: [ops]\n", "acme.yaml: alerts.recipients: 'ops' is not an email address (line 8)"),
        (BASE + EMAIL + "alerts: {recipients: []}\n", "acme.yaml: alerts.recipients: must list at least 1 item (line 7)"),
        (BASE + EMAIL + "alerts: {recipients: [ops@acme.example], cc: [cto@acme.example]}\n", "acme.yaml: alerts.cc: unknown key (line 7)"),
    ],
)
def test_bad_alerts_get_one_located_message(text, expected):
    assert config_problems(text) == [expected]


def test_a_file_broken_elsewhere_still_says_where_alerts_go(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(BASE + EMAIL + "alerts: {recipients: [ops@acme.example]}\nobjectives: [{id: x, title: T, key_results: [{id: k, title: K, targett: 3}]}]\n")
    with pytest.raises(ConfigError):
        load_config(path)
    route = salvage_alert_route(path)
    assert (route.company, route.email.smtp_host, route.alerts.recipients) == ("Acme Cloud", "smtp.acme.example", ["ops@acme.example"])
    path.write_text(BASE + "alerts: {recipients: [ops@acme.example]}\n")  # without email:, nowhere to send from
    assert salvage_alert_route(path) is None
    path.write_text("company: [Acme\n")
    assert salvage_alert_route(path) is None
