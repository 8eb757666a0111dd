"""Status reports: Jinja2 templates, rendering and the email to leadership. No network but the SMTP send."""

from reports.email import EmailDeliveryError, build_status_email, send_email
from reports.render import render_report, write_html, write_report

__all__ = ["EmailDeliveryError", "build_status_email", "render_report", "send_email", "write_html", "write_report"]
