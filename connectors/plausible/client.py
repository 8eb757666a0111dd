"""One ``requests`` session per Plausible site for Stats API v2 queries: the Bearer key, retries, a timeout, typed errors.

Every read is a ``POST /api/v2/query`` whose JSON body names the site, the
metrics, the date range and optional dimensions and filters; the answer is
``{"results": [{"dimensions": [...], "metrics": [...]}, ...], "meta": ..., "query": ...}``.
urllib3's ``Retry`` (``connectors.http``) retries 429 and 5xx with backoff,
honouring ``Retry-After``, and hands back the last answer when retries run
out, which is classified here with Plausible's own ``error`` message: a 400
names the filter or metric Plausible refused. The key travels in the
``Authorization`` header only; no message carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError, SourceError
from connectors.http import retrying_session
from connectors.plausible.config import PlausibleSource

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
        self._session = retrying_session(retry)
        self._session.headers["Authorization"] = f"Bearer {token.get_secret_value()}"

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
        failure: SourceError | None = None
        base_url = self.source.base_url
        try:
            response = self._session.post(f"{base_url}{path}", json=body, timeout=self.source.timeout_seconds)
        except requests.RequestException as error:
            # The exception's text may quote the request's headers (InvalidHeader), the key included;
            # its type says what happened.
            failure = RetriableSourceError(self.source_name, f"Plausible at {base_url} unreachable after retries: {type(error).__name__}")
        except Exception as error:
            # Any other failure's text may quote the request too: name only its type.
            failure = FatalSourceError(self.source_name, f"request failed: {type(error).__name__}")
        if failure is not None:
            raise failure  # outside the handler, so that not even __context__ keeps the original
        if response.status_code >= 400:
            raise self._classify(response, path)
        try:
            answer = response.json()
        except ValueError:
            raise FatalSourceError(self.source_name, f"{path} answer is not JSON", status=response.status_code) from None
        if not isinstance(answer, dict):
            raise FatalSourceError(self.source_name, f"{path} answer is not a JSON object", status=response.status_code)
        return answer

    def _classify(self, response: requests.Response, path: str) -> SourceError:
        """The error for an answer of HTTP 400 or more."""
        status = response.status_code
        message = _error_message(response)
        source = self.source
        if status in (401, 403):
            # Plausible answers 401 for a wrong key and for a site the key cannot see alike.
            fix = (
                f"{source.token_env} must hold a Stats API key (Plausible > Settings > API Keys) of an account with access to "
                f"site {source.site_id!r}, and site_id must be the site's domain as registered in Plausible"
            )
            return SourceConfigurationError(self.source_name, f"token invalid or no access to the site: {message}; {fix}", status=status)
        if status == 429 or status >= 500:
            return RetriableSourceError(self.source_name, f"Plausible kept failing after retries: {message}", status=status)
        if status == 400:
            return SourceConfigurationError(self.source_name, f"Plausible rejected the query (a filter or metric it does not accept): {message}", status=status)
        if status == 404:
            return SourceConfigurationError(
                self.source_name, f"{source.base_url} has no {path}: base_url must point at Plausible, and a self-hosted one must offer Stats API v2", status=status
            )
        # 402 (the account's plan lacks the Stats API, or the site is locked) and the other 4xx: Plausible's message says which.
        return SourceConfigurationError(self.source_name, f"Plausible refused the request: {message}", status=status)


def _error_message(response: requests.Response) -> str:
    """Plausible's ``{"error": "..."}`` text, else the HTTP reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return response.reason or "no message"
