"""The digest in chat: the report's headline, what needs attention, what changed and the data
warning, as a Slack Block Kit message or a Microsoft Teams Adaptive Card, built from the view
model (``slack_message``, ``teams_message``: pure functions returning the JSON payload) and
posted to the webhooks of ``notify:`` (``post_digest``; ``send_slack``, ``send_teams``)."""

from reports.chat.deliver import ChatDelivery, chat_payload, post_digest
from reports.chat.digest import DIGEST_ITEMS, Digest, DigestLine, build_digest, report_link
from reports.chat.slack import SLACK_MAX_BLOCKS, send_slack, slack_escape, slack_message
from reports.chat.teams import TEAMS_CARD_VERSION, TEAMS_MAX_BYTES, send_teams, teams_escape, teams_message
from reports.chat.transport import ChatDeliveryError, redact, webhook_url

__all__ = [
    "DIGEST_ITEMS",
    "SLACK_MAX_BLOCKS",
    "TEAMS_CARD_VERSION",
    "TEAMS_MAX_BYTES",
    "ChatDelivery",
    "ChatDeliveryError",
    "Digest",
    "DigestLine",
    "build_digest",
    "chat_payload",
    "post_digest",
    "redact",
    "report_link",
    "send_slack",
    "send_teams",
    "slack_escape",
    "slack_message",
    "teams_escape",
    "teams_message",
    "webhook_url",
]
