"""The status report as an email to leadership, and its delivery over SMTP.

The message carries the report twice, both from one view model: a plain-text part for
previews and clients that show no HTML, and an HTML part laid out for mail clients
(tables, no SVG) whose trend charts are PNGs embedded by Content-ID, so nothing is
fetched when it is opened. Sending is the one network call of this package; ops' alerts
(``reports.alerts``) are built on ``new_message`` and go out through the same ``send_email``.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from pydantic import SecretStr

from okrmodel.briefing.model import ReportData
from okrmodel.config import EmailSettings
from reports.render import email_html, plain_text
from reports.view import KeyResultView, ObjectivesSection, ReportView, build_view

__all__ = ["EmailDeliveryError", "build_status_email", "new_message", "send_email"]


class EmailDeliveryError(Exception):
    """The report could not be handed to the SMTP server; the message says why, never the password."""


EMAIL_DETAILED = 12
"""KRs shown in full in the email (figures, bar, trend image): those needing attention first.
Inline styles cost about 5 KB of HTML per full KR and Gmail clips a message past 102 KB, so
the others get one compact line and the web report has everything."""


def build_status_email(data: ReportData, settings: EmailSettings) -> EmailMessage:
    """multipart/alternative: the plain text, and multipart/related holding the HTML with
    one image/png part per ``cid:`` the HTML refers to."""
    from reports.trend_png import trend_png  # Pillow loads when an email is built, not with every okr command

    view = build_view(data)
    message = new_message(settings, _subject(view, data, settings), settings.recipients)
    message.set_content(plain_text(view))
    detailed = _detailed(view, data)
    charts = [kr.trend for kr in detailed if kr.trend is not None]
    message.add_alternative(email_html(view, frozenset(kr.id for kr in detailed)), subtype="html")
    html_part = message.get_payload()[1]
    for chart in charts:
        html_part.add_related(trend_png(chart), maintype="image", subtype="png", cid=f"<{chart.content_id}>", disposition="inline")
    return message


def new_message(settings: EmailSettings, subject: str, recipients: Sequence[str]) -> EmailMessage:
    """An empty message with what every one of ours carries: subject, ``email:``'s sender, the
    recipients, the date and an id in the sender's domain."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].rsplit("@", 1)[-1])
    return message


def _subject(view: ReportView, data: ReportData, settings: EmailSettings) -> str:
    """The signal (``Acme Cloud OKRs, 1 Dec: 2 off track, 1 at risk``) unless the config sets
    its own ``subject``, which may name ``{summary}`` besides ``{company}``, ``{period}`` and ``{as_of}``."""
    if settings.subject is None:
        return view.headline
    report = data.status
    return settings.subject.format(company=report.company, period=report.period, as_of=report.as_of.isoformat(), summary=view.summary)


def _detailed(view: ReportView, data: ReportData) -> list[KeyResultView]:
    """The KRs the email shows in full: those that need attention, then the others in report
    order, at most ``EMAIL_DETAILED``."""
    key_results = [kr for section in view.sections if isinstance(section, ObjectivesSection) for objective in section.objectives for kr in objective.key_results]
    urgent = {item.key_result_id for item in data.attention if item.key_result_id}
    ordered = [kr for kr in key_results if kr.id in urgent] + [kr for kr in key_results if kr.id not in urgent]
    return ordered[:EMAIL_DETAILED]


def send_email(message: EmailMessage, settings: EmailSettings, password: SecretStr | None) -> None:
    """Hand ``message`` to the configured SMTP server (TLS as configured, login when a username is set)."""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    if settings.username and password is None:
        place = settings.password_place
        kept = f"${place.variable}, which is not set" if place.block is None else f"{place.name}, which was not read"
        raise EmailDeliveryError(f"SMTP login for {settings.username} needs the password in {kept}")
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
