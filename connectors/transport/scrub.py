"""Secrets out of any text that may carry request details, before it becomes a message.

Error texts come from places we do not control: an HTTP library quoting the
request's headers, a server echoing the query or the body it was sent (HubSpot's
legacy API echoed the key it refused), a URL configured with its access key in
the query. ``scrub`` removes the secrets a client knows it sent, in the forms a
text may carry them (as sent, stripped of the newline ``$(cat file)`` keeps,
URL-encoded), and, since a text may hold one the client never saw (the JWT
google-auth signs, a presigned download URL), anything shaped like a
credential: ``Authorization`` values, ``Bearer`` tokens, query, form and JSON
values whose name ends in key, token, secret, password or signature, JWTs and
PEM private keys. Secrets the wiring layer read for the run (Prefect Secret
blocks) are made known once (``known_secrets``), and every ``scrub`` redacts
them too, whoever calls it and whatever it was given.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

__all__ = ["REDACTED", "known_secrets", "scrub"]

REDACTED = "[redacted]"

_KNOWN: set[str] = set()
_KNOWN_LOCK = threading.Lock()

_SECRET_NAME = r"[A-Za-z0-9_.\-]*(?:key|token|secret|password|passwd|signature|sig|credentials?)"
# What is kept of a match (a header's or a parameter's name, the scheme) is its ``keep`` group,
# so a message still says what was there; the rest of the match is the credential.
_SHAPES = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)",
        r"\beyJ[A-Za-z0-9_\-]+\.eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*",  # a JWT: header and claims are base64 JSON objects
        # Authorization: Bearer x / 'Authorization': 'Basic x' / authorization=x
        r"""(?i)(?P<keep>\bauthorization\b["']?\s*[:=]\s*(?:(?-i:b)?["'])?+(?:(?:bearer|basic|token)\s+)?+)[^\s"',;{}\[\]\\]+""",
        r"(?i)(?P<keep>\bbearer\s+)[A-Za-z0-9\-._~+/]+=*",
        # ?key=x&access_token=x, hapikey=x, X-Amz-Signature=x: up to the next separator.
        rf"(?i)(?P<keep>\b{_SECRET_NAME}=)[^&#\s\"'<>]+",
        # {"api_key": "x"} and {'token': 'x'}: a body or a headers dict echoed.
        rf"""(?i)(?P<keep>["']{_SECRET_NAME}["']\s*:\s*["'])[^"']+""",
    )
)


def known_secrets(secrets: Iterable[str | SecretStr | None]) -> None:
    """Redact ``secrets`` from every text ``scrub`` cleans from now on, in this process."""
    forms = _forms(secrets)
    with _KNOWN_LOCK:
        _KNOWN.update(forms)


def scrub(text: str, secrets: Iterable[str | SecretStr | None] = ()) -> str:
    """``text`` with every one of ``secrets`` (and of ``known_secrets``) and every credential-shaped value
    replaced by ``[redacted]``."""
    with _KNOWN_LOCK:
        known = list(_KNOWN)
    for form in sorted({*_forms(secrets), *known}, key=len, reverse=True):
        text = text.replace(form, REDACTED)
    for shape in _SHAPES:
        text = shape.sub(_redact, text)
    return text


def _redact(match: re.Match[str]) -> str:
    return (match.groupdict().get("keep") or "") + REDACTED


def _forms(secrets: Iterable[str | SecretStr | None]) -> list[str]:
    """Each secret as sent, stripped and URL-encoded, longest first so that no part of a longer one survives."""
    forms: set[str] = set()
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        if value and value.strip():
            forms.update({value, value.strip(), quote(value.strip(), safe=""), quote_plus(value.strip())})
    return sorted(forms, key=len, reverse=True)
