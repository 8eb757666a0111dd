"""How HubSpot's error answers read, for the shared classification (``connectors.transport.classify``).

Every error body carries ``message`` and ``correlationId`` (support finds the
request by it); a 429 names the limit in ``policyName``, a 403 for a private
app without a scope lists them in ``context.missingScopes``. The class of an
error follows from the status alone, but for one answer: a 429 whose
``policyName`` is ``DAILY`` says the account's daily quota is spent, which
comes back only at midnight in the account's time zone, so no retry is sent
and the run stops asking (``QuotaExhaustedError``); its message says when the
quota resets.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from pydantic import SecretStr

from connectors.transport.classify import AnswerHooks, ErrorAnswer

__all__ = ["HubSpotAnswers", "daily_quota_reset"]

DAILY_POLICY = "DAILY"


class HubSpotAnswers(AnswerHooks):
    """HubSpot's answers at ``endpoint`` (``"HubSpot at <base_url>"``), never showing ``token``;
    ``zone`` is the account's time zone, where its daily quota resets (None: not known)."""

    def __init__(self, endpoint: str, token: SecretStr, zone: tzinfo | None = None):
        super().__init__("HubSpot", endpoint=endpoint, secrets=(token,))
        self.zone = zone

    def message(self, body: Mapping[str, Any]) -> str | None:
        return str(body["message"]) if body.get("message") else None

    def correlation_id(self, body: Mapping[str, Any]) -> str | None:
        return str(body["correlationId"]) if body.get("correlationId") else None

    def quota_exhausted(self, status: int | None, body: Mapping[str, Any]) -> bool:
        return status == 429 and body.get("policyName") == DAILY_POLICY

    def explain(self, answer: ErrorAnswer) -> str | None:
        if self.quota_exhausted(answer.status, answer.body):
            # Retriable, but by a later run: the portal's day is spent, not its second.
            resets = "at midnight in the portal's time zone"
            if self.zone is not None:
                reset = daily_quota_reset(datetime.now(self.zone))
                resets = f"at midnight {getattr(self.zone, 'key', self.zone)} ({reset:%Y-%m-%d %H:%M %Z})"
            return f"daily API limit of the portal reached: {answer.message.rstrip('.')}. It resets {resets}; no more HubSpot calls this run"
        if answer.status == 401:
            return f"token invalid or expired: {answer.message}"
        if answer.status == 403:
            context = answer.body.get("context")
            scopes = (context.get("missingScopes") if isinstance(context, Mapping) else None) or []
            missing = f"; missing scopes: {', '.join(map(str, scopes))}" if scopes else ""
            return f"permission denied{missing}: {answer.message}"
        return None


def daily_quota_reset(now: datetime) -> datetime:
    """When a daily quota spent at ``now`` (aware, in the account's zone) comes back: the next midnight there."""
    return datetime.combine(now.date() + timedelta(days=1), time.min, tzinfo=now.tzinfo)
