"""The GA4 connector's reads through the real google-analytics-data REST client, with ``responses`` as Google.

``responses`` plays the Data API's ``getMetadata`` (every read checks its
mapping first) and ``runReport``, and Google's OAuth token endpoint. The
service-account key (``conftest``) is a throwaway RSA key made here, so
google-auth really signs its JWT, and the tests check that signature with the
public key. The client uses self-signed JWT access (the JWT itself is the
bearer token), so the token endpoint must never be called. Expected values are the fake report's
numbers, placed on the days of a New York window that spans the DST change.
"""

from __future__ import annotations

import base64
import json
from datetime import date
from zoneinfo import ZoneInfo

import pytest
import responses
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from connectors import RetriableSourceError, SourceConfigurationError, parse_config
from connectors.ga4.client import READ_ONLY_SCOPE, default_ga4_retry
from connectors.ga4.config import GA4Source
from connectors.ga4.connector import GA4Connector
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
WINDOW = Window.from_days(date(2026, 10, 30), date(2026, 11, 3), ZONE)  # 1 Nov: clocks go back
AS_OF = date(2026, 11, 3)
PROPERTY = "123456789"
TOKEN_URI = "https://oauth2.googleapis.com/token"
REPORT_URL = f"https://analyticsdata.googleapis.com/v1beta/properties/{PROPERTY}:runReport"
EMAIL = "okr-reader@acme-analytics.iam.gserviceaccount.com"

METRICS = parse_config(
    f"""
company: Acme
timezone: America/New_York
period: 2026-Q4
sources: {{ga4: {{type: ga4, property_id: {PROPERTY}}}}}
metrics:
  sessions: {{source: ga4, kind: ga4_metric, metric: sessions}}
  organic_sessions: {{source: ga4, kind: ga4_metric, metric: sessions, where: {{sessionDefaultChannelGroup: Organic Search}}}}
  search_users:
    source: ga4
    kind: ga4_metric
    metric: totalUsers
    where: {{sessionDefaultChannelGroup: [Organic Search, Paid Search], country: Germany}}
"""
).metrics


def connector(key_json: SecretStr, page_size: int = 10_000, deadline: float = 1.0) -> GA4Connector:
    source = GA4Source(type="ga4", property_id=PROPERTY, timeout_seconds=5)
    return GA4Connector("ga4", source, key_json=key_json, retry=default_ga4_retry(initial=0.01, maximum=0.02, deadline=deadline), page_size=page_size)


def token_endpoint() -> responses.BaseResponse:
    return responses.post(TOKEN_URI, json={"access_token": "ya29.never-used", "expires_in": 3600, "token_type": "Bearer"})


def bearer_claims(call, private_key: rsa.RSAPrivateKey) -> dict:
    """The claims of the request's bearer JWT, after checking its RS256 signature with the key's public half."""
    scheme, jwt = call.request.headers["Authorization"].split(" ")
    assert scheme == "Bearer"
    header, payload, signature = jwt.split(".")
    private_key.public_key().verify(b64url(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return json.loads(b64url(payload))


def report(metric: str, values: dict[date, int], *, row_count: int | None = None, time_zone: str = "America/New_York") -> dict:
    return {
        "dimensionHeaders": [{"name": "date"}],
        "metricHeaders": [{"name": metric, "type": "TYPE_INTEGER"}],
        "rows": [{"dimensionValues": [{"value": day.strftime("%Y%m%d")}], "metricValues": [{"value": str(value)}]} for day, value in values.items()],
        "rowCount": len(values) if row_count is None else row_count,
        "metadata": {"currencyCode": "USD", "timeZone": time_zone},
        "kind": "analyticsData#runReport",
    }


def google_error(code: int, status: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


def b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def report_calls() -> list:
    return [call for call in responses.calls if call.request.url.startswith(REPORT_URL)]


@responses.activate
def test_daily_values_and_the_report_request(private_key, key_json, serve_metadata):
    serve_metadata()
    # GA4 leaves out days without data; 1 Nov is the 25-hour day.
    served = {date(2026, 11, 3): 30, date(2026, 10, 30): 12, date(2026, 11, 1): 7}
    responses.post(REPORT_URL, json=report("totalUsers", served))

    reading = connector(key_json).read("search_users", METRICS["search_users"], WINDOW, AS_OF)

    assert reading.values == {date(2026, 10, 30): 12.0, date(2026, 10, 31): 0.0, date(2026, 11, 1): 7.0, date(2026, 11, 2): 0.0, date(2026, 11, 3): 30.0}
    assert reading.api_calls == 2  # the metadata the check read, and the report
    [call] = report_calls()
    assert bearer_claims(call, private_key)["iss"] == EMAIL
    body = json.loads(call.request.body)
    assert body["dateRanges"] == [{"startDate": "2026-10-30", "endDate": "2026-11-03"}]
    assert body["dimensions"] == [{"name": "date"}]
    assert body["metrics"] == [{"name": "totalUsers"}]
    assert int(body["limit"]) == 10_000 and int(body.get("offset", 0)) == 0
    assert body["dimensionFilter"] == {"andGroup": {"expressions": [
        {"filter": {"fieldName": "sessionDefaultChannelGroup", "inListFilter": {"values": ["Organic Search", "Paid Search"]}}},
        {"filter": {"fieldName": "country", "stringFilter": {"value": "Germany", "matchType": 1}}},
    ]}}


@responses.activate
def test_requests_carry_a_jwt_signed_with_the_key_and_no_token_endpoint_is_called(private_key, key_json, serve_metadata):
    serve_metadata()
    token = token_endpoint()
    responses.post(REPORT_URL, json=report("sessions", {date(2026, 11, 2): 5}))
    ga4 = connector(key_json)
    ga4.read("sessions", METRICS["sessions"], WINDOW, AS_OF)
    ga4.read("organic_sessions", METRICS["organic_sessions"], WINDOW, AS_OF)

    assert token.call_count == 0
    first, second = report_calls()
    claims = bearer_claims(first, private_key)
    assert (claims["iss"], claims["sub"], claims["scope"]) == (EMAIL, EMAIL, READ_ONLY_SCOPE)
    assert claims["exp"] - claims["iat"] <= 3600
    assert bearer_claims(second, private_key)["iss"] == EMAIL
    organic = json.loads(second.request.body)["dimensionFilter"]
    assert organic == {"filter": {"fieldName": "sessionDefaultChannelGroup", "stringFilter": {"value": "Organic Search", "matchType": 1}}}


@responses.activate
def test_more_rows_than_the_page_size_are_read_with_offsets(key_json, serve_metadata):
    serve_metadata()
    days = {day: index + 1 for index, day in enumerate(WINDOW.days())}
    ordered = list(days.items())

    def page(request):
        body = json.loads(request.body)
        offset, limit = int(body.get("offset", 0)), int(body["limit"])
        return 200, {}, json.dumps(report("sessions", dict(ordered[offset:offset + limit]), row_count=len(ordered)))

    responses.add_callback(responses.POST, REPORT_URL, callback=page)
    reading = connector(key_json, page_size=2).read("sessions", METRICS["sessions"], WINDOW, AS_OF)
    assert reading.values == {day: float(value) for day, value in days.items()}
    assert reading.api_calls == 4  # the metadata and three pages
    assert [int(json.loads(call.request.body).get("offset", 0)) for call in report_calls()] == [0, 2, 4]


@responses.activate
def test_429_resource_exhausted_then_success_is_retried(key_json, serve_metadata):
    serve_metadata()
    responses.post(REPORT_URL, status=429, json=google_error(429, "RESOURCE_EXHAUSTED", "Exhausted concurrent requests quota."))
    responses.post(REPORT_URL, json=report("sessions", {date(2026, 11, 3): 9}))
    reading = connector(key_json).read("sessions", METRICS["sessions"], WINDOW, AS_OF)
    assert reading.values[date(2026, 11, 3)] == 9.0
    assert len(report_calls()) == 2
    assert reading.api_calls == 2  # the metadata and one report; its retry is not a new one


@responses.activate
def test_5xx_until_the_deadline_is_retriable(key_json, serve_metadata):
    serve_metadata()
    responses.post(REPORT_URL, status=503, json=google_error(503, "UNAVAILABLE", "The service is currently unavailable."))
    with pytest.raises(RetriableSourceError, match="after retries: The service is currently unavailable") as caught:
        connector(key_json, deadline=0.1).read("sessions", METRICS["sessions"], WINDOW, AS_OF)
    assert caught.value.status == 503
    assert len(report_calls()) > 1


@responses.activate
def test_an_unreachable_api_is_retried_then_retriable(key_json):
    # No registered URL: responses raises ConnectionError, as a refused connection would.
    with pytest.raises(RetriableSourceError, match="Google unreachable after retries: ConnectionError"):
        connector(key_json, deadline=0.05).read("sessions", METRICS["sessions"], WINDOW, AS_OF)
    assert len(responses.calls) > 1


@responses.activate
def test_403_says_whom_to_add_as_viewer(key_json, serve_metadata):
    serve_metadata()
    responses.post(REPORT_URL, status=403, json=google_error(403, "PERMISSION_DENIED", "User does not have sufficient permissions for this property."))
    with pytest.raises(SourceConfigurationError) as caught:
        connector(key_json).read("sessions", METRICS["sessions"], WINDOW, AS_OF)
    message = str(caught.value)
    assert message == (
        "ga4: permission denied: User does not have sufficient permissions for this property.; "
        f"add the service account's email ({EMAIL}) as a Viewer of property {PROPERTY} (GA4 Admin > Property access management) (HTTP 403)"
    )
    assert len(report_calls()) == 1  # not retried


@responses.activate
def test_401_unauthenticated_points_at_the_key_and_never_shows_it(key_json, serve_metadata):
    serve_metadata()
    responses.post(REPORT_URL, status=401, json=google_error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."))
    with pytest.raises(SourceConfigurationError) as caught:
        connector(key_json).read("sessions", METRICS["sessions"], WINDOW, AS_OF)
    message = str(caught.value)
    assert "invalid authentication credentials" in message and "GA4_CREDENTIALS_JSON" in message and "Viewer" in message
    secret = json.loads(key_json.get_secret_value())
    jwt = report_calls()[0].request.headers["Authorization"].split(" ")[1]
    assert secret["private_key"].splitlines()[1] not in message and jwt not in message
    assert len(report_calls()) == 3  # google-auth's session re-signs and resends twice on a 401, then gives up


@responses.activate
def test_a_credential_google_echoes_is_redacted(key_json, serve_metadata):
    serve_metadata()
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJva3ItcmVhZGVyIn0.c2lnbmF0dXJl"
    responses.post(REPORT_URL, status=400, json=google_error(400, "INVALID_ARGUMENT", f"Request had Authorization: Bearer {jwt}"))
    with pytest.raises(SourceConfigurationError) as caught:
        connector(key_json).read("sessions", METRICS["sessions"], WINDOW, AS_OF)
    assert jwt not in str(caught.value) and str(caught.value) == "ga4: GA4 rejected the request: Request had Authorization: Bearer [redacted] (HTTP 400)"


@responses.activate
def test_invalid_argument_carries_googles_message(key_json, serve_metadata):
    serve_metadata()
    message = "Field sessionDefaultChanelGroup is not a valid dimension. For a list of valid dimensions and metrics, see https://developers.google.com/analytics/devguides/reporting/data/v1/api-schema"
    responses.post(REPORT_URL, status=400, json=google_error(400, "INVALID_ARGUMENT", message))
    with pytest.raises(SourceConfigurationError, match="sessionDefaultChanelGroup is not a valid dimension") as caught:
        connector(key_json).read("organic_sessions", METRICS["organic_sessions"], WINDOW, AS_OF)
    assert caught.value.status == 400


@responses.activate
def test_a_property_in_another_time_zone_fails_instead_of_shifting_days(key_json, serve_metadata):
    serve_metadata()
    responses.post(REPORT_URL, json=report("sessions", {date(2026, 11, 3): 9}, time_zone="America/Los_Angeles"))
    with pytest.raises(SourceConfigurationError, match="reports days in America/Los_Angeles, but the config's timezone is America/New_York"):
        connector(key_json).read("sessions", METRICS["sessions"], WINDOW, AS_OF)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json {", "it is not JSON"),
        ('{"type": "authorized_user", "client_id": "x"}', "it holds 'authorized_user', not type 'service_account'"),
        ('{"type": "service_account", "client_email": "a@b"}', "it lacks private_key, token_uri"),
        ('{"type": "service_account", "client_email": "a@b", "token_uri": "https://x", "private_key": "-----BEGIN PRIVATE KEY-----\\nsecretbits\\n-----END PRIVATE KEY-----\\n"}',
         "its private_key is not a readable PEM key"),
    ],
)
def test_a_bad_key_is_named_without_quoting_it(text, problem):
    with pytest.raises(SourceConfigurationError) as caught:
        connector(SecretStr(text))
    assert str(caught.value) == f"ga4: GA4_CREDENTIALS_JSON must hold the JSON of a service-account key file; {problem}"
    assert "secretbits" not in str(caught.value)


def test_a_missing_variable_fails_when_the_connector_is_built(monkeypatch):
    monkeypatch.delenv("GA4_CREDENTIALS_JSON", raising=False)
    with pytest.raises(SourceConfigurationError, match="GA4_CREDENTIALS_JSON is not set"):
        GA4Connector("ga4", GA4Source(type="ga4", property_id=PROPERTY))


def test_the_key_comes_from_the_named_variable(monkeypatch, key_json):
    monkeypatch.setenv("ACME_GA4_KEY", key_json.get_secret_value())
    ga4 = GA4Connector("ga4", GA4Source(type="ga4", property_id=PROPERTY, credentials_env="ACME_GA4_KEY"))
    assert ga4.client.email == EMAIL


def window_report(metric: str, value: int | None, *, time_zone: str = "America/New_York") -> dict:
    """A runReport answer without dimensions: one row for the whole range (none when GA4 has no data)."""
    rows = [] if value is None else [{"metricValues": [{"value": str(value)}]}]
    return {
        "metricHeaders": [{"name": metric, "type": "TYPE_INTEGER"}], "rows": rows, "rowCount": len(rows),
        "metadata": {"currencyCode": "USD", "timeZone": time_zone}, "kind": "analyticsData#runReport",
    }


@pytest.mark.parametrize("metric", ["totalUsers", "activeUsers", "newUsers"])
def test_user_counts_do_not_add_up_over_days_and_sessions_do(metric):
    config = parse_config(
        f"company: A\ntimezone: America/New_York\nperiod: 2026-Q4\nsources: {{ga4: {{type: ga4, property_id: {PROPERTY}}}}}\n"
        f"metrics:\n  users: {{source: ga4, kind: ga4_metric, metric: {metric}}}\n  sessions: {{source: ga4, kind: ga4_metric, metric: sessions}}\n"
    )
    assert (config.metrics["users"].adds_up_over_days, config.metrics["sessions"].adds_up_over_days) == (False, True)


@responses.activate
def test_a_window_total_is_one_report_without_the_date_dimension(key_json, serve_metadata):
    serve_metadata()
    # GA4 counts a user once over the range: fewer than the 12 + 7 + 30 of the days.
    responses.post(REPORT_URL, json=window_report("totalUsers", 41))

    total = connector(key_json).read_total("search_users", METRICS["search_users"], WINDOW, AS_OF)

    assert (total.metric, total.window, total.value) == ("search_users", WINDOW, 41.0)
    assert total.api_calls == 2  # the metadata the check read, and the one report
    [call] = report_calls()
    body = json.loads(call.request.body)
    assert "dimensions" not in body, "a date dimension would split the users into days"
    assert body["metrics"] == [{"name": "totalUsers"}]
    assert body["dateRanges"] == [{"startDate": "2026-10-30", "endDate": "2026-11-03"}]
    assert body["dimensionFilter"] == {"andGroup": {"expressions": [
        {"filter": {"fieldName": "sessionDefaultChannelGroup", "inListFilter": {"values": ["Organic Search", "Paid Search"]}}},
        {"filter": {"fieldName": "country", "stringFilter": {"value": "Germany", "matchType": 1}}},
    ]}}


@responses.activate
def test_a_window_without_data_totals_zero_and_another_zone_fails(key_json, serve_metadata):
    serve_metadata()
    responses.post(REPORT_URL, json=window_report("totalUsers", None))
    responses.post(REPORT_URL, json=window_report("totalUsers", 41, time_zone="Europe/Berlin"))
    ga4 = connector(key_json)
    assert ga4.read_total("search_users", METRICS["search_users"], WINDOW, AS_OF).value == 0.0
    with pytest.raises(SourceConfigurationError, match="reports days in Europe/Berlin"):
        ga4.read_total("search_users", METRICS["search_users"], WINDOW, AS_OF)
