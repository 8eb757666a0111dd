"""The report emailed to leadership, through a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from connectors import load_config, parse_config
from flows.cli import app
from flows.nightly import SyncIncomplete, nightly_sync
from okrmodel.briefing import ReportData, build_report_data
from okrmodel.config import ConfigError, EmailSettings
from okrmodel.progress import Status
from okrmodel.storage import Store
from reports import EmailDeliveryError, build_status_email, send_email
from tests.smtp import LoginMailbox, free_port, smtp_server

PASSWORD = "smtp-secret-3141"
AS_OF = date(2026, 11, 27)


def unfold(text: str) -> str:
    """SMTP carries CRLF line ends; compare content, not transport."""
    return text.replace("\r\n", "\n").strip()


@pytest.fixture
def smtp() -> Iterator[LoginMailbox]:
    with smtp_server(LoginMailbox(PASSWORD)) as inbox:
        yield inbox


def settings_for(port: int, **changes) -> EmailSettings:
    values = {
        "smtp_host": "127.0.0.1", "smtp_port": port, "security": "none", "username": "reports",
        "password_env": "OKR_TEST_SMTP_PASSWORD", "sender": "OKR Autopilot <reports@acme.example>",
        "recipients": ["ceo@acme.example", "cmo@acme.example"], "timeout_seconds": 5,
        "allow_plaintext_login": True,  # the test server offers no TLS
    }
    return EmailSettings.model_validate({**values, **changes})


def sent(inbox: LoginMailbox):
    [message] = inbox.messages
    return message


def parts(message) -> dict[str, list]:
    found: dict[str, list] = {}
    for part in message.walk():
        found.setdefault(part.get_content_type(), []).append(part)
    return found


@pytest.fixture
def small_data(tmp_path) -> ReportData:
    """One objective, one KR with 58 contacts of 120 by 27 Nov, nothing to compare with."""
    config = parse_config(
        """
company: Acme Cloud
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics: {mqls: {source: hubspot, kind: contacts_created}}
objectives:
  - id: grow
    title: Build a new demand generation channel
    owner: maria@acme.example
    key_results:
      - {id: mqls, title: Add 120 contacts, metric: mqls, target: 120, unit: contacts}
"""
    )
    with Store(f"sqlite:///{tmp_path / 'okr.db'}") as store:
        run = store.start_run(AS_OF)
        store.save_observations(run, "mqls", "hubspot", {date(2026, 10, 1) + timedelta(days=n): 1.0 for n in range(58)})
        store.record_fetch(run, "mqls", "hubspot", status="succeeded")
        store.finish_run(run, "succeeded")
        return build_report_data(config, store, AS_OF)


def test_the_email_carries_the_report_and_a_text_summary(smtp, small_data):
    inbox = smtp
    settings = settings_for(inbox.port)
    send_email(build_status_email(small_data, settings), settings, SecretStr(PASSWORD))
    [envelope] = inbox.envelopes
    assert envelope.rcpt_tos == ["ceo@acme.example", "cmo@acme.example"]
    message = sent(inbox)
    # 58 of 120 contacts, 48% against 63% of the quarter: at risk.
    assert message["Subject"] == "Acme Cloud OKRs, 27 Nov: 1 at risk"
    assert message["From"] == "OKR Autopilot <reports@acme.example>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Add 120 contacts [At risk]" in text
    assert "58 of 120 contacts (48% of target)" in text
    assert "expected by now 76 contacts" in text  # 120 x 58/92 days, rounded
    assert "Owner: maria@acme.example" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Add 120 contacts" in html and "58 contacts" in html


def test_every_cid_in_the_html_resolves_to_an_image_part(smtp, demo_data):
    inbox = smtp
    settings = settings_for(inbox.port)
    send_email(build_status_email(demo_data, settings), settings, SecretStr(PASSWORD))
    message = sent(inbox)
    found = parts(message)
    assert set(found) == {"multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"}
    [related] = found["multipart/related"]
    assert related.get_payload()[0].get_content_type() == "text/html"
    html = found["text/html"][0].get_content()
    cids = set(re.findall(r'src="cid:([^"]+)"', html))
    images = {part["Content-ID"].strip("<>"): part for part in found["image/png"]}
    metric_key_results = [kr for objective in demo_data.status.objectives for kr in objective.key_results if kr.metric]
    assert cids == set(images) and len(cids) == len(metric_key_results)
    for part in images.values():
        assert part.get_content().startswith(b"\x89PNG\r\n\x1a\n") and part.get_content_disposition() == "inline"


def test_the_email_html_is_built_for_mail_clients(demo_data):
    html = build_status_email(demo_data, settings_for(25)).get_body(preferencelist=("html",)).get_content()
    assert "<svg" not in html and "position:" not in html.replace(" ", "")
    assert 'class="preheader"' in html
    preheader = re.search(r'class="preheader"[^>]*>([^<]*)<', html).group(1)
    first = demo_data.attention[0]
    assert preheader.startswith(first.title)
    # Every table and every bar cell says how wide it is (Outlook ignores CSS widths).
    assert all("width=" in tag for tag in re.findall(r"<table[^>]*>", html))
    bar_cells = re.findall(r"<td[^>]*bgcolor[^>]*font-size: 0[^>]*>", html)
    assert bar_cells and all(re.search(r'width="\d+"', cell) for cell in bar_cells)


def test_the_text_part_lists_attention_owners_pace_forecast_actions_and_freshness(demo_data):
    text = build_status_email(demo_data, settings_for(25)).get_body(preferencelist=("plain",)).get_content()
    attention = text.split("NEEDS ATTENTION", 1)[1].split("CHANGES SINCE", 1)[0]
    for item in demo_data.attention:
        assert item.title in attention
    pipeline = krs_of(demo_data)["pipeline-added"]
    # Units on every number: a currency before it, a noun after.
    assert f"${pipeline.actual:,.0f} of ${pipeline.target:,.0f} ({pipeline.progress:.0%} of target)" in text
    assert f"forecast ${pipeline.forecast:,.0f} (by 31 Dec)" in text
    deals = krs_of(demo_data)["deals-created"]
    assert f"{deals.actual:.0f} of {deals.target:.0f} deals ({deals.progress:.0%} of target); expected by now {deals.expected_value:.0f} deals" in text
    assert "  - [Overdue] Develop SEO research, due 15 Nov 2026, maria@acme.example" in text
    assert "sam@acme.example: 3 key results" in text
    assert "! Last sync failed on" in text and "HubSpot answered 502 Bad Gateway three times" in text
    assert "From hubspot (deals_created), quarter to date, 1 Oct to 1 Dec" in text
    assert f"Full report: {demo_data.report_page}" in text and demo_data.report_page.endswith(f"/{demo_data.status.as_of}.html")


def test_a_configured_subject_keeps_its_placeholders(demo_data):
    settings = settings_for(25, subject="{company} OKRs {period} ({as_of})")
    assert build_status_email(demo_data, settings)["Subject"] == "Acme Cloud OKRs 2026-Q4 (2026-12-01)"
    # Settings copied field by field (okr email --to) still get the signal, not the old default.
    copied = EmailSettings.model_validate({**settings_for(25).model_dump(), "recipients": ["board@acme.example"]})
    assert build_status_email(demo_data, copied)["Subject"].startswith("Acme Cloud OKRs, 1 Dec: ")


def test_the_subject_says_all_on_track_when_so(demo_data):
    calm = replace(demo_data, status=replace(demo_data.status, objectives=[on_track_only(demo_data.status.objectives[0])]))
    assert build_status_email(calm, settings_for(25))["Subject"] == "Acme Cloud OKRs, 1 Dec: all on track"


def on_track_only(objective):
    return replace(objective, key_results=[kr for kr in objective.key_results if kr.status is Status.ON_TRACK])


def krs_of(data: ReportData) -> dict:
    return {kr.id: kr for objective in data.status.objectives for kr in objective.key_results}


def test_a_wrong_password_is_a_clear_error_without_the_password(smtp, small_data):
    inbox = smtp
    settings = settings_for(inbox.port)
    with pytest.raises(EmailDeliveryError, match=r"refused the login of reports: 535") as caught:
        send_email(build_status_email(small_data, settings), settings, SecretStr("wrong-pass-2718"))
    assert "wrong-pass-2718" not in str(caught.value)
    assert inbox.envelopes == []


def test_starttls_required_but_not_offered(smtp, small_data):
    inbox = smtp
    settings = settings_for(inbox.port, security="starttls")
    with pytest.raises(EmailDeliveryError, match=r"does not offer STARTTLS; set security: ssl \(or none, which needs allow_plaintext_login: true to log in\)"):
        send_email(build_status_email(small_data, settings), settings, SecretStr(PASSWORD))


def test_unreachable_server(small_data):
    settings = settings_for(free_port())
    with pytest.raises(EmailDeliveryError, match=r"could not reach 127\.0\.0\.1:\d+: ConnectionRefusedError"):
        send_email(build_status_email(small_data, settings), settings, SecretStr(PASSWORD))


def test_missing_password_is_named_before_connecting(small_data):
    settings = settings_for(free_port())
    with pytest.raises(EmailDeliveryError, match=r"needs the password in \$OKR_TEST_SMTP_PASSWORD, which is not set"):
        send_email(build_status_email(small_data, settings), settings, settings.password({}))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"sender": "reports"}, "email.sender: 'reports' is not an email address"),
        ({"recipients": ["ceo@acme.example", "cmo"]}, "email.recipients: 'cmo' is not an email address"),
        ({"recipients": []}, "email.recipients: must list at least 1 item"),
        ({"password_env": None}, "email: username needs password_env"),
        ({"allow_plaintext_login": False}, "email: security: none with a username would send the SMTP password unencrypted; use starttls or ssl"),
        ({"subject": "{company} {quarter}"}, "email.subject: subject may use {company}, {period}, {as_of} and {summary} only"),
    ],
)
def test_bad_email_settings_are_located(change, message):
    import yaml

    values = settings_for(25).model_dump()
    values.update(change)
    text = "company: Acme\nperiod: 2026-Q4\n" + yaml.safe_dump({"email": values})
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert str(caught.value).startswith(f"okrs.yaml: {message}"), str(caught.value)


def test_plaintext_without_login_needs_no_opt_in():
    settings = settings_for(25, username=None, password_env=None, allow_plaintext_login=False)
    assert (settings.security, settings.username) == ("none", None)


def test_bad_email_settings_name_their_line():
    text = "company: Acme\nperiod: 2026-Q4\nemail:\n  smtp_host: mail\n  security: none\n  username: reports\n  password_env: P\n  sender: r@acme.example\n  recipients: [c@acme.example]\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    assert str(caught.value).endswith("or set allow_plaintext_login: true for a trusted local relay (line 3)"), str(caught.value)


def with_email(demo_config: Path, port: int) -> None:
    demo_config.write_text(
        demo_config.read_text()
        + f"""email:
  smtp_host: 127.0.0.1
  smtp_port: {port}
  security: none
  allow_plaintext_login: true
  username: reports
  password_env: OKR_TEST_SMTP_PASSWORD
  sender: reports@acme.example
  recipients: [ceo@acme.example]
"""
    )


def test_the_nightly_flow_emails_the_report(prefect_harness, demo_config: Path, smtp, monkeypatch, tmp_path):
    inbox = smtp
    with_email(demo_config, inbox.port)
    monkeypatch.setenv("OKR_TEST_SMTP_PASSWORD", PASSWORD)
    summary = nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"))
    assert (summary.status, summary.emailed_to, summary.email_error) == ("succeeded", ["ceo@acme.example"], None)
    [message] = inbox.messages
    assert message["Subject"].startswith("Acme Cloud OKRs, 27 Nov: ")
    assert {"text/plain", "text/html", "image/png"} <= set(parts(message))
    # The same report: the web page and the email's HTML name the same objectives.
    web = (tmp_path / "r.html").read_text()
    assert "<main" in web and "Improve the sales pipeline" in web
    assert "Improve the sales pipeline" in message.get_body(preferencelist=("html",)).get_content()

    nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), send_email=False)
    assert len(inbox.envelopes) == 1


def test_an_email_failure_keeps_the_data_and_marks_the_run_partial(prefect_harness, demo_config: Path, monkeypatch, tmp_path):
    with_email(demo_config, free_port())  # nothing listens there
    monkeypatch.setenv("OKR_TEST_SMTP_PASSWORD", PASSWORD)
    with pytest.raises(SyncIncomplete, match="email \\(could not reach") as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"))
    summary = caught.value.summary
    assert summary.failed == [] and summary.status == "partial"
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        [run] = store.runs()
        assert run.status == "partial" and run.message.startswith("report not emailed: could not reach")
        assert store.observation_count() > 0


def test_okr_email_sends_from_stored_data_to_other_recipients(demo_config: Path, smtp, monkeypatch):
    inbox = smtp
    with_email(demo_config, inbox.port)
    monkeypatch.setenv("OKR_TEST_SMTP_PASSWORD", PASSWORD)
    runner = CliRunner()
    result = runner.invoke(app, ["email", "-c", str(demo_config), "--as-of", AS_OF.isoformat(), "--to", "board@acme.example"])
    assert result.exit_code == 0, result.output
    assert "to board@acme.example" in result.stdout
    assert [envelope.rcpt_tos for envelope in inbox.envelopes] == [["board@acme.example"]]
    bad = runner.invoke(app, ["email", "-c", str(demo_config), "--to", "board"])
    assert bad.exit_code == 2 and "--to: 'board' is not an email address" in bad.stderr


def test_a_large_portfolio_mails_the_urgent_key_results_in_full_and_the_rest_in_one_line(demo_data, monkeypatch):
    import reports.email as email_module

    monkeypatch.setattr(email_module, "EMAIL_DETAILED", 2)
    message = build_status_email(demo_data, settings_for(25))
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    attention = {item.key_result_id for item in demo_data.attention}
    in_report_order = [kr.id for objective in demo_data.status.objectives for kr in objective.key_results]
    urgent = [key_result for key_result in in_report_order if key_result in attention]
    assert len(urgent) >= 2, "the fixture needs two KRs that need attention"
    charted = [key_result for key_result in urgent[:2] if key_result in demo_data.trends and not demo_data.trends[key_result].checkins]
    assert [part["Content-ID"] for part in images] == [f"<trend-{key_result}@okr-autopilot>" for key_result in charted]
    html = message.get_body(("html",)).get_content()
    assert html.count('class="figure-label"') == 2 * 4, "two KRs in full, four figures each"
    for objective in demo_data.status.objectives:
        for key_result in objective.key_results:
            assert key_result.title in html, "every KR is still listed"


def test_the_demo_email_stays_under_gmails_clipping_size(demo_data):
    html = build_status_email(demo_data, settings_for(25)).get_body(("html",)).get_content()
    assert len(html.encode()) < 102_000, "Gmail clips an HTML part past 102 KB"
