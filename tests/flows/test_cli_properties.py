"""Property tests through the ``okr`` command line: generated configs, check-in values, days and
notes never give a traceback, never write part of anything, and ``okr status --json`` is always
JSON (read strictly: no ``Infinity`` or ``NaN``).

In process (Typer's runner) for speed; a few cases in a real process for the exit codes.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from flows.cli import app
from okrmodel.storage import Store
from tests.okrmodel.test_config_limits import billion_laughs
from tests.okrmodel.test_config_properties import TEXT, edited_configs

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
PROPERTY = settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])


def strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def assert_finite(document: object) -> None:
    if isinstance(document, float):
        assert math.isfinite(document)
    elif isinstance(document, dict):
        for value in document.values():
            assert_finite(value)
    elif isinstance(document, list):
        for value in document:
            assert_finite(value)


def assert_clean_exit(result, allowed: tuple[int, ...] = (0, 2)) -> None:
    assert result.exit_code in allowed, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    if result.exit_code == 2:
        assert result.stderr.strip() and result.stdout == ""


def manual_config(baseline: float, target: float, weight: float, direction: str) -> str:
    return f"""\
company: Acme Cloud
timezone: Europe/Berlin
period: 2026-Q4
objectives:
  - id: martech
    title: Implement marketing technology infrastructure
    key_results:
      - {{id: crm-training, title: Train people to use the CRM, baseline: {baseline!r}, target: {target!r}, weight: {weight!r}, direction: {direction}}}
      - {{id: lifecycle-stages, title: Measure 5 lifecycle stages, target: 5, checkin_every: week}}
"""


def store_state(url: str) -> tuple:
    with Store(url) as store:
        return tuple((c.key_result, c.day, c.value, c.author, c.note, c.pinned) for kr in ("crm-training", "lifecycle-stages") for c in store.checkins(kr))


AMOUNTS = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False) | st.sampled_from([0.0, 1e-300, -1e-300, 5e-324, 1e15, -1e15])
VALUE_TEXT = (
    st.floats().map(repr)
    | st.integers(min_value=-(10**20), max_value=10**20).map(str)
    | st.from_regex(r"\A[+-]?[0-9]{0,20}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,4})?\Z")
    | st.sampled_from(["nan", "-inf", "1e309", "9" * 120_000, "-0", "1_000", "0x10", "\u0661", " 7 ", "1,5", ""])
    | TEXT
)
DAYS = st.dates().map(lambda day: day.isoformat()) | st.sampled_from(["2026-11-27", "2026-10-01", "9999-12-31", "2026-02-30"]) | TEXT


@PROPERTY
@given(
    baseline=AMOUNTS, target=AMOUNTS, weight=st.floats(min_value=1e-6, max_value=1000), direction=st.sampled_from(["increase", "decrease", "stay_above", "stay_below", "milestone"]),
    value=VALUE_TEXT, day=DAYS, note=st.none() | TEXT, pin=st.booleans(),
)
# Found by this test: a target 5e-324 above its baseline made a check-in of 1e15 infinite progress.
@example(baseline=0.0, target=5e-324, weight=1.0, direction="increase", value="1e15", day="2026-11-27", note=None, pin=False)
def test_a_checkin_is_stored_whole_or_refused_and_status_stays_json(tmp_path_factory, database_url, monkeypatch, baseline, target, weight, direction, value, day, note, pin):
    monkeypatch.setenv("OKR_DATABASE_URL", database_url)
    path = tmp_path_factory.mktemp("cfg") / "okrs.yaml"
    path.write_text(manual_config(baseline, target, weight, direction))
    validated = runner.invoke(app, ["validate", "-c", str(path)])
    assert_clean_exit(validated)
    if validated.exit_code != 0:
        return  # a direction the target contradicts: refused in one line, nothing to check in
    before = store_state(database_url)
    args = ["checkin", "-c", str(path), "--author", "lee", "--as-of", day, *(["--note", note] if note is not None else []), *(["--pin"] if pin else [])]
    checked_in = runner.invoke(app, [*args, "crm-training", "--", value])
    assert_clean_exit(checked_in)
    after = store_state(database_url)
    if checked_in.exit_code == 2:
        assert after == before  # nothing written
    else:
        (added,) = (Counter(after) - Counter(before)).elements()  # exactly one check-in, whole
        assert math.isfinite(added[2]) and abs(added[2]) <= 1e15
    status = runner.invoke(app, ["status", "--json", "-c", str(path), "--as-of", "2026-11-27"])
    assert_clean_exit(status, allowed=(0,))
    assert_finite(strict_json(status.stdout))


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edited_configs())
def test_a_generated_config_is_refused_in_one_line_each_or_reads_as_json(tmp_path_factory, monkeypatch, text):
    folder = tmp_path_factory.mktemp("cfg")
    monkeypatch.setenv("OKR_DATABASE_URL", f"sqlite:///{folder / 'okr.db'}")  # its own: a generated company name claims it
    path = folder / "okrs.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    validated = runner.invoke(app, ["validate", "-c", str(path)])
    assert_clean_exit(validated)
    for command in (["status", "--json"], ["status"]):  # the table prints config text too
        status = runner.invoke(app, [*command, "-c", str(path), "--as-of", "2026-11-27"])
        assert_clean_exit(status)
        assert status.exit_code == validated.exit_code
        if status.exit_code != 0:
            assert status.stderr == validated.stderr
    if validated.exit_code == 0:
        assert_finite(strict_json(runner.invoke(app, ["status", "--json", "-c", str(path), "--as-of", "2026-11-27"]).stdout))


def okr_process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from flows.cli import main; main()", *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def test_real_exit_codes(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OKR_DATABASE_URL", f"sqlite:///{tmp_path / 'okr.db'}")
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text(billion_laughs())
    refused = okr_process("status", "-c", str(laughs), cwd=tmp_path)
    assert (refused.returncode, refused.stdout, len(refused.stderr.splitlines())) == (2, "", 1), refused.stderr
    deep = tmp_path / "deep.yaml"
    deep.write_text("company: Acme\nperiod: 2026-Q4\nobjectives: " + "[" * 3000 + "]" * 3000 + "\n")
    refused = okr_process("validate", "-c", str(deep), cwd=tmp_path)
    assert (refused.returncode, len(refused.stderr.splitlines())) == (2, 1) and "Traceback" not in refused.stderr
    config = tmp_path / "okrs.yaml"
    config.write_text(manual_config(0, 5, 1, "increase"))
    nan = okr_process("checkin", "crm-training", "nan", "-c", str(config), "--author", "lee", cwd=tmp_path)
    assert (nan.returncode, nan.stderr) == (2, "VALUE: 'nan' is not a finite number; give the value reached, such as 3 or 1250.5\n")
    stored = okr_process("checkin", "crm-training", "3", "-c", str(config), "--author", "lee", "--as-of", "2026-11-27", cwd=tmp_path)
    assert stored.returncode == 0, stored.stderr
    status = okr_process("status", "--json", "-c", str(config), "--as-of", "2026-11-27", cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    document = strict_json(status.stdout)
    assert document["objectives"][0]["key_results"][0]["actual"] == 3

