"""Bad input on the command line or in the file: one line, exit 2, nothing written, no source called.

Check-in values, --as-of days after today, output paths and a hostile okrs.yaml, through the
commands as a user runs them (Typer's runner, in process).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from flows.cli import app
from okrmodel.periods import quarter_of, today_in
from okrmodel.storage import Store
from tests.okrmodel.test_config_limits import billion_laughs

runner = CliRunner()
AS_OF = "2026-11-27"

MANUAL = """\
company: Acme Cloud
timezone: Pacific/Kiritimati
period: 2026-Q4
objectives:
  - id: martech
    title: Implement marketing technology infrastructure
    owner: lee@acme.example
    key_results:
      - {id: crm-training, title: Train 5 team members to use the marketing CRM, target: 5, unit: people, checkin_every: week}
email: {smtp_host: 127.0.0.1, smtp_port: 9, security: none, sender: okr@acme.example, recipients: [ceo@acme.example]}
notify: [{type: slack, webhook_env: SLACK_OKR_WEBHOOK}]
"""
"""A config without sources, in the zone where the day starts first (UTC+14): today there is
tomorrow in most of the world, and still not after today."""


def okr(*args: str):
    return runner.invoke(app, list(args))


def one_line_refusal(result, starts: str = "") -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(starts), lines[0]
    return lines[0]


@pytest.fixture
def manual_config(tmp_path: Path, database_url: str, monkeypatch) -> Path:
    path = tmp_path / "okrs.yaml"
    path.write_text(MANUAL)
    monkeypatch.setenv("OKR_DATABASE_URL", database_url)
    return path


def store_state(database_url: str) -> tuple:
    with Store(database_url) as store:
        return (
            [(c.day, c.value, c.author, c.note) for c in store.checkins("crm-training")],
            [run.id for run in store.runs()],
            store.observation_count(),
            [(score.item_id, score.score) for score in store.frozen_scores("2026-Q4")],
        )


COMMANDS = [
    ["validate"], ["lint"], ["status"], ["status", "--json"], ["report"], ["sync"], ["checkin", "crm-training", "1"],
    ["history", "crm-training"], ["close", "2026-Q4"], ["email"], ["notify"], ["runs"], ["catalog"],
    ["metrics", "list"], ["metrics", "preview", "x"], ["serve"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(command) for command in COMMANDS])
def test_every_command_reads_the_file_within_limits(tmp_path: Path, command):
    path = tmp_path / "okrs.yaml"
    path.write_text(billion_laughs())
    line = one_line_refusal(okr(*command, "-c", str(path)), f"{path}: f[1]: more than 200,000 values once its aliases are expanded")
    assert line.endswith("(line 6)")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("nan", "VALUE: 'nan' is not a finite number; give the value reached, such as 3 or 1250.5"),
        ("-inf", "VALUE: '-inf' is not a finite number; give the value reached, such as 3 or 1250.5"),
        ("Infinity", "VALUE: 'Infinity' is not a finite number; give the value reached, such as 3 or 1250.5"),
        ("1e309", "VALUE: '1e309' is too large; a value is at most 1,000,000,000,000,000 either side of 0"),
        ("-2e15", "VALUE: '-2e15' is too large; a value is at most 1,000,000,000,000,000 either side of 0"),
        ("9" * 120_000, "VALUE: '99999999999999999999'... (120,000 characters) is too large; a value is at most 1,000,000,000,000,000 either side of 0"),
        ("1_000", "VALUE: '1_000' is not a number: decimals take a dot, thousands no separator; give the value reached, such as 3 or 1250.5"),
        ("1,5", "VALUE: '1,5' is not a number: decimals take a dot, thousands no separator; give the value reached, such as 3 or 1250.5"),
        ("0x10", "VALUE: '0x10' is not a number; give the value reached, such as 3 or 1250.5"),
        ("\u0661\u0662", "VALUE: '\u0661\u0662' is not a number; give the value reached, such as 3 or 1250.5"),
        ("", "VALUE: '' is not a number; give the value reached, such as 3 or 1250.5"),
    ],
)
def test_a_checkin_value_that_is_not_a_plain_finite_number_is_refused(manual_config: Path, database_url: str, value, expected):
    before = store_state(database_url)
    assert one_line_refusal(okr("checkin", "-c", str(manual_config), "--author", "lee", "crm-training", "--", value)) == expected
    assert store_state(database_url) == before


@pytest.mark.parametrize(("value", "shown", "stored"), [("-0", "0", 0.0), (" 5 ", "5", 5.0), ("1e3", "1,000", 1000.0), ("+.5", "0.5", 0.5)])
def test_plain_numbers_are_checked_in(manual_config: Path, database_url: str, value, shown, stored):
    result = okr("checkin", "-c", str(manual_config), "--author", "lee", "--as-of", AS_OF, "crm-training", "--", value)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Checked in crm-training = {shown} for {AS_OF}")
    (checkin,) = store_state(database_url)[0]
    assert checkin[1] == stored and str(checkin[1]) == str(stored)  # -0 stored as 0, not -0.0


@pytest.mark.parametrize(
    ("option", "text", "reason"),
    [("--note", "two\nlines", "contains a line break; give one line"),
     ("--note", "bell \x07", "contains U+0007 (a control character); remove it"),
     ("--author", "lee \udcff", "contains U+DCFF (half of a UTF-16 surrogate pair, not a character); remove it")],
)
def test_a_note_or_author_that_is_not_one_line_of_text_is_refused(manual_config: Path, database_url: str, option, text, reason):
    # An undecodable byte in the terminal's encoding reaches Python as half a surrogate pair, which no database stores.
    before = store_state(database_url)
    line = one_line_refusal(okr("checkin", "-c", str(manual_config), "--author", "lee", option, text, "crm-training", "3"))
    assert line == f"{option}: {text!r} {reason}"
    assert store_state(database_url) == before


def _after_today() -> list[str]:
    tomorrow = today_in(ZoneInfo("Pacific/Kiritimati")) + timedelta(days=1)
    return [tomorrow.isoformat(), "9999-12-31"]


WRITERS = [["checkin", "crm-training", "3"], ["close", "2026-Q4"], ["close", "2026-Q4", "--force"], ["sync"]]
READERS = [["status"], ["status", "--json"], ["report"], ["runs"], ["email"], ["notify"], ["metrics", "list"]]


@pytest.mark.parametrize("day", _after_today(), ids=["tomorrow", "9999-12-31"])
@pytest.mark.parametrize("command", WRITERS + READERS, ids=[" ".join(command) for command in WRITERS + READERS])
def test_an_as_of_after_today_is_refused_and_nothing_is_written(manual_config: Path, database_url: str, command, day):
    before = store_state(database_url)
    today = today_in(ZoneInfo("Pacific/Kiritimati"))
    line = one_line_refusal(okr(*command, "-c", str(manual_config), "--as-of", day))
    assert line == (f"--as-of: {day} is after today ({today} in Pacific/Kiritimati); a day that has not happened "
                    "cannot be synced, checked in, closed or reported")
    assert store_state(database_url) == before
    assert not (manual_config.parent / ".okr" / "reports").exists()


def test_today_and_earlier_days_are_accepted(manual_config: Path, database_url: str):
    today = today_in(ZoneInfo("Pacific/Kiritimati"))
    assert okr("checkin", "-c", str(manual_config), "--author", "lee", "--as-of", today.isoformat(), "crm-training", "3").exit_code == 0
    assert okr("checkin", "-c", str(manual_config), "--author", "lee", "--as-of", AS_OF, "crm-training", "2").exit_code == 0
    assert sorted(checkin[1] for checkin in store_state(database_url)[0]) == [2.0, 3.0]


def test_a_quarter_that_has_not_ended_is_not_frozen_by_an_as_of_past_its_end(manual_config: Path, database_url: str):
    """The issue's case: ``okr close 2026-Q4 --as-of 2027-01-02`` froze Q4 in December. The period is
    the one containing today, so the case holds whenever the test runs."""
    today = today_in(ZoneInfo("Pacific/Kiritimati"))
    quarter = quarter_of(today).label
    manual_config.write_text(MANUAL.replace("period: 2026-Q4", f"period: {quarter}"))
    after_its_end = quarter_of(today).last_day + timedelta(days=2)
    line = one_line_refusal(okr("close", quarter, "-c", str(manual_config), "--as-of", after_its_end.isoformat()))
    assert line.startswith(f"--as-of: {after_its_end} is after today")
    with Store(database_url) as store:
        assert store.frozen_scores(quarter) == []


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/proc/x.html", "--out: cannot write /proc/x.html: cannot create a file in /proc: "),
        ("/proc/version", "--out: cannot write /proc/version: "),
        ("/dev/null", "--out: /dev/null is not a regular file; give the HTML file's path"),
    ],
)
@pytest.mark.parametrize("command", [["sync", "--as-of", AS_OF], ["report", "--as-of", AS_OF]], ids=["sync", "report"])
def test_an_output_path_that_cannot_be_written_is_refused_before_any_work(demo_config: Path, sandbox, database_url: str, command, target, expected):
    before = store_state(database_url)
    one_line_refusal(okr(*command, "-c", str(demo_config), "--out", target), expected)
    assert sandbox.call_count == 0  # refused before any HubSpot call
    assert store_state(database_url) == before and not (demo_config.parent / ".okr").exists()


def test_the_output_check_creates_no_folder(demo_config: Path, tmp_path: Path, monkeypatch):
    target = tmp_path / "new" / "deeper" / "r.html"
    monkeypatch.setenv("OKR_DATABASE_URL", "sqlite:////proc/okr-missing/okr.db")  # fails after the check
    one_line_refusal(okr("report", "-c", str(demo_config), "--as-of", AS_OF, "--out", str(target)), "cannot open the database ")
    assert not (tmp_path / "new").exists()


def test_a_demo_folder_that_cannot_be_written_is_refused_before_the_sandbox_starts(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    one_line_refusal(okr("demo", "--out", "/proc/okr-demo", "--port", "0"), "--out: cannot write /proc/okr-demo: cannot create a file in /proc: ")
    one_line_refusal(okr("demo", "--out", str(blocker / "demo"), "--port", "0"), f"--out: cannot create the folder of {blocker / 'demo'}: {blocker} is a file")
    one_line_refusal(okr("demo", "--out", str(blocker), "--port", "0"), f"--out: {blocker} is a file; give a folder")


def test_config_text_is_printed_as_written_never_as_markup_or_emoji(manual_config: Path):
    # Found by the property tests: rich read "[/bold]" in a title as a closing tag and raised.
    manual_config.write_text(MANUAL.replace("title: Train 5 team members to use the marketing CRM", "title: '[/bold] [red]Train :smile:'")
                             .replace("title: Implement marketing technology infrastructure", "title: '[/] Implement'"))
    result = okr("status", "-c", str(manual_config), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    for written in ("[/bold]", "[red]Train", ":smile:", "[/]"):
        assert written in result.stdout, result.stdout
    one_line_refusal(okr("history", ":smile:[/b]", "-c", str(manual_config)), f"{manual_config}: no key result ':smile:[/b]'")
