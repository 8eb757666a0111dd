"""The pages as owners and ops use them: the live overview, a KR's history with provenance and
its check-in form (owners on their own KRs only, every bad value located, input kept), actions
marked started or done, runs with "sync now" never twice, and text from the config or a
check-in always shown as text."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from typer.testing import CliRunner

from flows.cli import app
from okrmodel.briefing import build_report_data
from okrmodel.evaluation import evaluate
from reports import render_report
from tests.console.conftest import MARIA, NOW, SAM, open_console, post_form, sign_in_ops, sign_in_owner, write_company

TODAY = date(2026, 11, 20)


def test_the_overview_is_the_live_report_with_a_link_to_each_key_result(console):
    sign_in_ops(console.client)
    assert console.client.get("/").headers["location"] == "/c/acme-cloud/"
    page = console.client.get("/c/acme-cloud/").text
    for section in ('id="attention"', 'id="objectives"', 'id="health"'):
        assert section in page
    assert page.count('<svg viewBox') == 1  # the one metric KR's trend
    assert {"/c/acme-cloud/kr/leads", "/c/acme-cloud/kr/training", "/c/acme-cloud/kr/deals"} <= set(re.findall(r'href="(/c/acme-cloud/kr/[^"#]+)"', page))


def test_the_key_result_page_shows_every_revision_with_its_source_and_run(console, company_config):
    sign_in_ops(console.client)
    page = console.client.get("/c/acme-cloud/kr/leads").text
    runs = [run.id for run in console.store().runs()]
    assert "sheet:leads, revision 2" in page and "sheet:leads, revision 1 (superseded)" in page
    assert all(run[:8] in page for run in runs)
    assert page.count("<tr") == 1 + 51  # the header, 50 days synced and 19 Nov corrected once
    assert 'role="img"' in page  # the trend against the pace line, as in the report


def test_an_owner_checks_in_and_it_shows_in_history_status_and_report(console, company_config):
    sign_in_owner(console, MARIA)
    saved = post_form(console.client, "/c/acme-cloud/kr/training", "/c/acme-cloud/kr/training/checkin", {"value": "3", "note": "Three trained", "confidence": "7"})
    assert saved.status_code == 303 and saved.headers["location"] == "/c/acme-cloud/kr/training?saved"
    page = console.client.get(saved.headers["location"]).text
    assert "Checked in." in page and "check-in by Maria" in page and "Three trained" in page and "confidence 7/10" in page
    [checkin] = console.store().checkins("training")
    assert (checkin.value, checkin.author, checkin.day, checkin.confidence) == (3.0, "Maria", TODAY, 7)
    config = console.client.app.state.console.companies[0].config
    training = next(kr for objective in evaluate(config, console.store(), TODAY).objectives for kr in objective.key_results if kr.id == "training")
    assert training.actual == 3
    status = CliRunner().invoke(app, ["status", "--json", "-c", str(company_config), "--as-of", TODAY.isoformat()], obj=NOW)
    assert status.exit_code == 0, status.output
    [listed] = [kr for objective in json.loads(status.stdout)["objectives"] for kr in objective["key_results"] if kr["id"] == "training"]
    assert listed["actual"] == 3 and listed["checkin"]["author"] == "Maria" and listed["checkin"]["note"] == "Three trained"
    assert "20 Nov: 3 people" in render_report(build_report_data(config, console.store(), TODAY))


def test_an_owner_cannot_check_in_on_another_owners_key_result(console):
    sign_in_owner(console, SAM)
    page = console.client.get("/c/acme-cloud/kr/training").text
    assert "Only Maria or ops check in" in page and 'name="value"' not in page
    refused = post_form(console.client, "/c/acme-cloud/kr/training", "/c/acme-cloud/kr/training/checkin", {"value": "3"})
    assert refused.status_code == 403
    assert console.store().checkins("training") == []
    assert post_form(console.client, "/c/acme-cloud/kr/deals", "/c/acme-cloud/kr/deals/checkin", {"value": "4"}).status_code == 303


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("value", "1,5", "Value: &#39;1,5&#39; is not a number: decimals take a dot, thousands no separator"),
        ("value", "nan", "Value: &#39;nan&#39; is not a finite number"),
        ("value", "1e300", "Value: &#39;1e300&#39; is too large"),
        ("value", "", "Value: &#39;&#39; is not a number"),
        ("note", "two\nlines", "Note: &#39;two\\nlines&#39; contains a line break; give one line"),
        ("note", "x" * 1001, "Note: is 1,001 characters long; give at most 1,000"),
        ("confidence", "11", "Confidence: give a whole number from 1"),
        ("confidence", "high", "Confidence: give a whole number from 1"),
    ],
)
def test_a_bad_check_in_is_refused_beside_its_field_keeping_what_was_typed(console, field, typed, message):
    sign_in_owner(console, MARIA)
    form = {"value": "3", "note": "kept note", "confidence": "5", field: typed}
    answer = post_form(console.client, "/c/acme-cloud/kr/training", "/c/acme-cloud/kr/training/checkin", form)
    assert answer.status_code == 422
    assert message in answer.text
    assert f'id="checkin-{field}-error"' in answer.text and 'aria-invalid="true"' in answer.text
    if field != "note":
        assert 'name="note" type="text" value="kept note"' in answer.text
    assert console.store().checkins("training") == []


HOSTILE = '<script>alert("x")</script>'


def test_config_text_and_check_in_notes_are_shown_as_text(tmp_path, database_url, inbox, monkeypatch):
    from tests.console.conftest import TOKEN, TOKEN_ENV, seed_sync

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.delenv("OKR_DATABASE_URL", raising=False)
    path = write_company(tmp_path / "hostile", database_url, inbox.port, company="Acme <b>Cloud</b>", title=HOSTILE.replace('"', "'"))
    seed_sync(database_url)
    hostile = open_console([path], inbox)
    try:
        sign_in_owner(hostile, MARIA)
        slug = hostile.client.app.state.console.companies[0].slug
        post_form(hostile.client, f"/c/{slug}/kr/training", f"/c/{slug}/kr/training/checkin", {"value": "2", "note": '<img src=x onerror="alert(1)">'})
        for path_shown in (f"/c/{slug}/", f"/c/{slug}/kr/training", f"/c/{slug}/actions"):
            page = hostile.client.get(path_shown).text
            assert "<script>" not in page and "<b>Cloud</b>" not in page and "<img src=x" not in page
            assert "Acme &lt;b&gt;Cloud&lt;/b&gt;" in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in hostile.client.get(f"/c/{slug}/").text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in hostile.client.get(f"/c/{slug}/kr/training").text
    finally:
        hostile.client.app.state.console.companies[0].close()


def test_owners_mark_their_actions_started_or_done_and_not_others(console):
    sign_in_owner(console, MARIA)
    page = console.client.get("/c/acme-cloud/actions").text
    assert "overdue, planned" in page  # due 15 Nov, nobody said anything yet
    started = post_form(console.client, "/c/acme-cloud/actions", "/c/acme-cloud/actions", {"action": "demand.launch-the-webinar-series", "status": "in_progress"})
    assert started.status_code == 303
    page = console.client.get("/c/acme-cloud/actions").text
    assert "overdue, in progress" in page and "marked in progress by Maria on 20 Nov 2026, 11:00 UTC" in page
    refused = post_form(console.client, "/c/acme-cloud/actions", "/c/acme-cloud/actions", {"action": "pipeline.clean-crm-data", "status": "done"})
    assert refused.status_code == 403
    wrong = post_form(console.client, "/c/acme-cloud/actions", "/c/acme-cloud/actions", {"action": "demand.launch-the-webinar-series", "status": "dropped"})
    assert wrong.status_code == 400
    done = post_form(console.client, "/c/acme-cloud/actions", "/c/acme-cloud/actions", {"action": "demand.launch-the-webinar-series", "status": "done"})
    assert done.status_code == 303
    updates = console.store().action_updates("demand.launch-the-webinar-series")
    assert [(update.status, update.author) for update in updates] == [("in_progress", "Maria"), ("done", "Maria")]
    assert console.store().action_updates("pipeline.clean-crm-data") == []


def test_runs_and_metrics_are_for_ops_only(console):
    sign_in_owner(console, MARIA)
    assert console.client.get("/c/acme-cloud/runs").status_code == 403
    assert console.client.get("/c/acme-cloud/metrics").status_code == 403
    assert post_form(console.client, "/c/acme-cloud/", "/c/acme-cloud/runs/sync", {}).status_code == 403


def test_the_runs_page_lists_each_metrics_outcome_and_freshness_by_source(console):
    sign_in_ops(console.client)
    page = console.client.get("/c/acme-cloud/runs").text
    assert page.count("<details") == 2 and "succeeded" in page
    assert re.search(r"<h3 class=\"subhead\">sheet</h3>", page)
    assert "19 Nov 2026" in page


def test_a_metric_never_synced_reads_not_synced_yet_rather_than_ok(company_config, inbox):
    text = company_config.read_text()
    company_config.write_text(text.replace("metrics:\n", "metrics:\n  signups: {source: sheet, kind: csv_column, column: signups}\n", 1))
    console = open_console([company_config], inbox)
    try:
        sign_in_ops(console.client)
        page = console.client.get("/c/acme-cloud/runs").text
        rows = dict(re.findall(r'<td data-label="Metric">(\w+)</td>.*?<td data-label="Last attempt">([^<]*)</td>', page, re.S))
        assert rows == {"signups": "not synced yet", "leads": "ok"}
    finally:
        for company in console.client.app.state.console.companies:
            company.close()


def test_sync_now_is_refused_while_another_sync_runs(console):
    sign_in_ops(console.client)
    running = console.store().start_run(TODAY)  # a sync of this process, still running
    answer = post_form(console.client, "/c/acme-cloud/runs", "/c/acme-cloud/runs/sync", {})
    assert answer.status_code == 409
    assert re.search(r"Another sync of Acme Cloud is running on \S+ \(pid \d+\) since \d{4}-\d\d-\d\d \d\d:\d\d UTC; it was not started twice", answer.text)
    assert [run.id for run in console.store().running_runs()] == [running]


def test_several_companies_show_as_a_portfolio_and_each_owner_sees_only_theirs(tmp_path, database_url, inbox, monkeypatch):
    from tests.console.conftest import TOKEN, TOKEN_ENV, seed_sync

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    monkeypatch.delenv("OKR_DATABASE_URL", raising=False)
    acme = write_company(tmp_path / "acme", database_url, inbox.port)
    seed_sync(database_url)
    other_url = f"sqlite:///{tmp_path / 'globex.db'}"
    globex = write_company(tmp_path / "globex", other_url, inbox.port, company="Globex")
    globex.write_text(globex.read_text().replace("Maria: maria@acme.example", "Nina: nina@globex.example").replace("owner: Maria", "owner: Nina"))
    both = open_console([acme, globex], inbox)
    try:
        sign_in_ops(both.client)
        portfolio = both.client.get("/").text
        assert 'href="/c/acme-cloud/"' in portfolio and 'href="/c/globex/"' in portfolio
        assert both.client.get("/kr/leads").status_code == 404  # both companies have it: which one?
        sam = open_console([acme, globex], inbox)
        sign_in_owner(sam, SAM)  # Sam owns in both companies
        nina = open_console([acme, globex], inbox)
        sign_in_owner(nina, "nina@globex.example")
        assert nina.client.get("/").headers["location"] == "/c/globex/"
        assert nina.client.get("/c/acme-cloud/").status_code == 404
        assert nina.client.get("/kr/training").headers["location"] == "/c/globex/kr/training"
    finally:
        for company in both.client.app.state.console.companies:
            company.close()
