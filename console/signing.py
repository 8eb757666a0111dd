"""Signed, expiring tokens (the session cookie, the mailed sign-in link) and the secret behind them.

A token is ``base64(json payload).base64(HMAC-SHA256)``, the MAC keyed by the console's secret and
the token's purpose, so a session cookie can never be replayed as a sign-in link or the reverse.
The secret is generated once and kept in a file readable by its owner only; it is never logged
or shown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["BadToken", "Signer", "load_or_create_secret"]

SECRET_BYTES = 32


class BadToken(Exception):
    """A token that was altered, is of another purpose, or has expired (the message says which, for logs of our own)."""


def load_or_create_secret(path: Path) -> bytes:
    """The secret kept at ``path``, created (mode 0600, never overwritten) on first use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(secret) < SECRET_BYTES:
            raise ValueError(f"{path}: the console's secret is shorter than {SECRET_BYTES} bytes; delete the file to make a new one (every session ends)") from None
        return secret
    secret = secrets.token_bytes(SECRET_BYTES)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secret.hex() + "\n")
    return secret


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    """Signs payloads for one secret; ``purpose`` separates the kinds of token."""

    def __init__(self, secret: bytes):
        self._secret = secret

    def _mac(self, purpose: str, body: str) -> str:
        key = hmac.new(self._secret, purpose.encode(), hashlib.sha256).digest()
        return _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())

    def sign(self, purpose: str, payload: dict[str, Any], expires: datetime) -> str:
        body = _b64(json.dumps({**payload, "exp": int(expires.timestamp())}, separators=(",", ":")).encode())
        return f"{body}.{self._mac(purpose, body)}"

    def unsign(self, purpose: str, token: str, now: datetime) -> dict[str, Any]:
        """The payload of a genuine, unexpired token of ``purpose``; ``BadToken`` otherwise."""
        body, _, mac = token.partition(".")
        if not body or not mac or not hmac.compare_digest(mac, self._mac(purpose, body)):
            raise BadToken("not signed by this console")
        try:
            payload = json.loads(_unb64(body))
        except (ValueError, UnicodeDecodeError):
            raise BadToken("unreadable") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
            raise BadToken("unreadable")
        if payload["exp"] <= now.timestamp():
            raise BadToken("expired")
        return payload
