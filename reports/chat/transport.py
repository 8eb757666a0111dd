"""What both webhooks share on the wire: the delivery error, the URL from the environment and
its checks, and keeping the URL out of every message and log line.

A webhook URL is a credential: whoever has it can post to the channel (Slack's carries its
secret in the path, a Teams workflow's in the ``sig`` query parameter). It is read from the
variable the config names, handed to the HTTP client, and never put into a message: every
text a failure may carry passes ``redact``, and the HTTP libraries' loggers, which quote the
request line, pass it too while a digest is sent.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.error import URLError
from urllib.parse import quote, quote_plus, unquote, urlsplit

from pydantic import SecretStr

from okrmodel.config import SlackDestination, TeamsDestination

__all__ = ["MAX_RETRY_AFTER", "REDACTED", "ChatDeliveryError", "failure_name", "quiet_urls", "redact", "webhook_url"]

REDACTED = "[redacted]"
MAX_RETRY_AFTER = 60.0
"""The longest ``Retry-After`` a delivery waits for before retrying; a longer one is a failure."""
_ANY_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s\"'<>]+")
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
# urllib3 logs the request line (path and query: the secret) at debug level, and a retried
# request at warning level, on these loggers.
_HTTP_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection")


class ChatDeliveryError(Exception):
    """The digest could not be posted to a chat webhook; the message says why, never the URL."""


def webhook_url(
    destination: SlackDestination | TeamsDestination, environ: dict[str, str] | None = None, blocks: Mapping[str, SecretStr] | None = None
) -> str:
    """The destination's webhook URL from its ``webhook_env`` or Secret block (``blocks``, read by
    the caller); ``ChatDeliveryError`` when it is unset, not an http(s) URL, or plain http to
    another machine (the digest would travel in clear)."""
    secret = destination.webhook_url(environ, blocks)
    variable = destination.where
    if secret is None:
        where = "put the webhook URL in that Secret block" if destination.webhook_block else "export the webhook URL there"
        raise ChatDeliveryError(f"{variable} is not set: {where} (see the README: The digest in Slack or Teams)")
    url = secret.get_secret_value()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ChatDeliveryError(f"{variable} does not hold a webhook URL (https://...)")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK:
        raise ChatDeliveryError(f"{variable} holds an http:// URL: use the https:// URL {destination.platform} gave you")
    return url


def redact(text: str, url: str) -> str:
    """``text`` without ``url`` in any form a message may quote it (whole, without its scheme, its
    path and query, each long part of them, URL-encoded or decoded), and without any other URL."""
    for form in _forms(url):
        text = text.replace(form, REDACTED)
    return _ANY_URL.sub(REDACTED, text)


def _forms(url: str) -> list[str]:
    parts = urlsplit(url)
    pieces = {url, url.split("://", 1)[-1], parts.path, parts.query, f"{parts.path}?{parts.query}" if parts.query else parts.path}
    pieces.update(segment for segment in parts.path.split("/") if len(segment) >= 8)
    pieces.update(value for pair in parts.query.split("&") for value in pair.split("=", 1)[1:] if len(value) >= 8)
    forms = set()
    for piece in pieces:
        if piece and len(piece) >= 4:
            forms.update({piece, unquote(piece), quote(piece, safe=""), quote_plus(piece)})
    return sorted((form for form in forms if len(form) >= 4), key=len, reverse=True)


class _RedactingFilter(logging.Filter):
    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.url)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


@contextmanager
def quiet_urls(url: str) -> Iterator[None]:
    """While inside, every record the HTTP libraries log has ``url`` redacted."""
    redacting = _RedactingFilter(url)
    loggers = [logging.getLogger(name) for name in _HTTP_LOGGERS]
    for logger in loggers:
        logger.addFilter(redacting)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redacting)


def failure_name(error: BaseException) -> str:
    """A request that got no answer, by type and what lies beneath (never its text, which may quote
    the URL): ``URLError (ConnectionRefusedError)``, ``ConnectionError (NewConnectionError)``, ``TimeoutError``."""
    reason = error.reason if isinstance(error, URLError) else None
    if reason is None and error.args:
        inner = error.args[0]
        reason = getattr(inner, "reason", None) or (inner if isinstance(inner, BaseException) else None)
    return f"{type(error).__name__} ({type(reason).__name__})" if isinstance(reason, BaseException) else type(error).__name__
