"""The HubSpot connector under HubSpot's faults: 429s, 5xx, timeouts, 400/403, and its own limits.

Scripted faults come from the sandbox (``Fault``, ``RateLimits``); retries use
tiny backoffs so the suite stays fast. Rates are checked on the arrival times
the sandbox records per call, never on how long a test took.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import SecretStr

from connectors import FatalSourceError, QuotaExhaustedError, RetriableSourceError, SourceConfigurationError, parse_config
from connectors.hubspot.client import default_retry
from connectors.hubspot.config import HubSpotSource
from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.rate_limit import PortalRateLimiter, SharedLimitError
from connectors.sandbox import Fault, RateLimits, SandboxDataset, SandboxServer, contact, generate_dataset, timestamp_burst
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
AS_OF = date(2026, 11, 27)
TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
DAY = Window.from_days(date(2026, 11, 20), date(2026, 11, 20), ZONE)
MONTH = Window.from_days(date(2026, 11, 1), AS_OF, ZONE)

METRICS = parse_config(
    """
company: Acme
period: 2026-Q4
sources: {hubspot: {type: hubspot}}
metrics:
  new_contacts: {source: hubspot, kind: contacts_created}
  organic: {source: hubspot, kind: contacts_created, where: {hs_analytics_source: ORGANIC_SEARCH}}
  paid: {source: hubspot, kind: contacts_created, where: {hs_analytics_source: PAID_SEARCH}}
  social: {source: hubspot, kind: contacts_created, where: {hs_analytics_source: SOCIAL_MEDIA}}
  mqls: {source: hubspot, kind: contacts_entered_stage, stage: marketingqualifiedlead}
  deals: {source: hubspot, kind: deals_created}
  pipeline: {source: hubspot, kind: deals_created, sum: amount}
  sessions: {source: hubspot, kind: web_sessions}
"""
).metrics


def local_day(value: str) -> date:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(ZONE).date()


def created_per_day(records, window: Window, amount: str | None = None) -> dict[date, float]:
    series = {day: 0.0 for day in window.days()}
    for record in records:
        day = local_day(record["properties"]["createdate"])
        if day in series:
            series[day] += float(record["properties"].get(amount) or 0) if amount else 1
    return series


def connect(server: SandboxServer, *, timeout: float = 5.0, retries: int = 3, **limits) -> HubSpotConnector:
    # Our own limiter is lifted unless a test is about it: the sandbox enforces nothing by default.
    limits = {"search_requests_per_second": 1000, "requests_per_10_seconds": 10_000, **limits}
    return HubSpotConnector(
        "hubspot",
        HubSpotSource(type="hubspot", base_url=server.base_url, timeout_seconds=timeout, **limits),
        token=SecretStr(server.token),
        retry=default_retry(total=retries, backoff_factor=0.01, backoff_jitter=0.01),
    )


@pytest.fixture(scope="module")
def dataset() -> SandboxDataset:
    return generate_dataset(AS_OF, timezone="America/New_York", days=60)


@pytest.fixture
def server(dataset):
    with SandboxServer(dataset, token=TOKEN) as running:
        yield running


def statuses(server: SandboxServer) -> list[int]:
    return [call.status for call in server.call_log]


@pytest.mark.parametrize("retry_after, times", [(None, 2), (1, 1)], ids=["without-retry-after", "with-retry-after"])
def test_429_is_retried_then_succeeds(server, dataset, retry_after, times):
    server.faults.push(Fault(status=429, on="/search", times=times, retry_after=retry_after))
    reading = connect(server).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert reading.values == created_per_day(dataset.contacts, DAY)
    assert statuses(server) == [429] * times + [200]
    assert reading.api_calls == server.call_count == times + 1  # HubSpot counted every resend: so does the run


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried_for_post_search(server, dataset, status):
    server.faults.push(Fault(status=status, on="/search"))
    reading = connect(server).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert reading.values == created_per_day(dataset.contacts, DAY)
    assert statuses(server) == [status, 200]


def test_analytics_reports_get_the_same_retries(server):
    server.faults.push(Fault(status=429, on="/analytics/", times=2))
    reading = connect(server).read("sessions", METRICS["sessions"], DAY, AS_OF)
    assert sum(reading.values.values()) > 0
    assert statuses(server) == [429, 429, 200]


def test_a_timeout_is_retried_then_succeeds(server, dataset):
    server.faults.push(Fault(delay_seconds=1.0, on="/search"))
    reading = connect(server, timeout=0.3).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert reading.values == created_per_day(dataset.contacts, DAY)
    assert len(server.call_log) == 2


def test_timeouts_that_outlast_the_retries_are_retriable(server):
    server.faults.push(Fault(delay_seconds=1.0, on="/search", times=3))
    with pytest.raises(RetriableSourceError, match=f"HubSpot at {server.base_url} unreachable after retries") as caught:
        connect(server, timeout=0.2, retries=2).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert "ReadTimeoutError" in str(caught.value)
    assert len(server.call_log) == 3  # the first try and two retries
    assert TOKEN not in str(caught.value)


def test_a_429_that_never_ends_is_retriable_with_hubspots_message(server):
    server.faults.push(Fault(status=429, on="/search", times=10))
    with pytest.raises(RetriableSourceError, match="ten_secondly_rolling limit") as caught:
        connect(server, retries=2).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert caught.value.status == 429 and caught.value.correlation_id
    assert caught.value.api_calls == server.call_count == 3  # a failed read still counts what it sent


def test_403_names_the_missing_scopes_and_is_not_retried(server):
    server.faults.push(Fault(status=403, on="/search", missing_scopes=("crm.objects.contacts.read",)))
    with pytest.raises(SourceConfigurationError, match="missing scopes: crm.objects.contacts.read") as caught:
        connect(server).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert "HTTP 403" in str(caught.value) and caught.value.correlation_id in str(caught.value)
    assert len(server.call_log) == 1


def test_400_carries_hubspots_message_and_correlation_id(server):
    server.faults.push(Fault(status=400, on="/search", message="There was a problem with the request: filter value is invalid."))
    with pytest.raises(SourceConfigurationError, match="HubSpot rejected the request: There was a problem") as caught:
        connect(server).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert caught.value.correlation_id and f"correlationId {caught.value.correlation_id}" in str(caught.value)


def test_the_token_never_appears_in_errors_or_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    failures = [Fault(status=401, on="/search"), Fault(status=403, on="/search"), Fault(status=500, on="/search", times=9), Fault(status=400, on="/analytics/")]
    messages = []
    for fault in failures:
        server.faults.push(fault)
        metric = "sessions" if "analytics" in fault.on else "new_contacts"
        with pytest.raises((SourceConfigurationError, RetriableSourceError, FatalSourceError)) as caught:
            connect(server, retries=1).read(metric, METRICS[metric], DAY, AS_OF)
        messages.append(str(caught.value) + repr(caught.value.__cause__) + repr(caught.value.__context__))
    assert all(TOKEN not in message for message in messages)
    assert TOKEN not in caplog.text


def test_a_window_over_10000_is_split_and_stays_exact():
    dataset = generate_dataset(AS_OF, timezone="America/New_York", days=40, contacts_per_day=450)
    expected = created_per_day(dataset.contacts, MONTH)
    assert sum(expected.values()) >= 10_000
    with SandboxServer(dataset) as server:
        reading = connect(server).read("new_contacts", METRICS["new_contacts"], MONTH, AS_OF)
        assert reading.values == expected
        assert 400 not in statuses(server)
        # The first page shows the total is past the cap; then one count per day, far below paging 10k+ records.
        assert server.call_count == 1 + len(MONTH.days())


def test_more_than_10000_records_on_one_timestamp_use_the_id_tie_break():
    dataset = generate_dataset(AS_OF, timezone="America/New_York", days=30)
    batch = datetime.combine(date(2026, 11, 20), time(14, 30), tzinfo=ZONE)
    dataset.contacts.extend(timestamp_burst(5_000_000, batch, 10_450))
    with SandboxServer(dataset) as server:
        counts = connect(server).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
        assert counts.values == created_per_day(dataset.contacts, DAY)
        assert counts.values[DAY.first_day] > 10_450
        assert 400 not in statuses(server), "paging must never run into the 10,000 cap"
        tied = [call for call in server.calls if call[1].endswith("/search")]
        # The first page shows the batch's millisecond, which is isolated at once (not by ~27 halvings);
        # it is keyset-paged to the cap (50 pages), then restarted after the last id and counted.
        assert len(tied) <= 60, len(tied)
        assert counts.api_calls == server.call_count


def test_the_rate_limiter_keeps_a_concurrent_run_under_5_searches_per_second():
    dataset = generate_dataset(AS_OF, timezone="America/New_York", days=40)
    names = ["new_contacts", "organic", "paid", "social", "mqls", "deals", "pipeline"]
    windows = [Window.from_days(AS_OF - timedelta(days=offset), AS_OF - timedelta(days=offset), ZONE) for offset in range(3)]
    with SandboxServer(dataset, rate_limits=RateLimits(search_per_second=5, per_10_seconds=100)) as server:
        connector = connect(server, search_requests_per_second=5, requests_per_10_seconds=100)
        with ThreadPoolExecutor(max_workers=8) as pool:
            readings = list(pool.map(lambda job: connector.read(job[0], METRICS[job[0]], job[1], AS_OF), [(n, w) for n in names for w in windows]))
        log = server.call_log
    assert len(readings) == 21
    assert 429 not in [call.status for call in log], "a normal run never meets HubSpot's limit"
    searches = [call.arrived for call in log if call.path.endswith("/search")]
    assert len(searches) >= 15
    assert max(sum(1 for other in searches if start <= other < start + 1.0) for start in searches) <= 5


def test_requests_that_bunch_on_the_way_to_hubspot_still_draw_no_429():
    # Pitfall 8: HubSpot counts a request when it arrives. 50 to 850 ms on the way, drawn per
    # request, bunch requests sent evenly; slots dated by the answers keep arrivals under 5/s.
    dataset = generate_dataset(AS_OF, timezone="America/New_York", days=40)
    names = ["new_contacts", "organic", "paid", "social", "mqls", "deals", "pipeline"]
    windows = [Window.from_days(AS_OF - timedelta(days=offset), AS_OF - timedelta(days=offset), ZONE) for offset in range(3)]
    limits = RateLimits(search_per_second=5, per_10_seconds=100)
    with SandboxServer(dataset, rate_limits=limits, arrival_delay_seconds=0.05, arrival_jitter_seconds=0.8, arrival_seed=8) as server:
        connector = connect(server, search_requests_per_second=5, requests_per_10_seconds=100)
        with ThreadPoolExecutor(max_workers=8) as pool:
            readings = list(pool.map(lambda job: connector.read(job[0], METRICS[job[0]], job[1], AS_OF), [(n, w) for n in names for w in windows]))
        log = server.call_log
    assert len(readings) == 21
    assert [call.status for call in log if call.status == 429] == []
    searches = [call.arrived for call in log if call.path.endswith("/search")]
    assert max(sum(1 for other in searches if start <= other < start + 1.0) for start in searches) <= 5


def test_the_sandbox_limit_answers_hubspots_429_with_and_without_retry_after(server):
    server.rate_limits = RateLimits(search_per_second=2, per_10_seconds=None, retry_after_every=2)
    answers = []
    for _ in range(5):
        request = urllib.request.Request(
            f"{server.base_url}/crm/v3/objects/contacts/search", data=b'{"limit": 1}', method="POST",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request) as response:
                answers.append((response.status, None, None))
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.headers.get("Retry-After"), json.loads(error.read())))
    limited = [answer for answer in answers if answer[0] == 429]
    assert [status for status, _, _ in answers[:2]] == [200, 200] and len(limited) == 3
    assert {retry_after for _, retry_after, _ in limited} == {None, "1"}
    assert all(body["policyName"] == "SECONDLY" and body["errorType"] == "RATE_LIMIT" and body["correlationId"] for _, _, body in limited)


def test_source_errors_survive_copy_and_pickle():
    import copy
    import pickle

    from connectors.errors import SourceConfigurationError

    error = SourceConfigurationError("hubspot", "token invalid or expired", status=401, correlation_id="abc")
    for clone in (copy.copy(error), pickle.loads(pickle.dumps(error))):
        assert type(clone) is SourceConfigurationError
        assert str(clone) == str(error) == "hubspot: token invalid or expired (HTTP 401, correlationId abc)"
        assert (clone.status, clone.correlation_id) == (401, "abc")


def test_a_busy_repeated_hour_on_the_25_hour_day_is_counted_exactly():
    # 2026-10-25 in Berlin has 25 hours: 02:00-03:00 happens twice. Halving that day in
    # wall-clock arithmetic made a slice that looked 1 ms wide but spanned the repeated hour.
    berlin = ZoneInfo("Europe/Berlin")
    day = Window.from_days(date(2026, 10, 25), date(2026, 10, 25), berlin)
    second_two_oclock = datetime(2026, 10, 25, 2, 0, tzinfo=berlin, fold=1)
    assert second_two_oclock.utcoffset() == timedelta(hours=1)
    dataset = SandboxDataset(contacts=[], deals=[], emails=[])
    dataset.contacts.extend(
        contact(7_000_000 + index, second_two_oclock.astimezone(UTC) + timedelta(milliseconds=index * 300)) for index in range(12_000)
    )
    expected = sum(1 for record in dataset.contacts if datetime.fromisoformat(record["properties"]["createdate"].replace("Z", "+00:00")).astimezone(berlin).date() == day.first_day)
    assert expected == 12_000
    with SandboxServer(dataset) as server:
        reading = connect(server).read("new_contacts", METRICS["new_contacts"], day, AS_OF)
        assert reading.values == {day.first_day: 12_000}
        assert 400 not in statuses(server)


def test_a_token_with_a_trailing_newline_is_stripped_and_works(server, dataset, monkeypatch):
    # HUBSPOT_TOKEN=$(cat token.txt) keeps the file's newline.
    monkeypatch.setenv("HUBSPOT_TOKEN", TOKEN + "\n")
    source = HubSpotSource(type="hubspot", base_url=server.base_url, search_requests_per_second=1000, requests_per_10_seconds=10_000)
    assert source.token().get_secret_value() == TOKEN
    connector = HubSpotConnector("hubspot", source, retry=default_retry(total=1, backoff_factor=0.01, backoff_jitter=0.01))
    reading = connector.read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert reading.values == created_per_day(dataset.contacts, DAY)
    assert HubSpotSource(type="hubspot").token({"HUBSPOT_TOKEN": " \n"}) is None


@pytest.mark.parametrize("metric", ["new_contacts", "sessions"])
def test_a_request_failure_of_another_kind_never_quotes_the_token(server, caplog, metric):
    # A header value with a newline makes the HTTP stack raise a ValueError quoting the whole header.
    caplog.set_level(logging.DEBUG)
    connector = HubSpotConnector(
        "hubspot", HubSpotSource(type="hubspot", base_url=server.base_url),
        token=SecretStr(TOKEN + "\n"), retry=default_retry(total=1, backoff_factor=0.01, backoff_jitter=0.01),
    )
    with pytest.raises((FatalSourceError, RetriableSourceError)) as caught:
        connector.read(metric, METRICS[metric], DAY, AS_OF)
    message = str(caught.value) + repr(caught.value.__cause__) + repr(caught.value.__context__)
    assert TOKEN not in message and "pat-na1" not in message
    assert TOKEN not in caplog.text
    # The SDK's urllib3 refuses it with a ValueError, requests (the analytics reports) with InvalidHeader:
    # a request that cannot be sent, not an unreachable portal.
    failure = "ValueError" if metric == "new_contacts" else "InvalidHeader"
    assert isinstance(caught.value, FatalSourceError) and f"request failed: {failure}" in str(caught.value)


@pytest.mark.parametrize(("status", "on", "metric"), [(400, "/search", "new_contacts"), (401, "/analytics/", "sessions"), (500, "/search", "new_contacts")])
def test_a_token_hubspot_echoes_in_its_message_is_redacted(server, status, on, metric):
    # HubSpot's legacy API answered "This hapikey (...) does not exist": its message may carry what it was sent.
    server.faults.push(Fault(status=status, on=on, times=9, message=f"This token ({TOKEN}) does not exist; sent Authorization: Bearer {TOKEN}"))
    with pytest.raises((SourceConfigurationError, RetriableSourceError)) as caught:
        connect(server, retries=1).read(metric, METRICS[metric], DAY, AS_OF)
    assert TOKEN not in str(caught.value) and "This token ([redacted]) does not exist" in str(caught.value)
    assert caught.value.status == status and caught.value.correlation_id


def test_retries_pass_the_rate_limiter_too():
    # 8 threads, and 502s scripted for the first searches: each resend must book a search slot
    # like a first try, or the retries burst past HubSpot's 5 searches per second.
    dataset = generate_dataset(AS_OF, timezone="America/New_York", days=40)
    names = ["new_contacts", "organic", "paid", "social", "mqls", "deals", "pipeline"]
    windows = [Window.from_days(AS_OF - timedelta(days=offset), AS_OF - timedelta(days=offset), ZONE) for offset in range(3)]
    with SandboxServer(dataset, rate_limits=RateLimits(search_per_second=None, per_10_seconds=None)) as server:
        server.faults.push(Fault(status=502, on="/search", times=16))
        connector = connect(server, retries=5, search_requests_per_second=5, requests_per_10_seconds=100)
        with ThreadPoolExecutor(max_workers=8) as pool:
            readings = list(pool.map(lambda job: connector.read(job[0], METRICS[job[0]], job[1], AS_OF), [(n, w) for n in names for w in windows]))
        log = server.call_log
    assert len(readings) == 21
    statuses_seen = [call.status for call in log]
    assert statuses_seen.count(502) == 16
    searches = [call.arrived for call in log if call.path.endswith("/search")]
    assert max(sum(1 for other in searches if start <= other < start + 1.0) for start in searches) <= 5
    # Every request that left counts, urllib3's resends included: what HubSpot counted.
    assert sum(reading.api_calls for reading in readings) == len(log)


def test_a_401_on_the_analytics_reports_stops_the_runs_other_reads(server):
    server.faults.push(Fault(status=401, on="/analytics/"))
    connector = connect(server)
    with pytest.raises(SourceConfigurationError, match="token invalid or expired"):
        connector.read("sessions", METRICS["sessions"], DAY, AS_OF)
    calls = server.call_count
    with pytest.raises(SourceConfigurationError, match="token invalid or expired"):
        connector.read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert server.call_count == calls, "the portal rejected the token: no further call"


@pytest.mark.parametrize("truncated", ["dropped", "short"])
@pytest.mark.parametrize(("metric", "on"), [("new_contacts", "/search"), ("sessions", "/analytics/")])
def test_a_200_cut_short_is_sent_again_like_a_5xx(server, dataset, truncated, metric, on):
    # "dropped": the connection closes before the announced length; "short": JSON that stops mid-way.
    server.faults.push(Fault(on=on, truncated=truncated))
    reading = connect(server).read(metric, METRICS[metric], DAY, AS_OF)
    if metric == "new_contacts":
        assert reading.values == created_per_day(dataset.contacts, DAY)
    assert [call.path for call in server.call_log].count(server.call_log[0].path) == 2, "the cut answer's request was sent again"
    assert reading.api_calls == server.call_count


@pytest.mark.parametrize(("truncated", "problem"), [("dropped", r"search answer was cut short \(ProtocolError\)"), ("short", "search answer is not JSON")])
def test_answers_cut_short_on_every_try_fail_as_retriable_after_the_retries(server, truncated, problem):
    server.faults.push(Fault(on="/search", truncated=truncated, times=10))
    with pytest.raises(RetriableSourceError, match=f"{problem} on each of 3 tries") as caught:
        connect(server, retries=2).read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    assert caught.value.api_calls == server.call_count == 3  # the first try and two resends, each counted


def reset_named_in(message: str) -> datetime:
    """The reset moment a daily-limit message names: ``midnight America/New_York (2026-11-28 00:00 EST)``."""
    import re

    found = re.search(r"resets at midnight America/New_York \((\d{4}-\d{2}-\d{2}) 00:00 E[SD]T\)", message)
    assert found, message
    return datetime.combine(date.fromisoformat(found.group(1)), time.min, tzinfo=ZONE)


@pytest.mark.parametrize("first", ["new_contacts", "sessions"], ids=["daily-quota-on-search", "daily-429-on-analytics"])
def test_a_spent_daily_quota_stops_the_portals_reads_at_once_saying_when_it_resets(server, first):
    if first == "new_contacts":
        server.rate_limits = RateLimits(search_per_second=None, per_10_seconds=None, per_day=0)
    else:
        server.faults.push(Fault(status=429, on="/analytics/", policy="DAILY", times=10))
    connector = connect(server, retries=5)
    before = datetime.now(ZONE)
    with pytest.raises(QuotaExhaustedError) as caught:
        connector.read(first, METRICS[first], DAY, AS_OF)
    after = datetime.now(ZONE)
    message = str(caught.value)
    assert "daily API limit of the portal reached: You have reached your daily limit." in message
    assert "no more HubSpot calls this run" in message and caught.value.status == 429 and caught.value.correlation_id
    # The next midnight in the account's zone, whatever the day the test runs.
    assert before < reset_named_in(message) <= after + timedelta(days=1)
    assert statuses(server) == [429], "never retried: the quota cannot come back before midnight"
    assert caught.value.api_calls == 1
    # Every later metric of the portal fails at once, with the same message, without a request.
    for later in ("organic", "deals", "sessions", "mqls"):
        with pytest.raises(QuotaExhaustedError, match="daily API limit") as again:
            connector.read(later, METRICS[later], DAY, AS_OF)
        assert again.value.api_calls == 0
    assert server.call_count == 1


def test_the_sandbox_daily_quota_answers_hubspots_daily_429_once_spent(server):
    server.rate_limits = RateLimits(search_per_second=None, per_10_seconds=None, per_day=2)
    answers = []
    for _ in range(3):
        request = urllib.request.Request(f"{server.base_url}/crm/v3/properties/contacts", headers={"Authorization": f"Bearer {TOKEN}"})
        try:
            with urllib.request.urlopen(request) as response:
                answers.append((response.status, None))
        except urllib.error.HTTPError as error:
            answers.append((error.code, json.loads(error.read())))
    assert [status for status, _ in answers] == [200, 200, 429]
    assert answers[2][1]["policyName"] == "DAILY" and answers[2][1]["message"] == "You have reached your daily limit."


@pytest.mark.parametrize("stopped_by", ["daily-quota", "close"])
def test_a_retry_waiting_out_a_429_stops_at_once_when_the_portals_reads_stop(server, stopped_by):
    # One read waits out a long Retry-After; meanwhile the day's quota is found spent (or the run is
    # closed, as on SIGTERM): the waiting read fails at once instead of resending after the wait.
    import threading

    server.faults.push(Fault(status=429, on="/analytics/", retry_after=120))
    connector = connect(server, retries=3)
    outcome: list[Exception] = []

    def waiting_read() -> None:
        try:
            connector.read("sessions", METRICS["sessions"], DAY, AS_OF)
        except Exception as error:
            outcome.append(error)

    waiting = threading.Thread(target=waiting_read)
    waiting.start()
    while not statuses(server):
        waiting.join(0.01)  # until the 429 was answered: the read is in its Retry-After wait
    if stopped_by == "daily-quota":
        server.faults.push(Fault(status=429, on="/search", policy="DAILY"))
        with pytest.raises(QuotaExhaustedError):
            connector.read("new_contacts", METRICS["new_contacts"], DAY, AS_OF)
    else:
        connector.close()
    waiting.join(60)  # far less than the 120 s it was told to wait
    assert not waiting.is_alive()
    [error] = outcome
    expected = "daily API limit of the portal reached" if stopped_by == "daily-quota" else "the run stopped before this read finished"
    assert expected in str(error)
    assert len(server.call_log) == (2 if stopped_by == "daily-quota" else 1), "the waiting read sent nothing more"


class RecordedLeases:
    """Leases that are always free (or never, ``refusing``), recording what the client asks of them.
    The Prefect ones are tested in tests/flows/test_portal_limits.py."""

    def __init__(self, refusing: bool = False):
        self.refusing = refusing
        self.held: list[str] = []
        self.released: list[str] = []
        self.limiter: PortalRateLimiter | None = None

    def hold(self, portal_id: str, limiter: PortalRateLimiter) -> RecordedLeases:
        if self.refusing:
            raise SharedLimitError("hubspot-portal-1-reader still held by another sync after 3600 s")
        self.held.append(portal_id)
        self.limiter = self.limiter or limiter
        return self

    def release(self) -> None:
        self.released.append(self.held[-1])


def shared_connector(server: SandboxServer, shared: RecordedLeases) -> HubSpotConnector:
    source = HubSpotSource(type="hubspot", base_url=server.base_url, search_requests_per_second=4, requests_per_10_seconds=190)
    return HubSpotConnector(
        "hubspot", source, token=SecretStr(server.token), retry=default_retry(total=3, backoff_factor=0.01, backoff_jitter=0.01), shared_limits=shared
    )


def test_with_shared_limits_the_portal_is_held_by_its_id_from_opening_to_closing(server, dataset):
    shared = RecordedLeases()
    connector = shared_connector(server, shared)
    assert (shared.held, shared.released) == ([str(server.portal_id)], [])  # named by the portal's id
    assert server.calls == [("GET", "/account-info/v3/details")]
    # The holder leaves a tenth of the portal's burst to the runs asking its id meanwhile.
    assert connector.client.rate_limiter._burst.max_requests == 171
    reading = connector.read("organic", METRICS["organic"], DAY, AS_OF)
    assert reading.values == created_per_day([c for c in dataset.contacts if c["properties"]["hs_analytics_source"] == "ORGANIC_SEARCH"], DAY)
    assert reading.api_calls == server.call_count - 1  # the id's call was the opening's
    # A second connector of the portal in the same run counts against the first's limiter.
    second = shared_connector(server, shared)
    assert second.client.rate_limiter._burst is connector.client.rate_limiter._burst
    second.close()
    connector.close()
    assert shared.released == [str(server.portal_id)] * 2


def test_a_portal_that_cannot_be_had_fails_the_opening_in_one_line_and_reads_nothing(server):
    with pytest.raises(RetriableSourceError) as caught:
        shared_connector(server, RecordedLeases(refusing=True))
    assert str(caught.value) == (
        "hubspot: could not take its turn at reading the portal, which other syncs share: "
        "hubspot-portal-1-reader still held by another sync after 3600 s"
    )
    assert server.calls == [("GET", "/account-info/v3/details")]
