"""``scrub``: a secret never survives in a message, whether a client knows it or only its shape is recognisable.

The texts are the ones that carry request details in practice: requests' own
error for a header value it will not send, http.client's, a configured URL
with its key in the query, and a server's body echoing what it was sent.
"""

from __future__ import annotations

import string

import pytest
import requests
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import SecretStr

from connectors.transport.scrub import REDACTED, known_secrets, scrub

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


def test_a_token_in_requests_header_error_never_survives():
    # requests refuses a header value ending in a newline (HUBSPOT_TOKEN=$(cat file)) and quotes it whole.
    with pytest.raises(requests.exceptions.InvalidHeader) as caught:
        requests.Session().get("https://api.hubapi.com/crm/v3/objects/contacts", headers={"Authorization": f"Bearer {TOKEN}\n"})
    text = str(caught.value)
    assert TOKEN in text, "the premise: requests' own text carries the token"
    assert TOKEN not in scrub(text, [TOKEN + "\n"])
    assert TOKEN not in scrub(text), "the Bearer shape alone is enough"


@pytest.mark.parametrize(
    "text",
    [
        f"Invalid header value b'Bearer {TOKEN}\\n'",  # http.client's, as urllib3 raises it for the SDK
        f"{{'User-Agent': 'hubspot-api-client-python; 12.0.0', 'Authorization': 'Bearer {TOKEN}'}}",
        f"Authorization: {TOKEN}",
        f'"authorization": "Bearer {TOKEN}"',
    ],
)
def test_authorization_values_go_and_the_scheme_stays(text):
    scrubbed = scrub(text)
    assert TOKEN not in scrubbed and REDACTED in scrubbed
    assert ("Bearer" in scrubbed) == ("Bearer" in text)


def test_key_and_token_query_values_in_a_url_are_redacted_and_the_rest_kept():
    url = "https://files.acme.example/export.csv?output=csv&token=abc123&api_key=k-456&X-Amz-Signature=f00d&gid=0#top"
    assert scrub(url) == (
        f"https://files.acme.example/export.csv?output=csv&token={REDACTED}&api_key={REDACTED}&X-Amz-Signature={REDACTED}&gid=0#top"
    )
    assert scrub("GET /crm/v3/objects/contacts?hapikey=0a1b2c3d&limit=1") == f"GET /crm/v3/objects/contacts?hapikey={REDACTED}&limit=1"


def test_a_body_echoing_the_request_never_keeps_the_token():
    body = (
        f'{{"status": "error", "message": "This hapikey ({TOKEN}) does not exist.", '
        f'"request": {{"headers": {{"authorization": "Bearer {TOKEN}"}}, "query": "access_token={TOKEN}"}}, "api_key": "{TOKEN}"}}'
    )
    assert TOKEN not in scrub(body, [SecretStr(TOKEN)])
    # Without being told the token, every place shaped like a credential still goes; the free text
    # is what only the known secret catches.
    assert scrub(body).count(TOKEN) == 1


def test_secrets_are_caught_stripped_and_url_encoded():
    secret = "s3cr3t/with+chars=\n"
    text = "sent s3cr3t/with+chars= as s3cr3t%2Fwith%2Bchars%3D and s3cr3t%2Fwith%2Bchars%3D"
    assert scrub(text, [secret]) == f"sent {REDACTED} as {REDACTED} and {REDACTED}"
    assert scrub("nothing to hide", [None, "", "  \n", SecretStr("")]) == "nothing to hide"


def test_a_secret_made_known_is_redacted_from_every_later_text_in_every_form():
    # Free text that has no credential's shape: only knowing the value catches it.
    secret = "hooks/T000/B111+x=\n"
    text = "posting to hooks/T000/B111+x= (encoded hooks%2FT000%2FB111%2Bx%3D) failed"
    assert scrub(text) == text
    known_secrets([SecretStr(secret), None, ""])
    assert scrub(text) == f"posting to {REDACTED} (encoded {REDACTED}) failed"
    assert scrub("nothing to hide") == "nothing to hide"


def test_a_private_key_and_a_jwt_are_redacted_whole():
    pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
    jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJva3ItcmVhZGVyIn0.c2lnbmF0dXJl"
    scrubbed = scrub(f'{{"private_key": "{pem}"}} and the token {jwt}.')
    assert "MIIEvQ" not in scrubbed and "bm90IGEga2V5" not in scrubbed and jwt not in scrubbed
    assert scrubbed.endswith(f"and the token {REDACTED}.")


@pytest.mark.parametrize(
    "message",
    [
        "hubspot: token invalid or expired: Authentication credentials not found. (HTTP 401, correlationId 4f1e2d3c-0000-4000-8000-000000000000)",
        "permission denied; missing scopes: crm.objects.contacts.read: This app hasn't been granted all required scopes to make this call.",
        "Plausible rejected the query (a filter or metric it does not accept): #/filters/0: Invalid filter",
        "the key in GA4_CREDENTIALS_JSON (okr-reader@acme.iam.gserviceaccount.com) may be deleted or disabled",
    ],
)
def test_ordinary_messages_are_left_alone(message):
    assert scrub(message) == message


@given(
    secret=st.text(alphabet=string.ascii_letters + string.digits + "-._~", min_size=8, max_size=60),
    shape=st.sampled_from(["Authorization: Bearer {}", "?token={}&x=1", "&api_key={}", '{{"access_token": "{}"}}', "'Authorization': 'Basic {}'"]),
    before=st.text(max_size=20),
)
def test_no_credential_shape_survives_whatever_surrounds_it(secret, shape, before):
    assume(secret not in before and secret not in REDACTED)
    scrubbed = scrub(f"{before} {shape.format(secret)} ")
    assert secret not in scrubbed
    assert scrub(scrubbed) == scrubbed, "scrubbing twice changes nothing"
