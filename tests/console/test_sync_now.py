""""Sync now" from the runs page: with no deployment of the company on the Prefect server, the
nightly flow runs in the console's process in the background, reading the CSV source; its run
and outcome show on the page, and it mailed nothing (the night's run tells leadership)."""

from __future__ import annotations

import threading

from tests.console.conftest import post_form, sign_in_ops


def test_sync_now_runs_the_flow_in_the_background_and_shows_its_run(console, prefect_harness):
    sign_in_ops(console.client)
    runs_before = len(console.store().runs())
    answer = post_form(console.client, "/c/acme-cloud/runs", "/c/acme-cloud/runs/sync", {})
    assert answer.status_code == 202 and "Sync started in the console&#39;s process" in answer.text
    for thread in threading.enumerate():
        if thread.name == "sync-acme-cloud":
            thread.join()
    page = console.client.get("/c/acme-cloud/runs").text
    assert "succeeded." in page and "id=\"sync-outcome\"" in page
    runs = console.store().runs()
    assert len(runs) == runs_before + 1 and runs[0].status == "succeeded"
    [fetch] = console.store().fetches(runs[0].id)
    assert (fetch.metric, fetch.status) == ("leads", "succeeded")
    assert console.inbox.messages == []


def test_sync_now_triggers_the_companys_deployment_when_the_server_has_it(console, prefect_harness):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    from flows.schedule import nightly_deployment

    config = console.client.app.state.console.companies[0].config
    deployment_id = nightly_deployment(config, console.path, "0 3 * * *").apply()
    sign_in_ops(console.client)
    answer = post_form(console.client, "/c/acme-cloud/runs", "/c/acme-cloud/runs/sync", {})
    assert answer.status_code == 202 and "Triggered okr-nightly-sync/okr-nightly-acme-cloud on the Prefect server" in answer.text
    with get_client(sync_client=True) as client:
        [flow_run] = client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])))
        client.delete_deployment(deployment_id)
    assert flow_run.parameters["as_of"] == "2026-11-20" and flow_run.parameters["send_email"] is False
    assert not any(thread.name == "sync-acme-cloud" for thread in threading.enumerate())  # nothing ran here
