"""``send`` and ``raise_for_answer`` over the retrying session, with ``responses`` as the remote end; ``BackoffRetry``'s waits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import requests
import responses
from urllib3.util.retry import RequestHistory

from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError
from connectors.transport.classify import AnswerHooks, ErrorAnswer
from connectors.transport.session import BackoffRetry, default_retry, raise_for_answer, retrying_session, send

TOKEN = "plausible-secret-key-123"
URL = "https://stats.acme.example/api/v2/query"


class StatsAnswers(AnswerHooks):
    def message(self, body: Mapping[str, Any]) -> str | None:
        return body.get("error")

    def explain(self, answer: ErrorAnswer) -> str | None:
        return f"the key cannot see the site: {answer.message}" if answer.status == 401 else None


HOOKS = StatsAnswers("Stats", endpoint="Stats at https://stats.acme.example", secrets=[TOKEN])


def session(retries: int = 2) -> requests.Session:
    built = retrying_session(default_retry(total=retries, backoff_factor=0.001, backoff_jitter=0))
    built.headers["Authorization"] = f"Bearer {TOKEN}"
    return built


@responses.activate
def test_a_success_is_returned_as_it_came():
    responses.post(URL, json={"results": []})
    response = send(session(), "POST", URL, source="stats", hooks=HOOKS, json={"site_id": "acme.example"}, timeout=5)
    assert response.json() == {"results": []}
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


@responses.activate
def test_an_error_answer_is_worded_by_the_sources_hooks():
    responses.post(URL, status=401, json={"error": "Invalid API key or site ID."})
    with pytest.raises(SourceConfigurationError) as caught:
        send(session(), "POST", URL, source="stats", hooks=HOOKS, timeout=5)
    assert str(caught.value) == "stats: the key cannot see the site: Invalid API key or site ID. (HTTP 401)"
    assert len(responses.calls) == 1, "a 401 is not retried"


@responses.activate
def test_the_last_answer_after_the_retries_is_classified():
    responses.post(URL, status=503, body="upstream down")
    with pytest.raises(RetriableSourceError) as caught:
        send(session(retries=2), "POST", URL, source="stats", hooks=HOOKS, timeout=5)
    assert caught.value.message == "Stats kept failing after retries: Service Unavailable"
    assert len(responses.calls) == 3


@responses.activate
def test_an_unreachable_host_keeps_no_trace_of_the_original():
    with pytest.raises(RetriableSourceError) as caught:
        send(session(retries=0), "GET", URL, source="stats", hooks=HOOKS, timeout=5)
    assert caught.value.message == "Stats at https://stats.acme.example unreachable after retries: ConnectionError"
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_a_header_requests_will_not_send_is_fatal_and_never_quoted():
    broken = session()
    broken.headers["Authorization"] = f"Bearer {TOKEN}\n"
    with pytest.raises(FatalSourceError) as caught:
        send(broken, "GET", URL, source="stats", hooks=HOOKS, timeout=5)
    assert caught.value.message == "request failed: InvalidHeader"
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert TOKEN not in str(caught.value)


@responses.activate
def test_raise_for_answer_returns_for_a_success_and_raises_for_an_error():
    responses.get(URL, json={"ok": True})
    responses.get(URL, status=429, json={"error": f"Too many requests for key {TOKEN}"})
    plain = requests.Session()
    assert raise_for_answer(plain.get(URL), "stats", HOOKS) is None
    with pytest.raises(RetriableSourceError) as caught:
        raise_for_answer(plain.get(URL), "stats", HOOKS)
    assert caught.value.message == "Stats kept failing after retries: Too many requests for key [redacted]"


def test_backoff_waits_from_the_first_retry_on_and_doubles_up_to_the_cap():
    retry = BackoffRetry(total=10, backoff_factor=0.5, backoff_jitter=0.0, backoff_max=3.0)
    waits = []
    for _ in range(5):
        retry = retry.new(history=(*retry.history, RequestHistory("POST", "/search", None, 429, None)))
        waits.append(retry.get_backoff_time())
    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert BackoffRetry(total=3).get_backoff_time() == 0.0


def test_the_default_retry_resends_every_method_on_429_and_5xx_and_returns_the_last_answer():
    retry = default_retry()
    assert retry.allowed_methods is None and retry.raise_on_status is False
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    adapters = retrying_session(retry).adapters
    assert adapters["https://"].max_retries is retry and adapters["http://"].max_retries is retry
