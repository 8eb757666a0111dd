"""Mappings ops can trust, as ops use them: a typo fails its metric at its line and stores no
zero, a mapping that matches nothing is warned about, the catalogue lists what the portal
holds, a preview reads live and stores nothing, validate --online checks with few calls."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from connectors import load_config
from connectors.sandbox import PARTNER_PIPELINE
from connectors.sandbox.dataset import LIFECYCLE_STAGES
from flows.cli import app
from flows.nightly import SyncIncomplete, nightly_sync
from okrmodel.evaluation import evaluate
from okrmodel.progress import Status
from okrmodel.storage import Store

AS_OF = date(2026, 11, 27)
ZONE = ZoneInfo("Europe/Berlin")
runner = CliRunner()

# Each typo the issue saw pass as a confident 0: (metric line in the demo, typo'd line, field, close match).
TYPOS = [
    ("mqls_now: {source: hubspot, kind: contacts_in_stage, stage: marketingqualifiedlead}",
     "mqls_now: {source: hubspot, kind: contacts_in_stage, stage: marketingqualifiedleed}", "mqls_now.stage", "marketingqualifiedlead"),
    ("deals_created: {source: hubspot, kind: deals_created}",
     "deals_created: {source: hubspot, kind: deals_created, pipeline: defualt}", "deals_created.pipeline", "default"),
    ("pipeline_added: {source: hubspot, kind: deals_created, sum: amount}",
     "pipeline_added: {source: hubspot, kind: deals_closed_won, dealstage: closedwonn, sum: amount}", "pipeline_added.dealstage", "closedwon"),
    ("newsletters: {source: hubspot, kind: marketing_emails_sent, name_contains: Newsletter}",
     "newsletters: {source: hubspot, kind: marketing_emails_sent, name_contains: Newsleter}", "newsletters.name_contains", "Newsletter"),
    ("newsletter_recipients: {source: hubspot, kind: marketing_emails_sent, name_contains: Newsletter, sum: sent}",
     'newsletter_recipients: {source: hubspot, kind: marketing_emails_sent, campaign: "Spring Launhc", sum: sent}', "newsletter_recipients.campaign", None),
    ("where: {hs_analytics_source: [ORGANIC_SEARCH, SOCIAL_MEDIA, REFERRALS]}",
     "where: {hs_analytics_source: [ORGANIC_SEACH, SOCIAL_MEDIA, REFERRALS]}", "inbound_mqls.where.hs_analytics_source", "ORGANIC_SEARCH"),
]


def okr(*args: str):
    return runner.invoke(app, list(args))


def with_typos(config_path: Path) -> Path:
    text = config_path.read_text()
    for correct, typo, _field, _close in TYPOS:
        assert correct in text, correct
        text = text.replace(correct, typo)
    config_path.write_text(text)
    return config_path


def line_of(config_path: Path, needle: str) -> int:
    return next(number for number, line in enumerate(config_path.read_text().splitlines(), 1) if needle in line)


def test_validate_online_locates_every_typo_with_its_close_match(demo_config: Path, sandbox):
    with_typos(demo_config)
    result = okr("validate", "--online", "-c", str(demo_config))
    assert result.exit_code == 2, result.output
    for _correct, typo, field, close in TYPOS:
        expected = f"{demo_config}: metrics.{field}: "
        line = next(line for line in result.stderr.splitlines() if line.startswith(expected))
        assert line.endswith(f"(line {line_of(demo_config, typo.split(':')[0] if 'where' not in field else 'ORGANIC_SEACH')})"), line
        if close:
            assert f"did you mean '{close}'?" in line, line
    assert f"{demo_config}: {len(TYPOS)} of 7 metrics mapped to something their source does not have" in result.stderr
    assert not any(path.endswith("/search") for _method, path in sandbox.calls), "checking reads no data"


def test_validate_online_reads_each_list_once(demo_config: Path, sandbox):
    result = okr("validate", "--online", "-c", str(demo_config))
    assert result.exit_code == 0, result.output
    paths = [path for _method, path in sandbox.calls]
    # The demo maps stages and a where: option (contact properties), a sum (deal properties)
    # and email names (one page of emails): one call per list, whatever the number of metrics.
    assert sorted(paths) == sorted(["/crm/v3/properties/contacts", "/crm/v3/properties/deals", "/marketing/v3/emails/"]), paths
    assert f"all 7 mappings found in their sources ({len(paths)} API calls)" in result.stdout


def test_a_sync_with_typos_stores_no_zero_and_keeps_earlier_values(prefect_harness, demo_config: Path, sandbox):
    summary = nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF)
    assert summary.status == "succeeded"
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        before = {name: store.daily_values(name, date(2026, 10, 1), AS_OF) for name in config.metrics}
        healthy = evaluate(config, store, AS_OF)

    with_typos(demo_config)
    with pytest.raises(SyncIncomplete) as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, send_email=False)
    failed = {outcome.metric: outcome.error for outcome in caught.value.summary.failed}
    assert set(failed) == {field.split(".")[0] for _c, _t, field, _m in TYPOS}
    assert all(error.startswith(f"{demo_config}: metrics.") for error in failed.values()), failed

    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        after = {name: store.daily_values(name, date(2026, 10, 1), AS_OF) for name in config.metrics}
        report = evaluate(config, store, AS_OF)
    assert after == before, "a failed metric stores nothing; its earlier values stay"
    statuses = {kr.metric: kr for objective in report.objectives for kr in objective.key_results if kr.metric}
    for metric in failed:
        if metric in statuses:
            key_result = statuses[metric]
            assert key_result.status is Status.STALE and key_result.last_fetch.failed, key_result
            assert key_result.actual == next(kr for o in healthy.objectives for kr in o.key_results if kr.id == key_result.id).actual


def test_a_mapping_that_matches_nothing_is_warned_about_not_shown_as_zero(prefect_harness, demo_config: Path, sandbox, tmp_path):
    # OTHER_CAMPAIGNS is a real option of the portal, so every check passes; no contact has it.
    demo_config.write_text(
        demo_config.read_text().replace("new_contacts: {source: hubspot, kind: contacts_created}",
                                        "new_contacts: {source: hubspot, kind: contacts_created, where: {hs_analytics_source: OTHER_CAMPAIGNS}}")
    )
    report_path = tmp_path / "report.html"
    summary = nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, report_path=str(report_path))
    (outcome,) = summary.warned
    quarter_total = sum(
        1 for record in sandbox.dataset.contacts
        if datetime(2026, 10, 1, tzinfo=ZONE) <= datetime.fromisoformat(record["properties"]["createdate"].replace("Z", "+00:00")) < datetime(2026, 11, 28, tzinfo=ZONE)
    )
    assert outcome.metric == "new_contacts"
    assert outcome.warning == (
        f"0 over the whole window (2026-10-01 to 2026-11-27) while the same query without its filters reads {quarter_total:,}: check the mapping"
    )
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        (run,) = store.runs(1)
        assert "1 metric read 0 over the whole window" in run.message
        assert next(fetch for fetch in store.fetches(run.id) if fetch.metric == "new_contacts").warning == outcome.warning
        key_result = next(kr for o in evaluate(config, store, AS_OF).objectives for kr in o.key_results if kr.id == "new-contacts")
    assert key_result.status is Status.NO_DATA and key_result.actual == 0
    assert key_result.status_reason == f"doubtful: {outcome.warning}"
    assert "check the mapping" in report_path.read_text()
    runs = json.loads(okr("runs", "--json", "-c", str(demo_config), "--as-of", AS_OF.isoformat()).stdout)
    assert next(row for row in runs["metrics"] if row["metric"] == "new_contacts")["last_warning"] == outcome.warning
    from okrmodel.briefing import build_report_data
    from reports import build_view

    with Store(config.storage_url()) as store:
        view = build_view(build_report_data(config, store, AS_OF))
    shown = next(kr for section in view.sections if hasattr(section, "objectives") for o in section.objectives for kr in o.key_results if kr.id == "new-contacts")
    assert shown.figures[0].value == "\u2014" and shown.headline.startswith("no value yet"), "a doubtful zero is never shown as a number"


def test_catalog_lists_what_the_portal_holds(demo_config: Path, sandbox):
    result = okr("catalog", "hubspot", "--json", "-c", str(demo_config))
    assert result.exit_code == 0, result.output
    (source,) = json.loads(result.stdout)["sources"]
    tables = {table["name"]: table for table in source["tables"]}
    assert {row["id"] for row in tables["lifecycle_stages"]["rows"]} == set(LIFECYCLE_STAGES)
    assert {row["pipeline"] for row in tables["pipelines"]["rows"]} >= {"default", PARTNER_PIPELINE.id}
    assert {row["name"] for row in tables["campaigns"]["rows"]} == {campaign["properties"]["hs_name"] for campaign in sandbox.dataset.campaigns}
    assert source["api_calls"] == sandbox.call_count

    searched = okr("catalog", "--search", "partner", "-c", str(demo_config))
    assert searched.exit_code == 0, searched.output
    assert "Partner Pipeline" in searched.stdout and "Marketing Qualified Lead" not in searched.stdout
    unknown = okr("catalog", "hubspt", "-c", str(demo_config))
    assert unknown.exit_code == 2 and "no source 'hubspt'; the config has hubspot" in unknown.stderr


def test_preview_reads_live_stores_nothing_and_equals_the_stored_value(prefect_harness, demo_config: Path, sandbox):
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        assert store.observation_count() == 0
    sandbox.reset_calls()
    result = okr("metrics", "preview", "new_contacts", "--as-of", AS_OF.isoformat(), "--json", "-c", str(demo_config))
    assert result.exit_code == 0, result.output
    preview = json.loads(result.stdout)
    with Store(config.storage_url()) as store:
        assert store.observation_count() == 0 and store.runs(1) == [], "a preview writes nothing"
    assert preview["api_calls"] == sandbox.call_count > 0
    assert preview["window"] == {"kind": "period", "first_day": "2026-10-01", "last_day": AS_OF.isoformat()}

    nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF)
    with Store(config.storage_url()) as store:
        stored = sum(value.value for value in store.daily_values("new_contacts", date(2026, 10, 1), AS_OF))
    assert preview["value"] == stored == sum(day["value"] for day in preview["daily"])


def test_preview_of_a_mapping_not_yet_in_the_file(demo_config: Path, sandbox):
    customers = okr("metrics", "preview", "customers", "--define", "{source: hubspot, kind: contacts_entered_stage, stage: customer}",
                    "--as-of", AS_OF.isoformat(), "--window", "month", "--json", "-c", str(demo_config))
    assert customers.exit_code == 0, customers.output
    entered = sum(
        1 for record in sandbox.dataset.contacts
        if (stamp := record["properties"].get("hs_v2_date_entered_customer"))
        and datetime(2026, 11, 1, tzinfo=ZONE) <= datetime.fromisoformat(stamp.replace("Z", "+00:00")) < datetime(2026, 11, 28, tzinfo=ZONE)
    )
    assert json.loads(customers.stdout)["value"] == entered

    typo = okr("metrics", "preview", "customers", "--define", "{source: hubspot, kind: contacts_entered_stage, stage: custmer}", "-c", str(demo_config))
    assert typo.exit_code == 1 and "'custmer' is not a lifecycle stage (did you mean 'customer'?" in typo.stderr
    bad_kind = okr("metrics", "preview", "x", "--define", "{source: hubspot, kind: contacts_entred_stage}", "-c", str(demo_config))
    assert bad_kind.exit_code == 2 and "--define: unknown kind 'contacts_entred_stage' (did you mean 'contacts_entered_stage'?)" in bad_kind.stderr
    unknown = okr("metrics", "preview", "new_contact", "-c", str(demo_config))
    assert unknown.exit_code == 2 and "no metric 'new_contact' (did you mean 'new_contacts'?)" in unknown.stderr


def test_metrics_list_says_what_each_metric_feeds(demo_config: Path):
    demo_config.write_text(demo_config.read_text().replace("metrics:\n", "metrics:\n  spare: {source: hubspot, kind: contacts_created}\n", 1))
    result = okr("metrics", "list", "--json", "-c", str(demo_config), "--as-of", AS_OF.isoformat())
    assert result.exit_code == 0, result.output
    uses = {use["metric"]: use for use in json.loads(result.stdout)["metrics"]}
    assert uses["inbound_mqls"]["key_results"] == ["inbound-mqls"] and not uses["inbound_mqls"]["unused"]
    assert uses["spare"]["unused"] and uses["spare"]["newest_day"] is None and uses["spare"]["last_fetch"] is None
    table = okr("metrics", "list", "-c", str(demo_config), "--as-of", AS_OF.isoformat())
    assert "metric 'spare' feeds no key result" in table.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("checkin", "crm-training", "3,5"), "VALUE: '3,5' is not a number: decimals take a dot, thousands no separator"),
        (("checkin", "crm-training", "three"), "VALUE: 'three' is not a number; give the value reached, such as 3 or 1250.5"),
        (("checkin", "crm-training", "inf"), "VALUE: 'inf' is not a finite number"),
        (("status", "--as-of", "2026-02-30"), "--as-of: 2026-02-30 does not exist (February 2026 has 28 days)"),
        (("status", "--as-of", "2026-13-01"), "--as-of: 2026-13-01 does not exist (there is no month 13)"),
    ],
)
def test_input_errors_echo_the_value_in_one_line(demo_config: Path, args, message):
    result = okr(*args, "-c", str(demo_config))
    assert result.exit_code == 2
    assert result.stderr.strip().startswith(message), result.stderr
    assert "Traceback" not in result.output and "╭" not in result.output


def test_validate_online_tells_an_unanswered_source_from_a_wrong_mapping(demo_config: Path, monkeypatch):
    from flows.demo import DEMO_TOKEN_ENV

    monkeypatch.delenv(DEMO_TOKEN_ENV)
    result = okr("validate", "--online", "-c", str(demo_config))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].endswith(f"hubspot: environment variable {DEMO_TOKEN_ENV} is not set; it must hold a private-app token"), "one line per distinct cause"
    assert lines[-1] == f"{demo_config}: 7 of 7 metrics could not be checked: their source did not answer (the mappings may be right)"
    assert "mapped to something" not in result.stderr
