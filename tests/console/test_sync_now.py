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
