"""What can go wrong when reading a source, sorted by what to do about it.

- ``SourceConfigurationError``: a person must fix something (token, scopes,
  a property name). Retrying will not help. ``MappingError`` is the case
  where a value in ``okrs.yaml`` names something the source does not have:
  it carries that value's location, so the message points at the line.
- ``RetriableSourceError``: the source was busy or unreachable and our own
  retries ran out; the next run will likely succeed.
- ``FatalSourceError``: the source answered something we do not understand.

Messages carry the source's correlation id where it sent one, so support can
find the request, and never carry a credential.
"""

from __future__ import annotations

__all__ = ["FatalSourceError", "MappingError", "RetriableSourceError", "SourceConfigurationError", "SourceError"]


class SourceError(Exception):
    """Base class: reading ``source`` failed."""

    def __init__(self, source: str, message: str, *, status: int | None = None, correlation_id: str | None = None):
        self.source = source
        self.message = message
        self.status = status
        self.correlation_id = correlation_id
        detail = f" (HTTP {status}" if status else ""
        if correlation_id:
            detail += f", correlationId {correlation_id}" if detail else f" (correlationId {correlation_id}"
        detail += ")" if detail else ""
        super().__init__(f"{source}: {message}{detail}")

    def __reduce__(self):
        # Copies and pickles (Prefect keeps a failed task's exception) must
        # rebuild through __init__, whose keyword arguments args alone lose.
        return _rebuild, (type(self), self.source, self.message, self.status, self.correlation_id)


def _rebuild(cls: type[SourceError], source: str, message: str, status: int | None, correlation_id: str | None) -> SourceError:
    return cls(source, message, status=status, correlation_id=correlation_id)


class SourceConfigurationError(SourceError):
    """Fix the configuration or credentials; retrying will not help."""


class RetriableSourceError(SourceError):
    """Temporary failure (rate limit, server error, timeout) that outlasted our retries."""


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
        return MappingError, (self.source, self.metric, self.field, self.message)
