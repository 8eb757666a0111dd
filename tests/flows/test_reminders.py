"""Owners' reminders from the nightly flow (through Prefect) and from ``okr remind``, read as
received by a real SMTP server (aiosmtpd): the right owners get the right lists, nobody gets
two, and a reminder that cannot be sent never fails the sync."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from connectors import load_config
from flows.cli import app
from flows.nightly import nightly_sync
from okrmodel.storage import Store
from tests.smtp import Mailbox, smtp_server

AS_OF = date(2026, 11, 27)  # the sandbox's day
MONDAY = date(2026, 11, 30)
AFTER_NINE = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
LEE, MARIA, SAM = "lee@acme.example", "maria@acme.example", "sam@acme.example"
REFUSED = "refused@acme.example"


class Inbox(Mailbox):
    """Refuses ``REFUSED`` as a recipient."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def inbox():
    with smtp_server(Inbox()) as handler:
        yield handler


def with_reminders(config: Path, port: int, sam: str = SAM) -> None:
    # The demo's owners are named by their addresses; Sam's address here may be one the server refuses.
    demo = config.read_text().split("\nemail:\n")[0]
    config.write_text(
        demo
        + f"""
email:
  smtp_host: 127.0.0.1
  smtp_port: {port}
  security: none
  sender: reports@acme.example
  recipients: [ceo@acme.example]
  timeout_seconds: 5
people:
  {LEE}: {LEE}
  {MARIA}: {MARIA}
  {SAM}: {sam}
reminders: {{weekday: monday, time: "09:00"}}
console: {{base_url: "https://okr.acme.example"}}
"""
    )


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n")


def sync(config: Path, tmp_path: Path, now: datetime = AFTER_NINE):
    return nightly_sync(str(config), as_of=AS_OF, today=now.date(), now=now, report_path=str(tmp_path / "r.html"))


def test_the_nightly_run_mails_each_owner_their_list_once(prefect_harness, demo_config: Path, inbox, tmp_path):
    with_reminders(demo_config, inbox.port)
    summary = sync(demo_config, tmp_path)
    assert summary.status == "succeeded"
    assert sorted(summary.reminded) == [f"reminder to {owner}" for owner in (LEE, MARIA, SAM)]
    [lee] = inbox.to(LEE)
    assert lee["Subject"] == "Acme Cloud OKRs: 3 check-ins due"
    text = text_of(lee)
    for kr in ("lifecycle-stages", "crm-training", "exec-approval"):
        assert f"Check in: https://okr.acme.example/kr/{kr}" in text
    assert "Overdue actions" not in text  # Lee's open action is due late in the quarter
    [maria] = inbox.to(MARIA)
    assert maria["Subject"] == "Acme Cloud OKRs: 1 overdue action"
    assert "* Develop SEO research [Overdue]" in text_of(maria)
    assert "Your key results" in text_of(maria) and "Increase monthly MQLs attributed to inbound marketing" in text_of(maria)
    assert "Open: https://okr.acme.example/kr/inbound-mqls" in text_of(maria)  # a synced KR links its page too
    assert " a week ago" not in text_of(maria)
    assert len(inbox.to("ceo@acme.example")) == 1  # leadership's report, as ever

    # A re-run of the day (or the night after, still within a day) sends no reminder again.
    again = sync(demo_config, tmp_path, now=datetime(2026, 12, 1, 3, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    assert again.reminded == [] and again.reminder_errors == []
    assert [len(inbox.to(owner)) for owner in (LEE, MARIA, SAM)] == [1, 1, 1]
    with Store(load_config(demo_config).storage_url()) as store:
        assert sorted((d.owner, d.reminder_day, d.kind) for d in store.reminder_deliveries()) == [
            (owner, MONDAY, "reminder") for owner in (LEE, MARIA, SAM)
        ]


def test_a_reminder_that_cannot_be_sent_leaves_the_sync_succeeded_and_is_retried(prefect_harness, demo_config: Path, inbox, tmp_path):
    with_reminders(demo_config, inbox.port, sam=REFUSED)
    summary = sync(demo_config, tmp_path)
    assert summary.status == "succeeded"  # the data and the report are fine
    assert len(summary.reminded) == 2
    [error] = summary.reminder_errors
    assert error.startswith(f"reminder to {SAM}: 127.0.0.1:{inbox.port} refused every recipient: {REFUSED}")
    with Store(load_config(demo_config).storage_url()) as store:
        [run] = [run for run in store.runs() if run.id == summary.run_id]
        assert (run.status, run.message) == ("succeeded", f"not sent: {error}")
        assert sorted(d.owner for d in store.reminder_deliveries()) == [LEE, MARIA]  # Sam's is not recorded: the next run tries again

    with_reminders(demo_config, inbox.port)  # Sam's address fixed: the day's next run sends his, and only his
    retried = sync(demo_config, tmp_path, now=datetime(2026, 11, 30, 23, 0, tzinfo=ZoneInfo("Europe/Berlin")))
    assert (retried.reminded, retried.reminder_errors) == ([f"reminder to {SAM}"], [])
    assert [len(inbox.to(owner)) for owner in (LEE, MARIA, SAM)] == [1, 1, 1]


def test_okr_remind_shows_then_sends_what_is_due_once(demo_config: Path, inbox):
    with_reminders(demo_config, inbox.port, sam=f'"Sam Reed <{SAM}>"')
    runner = CliRunner()
    shown = runner.invoke(app, ["remind", "-c", str(demo_config), "--as-of", "2026-11-30", "--dry-run"])
    assert shown.exit_code == 0, shown.output
    # Each To as the message's header reads it: never "lee@... <lee@...>" nor "sam@... <Sam Reed <sam@...>>".
    assert f"To: {LEE}\nSubject: Acme Cloud OKRs: 3 check-ins due\n" in shown.output
    assert f"To: Sam Reed <{SAM}>\nSubject: " in shown.output
    assert "Check in: https://okr.acme.example/kr/crm-training" in shown.output
    assert inbox.envelopes == []  # a dry run sends nothing

    sent = runner.invoke(app, ["remind", "-c", str(demo_config), "--as-of", "2026-11-30"])
    assert sent.exit_code == 0, sent.output
    assert f"Sent the 2026-11-30 reminder to {LEE}\n" in sent.output and f"Sent the 2026-11-30 reminder to {SAM}\n" in sent.output
    again = runner.invoke(app, ["remind", "-c", str(demo_config), "--as-of", "2026-11-30"])
    assert f"Already sent: the 2026-11-30 reminder to {LEE}" in again.output and "Sent the" not in again.output
    assert [len(inbox.to(owner)) for owner in (LEE, MARIA, SAM)] == [1, 1, 1]

    tuesday = runner.invoke(app, ["remind", "-c", str(demo_config), "--as-of", "2026-12-01"])
    assert (tuesday.exit_code, tuesday.output) == (0, "No reminders on 2026-12-01 (Tuesday): they go out on Mondays\n")


def test_okr_remind_without_reminders_says_what_to_configure(demo_config: Path):
    result = CliRunner().invoke(app, ["remind", "-c", str(demo_config)])
    assert result.exit_code == 2
    assert "reminders: is not configured (weekday, time, escalate_after); see the README" in result.output
