"""How HubSpot's error answers read, for the shared classification (``connectors.transport.classify``).

Every error body carries ``message`` and ``correlationId`` (support finds the
request by it); a 429 names the limit in ``policyName``, a 403 for a private
app without a scope lists them in ``context.missingScopes``. The class of an
error follows from the status alone; only the wording is HubSpot's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from connectors.transport.classify import AnswerHooks, ErrorAnswer

__all__ = ["HubSpotAnswers"]


class HubSpotAnswers(AnswerHooks):
    """HubSpot's answers at ``endpoint`` (``"HubSpot at <base_url>"``), never showing ``token``."""

    def __init__(self, endpoint: str, token: SecretStr):
        super().__init__("HubSpot", endpoint=endpoint, secrets=(token,))

    def message(self, body: Mapping[str, Any]) -> str | None:
        return str(body["message"]) if body.get("message") else None

    def correlation_id(self, body: Mapping[str, Any]) -> str | None:
        return str(body["correlationId"]) if body.get("correlationId") else None

    def explain(self, answer: ErrorAnswer) -> str | None:
        if answer.status == 429 and answer.body.get("policyName") == "DAILY":
            # Still retriable, but by the next run: the portal's day is spent, not its second.
            return f"daily API limit of the portal reached: {answer.message}"
        if answer.status == 401:
            return f"token invalid or expired: {answer.message}"
        if answer.status == 403:
            context = answer.body.get("context")
            scopes = (context.get("missingScopes") if isinstance(context, Mapping) else None) or []
            missing = f"; missing scopes: {', '.join(map(str, scopes))}" if scopes else ""
            return f"permission denied{missing}: {answer.message}"
        return None
