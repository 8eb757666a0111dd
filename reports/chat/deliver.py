"""One digest per ``notify:`` destination: its payload from the view model, posted to its webhook.

A failed delivery is returned, never raised: the sync's data is stored either way, and one
channel that fails must not keep the others from getting the digest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from okrmodel.briefing.model import ReportData
from okrmodel.config import SlackDestination, TeamsDestination
from reports.chat.digest import report_link
from reports.chat.slack import send_slack, slack_message
from reports.chat.teams import send_teams, teams_message
from reports.chat.transport import ChatDeliveryError, redact, webhook_url
from reports.view import ReportView, build_view

__all__ = ["ChatDelivery", "chat_payload", "post_digest"]

Destination = SlackDestination | TeamsDestination
_BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {"slack": slack_message, "teams": teams_message}
_SENDERS: dict[str, Callable[..., None]] = {"slack": send_slack, "teams": send_teams}


@dataclass(frozen=True)
class ChatDelivery:
    """How posting the digest to one destination went."""

    destination: str
    """``Slack ($SLACK_OKR_WEBHOOK)``: the destination as the config names it, never its URL."""
    error: str | None = None

    @property
    def delivered(self) -> bool:
        return self.error is None

    def __str__(self) -> str:
        return f"{self.destination}: {self.error}" if self.error else self.destination


def chat_payload(destination: Destination, view: ReportView, link: str | None) -> dict[str, Any]:
    """The JSON body ``destination``'s webhook is sent: Block Kit for Slack, an Adaptive Card message for Teams."""
    return _BUILDERS[destination.type](view, link)


def post_digest(
    destinations: Sequence[Destination], data: ReportData, environ: dict[str, str] | None = None, blocks: Mapping[str, SecretStr] | None = None
) -> list[ChatDelivery]:
    """Post the digest of ``data`` to every destination, in order; each one's outcome. ``blocks``
    holds the webhook URLs of destinations kept in Prefect Secret blocks, read by the caller."""
    view = build_view(data)
    link = report_link(data)
    deliveries = []
    for destination in destinations:
        url = ""
        try:
            url = webhook_url(destination, environ, blocks)
            _SENDERS[destination.type](chat_payload(destination, view, link), url, timeout=destination.timeout_seconds)
        except ChatDeliveryError as error:
            deliveries.append(ChatDelivery(destination.label, str(error)))
        except Exception as error:  # a bug must not cost the other channels their digest, nor the run its data
            text = redact(str(error), url) if url else str(error)
            deliveries.append(ChatDelivery(destination.label, f"{type(error).__name__}: {text}"))
        else:
            deliveries.append(ChatDelivery(destination.label))
    return deliveries
