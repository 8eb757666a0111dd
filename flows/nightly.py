"""The nightly Prefect flow: read every metric, store it, recompute, render the report."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from prefect import flow, get_run_logger, runtime, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact
from prefect.cache_policies import NONE
from prefect.states import Completed, Failed

from connectors import Connector, MetricReading, SourceError, load_config
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
from okrmodel.briefing import ReportData
from okrmodel.config import Config, MetricSettings
from okrmodel.fetch_plan import fetch_windows, incremental_windows
from okrmodel.periods import Window, today_in
from okrmodel.storage import Store

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


# Connectors hold sockets and locks: never hash them for Prefect's cache.
@task(cache_policy=NONE, task_run_name="read-{name}")
def read_metric(connector: Connector, name: str, spec: MetricSettings, window: Window, as_of: date) -> MetricReading:
    return connector.read(name, spec, window, as_of)


def publish_artifacts(config: Config, summary: SyncSummary, data: ReportData | None) -> None:
    """The run's markdown and report link in Prefect's UI, keyed per company."""
    slug = archive_folder(config).name
    create_markdown_artifact(markdown=run_markdown(summary, data), key=artifact_key("sync", slug), description=f"{config.company}: sync as of {summary.as_of}")
    if summary.report_path is not None:
        link = f"{config.report_url}/{summary.as_of.isoformat()}.html" if config.report_url else summary.report_path.as_uri()
        create_link_artifact(link=link, link_text=f"{config.company} report, {summary.as_of}", key=artifact_key("report", slug))


@flow(name="okr-nightly-sync", validate_parameters=False)
def nightly_sync(
    config_path: str,
    as_of: date | None = None,
    report_path: str | None = None,
    full_refresh: bool = False,
    send_email: bool = True,
    as_of_days_ago: int = 0,
    today: date | None = None,
    send_notify: bool = True,
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

    Raises ``SyncIncomplete`` (after storing, rendering, emailing and posting)
    when any metric failed or the report could not be written, emailed or posted.
    """
    logger = get_run_logger()
    config = load_config(config_path)
    today = today or today_in(config.zone)
    if as_of is not None and as_of > today:
        # A deployment's parameters reach here without the CLI's check: nothing is recorded.
        raise ValueError(f"as_of {as_of} is after today ({today} in {config.timezone}); a day that has not happened cannot be synced")
    present = today - timedelta(days=as_of_days_ago)
    as_of = as_of or present
    with Store(config.storage_url()) as store:
        store.claim(config.company)
        run_id = store.start_run(as_of, flow_run_id=str(runtime.flow_run.id))
        summary = SyncSummary(run_id=run_id, as_of=as_of)
        connectors, source_errors = open_connectors(config)
        try:
            # Only days not yet final are read again (metrics whose days are all final are
            # skipped), unless a full refresh asks for every day of every window.
            whole_windows = fetch_windows(config, as_of, today=present)
            windows = whole_windows if full_refresh else incremental_windows(config, as_of, store.stored_days, today=present)
            futures = {
                name: read_metric.submit(connectors[spec.source], name, spec, windows[name], as_of)
                for name, spec in config.metrics.items()
                if spec.source in connectors and name in windows
            }
            for name, spec in config.metrics.items():
                if name not in windows:
                    continue
                try:
                    if spec.source in source_errors:
                        raise source_errors[spec.source]
                    reading = futures[name].result()
                except Exception as error:  # one broken metric must not stop the others
                    failure = record_failure(store, run_id, name, spec.source, windows[name], failure_message(config, error))
                    logger.warning("metric %s failed: %s", name, failure.error)
                    summary.metrics.append(failure)
                    continue
                try:
                    warning, extra_calls = suspicious_zero(store, connectors[spec.source], spec, reading, whole_windows[name], as_of)
                except SourceError as error:  # the reading itself is good; only the second opinion is missing
                    warning, extra_calls = None, 0
                    logger.warning("metric %s: could not compare with its unfiltered query: %s", name, error)
                if warning:
                    logger.warning("metric %s: %s", name, warning)
                summary.metrics.append(record_reading(store, run_id, spec.source, reading, warning=warning, extra_calls=extra_calls))
            # The run is recorded before the report is built, so the report's data health sees it.
            summary.status = summary.final_status()
            store.finish_run(run_id, summary.status, message=summary.problems())
            data = publish_report(config, store, as_of, summary, report_path=Path(report_path) if report_path else None, send_email=send_email, send_notify=send_notify)
        except BaseException as error:
            store.finish_run(run_id, "failed", message=f"{type(error).__name__}: {error}")
            raise
        finally:
            for connector in connectors.values():
                connector.close()
        if summary.report_error or summary.email_error or summary.notify_errors:
            summary.status = summary.final_status()
            store.finish_run(run_id, summary.status, message=summary.problems())
    publish_artifacts(config, summary, data)
    if summary.incomplete:
        # A failed state carrying the exception: callers still get SyncIncomplete raised, and
        # Prefect shows the run's one-line summary rather than a traceback's first line.
        return Failed(message=summary_line(summary, data), data=SyncIncomplete(summary))
    return Completed(message=summary_line(summary, data), data=summary)
