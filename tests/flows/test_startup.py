"""What an ``okr`` process loads and starts before it does its work: checked in processes of their own
(this one has loaded everything), from ``sys.modules`` and the process's children, never by timing.

The CLI loads neither Prefect nor the chat SDK, Pillow or Alembic until a command needs them, so
``okr status`` runs without any; ``okr sync`` starts its temporary Prefect server first, and stops
it at once when the sync ends before the server was needed, or when Prefect's settings (a
profile) name a server after all.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import date
from pathlib import Path

from flows.demo import DEMO_TOKEN_ENV, render_demo_config

AS_OF = date(2026, 11, 27)
OPTIONAL = ("prefect", "slack_sdk", "PIL", "alembic", "flows.pipeline", "flows.mapping", "hubspot")
"""Modules the CLI must not load before a command needs them."""

_LOADED = f"sorted(m for m in {OPTIONAL!r} if m in sys.modules)"
_CHILDREN = "[int(c) for t in os.listdir(f'/proc/{os.getpid()}/task') for c in open(f'/proc/{os.getpid()}/task/{t}/children').read().split()]"


def run_python(code: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line, returned."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_cli_loads_no_prefect_chat_sdk_pillow_or_alembic():
    loaded = run_python(f"import json, sys\nimport flows.cli\nprint(json.dumps({_LOADED}))")
    assert loaded == []


def test_okr_status_runs_without_prefect_the_chat_sdk_pillow_or_alembic(tmp_path):
    config = tmp_path / "okrs.yaml"
    config.write_text(render_demo_config(AS_OF, "https://api.hubapi.com"))
    database = f"sqlite:///{tmp_path / 'okr.db'}"
    from okrmodel.storage import Store

    Store(database).close()  # at its newest revision, as every database is after its first sync
    code = f"""import json, sys
from flows.cli import app
code = app(["status", "-c", {str(config)!r}, "--as-of", "{AS_OF}", "--json"], standalone_mode=False)
print(json.dumps({{"code": code, "loaded": {_LOADED}}}))"""
    outcome = run_python(code, env={"OKR_DATABASE_URL": database}, cwd=tmp_path)
    assert outcome == {"code": None, "loaded": []}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_a_sync_that_ends_before_its_server_is_needed_leaves_none_running(tmp_path):
    config = tmp_path / "okrs.yaml"
    config.write_text(render_demo_config(AS_OF, f"http://127.0.0.1:{closed_port()}"))
    code = f"""import json, os, sys
from flows.cli import app
code = app(["sync", "-c", {str(config)!r}, "--as-of", "{AS_OF}", "--no-email", "--no-notify"], standalone_mode=False)
print(json.dumps({{"code": code, "children": {_CHILDREN}, "prefect": "prefect" in sys.modules}}))"""
    env = {DEMO_TOKEN_ENV: "unused", "OKR_DATABASE_URL": f"sqlite:///{tmp_path / 'okr.db'}", "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": ""}
    outcome = run_python(code, env=env, cwd=tmp_path)
    # The sandbox is down: the sync stops (exit 1) after its temporary server was started, and stops it.
    assert outcome == {"code": 1, "children": [], "prefect": True}


def test_a_server_named_by_a_prefect_profile_is_used_and_no_temporary_one_is_left(tmp_path):
    home = tmp_path / "prefect"
    home.mkdir()
    remote = f"http://127.0.0.1:{closed_port()}/api"
    (home / "profiles.toml").write_text(f'active = "remote"\n\n[profiles.remote]\nPREFECT_API_URL = "{remote}"\n')
    code = f"""import json, os, sys
import flows
from flows.prefect_api import owned_api_url, starting_prefect_api
with starting_prefect_api() as ready:
    ready()
    from prefect.settings import PREFECT_API_URL
    print(json.dumps({{"url": PREFECT_API_URL.value(), "owned": owned_api_url(), "children": {_CHILDREN}}}))"""
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"url": remote, "owned": None, "children": []}
