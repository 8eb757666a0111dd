"""Status reports: one view model (``build_view``) rendered as the web page, the email's HTML
and plain text, and the email to leadership. No network but the SMTP send."""

from reports.email import EmailDeliveryError, build_status_email, send_email
from reports.render import render_report, render_text, write_html
from reports.view import ReportView, build_view

__all__ = [
    "EmailDeliveryError",
    "ReportView",
    "build_status_email",
    "build_view",
    "render_report",
    "render_text",
    "send_email",
    "write_html",
]
