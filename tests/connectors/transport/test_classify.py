"""``classify``: the error class follows from the status alone; a source's hooks word it; every text is scrubbed.

The failures of requests that got no answer are the real exceptions the HTTP
stack raises (a refused connection to a closed local port, a header value
requests will not send), not hand-made ones, except urllib3's wrapper, built
as urllib3 builds it.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

import pytest
import requests
import urllib3
from pydantic import SecretStr

from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError
from connectors.transport.classify import (
    AnswerHooks,
    ErrorAnswer,
    UnreadableAnswer,
    classify,
    classify_failure,
    error_body,
    error_kind,
    failure_name,
    is_unreachable,
    parse_json,
    parse_json_object,
)
from connectors.transport.session import default_retry, retrying_session

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


class PortalAnswers(AnswerHooks):
    """HubSpot-shaped bodies: ``message``, ``correlationId``, ``category`` and ``context.missingScopes``."""

    def message(self, body: Mapping[str, Any]) -> str | None:
        return body.get("message")

    def correlation_id(self, body: Mapping[str, Any]) -> str | None:
        return body.get("correlationId")

    def explain(self, answer: ErrorAnswer) -> str | None:
        if answer.status == 403 and answer.body.get("category") == "MISSING_SCOPES":
            return f"permission denied; missing scopes: {', '.join(answer.body['context']['missingScopes'])}: {answer.message}"
        return None


HOOKS = PortalAnswers("Portal", endpoint="Portal at https://portal.example", secrets=[TOKEN])


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, SourceConfigurationError), (401, SourceConfigurationError), (402, SourceConfigurationError), (403, SourceConfigurationError),
        (404, SourceConfigurationError), (422, SourceConfigurationError), (429, RetriableSourceError), (500, RetriableSourceError),
        (503, RetriableSourceError), (599, RetriableSourceError), (None, FatalSourceError), (200, FatalSourceError), (302, FatalSourceError),
        (600, FatalSourceError),
    ],
)
def test_the_class_follows_from_the_status_alone(status, kind):
    assert error_kind(status) is kind
    assert type(classify("portal", status, {}, AnswerHooks("Portal"))) is kind


def test_the_shared_wording_carries_the_sources_message_and_correlation_id():
    body = {"status": "error", "message": "Property values were not valid", "correlationId": "c0ffee00-0000-4000-8000-000000000000"}
    rejected = classify("portal", 400, body, HOOKS, reason="Bad Request")
    assert str(rejected) == "portal: Portal rejected the request: Property values were not valid (HTTP 400, correlationId c0ffee00-0000-4000-8000-000000000000)"
    busy = classify("portal", 502, body, HOOKS, reason="Bad Gateway")
    assert busy.message == "Portal kept failing after retries: Property values were not valid"
    odd = classify("portal", None, {}, HOOKS)
    assert (odd.message, odd.status, odd.correlation_id) == ("unexpected answer: no message", None, None)


def test_without_the_sources_message_the_http_reason_stands_in():
    assert classify("portal", 503, {}, HOOKS, reason="Service Unavailable").message == "Portal kept failing after retries: Service Unavailable"
    assert classify("portal", 503, {}, HOOKS, retried=False).message == "Portal kept failing: no message"


def test_a_sources_hook_words_its_own_answers():
    body = {"message": "This app hasn't been granted all required scopes", "category": "MISSING_SCOPES",
            "context": {"missingScopes": ["crm.objects.contacts.read", "crm.schemas.contacts.read"]}}
    error = classify("portal", 403, body, HOOKS)
    assert type(error) is SourceConfigurationError
    assert error.message == "permission denied; missing scopes: crm.objects.contacts.read, crm.schemas.contacts.read: This app hasn't been granted all required scopes"
    # Another 403 is the shared wording: the hook only words what it knows.
    assert classify("portal", 403, {"message": "Forbidden"}, HOOKS).message == "Portal rejected the request: Forbidden"


def test_a_token_the_source_echoes_never_reaches_the_error():
    body = {"message": f"This hapikey ({TOKEN}) does not exist; sent Authorization: Bearer {TOKEN}", "correlationId": "abc"}
    for status in (400, 401, 429, 500, None):
        error = classify("portal", status, body, HOOKS)
        assert TOKEN not in str(error) and TOKEN not in repr(error.args)
    # A hook's own text is scrubbed too.
    class Echoing(AnswerHooks):
        def explain(self, answer: ErrorAnswer) -> str | None:
            return f"refused {TOKEN}"

    assert str(classify("portal", 401, {}, Echoing("Portal", secrets=[SecretStr(TOKEN)]))) == "portal: refused [redacted] (HTTP 401)"


def test_hooks_keep_secrets_out_of_their_repr():
    assert TOKEN not in repr(HOOKS.secrets) and TOKEN not in repr(vars(HOOKS))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_retriable_and_names_what_happened():
    session = retrying_session(default_retry(total=1, backoff_factor=0.001, backoff_jitter=0))
    with pytest.raises(requests.ConnectionError) as caught:
        session.get(f"http://127.0.0.1:{closed_port()}/api", timeout=2)
    error = classify_failure("portal", caught.value, HOOKS)
    assert type(error) is RetriableSourceError
    assert error.message == "Portal at https://portal.example unreachable after retries: ConnectionError (NewConnectionError)"
    assert error.__cause__ is None and error.__context__ is None


def test_urllib3s_wrapper_names_the_failure_inside_it():
    timeout = urllib3.exceptions.ReadTimeoutError(None, "/search", "Read timed out. (read timeout=0.2)")
    wrapper = urllib3.exceptions.MaxRetryError(None, "/search", reason=timeout)
    assert failure_name(wrapper) == "MaxRetryError (ReadTimeoutError)"
    assert classify_failure("portal", wrapper, HOOKS, retried=False).message == "Portal at https://portal.example unreachable: MaxRetryError (ReadTimeoutError)"


def test_a_request_that_cannot_be_sent_is_fatal_and_named_by_type_only():
    with pytest.raises(requests.exceptions.InvalidHeader) as caught:
        requests.Session().get("https://portal.example/api", headers={"Authorization": f"Bearer {TOKEN}\n"})
    error = classify_failure("portal", caught.value, HOOKS)
    assert (type(error), error.message) == (FatalSourceError, "request failed: InvalidHeader")
    assert not is_unreachable(caught.value) and is_unreachable(requests.ReadTimeout()) and is_unreachable(urllib3.exceptions.ProtocolError())
    for unsendable in (ValueError(f"Invalid header value b'Bearer {TOKEN}\\n'"), urllib3.exceptions.LocationValueError("No host specified.")):
        failed = classify_failure("portal", unsendable, HOOKS)
        assert type(failed) is FatalSourceError and TOKEN not in str(failed)


@pytest.mark.parametrize(
    ("raw", "body"),
    [(b'{"message": "x"}', {"message": "x"}), ('{"error": "y"}', {"error": "y"}), (b"<html>busy</html>", {}), (b"[1]", {}), (b"", {}), (None, {}),
     (b'{"message": "caf\xc3\xa9"}', {"message": "café"})],
)
def test_an_error_body_is_its_json_object_or_nothing(raw, body):
    assert error_body(raw) == body


def test_a_success_that_is_not_json_is_unreadable_and_one_of_the_wrong_shape_fatal():
    assert parse_json("portal", b"[1, 2]", "report") == [1, 2]
    assert parse_json_object("portal", b'{"results": []}', "listing", status=200) == {"results": []}
    # Not JSON (cut short, a maintenance page): the same request again will likely be answered whole.
    with pytest.raises(UnreadableAnswer) as not_json:
        parse_json("portal", b"<html>maintenance</html>", "report", status=200)
    assert isinstance(not_json.value, RetriableSourceError)
    assert str(not_json.value) == "portal: report answer is not JSON (HTTP 200)"
    with pytest.raises(FatalSourceError, match="listing answer is not a JSON object"):
        parse_json_object("portal", b"[1, 2]", "listing")
