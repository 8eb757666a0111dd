"""Credentials kept in Prefect Secret blocks on the session's Prefect server: the HubSpot token and
the SMTP password read once per run and used, a block that cannot be read one located line, and
the values printed nowhere: not in the logs (ours and Prefect's), the run record, the flow run's
parameters, its artifacts, the report, the email or the CLI's output.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import MetaData, create_engine, select
from typer.testing import CliRunner

from connectors import load_config
from connectors.sandbox import Fault
from connectors.transport.scrub import REDACTED, scrub
from flows.archive import archive_folder
from flows.cli import app
from flows.demo import DEMO_TOKEN_ENV
from flows.nightly import SyncIncomplete, nightly_sync
from okrmodel.evaluation import evaluate
from okrmodel.storage import Store
from tests.smtp import LoginMailbox, smtp_server

AS_OF = date(2026, 11, 27)
ZONE = ZoneInfo("Europe/Berlin")
OPS = "ops@acme.example"


@pytest.fixture
def smtp_password() -> str:
    return f"smtp-{uuid.uuid4().hex}"


@pytest.fixture
def inbox(smtp_password) -> Iterator[LoginMailbox]:
    with smtp_server(LoginMailbox(smtp_password)) as handler:
        yield handler


@pytest.fixture
def block_names() -> dict[str, str]:
    """Block names of this test only: the session's Prefect server keeps every test's blocks."""
    suffix = uuid.uuid4().hex[:8]
    return {"hubspot": f"okr-test-hubspot-{suffix}", "smtp": f"okr-test-smtp-{suffix}"}


@pytest.fixture
def secret_token(sandbox, monkeypatch) -> str:
    """A token of this test alone, which the sandbox accepts instead of its usual one: searched for afterwards."""
    token = f"pat-na1-{uuid.uuid4()}"
    monkeypatch.setattr(sandbox, "token", token)
    monkeypatch.delenv(DEMO_TOKEN_ENV)
    return token


def save_block(name: str, value: str) -> None:
    from prefect.blocks.system import Secret

    Secret(value=value).save(name, overwrite=True)


def with_blocks(config: Path, token_block: str, *, smtp_port: int | None = None, password_block: str | None = None) -> None:
    text = config.read_text().replace(f"token_env: {DEMO_TOKEN_ENV}", f"token_block: {token_block}")
    if smtp_port is not None:
        text += f"""email:
  smtp_host: 127.0.0.1
  smtp_port: {smtp_port}
  security: none
  allow_plaintext_login: true
  username: reports
  password_block: {password_block}
  sender: reports@acme.example
  recipients: [ceo@acme.example]
  timeout_seconds: 5
alerts:
  recipients: [{OPS}]
"""
    config.write_text(text)


def quarter_contacts(dataset) -> int:
    start, end = datetime(2026, 10, 1, tzinfo=ZONE), datetime(2026, 11, 28, tzinfo=ZONE)
    return sum(1 for c in dataset.contacts if start <= datetime.fromisoformat(c["properties"]["createdate"].replace("Z", "+00:00")) < end)


def stored_text(database_url: str) -> str:
    """Every row of every table of the store, as text: the run record and all beside it."""
    engine = create_engine(database_url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as connection:
            return "\n".join(repr(row) for table in tables.sorted_tables for row in connection.execute(select(table)))
    finally:
        engine.dispose()


def prefect_text(flow_run_id: str) -> str:
    """What the Prefect server keeps of the flow run: its parameters, logs (drained first) and artifacts."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    with get_client(sync_client=True) as client:
        flow_run = client.read_flow_run(uuid.UUID(flow_run_id))
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run.id])))
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run.id])))
    assert logs and artifacts, "the server holds the run's logs and artifacts"
    return "\n".join([repr(flow_run.parameters), repr(flow_run.state), *(log.message for log in logs), *(repr(artifact.data) + repr(artifact.description) for artifact in artifacts)])


def test_a_hubspot_token_in_a_secret_block_reads_the_portal_and_is_printed_nowhere(
    prefect_harness, demo_config: Path, sandbox, secret_token, block_names, inbox, smtp_password, tmp_path, caplog
):
    save_block(block_names["hubspot"], secret_token)
    save_block(block_names["smtp"], smtp_password)
    with_blocks(demo_config, block_names["hubspot"], smtp_port=inbox.port, password_block=block_names["smtp"])
    # HubSpot echoes the token in one answer (as its legacy API did with a refused key): it must be redacted too.
    sandbox.faults.push(Fault(status=400, on="/crm/v3/objects/deals/search", message=f"Bad filter for {secret_token}"))
    caplog.set_level(logging.DEBUG)
    report_path = tmp_path / "report.html"
    try:
        with pytest.raises(SyncIncomplete) as caught:
            nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(report_path), today=AS_OF)
    finally:
        sandbox.faults.clear()
    summary = caught.value.summary

    # The token from the block read the portal: every metric but the one whose deal search got the echo succeeded.
    assert summary.api_calls == sandbox.call_count > 0
    [(failed, error)] = [(outcome.metric, outcome.error) for outcome in summary.failed]
    assert failed in {"deals_created", "pipeline_added"} and "Bad filter for [redacted]" in error
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        [run] = store.runs()
        actuals = {kr.id: kr.actual for objective in evaluate(config, store, AS_OF).objectives for kr in objective.key_results}
    assert actuals["new-contacts"] == quarter_contacts(sandbox.dataset)
    # The password from its block logged in, and leadership got the report, ops the alert of the partial run.
    assert inbox.logins and all(inbox.logins)
    assert sorted(envelope.rcpt_tos[0] for envelope in inbox.envelopes) == ["ceo@acme.example", OPS]

    places = {
        "our logs": caplog.text,
        "the run record": stored_text(config.storage_url()),
        "Prefect's flow run (parameters, logs, artifacts)": prefect_text(run.flow_run_id),
        "the report": report_path.read_text() + "".join(page.read_text() for page in archive_folder(config).glob("*.html")),
        "the emails": "".join(message.as_string() for message in inbox.messages),
    }
    for secret in (secret_token, smtp_password):
        assert [where for where, text in places.items() if secret in text] == []
    assert secret_token not in caught.value.args[0] and secret_token not in str(summary)


def test_a_secret_block_that_cannot_be_read_fails_the_sources_metrics_in_one_located_line(
    prefect_harness, demo_config: Path, sandbox, secret_token, block_names, inbox, smtp_password, tmp_path
):
    save_block(block_names["smtp"], smtp_password)
    with_blocks(demo_config, block_names["hubspot"], smtp_port=inbox.port, password_block=block_names["smtp"])  # no such HubSpot block
    line = next(number for number, text in enumerate(demo_config.read_text().splitlines(), 1) if "token_block" in text)
    sandbox.reset_calls()
    with pytest.raises(SyncIncomplete) as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
    summary = caught.value.summary
    assert sandbox.call_count == 0 and summary.status == "failed"
    expected = (
        f"{demo_config}: sources.hubspot.token_block: Prefect Secret block {block_names['hubspot']!r} could not be read (ValueError); "
        f"create it on the Prefect server the sync uses with `prefect block create secret` (named {block_names['hubspot']}), "
        f"or in Python with Secret(value=...).save({block_names['hubspot']!r}) (line {line})"
    )
    assert {outcome.error for outcome in summary.metrics} == {expected}
    # Ops hear of it, over the SMTP login whose password is in its own block, with the fix.
    [alert] = [message for message in inbox.messages if message["To"] == OPS]
    text = alert.get_body(preferencelist=("plain",)).get_content()
    assert "Create that Secret block on the Prefect server the sync uses (`prefect block create secret`)" in text


def test_an_smtp_password_block_that_cannot_be_read_leaves_the_report_unsent_in_one_line(
    prefect_harness, demo_config: Path, sandbox, secret_token, block_names, inbox, tmp_path
):
    save_block(block_names["hubspot"], secret_token)
    with_blocks(demo_config, block_names["hubspot"], smtp_port=inbox.port, password_block=block_names["smtp"])  # no such SMTP block
    with pytest.raises(SyncIncomplete) as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, report_path=str(tmp_path / "r.html"), today=AS_OF)
    summary = caught.value.summary
    assert summary.failed == [] and summary.status == "partial"
    assert summary.email_error == (
        f"the SMTP password: Prefect Secret block {block_names['smtp']!r} could not be read (ValueError); "
        f"create it on the Prefect server the sync uses with `prefect block create secret` (named {block_names['smtp']}), "
        f"or in Python with Secret(value=...).save({block_names['smtp']!r})"
    )
    assert inbox.envelopes == [] and inbox.logins == []  # neither the report nor the alert could log in


def test_the_cli_reads_the_blocks_as_the_sync_does_and_prints_no_value(
    prefect_harness, demo_config: Path, sandbox, secret_token, block_names, inbox, smtp_password
):
    save_block(block_names["hubspot"], secret_token)
    save_block(block_names["smtp"], smtp_password)
    with_blocks(demo_config, block_names["hubspot"], smtp_port=inbox.port, password_block=block_names["smtp"])
    runner = CliRunner()
    outputs = []
    for command in (
        ["validate", "--online"],
        ["catalog", "--search", "PAID_SEARCH"],
        ["metrics", "preview", "new_contacts", "--as-of", AS_OF.isoformat()],
        ["email", "--as-of", AS_OF.isoformat()],
    ):
        result = runner.invoke(app, [*command, "-c", str(demo_config)])
        assert result.exit_code == 0, (command, result.output)
        outputs.append(result.output)
    assert "all 7 mappings found in their sources" in outputs[0]
    assert "PAID_SEARCH" in outputs[1]
    assert inbox.logins == [True] and [envelope.rcpt_tos for envelope in inbox.envelopes] == [["ceo@acme.example"]]
    assert [text for text in outputs if secret_token in text or smtp_password in text] == []

    missing = demo_config.read_text().replace(block_names["hubspot"], "okr-test-no-such-block")
    demo_config.write_text(missing)
    result = runner.invoke(app, ["validate", "--online", "-c", str(demo_config)])
    assert result.exit_code == 1
    [line] = [line for line in result.stderr.splitlines() if "okr-test-no-such-block" in line]  # one for all the source's metrics
    assert f": {demo_config}: sources.hubspot.token_block: Prefect Secret block 'okr-test-no-such-block' could not be read" in line
    assert "Traceback" not in result.output


def test_a_value_read_from_a_block_is_redacted_from_any_text_scrubbed_after(prefect_harness, block_names):
    from flows.secret_blocks import secrets_named

    value = f"webhook-{uuid.uuid4().hex}"
    save_block(block_names["hubspot"], f"  {value}\n")
    read = secrets_named([block_names["hubspot"], "okr-test-never-saved"])
    assert read.values[block_names["hubspot"]].get_secret_value() == value  # stripped, as a variable's value is
    assert set(read.problems) == {"okr-test-never-saved"} and value not in str(read)
    assert scrub(f"the server said: {value} is wrong") == f"the server said: {REDACTED} is wrong"
