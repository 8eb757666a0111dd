"""Network and portal quirks of the sandbox: requests counted when they arrive (pitfall 8), opens
inflated by Apple Mail Privacy Protection (pitfall 9), and the standalone server's options.

Rates are checked from ``server.call_log`` arrival times, never by timing the test itself.
"""

from __future__ import annotations

import io
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from datetime import UTC, date, datetime

import pytest
import requests

from connectors.sandbox import (
    Fault,
    RateLimits,
    SandboxOptions,
    SandboxServer,
    build_sandbox,
    email,
    generate_dataset,
    parse_options,
    serve_sandbox,
    with_machine_opens,
)

ANCHOR = date(2026, 11, 27)


def search(base_url: str, token: str) -> int:
    request = urllib.request.Request(
        f"{base_url}/crm/v3/objects/contacts/search", data=b'{"limit": 1}', method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_requests_sent_evenly_are_counted_when_they_arrive() -> None:
    # A client that books 5 searches per second at send time, spacing them exactly 0.2 s apart, with no
    # margin: on a network whose delay varies, they arrive bunched, and HubSpot counts arrivals.
    dataset = generate_dataset(ANCHOR, days=20)
    delay, jitter, count = 0.05, 0.5, 25
    with SandboxServer(
        dataset, rate_limits=RateLimits(search_per_second=5, per_10_seconds=None), arrival_delay_seconds=delay, arrival_jitter_seconds=jitter
    ) as server:
        sent: list[float] = []
        statuses: list[int] = []
        threads = []
        start = time.monotonic() + 0.1
        for index in range(count):
            time.sleep(max(0.0, start + 0.2 * index - time.monotonic()))
            sent.append(time.monotonic())
            thread = threading.Thread(target=lambda: statuses.append(search(server.base_url, server.token)))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        log = server.call_log
    assert len(log) == count and sorted(statuses) == sorted(call.status for call in log)
    assert all(delay <= call.network_delay <= delay + jitter for call in log)
    assert len({round(call.network_delay, 6) for call in log}) > count / 2, "the jitter varies per call"
    # No call arrives before it was sent plus its one-way delay (the k-th arrival after the k-th send).
    assert all(arrived >= departed + delay for arrived, departed in zip(sorted(call.arrived for call in log), sorted(sent)))
    # The limit is applied to arrival times: replaying HubSpot's rule over them gives the same answers.
    accepted: deque[float] = deque()
    for call in log:
        while accepted and accepted[0] <= call.arrived - 1.0:
            accepted.popleft()
        if len(accepted) >= 5:
            assert call.status == 429
        else:
            assert call.status == 200
            accepted.append(call.arrived)
    # With up to 0.5 s of jitter, some 1-second span holds 6 arrivals (all 25 calls keeping their
    # order within each chain of every fifth call has odds of (1/120)**5), so the limiter drew 429s.
    assert 429 in statuses


def test_arrival_delay_is_applied_before_logging_and_latency_after() -> None:
    dataset = generate_dataset(ANCHOR, days=5)
    with SandboxServer(dataset, arrival_delay_seconds=0.02, latency_seconds=0.01) as server:
        assert (server.arrival_delay_seconds, server.latency_seconds, server.arrival_jitter_seconds) == (0.02, 0.01, 0.0)
        before = time.monotonic()
        assert search(server.base_url, server.token) == 200
        (call,) = server.call_log
    assert call.network_delay == 0.02
    assert call.arrived >= before + 0.02
    with pytest.raises(ValueError, match="negative"):
        SandboxServer(dataset, arrival_delay_seconds=-1)


def test_a_held_call_is_marked_held_until_answered_and_other_calls_are_not() -> None:
    gate = threading.Event()
    with SandboxServer(generate_dataset(ANCHOR, days=5)) as server:
        server.faults.push(Fault(on="/search", hold=gate))
        held = threading.Thread(target=search, args=(server.base_url, server.token))
        held.start()
        while not server.call_log:
            time.sleep(0.01)
        # Another call meanwhile is answered at once, and never held.
        assert requests.get(f"{server.base_url}/crm/v3/properties/contacts", headers={"Authorization": f"Bearer {server.token}"}, timeout=10).status_code == 200
        first, other = server.call_log
        while not first.held:
            time.sleep(0.01)
        assert (first.status, other.held, other.status) == (0, False, 200)
        gate.set()
        held.join()
    assert (first.held, first.status) == (True, 200)


# --- Apple Mail Privacy Protection ---------------------------------------------------


def test_machine_opens_inflate_opens_only() -> None:
    human = generate_dataset(ANCHOR, timezone="Europe/Berlin", days=120)
    inflated = generate_dataset(ANCHOR, timezone="Europe/Berlin", days=120, mpp_open_share=0.5)
    assert generate_dataset(ANCHOR, timezone="Europe/Berlin", days=120, mpp_open_share=0.0) == human  # the default is unchanged
    assert [mail["id"] for mail in inflated.emails] == [mail["id"] for mail in human.emails]
    published = 0
    for before, after in zip(human.emails, inflated.emails):
        if not before["isPublished"]:
            assert after == before
            continue
        published += 1
        old, new = before["stats"]["counters"], after["stats"]["counters"]
        assert {key: value for key, value in new.items() if key != "open"} == {key: value for key, value in old.items() if key != "open"}
        assert old["open"] < new["open"] <= new["delivered"]
        assert after["stats"]["ratios"]["openratio"] > before["stats"]["ratios"]["openratio"] + 15
        assert after["stats"]["ratios"]["clickthroughratio"] < before["stats"]["ratios"]["clickthroughratio"]
        assert {key: value for key, value in after.items() if key != "stats"} == {key: value for key, value in before.items() if key != "stats"}
    assert published > 15
    # Opens now say over half the recipients read the email; clicks still say one in thirty acted on it.
    opens = sum(mail["stats"]["counters"]["open"] for mail in inflated.emails if mail["isPublished"])
    delivered = sum(mail["stats"]["counters"]["delivered"] for mail in inflated.emails if mail["isPublished"])
    assert opens / delivered > 0.5
    with pytest.raises(ValueError, match="mpp_open_share"):
        generate_dataset(ANCHOR, days=5, mpp_open_share=1.5)


def test_email_builder_counts_machine_opens_as_opens() -> None:
    moment = datetime(2026, 3, 3, 10, tzinfo=UTC)
    mail = email(1, "Newsletter", moment, sent=1000, delivered=980, opens=200, clicks=20, machine_opens=300)
    assert mail["stats"]["counters"]["open"] == 500
    assert mail["stats"]["ratios"]["openratio"] == round(100 * 500 / 980, 2)
    plain = email(1, "Newsletter", moment, sent=1000, delivered=980, opens=200, clicks=20)
    assert with_machine_opens(plain, 300) == mail


# --- the standalone server ---------------------------------------------------------


def test_options_from_command_line_flags() -> None:
    options = parse_options([
        "--port", "0", "--anchor", "2026-11-27", "--rate-limits", "--latency", "0.1", "--arrival-delay", "0.05",
        "--arrival-jitter", "0.2", "--legacy-stage-dates", "--hide-v2-properties", "--mpp-open-share", "0.4",
    ])
    assert options == SandboxOptions(
        port=0, anchor=ANCHOR, rate_limits=True, latency_seconds=0.1, arrival_delay_seconds=0.05, arrival_jitter_seconds=0.2,
        legacy_stage_dates=True, hide_v2_properties=True, mpp_open_share=0.4,
    )
    assert parse_options([]) == SandboxOptions()
    for bad in (["--timezone", "Mars/Olympus"], ["--latency", "-1"], ["--mpp-open-share", "2"]):
        with pytest.raises(SystemExit):
            parse_options(bad)


def test_built_server_has_the_options_quirks() -> None:
    server = build_sandbox(SandboxOptions(port=0, anchor=ANCHOR, days=10, rate_limits=True, latency_seconds=0.1, arrival_delay_seconds=0.05, legacy_stage_dates=True))
    assert server.rate_limits == RateLimits(search_per_second=5, per_10_seconds=100)
    assert (server.latency_seconds, server.arrival_delay_seconds) == (0.1, 0.05)
    assert server.dataset.legacy_stage_dates and server.dataset.v2_properties_listed
    assert build_sandbox(SandboxOptions(anchor=ANCHOR, days=10)).rate_limits is None
    with pytest.raises(ValueError, match="time zone"):
        build_sandbox(SandboxOptions(timezone="Mars/Olympus"))


def test_serve_sandbox_prints_where_it_listens_and_stops() -> None:
    out, stop = io.StringIO(), threading.Event()
    options = SandboxOptions(port=0, anchor=ANCHOR, days=30, hide_v2_properties=True, token="demo-token")
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(serve_sandbox(options, out=out, stop=stop)))
    thread.start()
    try:
        for _ in range(500):  # waits for start-up; asserts nothing about how long it takes
            if "Ctrl-C" in out.getvalue():
                break
            time.sleep(0.01)
        lines = dict(line.split(":", 1) for line in out.getvalue().splitlines() if line.startswith(("base_url:", "token:")))
        base_url, token = lines["base_url"].strip(), lines["token"].strip()
        assert token == "demo-token" and base_url.startswith("http://127.0.0.1:")
        response = requests.get(f"{base_url}/crm/v3/properties/contacts/hs_v2_date_entered_lead", headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert response.status_code == 404
        assert "not in the properties API" in out.getvalue()
    finally:
        stop.set()
        thread.join(timeout=10)
    assert result == [0]
