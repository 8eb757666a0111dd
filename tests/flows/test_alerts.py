"""Ops' alerts from the nightly flow's hooks, read as received by a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from connectors import load_config
from flows.alerts import FlowRunEnd, alert_for
from flows.demo import DEMO_TOKEN_ENV
from flows.nightly import SyncIncomplete, nightly_sync
from okrmodel.config import ConfigError
from okrmodel.storage import Store
from tests.smtp import Mailbox, free_port, smtp_server

AS_OF = date(2026, 11, 27)
OPS = "ops@acme.example"
BAD_TOKEN = "pat-eu1-revoked-0123456789"


class Inbox(Mailbox):
    def to_ops(self) -> list:
        """The messages addressed to ops (leadership's report goes to its own recipients)."""
        return self.to(OPS)

    def raw(self) -> bytes:
        return b"".join(envelope.content for envelope in self.envelopes)


@pytest.fixture
def inbox():
    with smtp_server(Inbox()) as handler:
        yield handler


def with_alerts(config: Path, port: int) -> None:
    config.write_text(
        config.read_text()
        + f"""
email:
  smtp_host: 127.0.0.1
  smtp_port: {port}
  security: none
  sender: reports@acme.example
  recipients: [ceo@acme.example]
  timeout_seconds: 5
alerts:
  recipients: [{OPS}]
"""
    )


def text_of(message) -> str:
    """The text part, with SMTP's CRLF line ends read as the newlines they carry."""
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def utc(moment) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def stored_runs(config_path: Path) -> list:
    with Store(load_config(config_path).storage_url()) as store:
        return list(reversed(store.runs()))


def test_a_rejected_token_alerts_ops_once_and_the_next_good_run_sends_one_all_clear(prefect_harness, demo_config: Path, sandbox, inbox, monkeypatch, tmp_path):
    with_alerts(demo_config, inbox.port)
    metrics = list(load_config(demo_config).metrics)
    monkeypatch.setenv(DEMO_TOKEN_ENV, BAD_TOKEN)
    with pytest.raises(SyncIncomplete):
        nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
    [alert] = inbox.to_ops()
    [failed_run] = stored_runs(demo_config)
    assert alert["Subject"] == f"Acme Cloud: sync failed: {len(metrics)} of {len(metrics)} metrics failed"
    text = text_of(alert)
    for metric in metrics:
        assert f"* {metric} (hubspot)" in text
    assert "token invalid or expired" in text and "HTTP 401" in text
    assert f"put a valid one in ${DEMO_TOKEN_ENV}" in text
    assert f"Failing since: this run ({utc(failed_run.started_at)})" in text
    assert "never read successfully" in text  # nothing was ever stored for them
    assert "OKR Autopilot" in alert.get_body(preferencelist=("html",)).get_content()
    assert BAD_TOKEN.encode() not in inbox.raw() and sandbox.token.encode() not in inbox.raw()

    monkeypatch.setenv(DEMO_TOKEN_ENV, sandbox.token)
    calls_before = sandbox.call_count
    summary = nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
    assert summary.status == "succeeded" and sandbox.call_count - calls_before == summary.api_calls  # the hook calls no source
    _, good_run = stored_runs(demo_config)
    [_, all_clear] = inbox.to_ops()
    assert all_clear["Subject"] == "Acme Cloud: sync back to normal after 1 run that did not succeed"
    text = text_of(all_clear)
    assert f"Back to normal since: {utc(good_run.finished_at)}" in text
    assert f"Stale: from {utc(failed_run.started_at)} to {utc(good_run.finished_at)}" in text

    nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
    assert len(inbox.to_ops()) == 2, "a success after a success sends nothing"
    assert [envelope.rcpt_tos for envelope in inbox.envelopes].count(["ceo@acme.example"]) == 3, "leadership still gets each night's report"


def test_two_failures_in_a_row_send_two_alerts_the_second_failing_since_the_first(prefect_harness, demo_config: Path, inbox, monkeypatch, tmp_path):
    with_alerts(demo_config, inbox.port)
    monkeypatch.setenv(DEMO_TOKEN_ENV, BAD_TOKEN)
    for as_of in (date(2026, 11, 26), AS_OF):
        with pytest.raises(SyncIncomplete):
            nightly_sync(str(demo_config), as_of=as_of, report_path=str(tmp_path / "r.html"), today=as_of)
    first, second = inbox.to_ops()
    first_run, _ = stored_runs(demo_config)
    assert not first["Subject"].endswith("in a row)")
    assert second["Subject"].endswith("metrics failed (2 runs in a row)")
    assert f"Failing since: {utc(first_run.started_at)}, the run as of 26 Nov: 2 runs in a row have not succeeded" in text_of(second)


def test_a_config_that_fails_to_load_inside_the_flow_reaches_ops(prefect_harness, demo_config: Path, inbox, tmp_path):
    with_alerts(demo_config, inbox.port)
    broken = demo_config.read_text().replace("target: 1100, unit: contacts}", "target: 1100, unit: contacts, targett: 1200}")
    demo_config.write_text(broken)
    with pytest.raises(ConfigError):
        nightly_sync(str(demo_config), as_of=AS_OF)
    [alert] = inbox.to_ops()
    assert alert["Subject"] == "Acme Cloud: sync failed: config did not load"
    text = text_of(alert)
    line = broken.splitlines().index(next(line for line in broken.splitlines() if "targett" in line)) + 1
    assert f"objectives[0].key_results[1].targett: unknown key (line {line})" in text
    assert f"okr validate -c {demo_config}" in text
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterStateName
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        [flow_run] = client.read_flow_runs(flow_run_filter=FlowRunFilter(state=dict(name=FlowRunFilterStateName(any_=["Failed"]))), sort=FlowRunSort.START_TIME_DESC, limit=1)
    assert f"Flow run: {flow_run.name}" in text


def test_an_alert_that_cannot_be_sent_is_logged_and_leaves_the_run_as_it_ended(prefect_harness, demo_config: Path, monkeypatch, tmp_path, caplog):
    port = free_port()  # nothing listens there
    with_alerts(demo_config, port)
    monkeypatch.setenv(DEMO_TOKEN_ENV, BAD_TOKEN)
    with pytest.raises(SyncIncomplete) as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
    assert caught.value.summary.status == "failed"
    [run] = stored_runs(demo_config)
    assert run.status == "failed"
    logged = [record.getMessage() for record in caplog.records]
    assert any(line.startswith(f"alert to {OPS} not sent: could not reach 127.0.0.1:{port}") for line in logged), logged
    assert not any("error was encountered while running hook" in line for line in logged), "the hook raised"
    assert not any(BAD_TOKEN in line for line in logged)


def test_a_sync_stopped_by_sigterm_reaches_ops_through_the_crash_hook(prefect_harness, demo_config: Path, sandbox, inbox, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    with_alerts(demo_config, inbox.port)
    monkeypatch.setattr(sandbox, "latency_seconds", 1.0)  # slow enough to be stopped mid-run
    environment = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    okr = Path(sys.executable).with_name("okr")
    process = subprocess.Popen([str(okr), "sync", "-c", str(demo_config), "--as-of", AS_OF.isoformat()], env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        run = wait_for_running_run(demo_config, process)
        process.send_signal(signal.SIGTERM)  # what systemd or a worker sends to stop a process
        output, _ = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode != 0, output.decode()
    [alert] = inbox.to_ops()
    assert alert["Subject"].startswith("Acme Cloud: sync interrupted: "), alert["Subject"]
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(run.flow_run_id)
    assert flow_run.state.is_crashed()
    text = text_of(alert)
    assert f"Flow run: {flow_run.name}" in text
    assert f"* Run stopped\n  Why: {flow_run.state.message}" in text and "aborted by a termination signal" in text
    [stopped] = stored_runs(demo_config)
    assert stopped.status == "interrupted", "the run recorded how it ended before the hook told ops"


def wait_for_running_run(config_path: Path, process: subprocess.Popen):
    """The run the subprocess started, once it is recorded (the process is given two minutes)."""
    with Store(load_config(config_path).storage_url()) as store:
        for _attempt in range(1200):
            runs = store.runs()
            if runs and runs[0].status == "running" and store.fetches(runs[0].id):
                return runs[0]
            if process.poll() is not None:
                break
            time.sleep(0.1)
    raise AssertionError(f"no run started: {process.communicate()[0].decode()}")


def test_a_database_that_does_not_open_is_told_with_what_prefect_knows(demo_config: Path, monkeypatch):
    with_alerts(demo_config, free_port())
    monkeypatch.setenv("OKR_DATABASE_URL", f"postgresql+psycopg://okr:db-secret-271@127.0.0.1:{free_port()}/okr")  # nothing listens
    started = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    end = FlowRunEnd(
        config_path=str(demo_config), flow_run_id="4b1c6c2e-0000-4000-8000-000000000001", flow_run_name="quiet-heron", outcome="failed",
        message="Flow run encountered an exception: OperationalError: ...", result=None, started_at=started,
    )
    route, alert = alert_for(end)
    assert (route.company, route.alerts.recipients) == ("Acme Cloud", [OPS])
    assert (alert.status, alert.failing_since, alert.flow_run, alert.metrics) == ("failed", started, "quiet-heron", ())
    [problem] = alert.problems
    assert problem.what == "database did not open" and "db-secret-271" not in problem.why
    assert alert_for(FlowRunEnd(**{**end.__dict__, "outcome": "completed"})) is None, "nothing to clear without a record"
