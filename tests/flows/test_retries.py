"""Which failed reads a task retries, how long it waits, and how an attempt's requests are counted (no Prefect run)."""

from __future__ import annotations

from types import SimpleNamespace
from uuid import uuid4

import pytest

from connectors import MetricReading
from connectors.errors import (
    FatalSourceError,
    MappingError,
    QuotaExhaustedError,
    RetriableSourceError,
    SourceConfigurationError,
    is_transient,
)
from connectors.transport.classify import UnreadableAnswer
from flows.retries import Attempts, retry_delays, retry_if_transient, stop_retrying


def test_production_waits_30_seconds_then_2_minutes_and_the_environment_scales_them():
    assert retry_delays({}) == [30.0, 120.0]
    assert retry_delays({"OKR_RETRY_DELAY_SECONDS": "0.5"}) == [0.5, 2.0]
    assert retry_delays({"OKR_RETRY_DELAY_SECONDS": " "}) == [30.0, 120.0]


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", "inf"])
def test_a_delay_that_is_no_number_of_seconds_is_refused_in_one_line(raw):
    with pytest.raises(ValueError, match=rf"^OKR_RETRY_DELAY_SECONDS='{raw}' is not a number of seconds \(the first retry's delay; unset: 30\)$"):
        retry_delays({"OKR_RETRY_DELAY_SECONDS": raw})


@pytest.mark.parametrize(("error", "transient"), [
    (RetriableSourceError("hubspot", "HubSpot kept failing after retries: Service Unavailable", status=503), True),
    (RetriableSourceError("hubspot", "You have reached your ten_secondly_rolling limit.", status=429), True),
    (RetriableSourceError("hubspot", "HubSpot at http://x unreachable after retries: ConnectionError"), True),
    (UnreadableAnswer("hubspot", "search answer was cut short (ProtocolError)", status=200), True),
    (QuotaExhaustedError("hubspot", "daily API limit of the portal reached", status=429), False),
    (SourceConfigurationError("hubspot", "token invalid or expired", status=401), False),
    (MappingError("hubspot", "won", ("dealstage",), "no stage 'closedwonn'"), False),
    (FatalSourceError("hubspot", "search answer is not a JSON object"), False),
    (ValueError("a bug of ours"), False),
])
def test_only_what_a_later_attempt_may_fix_is_transient(error, transient):
    assert is_transient(error) is transient


def test_a_stopping_run_retries_none_of_its_reads():
    from prefect.states import Failed

    busy = Failed(data=RetriableSourceError("hubspot", "the run stopped before this read finished"))
    going_on, stopping = uuid4(), uuid4()
    stop_retrying(str(stopping))  # as the flow gives it: Prefect's runtime id, as text
    assert retry_if_transient(None, SimpleNamespace(flow_run_id=going_on), busy) is True
    assert retry_if_transient(None, SimpleNamespace(flow_run_id=stopping), busy) is False  # a task run's id: a UUID


def busy_after(sent: int):
    """A read that sent ``sent`` requests and failed: the source was busy."""
    def read() -> MetricReading:
        raise RetriableSourceError("hubspot", "busy", status=503, api_calls=sent)
    return read


def test_the_attempt_that_ends_a_task_counts_the_requests_of_those_before_it():
    attempts = Attempts()
    for sent in (6, 4):
        with pytest.raises(RetriableSourceError) as caught:
            attempts.run(busy_after(sent))
        assert caught.value.api_calls == attempts.api_calls
    assert attempts.api_calls == 10
    reading = attempts.run(lambda: MetricReading("new_contacts", {}, api_calls=2))
    assert reading.api_calls == 12
