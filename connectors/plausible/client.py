"""One ``requests`` session per Plausible site: the Bearer key, retries, a timeout, typed errors.

urllib3's ``Retry`` (``connectors.http``) retries 429 and 5xx with backoff,
honouring ``Retry-After``, and hands back the last answer when retries run
out, which is classified here with Plausible's own ``error`` message. The key
travels in the ``Authorization`` header only; no message carries it.
"""

from __future__ import annotations

from typing import Any

import requests
from pydantic import SecretStr
from urllib3.util.retry import Retry

from connectors.errors import FatalSourceError, RetriableSourceError, SourceConfigurationError, SourceError
from connectors.http import retrying_session
from connectors.plausible.config import PlausibleSource

__all__ = ["PlausibleClient"]


class PlausibleClient:
    """``GET``s against one Plausible instance, each with the key, the retry and the timeout."""

    def __init__(self, source_name: str, source: PlausibleSource, token: SecretStr, retry: Retry | None = None):
        self.source_name = source_name
        self.base_url = source.base_url
        self.timeout = source.timeout_seconds
        self._session = retrying_session(retry)
        self._session.headers["Authorization"] = f"Bearer {token.get_secret_value()}"

    def get_json(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """``GET base_url + path`` as a JSON object; raise a ``SourceError`` for any other answer."""
        failure: SourceError | None = None
        try:
            response = self._session.get(f"{self.base_url}{path}", params=params, timeout=self.timeout)
        except requests.RequestException as error:
            # The exception's text may quote the request's headers (InvalidHeader), the key included;
            # its type says what happened.
            failure = RetriableSourceError(self.source_name, f"Plausible at {self.base_url} unreachable after retries: {type(error).__name__}")
        except Exception as error:
            # Any other failure's text may quote the request too: name only its type.
            failure = FatalSourceError(self.source_name, f"request failed: {type(error).__name__}")
        if failure is not None:
            raise failure  # outside the handler, so that not even __context__ keeps the original
        if response.status_code >= 400:
            raise self._classify(response)
        try:
            body = response.json()
        except ValueError:
            raise FatalSourceError(self.source_name, f"{path} answer is not JSON", status=response.status_code) from None
        if not isinstance(body, dict):
            raise FatalSourceError(self.source_name, f"{path} answer is not a JSON object", status=response.status_code)
        return body

    def close(self) -> None:
        self._session.close()

    def _classify(self, response: requests.Response) -> SourceError:
        status = response.status_code
        message = _error_message(response)
        if status == 401:
            return SourceConfigurationError(self.source_name, f"token invalid: Plausible refused the Stats API key: {message}", status=status)
        if status == 429 or status >= 500:
            return RetriableSourceError(self.source_name, f"Plausible kept failing after retries: {message}", status=status)
        if 400 <= status < 500:
            return SourceConfigurationError(self.source_name, f"Plausible rejected the request: {message}", status=status)
        return FatalSourceError(self.source_name, f"unexpected answer: {message}", status=status)


def _error_message(response: requests.Response) -> str:
    """Plausible's ``{"error": "..."}`` text, else the HTTP reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return response.reason or "no message"
