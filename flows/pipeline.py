"""The steps of a sync as plain functions: plan, read, save, evaluate, render.

The Prefect flow in ``flows.nightly`` only schedules these; they run and are
tested without Prefect.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from connectors import Connector, MappingError, MetricReading, RunServices, SourceError, connector_for
from connectors.hubspot.rate_limit import SharedPortalLimits
from connectors.transport.counting import counted_requests
from flows.archive import archive_folder, previous_report_day, write_to_archive
from flows.reconcile import Reconciliation
from flows.secret_blocks import SecretBlocks, UnreadableSecretBlock, unreadable_source_secret
from okrmodel.briefing import ReportData, build_report_data
from okrmodel.config import Config, EmailSettings, MetricNature, MetricSettings, SlackDestination, TeamsDestination
from okrmodel.periods import Window
from okrmodel.storage import Store
from reports import EmailDeliveryError, build_status_email, post_digest, render_report, send_email, write_html

__all__ = [
    "MetricOutcome",
    "OpenedSources",
    "SyncSummary",
    "email_report",
    "failure_message",
    "local_servers_down",
    "notify_report",
    "open_connectors",
    "publish_report",
    "record_failure",
    "record_reading",
    "smtp_password",
    "suspicious_zero",
]


@dataclass(frozen=True)
class MetricOutcome:
    metric: str
    source: str
    status: str
    """succeeded or failed."""
    first_day: date | None = None
    last_day: date | None = None
    api_calls: int = 0
    values_added: int = 0
    error: str | None = None
    warning: str | None = None
    """Read fine but doubtful (see ``suspicious_zero``)."""
    reconciliation: Reconciliation | None = None
    """How the stored past days were checked against the source (see ``flows.reconcile``), if they were."""
    days_corrected: int = 0
    """Past days whose stored value the reconciliation changed (new revisions, counted in ``values_added``)."""

    @property
    def warnings(self) -> list[str]:
        """The doubtful zero, and a reconciliation that failed: what the run records as the metric's warning."""
        return [text for text in (self.warning, self.reconciliation.warning if self.reconciliation else None) if text]


@dataclass
class SyncSummary:
    run_id: str
    as_of: date
    status: str = "running"
    metrics: list[MetricOutcome] = field(default_factory=list)
    report_path: Path | None = None
    report_error: str | None = None
    emailed_to: list[str] = field(default_factory=list)
    email_error: str | None = None
    notified: list[str] = field(default_factory=list)
    """The ``notify:`` destinations that got the digest: ``Slack ($SLACK_OKR_WEBHOOK)``."""
    notify_errors: list[str] = field(default_factory=list)
    """One line per destination that did not: ``Teams ($TEAMS_OKR_WEBHOOK): Teams answered 404 ...`` (never a URL)."""
    reminded: list[str] = field(default_factory=list)
    """The owners' reminders and escalations this run sent (``reminder to Lee <lee@acme.example>``)."""
    reminder_errors: list[str] = field(default_factory=list)
    """One line per reminder not sent; kept in the run's message, never making the run partial: the data is fine."""

    @property
    def failed(self) -> list[MetricOutcome]:
        return [outcome for outcome in self.metrics if outcome.status == "failed"]

    @property
    def warned(self) -> list[MetricOutcome]:
        return [outcome for outcome in self.metrics if outcome.warnings]

    @property
    def reconciled(self) -> list[MetricOutcome]:
        """Metrics whose stored past days were checked against their source tonight."""
        return [outcome for outcome in self.metrics if outcome.reconciliation is not None and outcome.reconciliation.error is None]

    @property
    def api_calls(self) -> int:
        return sum(outcome.api_calls for outcome in self.metrics)

    @property
    def incomplete(self) -> bool:
        """Some metric failed, or the report could not be written, emailed or posted to a chat."""
        return bool(self.failed) or self.report_error is not None or self.email_error is not None or bool(self.notify_errors)

    def final_status(self) -> str:
        if self.failed and len(self.failed) == len(self.metrics):
            return "failed"
        return "partial" if self.incomplete else "succeeded"

    def problems(self) -> str | None:
        """One line on what went wrong, for the run record; None when nothing did."""
        parts = [f"{_metrics(len(self.failed))} failed"] if self.failed else []
        zeros = [outcome for outcome in self.metrics if outcome.warning]
        if zeros:
            parts.append(f"{_metrics(len(zeros))} read 0 over the whole window (check the mapping)")
        unchecked = [outcome for outcome in self.metrics if outcome.reconciliation is not None and outcome.reconciliation.error]
        if unchecked:
            parts.append(f"past days of {_metrics(len(unchecked))} not checked against the source (see the warnings)")
        if self.report_error:
            parts.append(f"report not written: {self.report_error}")
        if self.email_error:
            parts.append(f"report not emailed: {self.email_error}")
        parts += [f"digest not posted to {error}" for error in self.notify_errors]
        parts += [f"not sent: {error}" for error in self.reminder_errors]
        return "; ".join(parts) or None

    def reconciliation_note(self) -> str | None:
        """What reconciling past days did, in one line (None when no metric needed it): the calls it
        took and the days it corrected, per metric."""
        checked = self.reconciled
        if not checked:
            return None
        calls = sum(outcome.reconciliation.api_calls for outcome in checked if outcome.reconciliation)
        text = f"past days of {_metrics(len(checked))} checked against the source in {calls} API call{'s' if calls != 1 else ''}"
        corrected = [outcome for outcome in checked if outcome.days_corrected]
        if not corrected:
            return f"{text}: nothing to correct"
        days = sum(outcome.days_corrected for outcome in corrected)
        return f"{text}: {days} day{'s' if days != 1 else ''} corrected ({', '.join(f'{outcome.metric} {outcome.days_corrected}' for outcome in corrected)})"

    def run_message(self) -> str | None:
        """The run record's message: what went wrong, then what reconciliation did."""
        return "; ".join(part for part in (self.problems(), self.reconciliation_note()) if part) or None


@dataclass
class OpenedSources:
    """The run's connectors, the sources that could not be opened (their metrics fail with the
    error), and the calls opening each took (a HubSpot portal's id, when its limits are shared):
    the source counted them, so the run's record must, with the source's first metric recorded."""

    connectors: dict[str, Connector]
    errors: dict[str, SourceError]
    opening_calls: dict[str, int]

    def take_opening_calls(self, source: str) -> int:
        """The calls opening ``source`` took, once: the first outcome of the source recorded carries them."""
        return self.opening_calls.pop(source, 0)

    def close(self) -> None:
        for connector in self.connectors.values():
            connector.close()


def open_connectors(
    config: Config, sources: Iterable[str] | None = None, *, secrets: SecretBlocks | None = None, portal_limits: SharedPortalLimits | None = None
) -> OpenedSources:
    """One connector per source that some metric reads (or per name in ``sources``), with the
    run's ``secrets`` (``flows.secret_blocks.config_secrets``) and, for HubSpot, the ``portal_limits``
    shared with other processes (``flows.portal_limits.shared_portal_limits``; None: this process's
    limiter alone). A source that cannot be opened (missing token, a Secret block that cannot be
    read, ...) is returned as an error instead, so its metrics fail while the others still run."""
    secrets = secrets or SecretBlocks()
    services = RunServices(secrets.values, portal_limits)
    opened = OpenedSources({}, {}, {})
    wanted = sorted(set(sources) if sources is not None else {metric.source for metric in config.metrics.values()})
    for name in wanted:
        unreadable = unreadable_source_secret(config, name, secrets)
        if unreadable is not None:
            opened.errors[name] = unreadable
            continue
        own_metrics = {metric: spec for metric, spec in config.metrics.items() if spec.source == name}
        try:
            with counted_requests() as sent:
                opened.connectors[name] = connector_for(name, config.sources[name], own_metrics, base_dir=config.base_dir, services=services)
        except SourceError as error:
            error.api_calls = 0  # counted once, in opening_calls, though every metric of the source fails with it
            opened.errors[name] = error
        if sent.value:
            opened.opening_calls[name] = sent.value
    return opened


def _metrics(count: int) -> str:
    return f"{count} metric{'s' if count != 1 else ''}"


def local_servers_down(config: Config) -> list[str]:
    """For each source served from this machine (``base_url`` on 127.0.0.1, localhost or ::1,
    such as the demo's sandbox) where nothing listens, what to do: retrying a refused local
    connection for half a minute would only delay the same answer."""
    problems = []
    for name, settings in config.sources.items():
        url = urlsplit(getattr(settings, "base_url", "") or "")
        if url.hostname not in ("127.0.0.1", "localhost", "::1"):
            continue
        try:
            socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)), timeout=2).close()
        except ConnectionRefusedError:
            problems.append(
                f"{name}: nothing listens at {settings.base_url}; if it is the demo's sandbox, start it with `okr sandbox` "
                "(or run `okr demo` again)"
            )
        except OSError:
            continue  # a timeout or an unusual error: let the sync's own retries and messages handle it
    return problems


def record_reading(
    store: Store,
    run_id: str,
    source: str,
    reading: MetricReading,
    *,
    warning: str | None = None,
    extra_calls: int = 0,
    error: str | None = None,
    reconciliation: Reconciliation | None = None,
) -> MetricOutcome:
    """Store a successful reading (only changed values are appended), then the corrections of its
    ``reconciliation`` (see ``flows.reconcile``; as new revisions), and the outcome. ``extra_calls``
    were spent beside it (checking it, see ``suspicious_zero``; its window totals), and the
    reconciliation's calls count too. ``error`` is a part of the metric's read that failed though
    the values were read (a window total): they are stored, and the outcome is failed with it.
    ``first_day`` and ``last_day`` are the reading's: the days the night read."""
    saved = store.save_observations(run_id, reading.metric, source, reading.values, reading.records)
    corrected = 0
    if reconciliation:
        corrected = store.save_observations(run_id, reading.metric, source, reconciliation.corrections, reconciliation.record_corrections).added
    outcome = MetricOutcome(
        metric=reading.metric, source=source, status="failed" if error else "succeeded", first_day=min(reading.values, default=None),
        last_day=max(reading.values, default=None), api_calls=reading.api_calls + extra_calls + (reconciliation.api_calls if reconciliation else 0),
        values_added=saved.added + corrected, error=error, warning=warning, reconciliation=reconciliation, days_corrected=corrected,
    )
    _record(store, run_id, outcome)
    return outcome


def failure_message(config: Config, error: BaseException) -> str:
    """What went wrong, in one line: a mapped value the source does not know is located in the
    file (``okrs.yaml: metrics.won.dealstage: ... (line 14)``) so ops can go straight to it."""
    if isinstance(error, MappingError | UnreadableSecretBlock):
        return config.locate(error.location, error.message)
    return str(error) if isinstance(error, SourceError) else f"{type(error).__name__}: {error}"


def suspicious_zero(
    store: Store, connector: Connector, spec: MetricSettings, reading: MetricReading, window: Window, as_of: date
) -> tuple[str | None, int]:
    """A warning when ``reading``'s metric reads 0 over its whole ``window`` (this night's values
    and the stored ones for the other days) while the same query without its filters does
    not, and the calls that took.

    A filter that matches nothing (a value that exists but is the wrong one) passes every
    check and reads as a real zero; the unfiltered query is read only in that case, so a
    healthy night costs nothing extra.
    """
    unfiltered = spec.unfiltered()
    if unfiltered is None:
        return None, 0
    total = sum(reading.values.values())
    if spec.nature is MetricNature.FLOW:
        total += sum(stored.value for stored in store.daily_values(reading.metric, window.first_day, window.last_day) if stored.day not in reading.values)
    if total != 0:
        return None, 0
    unfiltered_reading = connector.read(reading.metric, unfiltered, window, as_of)
    unfiltered_total = sum(unfiltered_reading.values.values())
    if unfiltered_total == 0:
        return None, unfiltered_reading.api_calls
    span = f"{window.first_day} to {window.last_day}" if spec.nature is MetricNature.FLOW else f"as of {as_of}"
    message = f"0 over the whole window ({span}) while the same query without its filters reads {unfiltered_total:,.10g}: check the mapping"
    return message, unfiltered_reading.api_calls


def record_failure(store: Store, run_id: str, metric: str, source: str, window: Window, message: str, api_calls: int = 0) -> MetricOutcome:
    """Record a failed metric (``message`` as ``failure_message`` words it); its previously stored values stay untouched."""
    outcome = MetricOutcome(
        metric=metric, source=source, status="failed", first_day=window.first_day, last_day=window.last_day,
        api_calls=api_calls, error=message,
    )
    _record(store, run_id, outcome)
    return outcome


def _record(store: Store, run_id: str, outcome: MetricOutcome) -> None:
    store.record_fetch(
        run_id, outcome.metric, outcome.source, status=outcome.status, first_day=outcome.first_day,
        last_day=outcome.last_day, api_calls=outcome.api_calls, values_added=outcome.values_added, error=outcome.error,
        warning="; ".join(outcome.warnings) or None,
    )


def publish_report(
    config: Config,
    store: Store,
    as_of: date,
    summary: SyncSummary,
    *,
    report_path: Path | None,
    send_email: bool,
    send_notify: bool = True,
    secrets: SecretBlocks | None = None,
) -> ReportData:
    """Render the report into the company's archive (and ``report_path``), email it, and post
    the digest to each ``notify:`` destination (with the run's ``secrets``: the SMTP password's and
    webhooks' Secret blocks); failures to write or send are kept in ``summary``, never raised: the data is stored."""
    folder = archive_folder(config)
    data = build_report_data(config, store, as_of, compare_to=previous_report_day(folder, as_of))
    html = render_report(data)
    try:
        summary.report_path = write_to_archive(folder, data, html)
        if report_path is not None:
            summary.report_path = write_html(html, report_path)
    except OSError as error:
        summary.report_error = f"cannot write {error.filename or folder}: {error.strerror or error}"
    secrets = secrets or SecretBlocks()
    if send_email and config.email is not None:
        summary.emailed_to, summary.email_error = email_report(config.email, data, secrets)
    if send_notify and config.notify:
        summary.notified, summary.notify_errors = notify_report(config.notify, data, secrets)
    return data


def email_report(settings: EmailSettings, data: ReportData, secrets: SecretBlocks) -> tuple[list[str], str | None]:
    """Email the report (the password from ``password_env`` or its Secret block in ``secrets``); returns
    the recipients, or the delivery error (never raised: the run's data is stored either way)."""
    try:
        send_email(build_status_email(data, settings), settings, smtp_password(settings, secrets))
    except EmailDeliveryError as error:
        return [], str(error)
    return list(settings.recipients), None


def smtp_password(settings: EmailSettings, secrets: SecretBlocks) -> SecretStr | None:
    """The SMTP password, from its variable or its Secret block; ``EmailDeliveryError`` when the block could not be read."""
    if settings.password_block is not None and settings.password_block in secrets.problems:
        raise EmailDeliveryError(f"the SMTP password: {secrets.problems[settings.password_block]}")
    return settings.password(blocks=secrets.values)


def notify_report(destinations: list[SlackDestination | TeamsDestination], data: ReportData, secrets: SecretBlocks) -> tuple[list[str], list[str]]:
    """Post the digest to every destination (the webhook URLs from their variables or their Secret
    blocks in ``secrets``); returns those that got it, and one line per one that did not (never raised:
    the run's data is stored either way, and one failing channel does not keep the others from their digest)."""
    unreadable = secrets.problems
    readable = [destination for destination in destinations if destination.webhook_block not in unreadable]
    deliveries = post_digest(readable, data, blocks=secrets.values)
    failures = [f"{destination.label}: {unreadable[destination.webhook_block]}" for destination in destinations if destination.webhook_block in unreadable]
    return [delivery.destination for delivery in deliveries if delivery.delivered], failures + [str(delivery) for delivery in deliveries if not delivery.delivered]
