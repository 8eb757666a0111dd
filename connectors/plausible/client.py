"""One ``requests`` session per Plausible site for Stats API v2 queries: the Bearer key, retries, a timeout, typed errors.

Every read is a ``POST /api/v2/query`` whose JSON body names the site, the
metrics, the date range and optional dimensions and filters; the answer is
``{"results": [{"dimensions": [...], "metrics": [...]}, ...], "meta": ..., "query": ...}``.
urllib3's ``Retry`` (``connectors.transport.session``) retries 429 and 5xx
with backoff, honouring ``Retry-After``, and hands back the last answer when
retries run out, which ``connectors.transport.classify`` turns into our error,
worded here with Plausible's own ``error`` message (``_PlausibleAnswers``): a
400 names the filter or metric Plausible refused. The key travels in the
``Authorization`` header only; every message is scrubbed of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.errors import FatalSourceError
from connectors.plausible.config import PlausibleSource
from connectors.transport.classify import AnswerHooks, ErrorAnswer, parse_json_object
from connectors.transport.counting import count_request
from connectors.transport.session import default_retry, resend_unreadable, retrying_session, send

__all__ = ["QUERY_PATH", "PlausibleClient", "QueryRow"]

QUERY_PATH = "/api/v2/query"


@dataclass(frozen=True)
class QueryRow:
    """One result row: the values of the query's dimensions and metrics, in the query's order."""

    dimensions: tuple[Any, ...]
    metrics: tuple[Any, ...]


class PlausibleClient:
    """Stats API v2 queries of one site, each with the key, the retry and the timeout."""

    def __init__(self, source_name: str, source: PlausibleSource, token: SecretStr, retry: Retry | None = None):
        self.source_name = source_name
        self.source = source
        self._retry = retry or default_retry()
        self._session = retrying_session(self._retry)
        self._session.headers["Authorization"] = f"Bearer {token.get_secret_value()}"
        self._answers = _PlausibleAnswers(source, token)

    def query(self, query: dict[str, Any]) -> list[QueryRow]:
        """The result rows of ``query`` (the v2 query object without ``site_id``, which is the source's)."""
        body = self._post_json(QUERY_PATH, {"site_id": self.source.site_id, **query})
        results = body.get("results")
        if not isinstance(results, list):
            raise FatalSourceError(self.source_name, f"query answer has no results list (keys: {', '.join(sorted(body)) or 'none'})")
        rows = []
        for row in results:
            if not isinstance(row, dict) or not isinstance(row.get("dimensions"), list) or not isinstance(row.get("metrics"), list):
                raise FatalSourceError(self.source_name, f"query answer row without dimensions and metrics lists: {row!r}")
            rows.append(QueryRow(dimensions=tuple(row["dimensions"]), metrics=tuple(row["metrics"])))
        return rows

    def close(self) -> None:
        self._session.close()

    def _post_json(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """The answer's JSON object; an answer cut short or not JSON is sent again (``resend_unreadable``)."""
        url = f"{self.source.base_url}{path}"

        def post() -> dict[str, Any]:
            count_request()
            response = send(self._session, "POST", url, source=self.source_name, hooks=self._answers, json=body, timeout=self.source.timeout_seconds)
            return parse_json_object(self.source_name, response.content, path, status=response.status_code)

        return resend_unreadable(post, self._retry, method="POST", url=path)


class _PlausibleAnswers(AnswerHooks):
    """Plausible's error bodies, ``{"error": "..."}``, and what to fix for the answers it gives a wrong setting.

    402 (the account's plan lacks the Stats API, or the site is locked) and the other
    4xx take the shared wording: Plausible's message says which."""

    def __init__(self, source: PlausibleSource, token: SecretStr):
        super().__init__("Plausible", endpoint=f"Plausible at {source.base_url}", secrets=(token,))
        self.source = source

    def message(self, body: Mapping[str, Any]) -> str | None:
        return str(body["error"]) if body.get("error") else None

    def explain(self, answer: ErrorAnswer) -> str | None:
        source = self.source
        if answer.status in (401, 403):
            # Plausible answers 401 for a wrong key and for a site the key cannot see alike.
            fix = (
                f"{source.token_place.name} must hold a Stats API key (Plausible > Settings > API Keys) of an account with access to "
                f"site {source.site_id!r}, and site_id must be the site's domain as registered in Plausible"
            )
            return f"token invalid or no access to the site: {answer.message}; {fix}"
        if answer.status == 400:
            return f"Plausible rejected the query (a filter or metric it does not accept): {answer.message}"
        if answer.status == 404:
            return f"{source.base_url} has no {QUERY_PATH}: base_url must point at Plausible, and a self-hosted one must offer Stats API v2"
        return None
