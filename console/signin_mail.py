"""The sign-in link mailed to an owner: signed, expiring after ``LINK_LIFETIME``, good once.

The link carries a random nonce; following it records the nonce as used in the company's store
(``Store.use_sign_in_link``), so a second use, in this process or another, is refused. Mail
scanners that fetch links do not spend it: the page it opens asks for one click (a POST).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from email.utils import formataddr

from console.companies import Company
from console.signing import BadToken, Signer
from reports import EmailDeliveryError, send_email
from reports.email import new_message

__all__ = ["LINK_LIFETIME", "LinkRefused", "link_token", "mail_sign_in_link", "read_link", "spend_link"]

LINK_LIFETIME = timedelta(minutes=30)
_PURPOSE = "sign-in-link"
log = logging.getLogger("okr.console")


class LinkRefused(Exception):
    """A link that was altered, has expired or was used already (one sentence for the visitor)."""


def link_token(signer: Signer, company: Company, email: str, now: datetime, next_page: str = "/") -> str:
    """``next_page``: where the signed-in owner goes (the page they came for, such as a reminder's KR)."""
    payload = {"email": email, "company": company.slug, "nonce": secrets.token_urlsafe(24), "next": next_page}
    return signer.sign(_PURPOSE, payload, now + LINK_LIFETIME)


def read_link(signer: Signer, token: str, now: datetime) -> dict[str, str]:
    """The link's address, company and nonce, when it is genuine and unexpired (not yet spent)."""
    try:
        payload = signer.unsign(_PURPOSE, token, now)
    except BadToken as error:
        reason = "has expired" if str(error) == "expired" else "is not a link this console sent"
        raise LinkRefused(f"This sign-in link {reason}; ask for a new one below.") from None
    if not all(isinstance(payload.get(key), str) for key in ("email", "company", "nonce")):
        raise LinkRefused("This sign-in link is not a link this console sent; ask for a new one below.")
    return payload


def spend_link(company: Company, payload: dict[str, str], now: datetime) -> None:
    if not company.store.use_sign_in_link(payload["nonce"], now):
        raise LinkRefused("This sign-in link was used already; each link signs in once. Ask for a new one below.")


def mail_sign_in_link(company: Company, email: str, link: str) -> None:
    """Mail ``link`` over the company's ``email:`` settings; a failure is logged (never the link), not raised:
    the visitor is told the same either way, so that nobody learns which addresses are known."""
    settings = company.config.email
    if settings is None:
        log.warning("%s: no sign-in link mailed: the config has no email: settings", company.config.file_name)
        return
    # Date and a Message-ID in the sender's domain, as every message of ours carries (a display-name sender included).
    message = new_message(settings, f"Sign in to the {company.config.company} OKR console", [formataddr(("", email))])
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    message.set_content(
        f"Someone, probably you, asked to sign in to the {company.config.company} OKR console.\n\n"
        f"Open this link within {minutes} minutes to sign in (it works once):\n\n{link}\n\n"
        "If you did not ask for it, ignore this message: nobody can sign in without the link.\n"
    )
    try:
        send_email(message, settings, company.credentials.smtp_password)
    except EmailDeliveryError as error:
        log.warning("%s: sign-in link not mailed: %s", company.config.file_name, error)
