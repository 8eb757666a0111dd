"""``okr demo`` leaves a config that keeps working: ``okr sandbox`` serves the same portal on
the port the config names, and a sync against it when it is down says how to start it."""

from __future__ import annotations

from datetime import date

from connectors import load_config
from flows.demo import DEMO_TOKEN_ENV, demo_sandbox, run_demo
from flows.nightly import nightly_sync
from flows.pipeline import local_servers_down
from tests.smtp import free_port

AS_OF = date(2026, 11, 27)


def test_after_the_demo_okr_sandbox_serves_what_its_config_reads(prefect_harness, tmp_path, monkeypatch):
    port = free_port()
    first = run_demo(tmp_path / "demo", as_of=AS_OF, port=port)
    assert first.status == "succeeded" and first.report_path == (tmp_path / "demo" / "report.html").resolve()
    config_path = tmp_path / "demo" / "okrs.yaml"
    config = load_config(config_path)
    assert config.sources["hubspot"].base_url == f"http://127.0.0.1:{port}"

    # The demo's own sandbox is gone: the next command says what to start instead of retrying.
    assert local_servers_down(config) == [
        f"hubspot: nothing listens at http://127.0.0.1:{port}; if it is the demo's sandbox, start it with `okr sandbox` (or run `okr demo` again)"
    ]
    with demo_sandbox(AS_OF, port) as server:
        monkeypatch.setenv(DEMO_TOKEN_ENV, server.token)
        assert local_servers_down(config) == []
        again = nightly_sync(str(config_path), as_of=AS_OF, send_email=False)  # as run_demo ran it
    assert again.status == "succeeded"
    assert sum(outcome.values_added for outcome in again.metrics) == 0, "the same portal: nothing changed"
