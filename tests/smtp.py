"""A real SMTP server for the tests that send mail (aiosmtpd on a free local port), and what it received;
with ``LoginMailbox``, one that asks for a login."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["LoginMailbox", "Mailbox", "free_port", "smtp_server"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """aiosmtpd handler: keeps every accepted message as received; ``port`` once served."""

    port: int

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted"

    @property
    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(envelope.content, policy=policy.default) for envelope in self.envelopes]

    def to(self, address: str) -> list[EmailMessage]:
        """The messages whose one recipient is ``address``."""
        return [email.message_from_bytes(envelope.content, policy=policy.default) for envelope in self.envelopes if envelope.rcpt_tos == [address]]


class LoginMailbox(Mailbox):
    """A mailbox that takes mail only after the login ``reports`` with ``password`` (over plain
    SMTP: the test server offers no TLS); ``logins`` says how each attempt went."""

    def __init__(self, password: str) -> None:
        super().__init__()
        self.password = password
        self.logins: list[bool] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"reports" and auth_data.password == self.password.encode()
        self.logins.append(ok)
        # handled=False lets aiosmtpd answer a failure with its 535 reply.
        return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(handler: Mailbox) -> Iterator[Mailbox]:
    """``handler`` listening on 127.0.0.1 (its ``port`` set) until the block ends."""
    login = {"authenticator": handler, "auth_require_tls": False} if isinstance(handler, LoginMailbox) else {}
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **login)
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()
