"""The digest in chat as the nightly flow and the CLI send it: one message per ``notify:``
destination after the sync, to webhook endpoints on loopback (Slack's SDK sends with urllib,
which ``responses`` does not see); a failed delivery keeps the data and makes the run partial,
and the webhook URL appears nowhere."""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from connectors import load_config
from flows.cli import app
from flows.nightly import SyncIncomplete, nightly_sync
from okrmodel.storage import Store

AS_OF = date(2026, 11, 27)
SLACK_SECRET = "xoxb9Secret7TokenValue42"
TEAMS_SIGNATURE = "sIgN4tur3-Sec7et_Value-0123456789"
REPORT_URL = "https://okr.acme.example/reports"
runner = CliRunner()


class Webhooks:
    """Slack's and Teams' webhooks on one loopback port: each POST kept, answered as scripted (else 200)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.answers: dict[str, deque[tuple[int, str]]] = {"/services": deque(), "/workflows": deque()}
        hooks = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hooks.received.append((self.path, body))
                queue = next(queue for prefix, queue in hooks.answers.items() if self.path.startswith(prefix))
                status, text = queue.popleft() if queue else (200, "ok")
                self.send_response(status)
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                self.wfile.write(text.encode())

            def log_message(self, format: str, *args) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.slack_url = f"{self.base}/services/T0ACME/B0DIGEST/{SLACK_SECRET}"
        self.teams_url = f"{self.base}/workflows/0f1e2d3c4b5a/triggers/manual/paths/invoke?api-version=1&sv=1.0&sig={TEAMS_SIGNATURE}"

    def of(self, prefix: str) -> list[dict]:
        return [body for path, body in self.received if path.startswith(prefix)]


@pytest.fixture
def webhooks(monkeypatch):
    hooks = Webhooks()
    thread = threading.Thread(target=hooks.httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("SLACK_OKR_WEBHOOK", hooks.slack_url)
    monkeypatch.setenv("TEAMS_OKR_WEBHOOK", hooks.teams_url)
    yield hooks
    hooks.httpd.shutdown()
    hooks.httpd.server_close()


def with_notify(config_path: Path) -> None:
    config_path.write_text(
        config_path.read_text()
        + f"report_url: {REPORT_URL}\n"
        + "notify:\n  - {type: slack, webhook_env: SLACK_OKR_WEBHOOK}\n  - {type: teams, webhook_env: TEAMS_OKR_WEBHOOK}\n"
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in (SLACK_SECRET, TEAMS_SIGNATURE, "T0ACME", "0f1e2d3c4b5a"):
            assert secret not in text, f"{secret!r} leaked into: {text}"


def test_the_nightly_sync_posts_one_digest_per_destination(prefect_harness, demo_config: Path, webhooks, tmp_path):
    with_notify(demo_config)
    summary = nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, report_path=str(tmp_path / "r.html"))
    assert summary.status == "succeeded"
    assert (summary.notified, summary.notify_errors) == (["Slack ($SLACK_OKR_WEBHOOK)", "Teams ($TEAMS_OKR_WEBHOOK)"], [])
    [slack], [teams] = webhooks.of("/services"), webhooks.of("/workflows")
    assert slack["text"].startswith("Acme Cloud OKRs, 27 Nov: ")
    assert slack["blocks"][0]["text"]["text"] == slack["text"]
    card = teams["attachments"][0]["content"]
    assert (card["type"], card["body"][0]["text"]) == ("AdaptiveCard", slack["text"])
    # Both link the day's report, as archived and published under report_url.
    link = f"{REPORT_URL}/{AS_OF.isoformat()}.html"
    assert f"<{link}|Open the full report>" in json.dumps(slack) and card["actions"][0]["url"] == link
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        [run] = store.runs()
        assert (run.status, run.message) == ("succeeded", None)

    nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, send_notify=False)
    assert len(webhooks.received) == 2  # --no-notify: nothing more posted


def test_a_failed_delivery_keeps_the_data_and_marks_the_run_partial(prefect_harness, demo_config: Path, webhooks, tmp_path, caplog):
    with_notify(demo_config)
    webhooks.answers["/workflows"].append((404, '{"error": {"code": "WorkflowNotFound", "message": "The workflow was not found."}}'))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SyncIncomplete) as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, report_path=str(tmp_path / "r.html"))
    summary = caught.value.summary
    assert summary.failed == [] and summary.status == "partial"
    assert summary.notified == ["Slack ($SLACK_OKR_WEBHOOK)"]  # one channel failing does not cost the other its digest
    [error] = summary.notify_errors
    assert error.startswith("Teams ($TEAMS_OKR_WEBHOOK): Teams answered 404 WorkflowNotFound: The workflow was not found.: no such workflow")
    assert "digest (Teams ($TEAMS_OKR_WEBHOOK): Teams answered 404" in str(caught.value)
    config = load_config(demo_config)
    with Store(config.storage_url()) as store:
        [run] = store.runs()
        assert run.status == "partial" and run.message == f"digest not posted to {error}"
        assert store.observation_count() > 0
    assert (tmp_path / "r.html").exists()
    assert_no_secret(error, str(caught.value), summary.problems() or "", run.message, caplog.text)


def test_okr_sync_exits_1_when_a_digest_was_not_posted(prefect_harness, demo_config: Path, webhooks, monkeypatch):
    with_notify(demo_config)
    monkeypatch.delenv("TEAMS_OKR_WEBHOOK")
    result = runner.invoke(app, ["sync", "-c", str(demo_config), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 1, result.output
    assert "Digest posted to: Slack ($SLACK_OKR_WEBHOOK)" in result.stdout
    assert "Digest not posted to Teams ($TEAMS_OKR_WEBHOOK): $TEAMS_OKR_WEBHOOK is not set" in result.stderr
    assert len(webhooks.of("/services")) == 1
    assert_no_secret(result.output)

    skipped = runner.invoke(app, ["sync", "-c", str(demo_config), "--as-of", AS_OF.isoformat(), "--no-notify"])
    assert skipped.exit_code == 0, skipped.output
    assert len(webhooks.received) == 1


def test_okr_notify_posts_from_stored_data(prefect_harness, demo_config: Path, webhooks, sandbox):
    nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF)  # no notify: yet, so nothing posted
    assert webhooks.received == []
    with_notify(demo_config)
    calls = sandbox.call_count
    result = runner.invoke(app, ["notify", "-c", str(demo_config), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Posted the 2026-Q4 digest as of 2026-11-27 to Slack ($SLACK_OKR_WEBHOOK)",
        "Posted the 2026-Q4 digest as of 2026-11-27 to Teams ($TEAMS_OKR_WEBHOOK)",
    ]
    assert sandbox.call_count == calls  # computed from stored data: no source call
    assert len(webhooks.of("/services")) == 1 and len(webhooks.of("/workflows")) == 1

    dry = runner.invoke(app, ["notify", "-c", str(demo_config), "--as-of", AS_OF.isoformat(), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    printed = json.loads(dry.stdout)
    assert [entry["destination"] for entry in printed] == ["Slack ($SLACK_OKR_WEBHOOK)", "Teams ($TEAMS_OKR_WEBHOOK)"]
    assert printed[0]["payload"] == webhooks.of("/services")[0] and printed[1]["payload"] == webhooks.of("/workflows")[0]
    assert len(webhooks.received) == 2  # a dry run posts nothing
    assert_no_secret(dry.stdout)


def test_okr_notify_failures_exit_1_without_the_url(demo_config: Path, webhooks):
    with_notify(demo_config)
    webhooks.answers["/services"].append((404, "no_service"))
    result = runner.invoke(app, ["notify", "-c", str(demo_config), "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 1
    assert "Digest not posted to Slack ($SLACK_OKR_WEBHOOK): Slack answered 404 no_service: the webhook does not exist any more" in result.stderr
    assert "to Teams ($TEAMS_OKR_WEBHOOK)" in result.stdout
    assert_no_secret(result.output)


def test_okr_notify_without_destinations_says_how(demo_config: Path):
    result = runner.invoke(app, ["notify", "-c", str(demo_config)])
    assert result.exit_code == 2
    assert "notify: lists no destination ({type: slack, webhook_env: SLACK_OKR_WEBHOOK}, or type: teams); see the README" in result.stderr


def test_a_webhook_url_kept_in_a_prefect_secret_block(prefect_harness, demo_config: Path, webhooks, monkeypatch, tmp_path):
    from prefect.blocks.system import Secret

    Secret(value=webhooks.slack_url).save("okr-slack-digest", overwrite=True)
    monkeypatch.delenv("SLACK_OKR_WEBHOOK")
    demo_config.write_text(
        demo_config.read_text() + "notify:\n  - {type: slack, webhook_block: okr-slack-digest}\n  - {type: slack, webhook_block: okr-missing-block}\n"
    )
    with pytest.raises(SyncIncomplete) as caught:
        nightly_sync(str(demo_config), as_of=AS_OF, today=AS_OF, report_path=str(tmp_path / "r.html"))
    summary = caught.value.summary
    assert summary.notified == ["Slack (Secret block 'okr-slack-digest')"]
    (error,) = summary.notify_errors
    assert error.startswith("Slack (Secret block 'okr-missing-block'): Prefect Secret block 'okr-missing-block' could not be read")
    assert len(webhooks.of("/services")) == 1, "the digest reached the channel whose URL the block holds"
    assert_no_secret(error, str(caught.value), summary.problems() or "")
    both = demo_config.with_name("both.yaml")
    both.write_text(demo_config.read_text().replace("webhook_block: okr-missing-block", "webhook_env: A, webhook_block: b"))
    refused = runner.invoke(app, ["validate", "-c", str(both)])
    assert refused.exit_code == 2 and "give exactly one of webhook_env" in refused.stderr
