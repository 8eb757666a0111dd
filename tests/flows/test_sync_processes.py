"""``okr sync`` as separate processes: one sync of a company at a time, and what a killed or
terminated sync leaves behind (nothing running, no server), on SQLite and PostgreSQL.

Every sync here is a real ``okr`` process against a sandbox in this process. A
scripted fault holds one search answer until the test releases it, so a sync is
known to be mid-read (its lock held, its run started) when the test acts: no
sleeps, no timed assertions. The lock tests point their syncs at the session's
Prefect server; the kill tests use none, so each sync starts (and must clean
up) its own temporary one.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from connectors.sandbox import Fault, SandboxServer, generate_dataset
from flows.cli import app
from flows.demo import DEMO_TOKEN_ENV, render_demo_config
from okrmodel.storage import Store

AS_OF = date(2026, 11, 27)
ZONE = ZoneInfo("Europe/Berlin")
OKR = str(Path(sys.executable).parent / "okr")
PATIENCE = 300.0
"""A bound on waiting for a subprocess to reach a point, so a broken sync fails the test instead of hanging it."""


@pytest.fixture
def portal() -> Iterator[SandboxServer]:
    with SandboxServer(generate_dataset(AS_OF, timezone="Europe/Berlin")) as server:
        yield server


@pytest.fixture
def config(tmp_path: Path, portal: SandboxServer) -> Path:
    path = tmp_path / "okrs.yaml"
    path.write_text(render_demo_config(AS_OF, portal.base_url))
    return path


def sync_env(database_url: str, portal: SandboxServer, tmp_path: Path, *, prefect_api_url: str | None) -> dict[str, str]:
    env = {**os.environ, DEMO_TOKEN_ENV: portal.token, "OKR_DATABASE_URL": database_url, "PREFECT_HOME": str(tmp_path / "prefect")}
    env.pop("PREFECT_API_URL", None)
    if prefect_api_url:
        env["PREFECT_API_URL"] = prefect_api_url
    return env


def start_sync(config: Path, env: dict[str, str], *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [OKR, "sync", "-c", str(config), "--as-of", AS_OF.isoformat(), "--no-email", "--no-notify", *options],
        env=env, cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_until_held(portal: SandboxServer, sync: subprocess.Popen[str], *, after: int = 0) -> None:
    """Until the sandbox holds a request of ``sync`` (a fault's hold, not yet answered): it is mid-read.
    ``after``: the calls logged before ``sync`` started, which are not its (a killed sync's held
    request may not be answered yet on a loaded machine)."""
    deadline = time.monotonic() + PATIENCE
    while not any(call.held and call.status == 0 for call in portal.call_log[after:]):
        assert sync.poll() is None, f"the sync ended before its request was held: {sync.communicate()}"
        assert time.monotonic() < deadline, "the sync never reached the held request"
        time.sleep(0.05)


@contextmanager
def held_mid_read(portal: SandboxServer, config: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    """A sync started and held at its first search (its lock held, its run begun) for the block;
    the portal answers when the block ends, as it would the request in flight."""
    gate = threading.Event()
    portal.faults.push(Fault(on="/search", hold=gate))
    earlier = len(portal.call_log)
    sync = start_sync(config, env)
    try:
        wait_until_held(portal, sync, after=earlier)
        yield sync
    finally:
        gate.set()


def runs(database_url: str):
    with Store(database_url) as store:
        return store.runs()


def recorded_calls(database_url: str, run_id: str) -> int:
    with Store(database_url) as store:
        return sum(fetch.api_calls for fetch in store.fetches(run_id))


@pytest.fixture
def harness_url(prefect_harness) -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def test_two_syncs_of_one_company_give_one_run_and_one_refusal(harness_url, database_url, portal, config, tmp_path):
    env = sync_env(database_url, portal, tmp_path, prefect_api_url=harness_url)
    with held_mid_read(portal, config, env) as first:
        second = start_sync(config, env)
        _out, refusal = second.communicate(timeout=PATIENCE)
    out, err = first.communicate(timeout=PATIENCE)
    assert first.returncode == 0, err
    [run] = runs(database_url)
    assert (run.status, run.pid) == ("succeeded", first.pid)
    assert second.returncode == 75
    assert f"another sync of Acme Cloud is running (run {run.id[:8]}, pid {first.pid} on {socket.gethostname()}, since " in refusal
    assert "this sync did nothing; run okr sync --wait to queue behind it" in refusal and "Traceback" not in refusal
    # The refused sync sent nothing; the run's record counts every request the portal counted.
    assert recorded_calls(database_url, run.id) == portal.call_count


def start_waiting_sync(config: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    """A ``--wait`` sync started while another holds the lock, once it says it is waiting, and what
    it printed until then (Prefect's console shows the flow's log, where it says so)."""
    waiting = start_sync(config, {**env, "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "INFO"}, "--wait")
    assert waiting.stderr is not None
    lines: list[str] = []
    while not (lines and "waiting for it to finish" in lines[-1] and "(run " in lines[-1]):
        line = waiting.stderr.readline()
        assert line, f"the second sync ended without waiting: {lines}"
        lines.append(line)
    return waiting, lines


def test_wait_runs_the_second_sync_after_the_first(harness_url, database_url, portal, config, tmp_path):
    env = sync_env(database_url, portal, tmp_path, prefect_api_url=harness_url)
    with held_mid_read(portal, config, env) as first:
        second, lines = start_waiting_sync(config, env)
    assert first.wait(timeout=PATIENCE) == 0
    _out, rest = second.communicate(timeout=PATIENCE)
    assert second.returncode == 0, "".join(lines) + rest
    newer, older = runs(database_url)
    assert (older.pid, newer.pid) == (first.pid, second.pid)
    assert (older.status, newer.status) == ("succeeded", "succeeded")
    assert newer.started_at >= older.finished_at, "the second ran after the first, not beside it"


def test_a_sync_stopped_while_waiting_its_turn_says_it_read_nothing(harness_url, database_url, portal, config, tmp_path):
    env = sync_env(database_url, portal, tmp_path, prefect_api_url=harness_url)
    with held_mid_read(portal, config, env) as first:
        waiting, lines = start_waiting_sync(config, env)
        waiting.send_signal(signal.SIGTERM)
        _out, rest = waiting.communicate(timeout=PATIENCE)
    assert waiting.returncode == 128 + signal.SIGTERM, "".join(lines) + rest
    assert rest.splitlines()[-1] == f"{config}: sync stopped by SIGTERM before its run began: nothing was read"
    assert "Traceback" not in rest
    assert first.wait(timeout=PATIENCE) == 0
    [run] = runs(database_url)
    assert (run.status, run.pid) == ("succeeded", first.pid), "the stopped sync began no run"
    assert recorded_calls(database_url, run.id) == portal.call_count, "and sent the portal nothing"


def children_of(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir() for child in (task / "children").read_text().split()]


def listening_ports(pid: int) -> set[int]:
    """The TCP ports process ``pid`` listens on, from its socket descriptors and /proc/net/tcp."""
    inodes = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(descriptor)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def gone(pid: int) -> bool:
    """No such process, or one that has exited and waits to be reaped (a zombie holds no port)."""
    status = Path(f"/proc/{pid}/status")
    try:
        return any(line.split()[1] == "Z" for line in status.read_text().splitlines() if line.startswith("State:"))
    except FileNotFoundError:
        return True


def wait_until_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + PATIENCE
    while not all(gone(pid) for pid in pids):
        assert time.monotonic() < deadline, f"still running: {[pid for pid in pids if not gone(pid)]}"
        time.sleep(0.1)


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def stop_mid_sync(portal: SandboxServer, config: Path, env: dict[str, str], signal_number: int) -> tuple[subprocess.Popen[str], str, set[int]]:
    """Start a sync, stop it with ``signal_number`` while one of its searches is held, and return it, its
    stderr, and the ports its Prefect server listened on (that server checked gone)."""
    with held_mid_read(portal, config, env) as sync:
        servers = children_of(sync.pid)
        ports = set().union(*(listening_ports(pid) for pid in servers))
        assert servers and ports, "the sync runs its own temporary Prefect server"
        sync.send_signal(signal_number)
        if signal_number == signal.SIGKILL:
            sync.wait(timeout=PATIENCE)
    _out, err = sync.communicate(timeout=PATIENCE)
    wait_until_gone(servers)
    assert all(refused(port) for port in ports), "nothing listens where the server was"
    return sync, err, ports


def contacts_per_day(portal: SandboxServer) -> dict[date, float]:
    days: dict[date, float] = {}
    for contact in portal.dataset.contacts:
        day = datetime.fromisoformat(contact["properties"]["createdate"].replace("Z", "+00:00")).astimezone(ZONE).date()
        if date(2026, 10, 1) <= day <= AS_OF:
            days[day] = days.get(day, 0.0) + 1
    return days


def test_a_killed_or_terminated_sync_leaves_no_running_run_and_no_server(prefect_harness, database_url, portal, config, tmp_path):
    env = sync_env(database_url, portal, tmp_path, prefect_api_url=None)

    killed, _err, _ports = stop_mid_sync(portal, config, env, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    [left] = runs(database_url)
    assert (left.status, left.pid) == ("running", killed.pid), "nothing ran on SIGKILL: the run says running"
    # okr runs notices at once that the run's process is gone.
    listed = CliRunner().invoke(app, ["runs", "-c", str(config), "--as-of", AS_OF.isoformat(), "--json"], env={"OKR_DATABASE_URL": database_url})
    assert listed.exit_code == 0, listed.output
    [shown] = json.loads(listed.stdout)["runs"]
    assert (shown["status"], shown["started_at"], shown["finished_at"]) == ("abandoned", left.started_at.isoformat(), None)
    assert f"its process (pid {killed.pid} on {socket.gethostname()}) ended without finishing the run" in shown["message"]

    terminated, err, _ports = stop_mid_sync(portal, config, env, signal.SIGTERM)
    assert terminated.returncode == 128 + signal.SIGTERM, err
    assert err.splitlines() == [
        f"{config}: sync stopped by SIGTERM: the values read until then are stored, its run is recorded as interrupted (okr runs)"
    ]
    interrupted = next(run for run in runs(database_url) if run.pid == terminated.pid)
    assert interrupted.status == "interrupted" and "stopped by SIGTERM before it finished" in interrupted.message

    # The next sync (in this process, on the session's server) is exact and leaves nothing running.
    synced = CliRunner().invoke(app, ["sync", "-c", str(config), "--as-of", AS_OF.isoformat(), "--no-email", "--no-notify"], env={"OKR_DATABASE_URL": database_url, DEMO_TOKEN_ENV: portal.token})
    assert synced.exit_code == 0, synced.output
    assert [run.status for run in runs(database_url)] == ["succeeded", "interrupted", "abandoned"]
    with Store(database_url) as store:
        stored = {value.day: value.value for value in store.daily_values("new_contacts", date(2026, 10, 1), AS_OF)}
        revisions = [row.revision for row in store.observation_history("new_contacts", date(2026, 10, 1), AS_OF)]
    expected = contacts_per_day(portal)
    assert stored == {day: expected.get(day, 0.0) for day in stored} and len(stored) == (AS_OF - date(2026, 10, 1)).days + 1
    assert set(revisions) == {1}, "no day was written twice"
