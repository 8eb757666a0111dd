"""What can go wrong when reading a source, sorted by what to do about it.

- ``SourceConfigurationError``: a person must fix something (token, scopes,
  a property name). Retrying will not help. ``MappingError`` is the case
  where a value in ``okrs.yaml`` names something the source does not have:
  it carries that value's location, so the message points at the line.
- ``RetriableSourceError``: the source was busy or unreachable and our own
  retries ran out; the next run will likely succeed. ``QuotaExhaustedError``
  is the case where the source's quota is spent until a known time (HubSpot's
  daily limit): retrying within the run cannot help, so the run stops asking.
- ``FatalSourceError``: the source answered something we do not understand.

``is_transient`` is the one answer to "may a later attempt succeed?" (the
flow's task retries ask it): a ``RetriableSourceError`` other than a spent quota.

Messages carry the source's correlation id where it sent one, so support can
find the request, and never carry a credential. ``api_calls`` is how many
requests the failed read had sent (``transport.counting`` sets it), so a run's
record counts what the source counted, failed reads included.
"""

from __future__ import annotations

__all__ = [
    "FatalSourceError",
    "MappingError",
    "QuotaExhaustedError",
    "RetriableSourceError",
    "SourceConfigurationError",
    "SourceError",
    "is_transient",
]


class SourceError(Exception):
    """Base class: reading ``source`` failed."""

    def __init__(self, source: str, message: str, *, status: int | None = None, correlation_id: str | None = None, api_calls: int = 0):
        self.source = source
        self.message = message
        self.status = status
        self.correlation_id = correlation_id
        self.api_calls = api_calls
        detail = f" (HTTP {status}" if status else ""
        if correlation_id:
            detail += f", correlationId {correlation_id}" if detail else f" (correlationId {correlation_id}"
        detail += ")" if detail else ""
        super().__init__(f"{source}: {message}{detail}")

    def __reduce__(self):
        # Copies and pickles (Prefect keeps a failed task's exception) must
        # rebuild through __init__, whose keyword arguments args alone lose.
        return _rebuild, (type(self), self.source, self.message, self.status, self.correlation_id, self.api_calls)


def _rebuild(cls: type[SourceError], source: str, message: str, status: int | None, correlation_id: str | None, api_calls: int = 0) -> SourceError:
    return cls(source, message, status=status, correlation_id=correlation_id, api_calls=api_calls)


class SourceConfigurationError(SourceError):
    """Fix the configuration or credentials; retrying will not help."""


class RetriableSourceError(SourceError):
    """Temporary failure (rate limit, server error, timeout) that outlasted our retries."""


class QuotaExhaustedError(RetriableSourceError):
    """The source's quota is spent until a known time (HubSpot's daily limit, reset at midnight in
    the account's zone): no retry within the run can help, so the run stops asking that source."""


def is_transient(error: BaseException | object) -> bool:
    """Whether trying the read again later may succeed: the source was busy or unreachable past our own
    retries (rate limited, 5xx, a timeout, a dropped connection, an answer cut short). Not a spent quota
    (it comes back at a known time, not in minutes), nor anything a person must fix or we cannot read."""
    return isinstance(error, RetriableSourceError) and not isinstance(error, QuotaExhaustedError)


class FatalSourceError(SourceError):
    """The source answered in a way we cannot interpret."""


class MappingError(SourceConfigurationError):
    """A mapped value the source does not know (a stage, pipeline, option, campaign, metric name):
    ``field`` is where it sits under ``metrics.<metric>`` (``("dealstage",)``,
    ``("where", "hs_analytics_source")``), so it can be shown at its line in the file."""

    def __init__(self, source: str, metric: str, field: tuple[str | int, ...], message: str):
        self.metric = metric
        self.field = tuple(field)
        super().__init__(source, message)

    @property
    def location(self) -> tuple[str | int, ...]:
        """The value's location in ``okrs.yaml``."""
        return ("metrics", self.metric, *self.field)

    def __reduce__(self):
        return _rebuild_mapping, (self.source, self.metric, self.field, self.message, self.api_calls)


def _rebuild_mapping(source: str, metric: str, field: tuple[str | int, ...], message: str, api_calls: int = 0) -> MappingError:
    error = MappingError(source, metric, field, message)
    error.api_calls = api_calls
    return error
