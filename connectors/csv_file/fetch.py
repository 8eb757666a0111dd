"""The CSV's text: a local file (relative to the config's folder) or an ``https://`` download, read once per run.

The first caller reads the file; every later check, read and catalogue of the
run gets the same text, so all columns come from one version of the file and
one download. Downloads go through a ``requests`` session with the shared
backoff retry (429, 5xx, timeouts) and a timeout, and their failures through
the shared classification (``connectors.transport``); a sheet that is not
published answers a sign-in page, which is reported as such instead of as a
CSV without columns. A URL may carry its access key in the query (a signed
link), so messages show it scrubbed (``CsvSource.location``).
"""

from __future__ import annotations

import threading
from pathlib import Path

import requests
from urllib3.util.retry import Retry

from connectors.csv_file.config import CsvSource
from connectors.errors import SourceConfigurationError
from connectors.transport.classify import AnswerHooks, ErrorAnswer
from connectors.transport.counting import count_request, counted_requests
from connectors.transport.session import default_retry, resend_unreadable, retrying_session, send

__all__ = ["CsvFetcher"]


class CsvFetcher:
    """Reads one CSV source's text once; counts downloads (a local read is not an API call). Thread-safe."""

    def __init__(self, source_name: str, source: CsvSource, base_dir: Path, retry: Retry | None = None):
        self.source_name = source_name
        self.source = source
        self.path = (base_dir / source.path) if source.path is not None else None
        self._retry = retry or default_retry()
        self._session = retrying_session(self._retry) if source.url is not None else None
        self._text: str | None = None
        self._lock = threading.Lock()

    def read_text(self) -> tuple[str, int]:
        """The file's text (a UTF-8 byte-order mark dropped) and the API calls it took: 1 for the run's download, else 0."""
        with self._lock:
            if self._text is not None:
                return self._text, 0
            self._text, calls = self._read()
            return self._text, calls

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def _read(self) -> tuple[str, int]:
        if self.path is not None:
            try:
                return self.path.read_text(encoding="utf-8-sig"), 0
            except FileNotFoundError:
                raise SourceConfigurationError(self.source_name, f"{self.source.location}: file not found (looked at {self.path})") from None
            except UnicodeDecodeError:
                raise SourceConfigurationError(self.source_name, f"{self.source.location}: not UTF-8 text; save the file as CSV UTF-8") from None
            except OSError as error:
                raise SourceConfigurationError(self.source_name, f"{self.source.location}: cannot read the file: {error.strerror}") from None
        with counted_requests() as sent:
            text = self._download()
        return text, sent.value

    def _download(self) -> str:
        assert self._session is not None and self.source.url is not None
        url = self.source.location
        answers = _DownloadAnswers(url)
        session, source_url = self._session, self.source.url

        def get() -> requests.Response:
            count_request()
            return send(session, "GET", source_url, source=self.source_name, hooks=answers, timeout=self.source.timeout_seconds)

        response = resend_unreadable(get, self._retry, method="GET", url=url)
        if "text/html" in response.headers.get("Content-Type", ""):
            raise SourceConfigurationError(self.source_name, f"{url} answered a web page, not CSV; publish the sheet to the web as CSV and use that link")
        try:
            return response.content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SourceConfigurationError(self.source_name, f"{url}: not UTF-8 text") from None


class _DownloadAnswers(AnswerHooks):
    """A download's error answers: the host's body is a web page, so the HTTP reason is the message;
    401, 403 and 404 are what a sheet that is not published (or not there) answers. Its label is the URL."""

    def explain(self, answer: ErrorAnswer) -> str | None:
        if answer.status in (401, 403, 404):
            return f"{self.label} is not readable without signing in, or does not exist; publish it to the web as CSV"
        return None
