"""The status report as an email to leadership, and its delivery over SMTP.

The HTML part is the rendered report itself (styles already inlined, so mail
clients keep them); a plain-text part summarises the same numbers for clients
and previews that show no HTML. Sending is the one network call of this
package.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from pydantic import SecretStr

from okrmodel.config import EmailSettings
from okrmodel.evaluation import StatusReport
from reports.formatting import format_percent, format_status, format_value

__all__ = ["EmailDeliveryError", "build_status_email", "plain_text_summary", "send_email"]


class EmailDeliveryError(Exception):
    """The report could not be handed to the SMTP server; the message says why, never the password."""


def plain_text_summary(report: StatusReport) -> str:
    """The report's numbers as text: one line per objective and key result."""
    lines = [
        f"{report.company}: OKR status {report.period}, as of {report.as_of.isoformat()}",
        f"Expected pace: {format_percent(report.expected)} of the period.",
        "",
    ]
    for objective in report.objectives:
        lines.append(f"{objective.title} ({format_status(objective.status.value)}, progress {format_percent(objective.progress)})")
        for key_result in objective.key_results:
            lines.append(
                f"  - {key_result.title}: {format_value(key_result.actual, key_result.unit)} of "
                f"{format_value(key_result.target, key_result.unit)} ({format_percent(key_result.progress)}), "
                f"{format_status(key_result.status.value)}"
            )
        lines.append("")
    return "\n".join(lines)


def build_status_email(report: StatusReport, html: str, settings: EmailSettings) -> EmailMessage:
    """A multipart/alternative message: the plain-text summary and the HTML report."""
    message = EmailMessage()
    message["Subject"] = settings.subject.format(company=report.company, period=report.period, as_of=report.as_of.isoformat())
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].rsplit("@", 1)[-1])
    message.set_content(plain_text_summary(report))
    message.add_alternative(html, subtype="html")
    return message


def send_email(message: EmailMessage, settings: EmailSettings, password: SecretStr | None) -> None:
    """Hand ``message`` to the configured SMTP server (TLS as configured, login when a username is set)."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    if settings.username and password is None:
        raise EmailDeliveryError(f"SMTP login for {settings.username} needs the password in ${settings.password_env}, which is not set")
    try:
        if settings.security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds, context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds)
        with connection:
            if settings.security == "starttls":
                connection.starttls(context=ssl.create_default_context())
            if settings.username and password is not None:
                connection.login(settings.username, password.get_secret_value())
            refused = connection.send_message(message)
    except smtplib.SMTPNotSupportedError:
        raise EmailDeliveryError(f"{where} does not offer STARTTLS; set security: ssl (or none, which needs allow_plaintext_login: true to log in)") from None
    except smtplib.SMTPAuthenticationError as error:
        raise EmailDeliveryError(f"{where} refused the login of {settings.username}: {error.smtp_code} {_text(error.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as error:
        raise EmailDeliveryError(f"{where} refused every recipient: {', '.join(error.recipients)}") from None
    except smtplib.SMTPResponseException as error:
        raise EmailDeliveryError(f"{where} answered {error.smtp_code} {_text(error.smtp_error)}") from None
    except (smtplib.SMTPException, OSError) as error:
        raise EmailDeliveryError(f"could not reach {where}: {type(error).__name__}: {error}") from None
    if refused:
        raise EmailDeliveryError(f"{where} refused some recipients: {', '.join(refused)}")


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
