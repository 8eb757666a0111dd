"""Status reports: one view model (``build_view``) rendered as the web page, the email's HTML
and plain text, the email to leadership, and the digest in Slack or Teams; and ops' alerts on a
failed sync (``build_alert_view``, ``build_alert_email``). No network but the SMTP send and the
chat webhooks."""

from reports.alerts import AlertView, build_alert_email, build_alert_view
from reports.chat import ChatDelivery, ChatDeliveryError, post_digest
from reports.email import EmailDeliveryError, build_status_email, send_email
from reports.render import render_report, render_text, write_html
from reports.view import ReportView, build_view

__all__ = [
    "AlertView",
    "ChatDelivery",
    "ChatDeliveryError",
    "EmailDeliveryError",
    "ReportView",
    "build_alert_email",
    "build_alert_view",
    "build_status_email",
    "build_view",
    "post_digest",
    "render_report",
    "render_text",
    "send_email",
    "write_html",
]
