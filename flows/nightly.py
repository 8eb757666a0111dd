"""The nightly Prefect flow: read every metric (and the window totals of unique counts), store it, recompute, render the report.

One sync of a company runs at a time, whoever starts it (``okr sync``, a
deployment): the flow holds the company's lock in the store for the whole
run (``okrmodel.storage.company_lock``). A second one ends at once as
Cancelled, naming the run that holds it, or with ``wait_for_lock`` waits its
turn. Holding the lock, the flow marks abandoned the runs a dead process left
``running``. A run stopped by SIGTERM or SIGINT is recorded as interrupted.
Reads that fail because the source was only busy are retried as tasks
(``flows.retries``). From a work pool (``require_postgresql``), the store
must be PostgreSQL (``flows.shared_store``).
"""

from __future__ import annotations

import signal
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.exceptions import TerminationSignal
from prefect.states import Cancelled, Completed, Failed

from connectors import Connector, MetricReading, SourceError, WindowTotal, load_config
from connectors.transport.scrub import scrub
from flows.alerts import alert_ops
from flows.archive import archive_folder
from flows.artifacts import artifact_key, run_markdown, summary_line
from flows.pipeline import (
    SyncSummary,
    failure_message,
    open_connectors,
    publish_report,
    record_failure,
    record_reading,
    suspicious_zero,
)
from flows.portal_limits import shared_portal_limits
from flows.reconcile import needs_reconciliation, reconcile_reading
from flows.reminders import RemindersOutcome, remind_owners
from flows.retries import SOURCE_RETRIES, Attempts, retry_delays, stop_retrying
from flows.secret_blocks import SecretBlocks, config_secrets
from flows.shared_store import SharedStoreRequired, shared_store_problem
from flows.signals import received_signal
from flows.window_totals import TotalsReading, plan_window_totals, read_window_totals, save_window_totals
from okrmodel.briefing import ReportData
from okrmodel.config import Config, MetricSettings
from okrmodel.fetch_plan import fetch_windows, incremental_windows
from okrmodel.periods import Window
from okrmodel.storage import Store, SyncLocked, abandon_left_runs, company_lock

__all__ = ["SyncIncomplete", "nightly_sync"]


class SyncIncomplete(Exception):
    """Some metrics could not be read, or the report could not be emailed; the
    run is marked failed in Prefect. The summary says what, and the report was
    still rendered from what is stored."""

    def __init__(self, summary: SyncSummary):
        self.summary = summary
        details = [f"{outcome.metric} ({outcome.error})" for outcome in summary.failed]
        if summary.report_error:
            details.append(f"report ({summary.report_error})")
        if summary.email_error:
            details.append(f"email ({summary.email_error})")
        details += [f"digest ({error})" for error in summary.notify_errors]
        super().__init__(f"sync incomplete: {', '.join(details)}")


# Connectors hold sockets and locks: never hash them for Prefect's cache. A read the source
# was too busy for is tried again (flows.retries); ``attempts`` counts every try's requests.
@task(cache_policy=NONE, task_run_name="read-{name}", **SOURCE_RETRIES)
def read_metric(connector: Connector, name: str, spec: MetricSettings, window: Window, as_of: date, attempts: Attempts) -> MetricReading:
    return attempts.run(lambda: connector.read(name, spec, window, as_of))


@task(cache_policy=NONE, task_run_name="total-{name}-{window.first_day}", **SOURCE_RETRIES)
def read_total(connector: Connector, name: str, spec: MetricSettings, window: Window, as_of: date, attempts: Attempts) -> WindowTotal:
    return attempts.run(lambda: connector.read_total(name, spec, window, as_of))


@task(cache_policy=NONE, task_run_name="remind-owners")
def remind_task(config: Config, store: Store, now: datetime, as_of: date, secrets: SecretBlocks) -> RemindersOutcome:
    return remind_owners(config, store, now, as_of, secrets)


def send_reminders(config: Config, store: Store, now: datetime, summary: SyncSummary, secrets: SecretBlocks) -> None:
    """The owners' reminders due at ``now`` (``flows.reminders``), kept in ``summary``; whatever goes
    wrong is a warning and a line in the run's message, never the sync's failure."""
    logger = get_run_logger()
    try:
        outcome = remind_task(config, store, now, summary.as_of, secrets)
    except Exception as error:  # the data is stored and the report sent: a reminder's bug must not undo that
        summary.reminder_errors.append(f"reminders: {scrub(f'{type(error).__name__}: {error}')}")
        logger.warning("reminders not sent: %s", summary.reminder_errors[-1])
        return
    summary.reminded, summary.reminder_errors = outcome.sent, outcome.errors
    for line in outcome.sent:
        logger.info("sent the %s %s", outcome.day, line)
    for line in outcome.errors:
        logger.warning("not sent: %s", line)
    for owner in outcome.unreachable:
        logger.warning("%s has something due but no address in people: of %s", owner, config.file_name)


def publish_artifacts(config: Config, summary: SyncSummary, data: ReportData | None) -> None:
    """The run's markdown and report link in Prefect's UI, keyed per company."""
    slug = archive_folder(config).name
    create_markdown_artifact(markdown=run_markdown(summary, data), key=artifact_key("sync", slug), description=f"{config.company}: sync as of {summary.as_of}")
    if summary.report_path is not None:
        link = f"{config.report_url}/{summary.as_of.isoformat()}.html" if config.report_url else summary.report_path.as_uri()
        create_link_artifact(link=link, link_text=f"{config.company} report, {summary.as_of}", key=artifact_key("report", slug))


# Alerts go out from the hooks alone, once the run's final state is known: one per failed or
# partial run (both end Failed), one when it crashed, one all-clear after; never from the body.
@flow(name="okr-nightly-sync", on_completion=[alert_ops], on_failure=[alert_ops], on_crashed=[alert_ops])
def nightly_sync(
    config_path: str,
    as_of: date | None = None,
    report_path: str | None = None,
    full_refresh: bool = False,
    send_email: bool = True,
    as_of_days_ago: int = 0,
    today: date | None = None,
    send_notify: bool = True,
    wait_for_lock: bool = False,
    require_postgresql: bool = False,
    now: datetime | None = None,
) -> SyncSummary:
    """Read every metric of ``config_path`` as of ``as_of``, store what changed,
    render the status report and, when the config has ``email:`` (and
    ``send_email``), email it to leadership, and when it has ``notify:`` (and
    ``send_notify``), post the digest to each of its chat channels.

    Without ``as_of`` the run reports on ``today`` minus ``as_of_days_ago``:
    the nightly schedule passes 1, so a run shortly after midnight reports on
    the day that just closed rather than on three hours of a new one, and the
    snapshots it takes stand for that day's close. ``today`` is the day the
    run takes place in the config's zone (default: the clock's); snapshots are
    only read for it (a count taken now is no value for a past day).

    ``require_postgresql`` (set by ``okr deploy`` for a work pool's runs, which
    may land on any worker) refuses a store that is not PostgreSQL.

    With ``reminders:`` (and ``send_email``), the run then mails the owners' reminders whose
    moment came less than a day before ``now`` (default: the clock's; ``today`` follows it),
    once: a re-run finds them sent. A reminder not sent is a warning, never the run's failure.

    Raises ``SyncIncomplete`` (after storing, rendering, emailing and posting)
    when any metric failed or the report could not be written, emailed or posted,
    ``SyncLocked`` (the run ends Cancelled, having done nothing) when another
    sync of the company holds its lock, unless ``wait_for_lock``, and
    ``SharedStoreRequired`` (having done nothing) for a store a pool cannot share.
    """
    logger = get_run_logger()
    config = load_config(config_path)
    if require_postgresql and (problem := shared_store_problem(config)):
        raise SharedStoreRequired(problem)
    delays = retry_delays()
    read_task, total_task = read_metric.with_options(retry_delay_seconds=delays), read_total.with_options(retry_delay_seconds=delays)
    now = now or datetime.now(UTC)
    today = today or now.astimezone(config.zone).date()
    if as_of is not None and as_of > today:
        # A deployment's parameters reach here without the CLI's check: nothing is recorded.
        raise ValueError(f"as_of {as_of} is after today ({today} in {config.timezone}); a day that has not happened cannot be synced")
    present = today - timedelta(days=as_of_days_ago)
    as_of = as_of or present
    with Store(config.storage_url()) as store, ExitStack() as lock:
        store.claim(config.company)
        try:
            lock.enter_context(company_lock(store, config.company, wait=wait_for_lock, on_wait=lambda held: logger.info("%s: waiting for it to finish", held)))
        except SyncLocked as locked:
            return Cancelled(message=str(locked), data=locked)
        for left in abandon_left_runs(store):
            logger.warning("run %s (started %s UTC) was left running by a process that is gone: marked abandoned", left.id, f"{left.started_at:%Y-%m-%d %H:%M}")
        run_id = store.start_run(as_of, flow_run_id=str(runtime.flow_run.id))
        summary = SyncSummary(run_id=run_id, as_of=as_of)
        # Every Secret block the config names, read once for the run; values never leave this process.
        secrets = config_secrets(config)
        opened = open_connectors(config, secrets=secrets, portal_limits=shared_portal_limits())
        connectors, source_errors = opened.connectors, opened.errors
        try:
            # Only days not yet final are read again (metrics whose days are all final are
            # skipped), unless a full refresh asks for every day of every window.
            whole_windows = fetch_windows(config, as_of, today=present)
            windows = whole_windows if full_refresh else incremental_windows(config, as_of, store.stored_days, today=present)
            # Unique counts (visitors, users): one total per metric and open window, beside the days.
            total_windows = plan_window_totals(config, store, as_of, full_refresh=full_refresh)
            futures = {
                name: read_task.submit(connectors[spec.source], name, spec, windows[name], as_of, Attempts())
                for name, spec in config.metrics.items()
                if spec.source in connectors and name in windows
            }
            total_futures = {
                name: {window: total_task.submit(connectors[spec.source], name, spec, window, as_of, Attempts()) for window in total_windows[name]}
                for name, spec in config.metrics.items()
                if spec.source in connectors and name in total_windows
            }
            for name, spec in config.metrics.items():
                if name not in windows and name not in total_windows:
                    continue
                totals = (
                    read_window_totals(config, name, total_windows[name], lambda window, name=name: total_futures[name][window].result())
                    if name in total_futures else TotalsReading(name)
                )
                save_window_totals(store, run_id, spec.source, totals)
                try:
                    if spec.source in source_errors:
                        raise source_errors[spec.source]
                    reading = futures[name].result() if name in futures else MetricReading(name, {}, 0)
                except Exception as error:  # one broken metric must not stop the others
                    if received_signal() is not None:
                        raise  # but a signal does, whatever error a library made of it
                    # What the failed read sent counts too: the source counted it.
                    sent = (error.api_calls if isinstance(error, SourceError) else 0) + opened.take_opening_calls(spec.source)
                    window = windows.get(name) or total_windows[name][0]
                    failure = record_failure(store, run_id, name, spec.source, window, failure_message(config, error), api_calls=sent + totals.api_calls)
                    logger.warning("metric %s failed: %s", name, failure.error)
                    summary.metrics.append(failure)
                    continue
                warning, extra_calls = None, 0
                try:
                    if name in windows:
                        warning, extra_calls = suspicious_zero(store, connectors[spec.source], spec, reading, whole_windows[name], as_of)
                except SourceError as error:  # the reading itself is good; only the second opinion is missing
                    warning, extra_calls = None, error.api_calls
                    logger.warning("metric %s: could not compare with its unfiltered query: %s", name, error)
                if warning:
                    logger.warning("metric %s: %s", name, warning)
                if totals.error:
                    logger.warning("metric %s: %s", name, totals.error)
                # Past days the night did not read are checked against the source; a failed check is a warning.
                reconciliation = None
                if name in windows and needs_reconciliation(spec, windows[name], whole_windows[name]):
                    reconciliation = reconcile_reading(store, connectors[spec.source], spec, reading, whole_windows[name], as_of)
                    if reconciliation.warning:
                        logger.warning("metric %s: %s", name, reconciliation.warning)
                summary.metrics.append(
                    record_reading(
                        store, run_id, spec.source, reading, warning=warning,
                        extra_calls=extra_calls + totals.api_calls + opened.take_opening_calls(spec.source),
                        error=totals.error, reconciliation=reconciliation,
                    )
                )
            # The run is recorded before the report is built, so the report's data health sees it.
            summary.status = summary.final_status()
            store.finish_run(run_id, summary.status, message=summary.run_message())
            data = publish_report(
                config, store, as_of, summary, report_path=Path(report_path) if report_path else None, send_email=send_email, send_notify=send_notify,
                secrets=secrets,
            )
            if send_email:
                send_reminders(config, store, now, summary, secrets)
        except BaseException as error:
            stop_retrying(runtime.flow_run.id)  # the reads failing as we close must not wait to be retried
            store.finish_run(run_id, *_unfinished(error))
            raise
        finally:
            opened.close()
        if summary.report_error or summary.email_error or summary.notify_errors or summary.reminder_errors:
            summary.status = summary.final_status()
            store.finish_run(run_id, summary.status, message=summary.run_message())
    publish_artifacts(config, summary, data)
    if summary.incomplete:
        # A failed state carrying the exception: callers still get SyncIncomplete raised, and
        # Prefect shows the run's one-line summary rather than a traceback's first line.
        return Failed(message=summary_line(summary, data), data=SyncIncomplete(summary))
    return Completed(message=summary_line(summary, data), data=summary)


def _unfinished(error: BaseException) -> tuple[str, str]:
    """The status and message of a run ``error`` stopped: ``interrupted`` by SIGTERM or SIGINT (Prefect's
    ``TerminationSignal``, ``KeyboardInterrupt`` or a subclass carrying ``signal``, or any error once
    ``okr sync`` got a signal: a library may have turned it into its own), else ``failed``."""
    if isinstance(error, KeyboardInterrupt | TerminationSignal):
        number = getattr(error, "signal", signal.SIGINT)
    elif (number := received_signal()) is None:
        return "failed", f"{type(error).__name__}: {error}"
    return "interrupted", f"stopped by {signal.Signals(number).name} before it finished; the values read until then are stored"
