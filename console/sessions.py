"""Who is signed in: a session kept in a signed, expiring, HttpOnly cookie, and its CSRF token.

Every visitor has a session, an anonymous one until they sign in, so that the sign-in forms
carry a CSRF token too. Ops' sessions name the companies whose admin token they gave; an
owner's session names their address, and what they may touch follows from ``people:``.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from console.signing import BadToken, Signer

__all__ = ["COOKIE", "SESSION_LIFETIME", "Session", "read_session", "session_cookie"]

COOKIE = "okr_console"
SESSION_LIFETIME = timedelta(hours=12)
_PURPOSE = "session"


@dataclass(frozen=True)
class Session:
    csrf: str
    ops_of: tuple[str, ...] = ()
    """The companies (slugs) this visitor signed in to as ops."""
    email: str | None = None
    """The owner's address, once they followed a mailed link."""

    @property
    def signed_in(self) -> bool:
        return bool(self.ops_of) or self.email is not None

    @staticmethod
    def anonymous() -> Session:
        return Session(csrf=secrets.token_urlsafe(24))

    def as_ops(self, companies: tuple[str, ...]) -> Session:
        # A new CSRF token on every sign-in: one seen before it is worth nothing after.
        return replace(self, csrf=secrets.token_urlsafe(24), ops_of=tuple(sorted(set(self.ops_of) | set(companies))))

    def as_owner(self, email: str) -> Session:
        return replace(self, csrf=secrets.token_urlsafe(24), email=email)

    def csrf_matches(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.csrf.encode())


def session_cookie(signer: Signer, session: Session, now: datetime) -> str:
    expires = now + SESSION_LIFETIME
    return signer.sign(_PURPOSE, {"csrf": session.csrf, "ops": list(session.ops_of), "email": session.email}, expires)


def read_session(signer: Signer, cookie: str | None, now: datetime) -> Session | None:
    """The session in ``cookie``, or None when there is none, or it was altered or has expired."""
    if not cookie:
        return None
    try:
        payload = signer.unsign(_PURPOSE, cookie, now)
    except BadToken:
        return None
    csrf, ops, email = payload.get("csrf"), payload.get("ops"), payload.get("email")
    if not isinstance(csrf, str) or not isinstance(ops, list) or not all(isinstance(slug, str) for slug in ops) or not isinstance(email, str | None):
        return None
    return Session(csrf=csrf, ops_of=tuple(ops), email=email)
