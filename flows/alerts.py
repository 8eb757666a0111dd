"""Ops' alerts, sent by the nightly flow's state hooks (``alert_ops``).

The hooks run once a flow run has its final state, whatever ended it, and the flow body sends
no alert itself, so each failed or partial run gets exactly one message and the first success
after them one all-clear. A run that recorded itself is told from its store record (each
failed metric, the streak); one that could not (its config did not load, its database did not
open, its process was stopped first) from what Prefect knows: the flow run's name and its
state message, sent to the ``alerts:`` of the config's readable part. An alert that cannot be
sent is logged, scrubbed, and never raised: it must not change how the run ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from connectors import load_config
from connectors.transport.scrub import scrub
from flows.pipeline import SyncSummary, smtp_password
from flows.secret_blocks import secrets_named
from okrmodel.alerting import AllClear, FailureAlert, RunProblem, all_clear, failure_alert, unrecorded_failure_alert
from okrmodel.config import AlertRoute, Config, ConfigError, salvage_alert_route
from okrmodel.storage import Store
from reports import build_alert_email, build_alert_view, send_email

__all__ = ["FlowRunEnd", "alert_for", "alert_ops", "send_alert"]


@dataclass(frozen=True)
class FlowRunEnd:
    """How a flow run of the nightly sync ended, as its hooks see it (no Prefect types, so the
    decision is tested without Prefect)."""

    config_path: str
    flow_run_id: str
    flow_run_name: str | None
    outcome: str
    """completed, failed or crashed."""
    message: str | None
    """The final state's message: the run's summary line, or what stopped it."""
    result: Any
    """What the run returned or raised: its ``SyncSummary``, ``SyncIncomplete`` (carrying one), or the exception."""
    started_at: datetime


def alert_ops(flow: Any, flow_run: Any, state: Any) -> None:
    """The flow's ``on_completion``, ``on_failure`` and ``on_crashed`` hook: alert ops when the run
    did not succeed, or send the all-clear when it is the first success after runs that did not."""
    from prefect.logging.loggers import flow_run_logger

    logger = flow_run_logger(flow_run, flow)
    try:
        result = state.result(raise_on_failure=False)
    except Exception:  # a result Prefect no longer holds: the store still tells what happened
        result = None
    outcome = "completed" if state.is_completed() else "crashed" if state.is_crashed() else "failed"
    end = FlowRunEnd(
        config_path=str(flow_run.parameters.get("config_path", "")), flow_run_id=str(flow_run.id), flow_run_name=flow_run.name,
        outcome=outcome, message=state.message, result=result, started_at=flow_run.start_time or datetime.now(UTC),
    )
    try:
        decided = alert_for(end)
    except Exception as error:  # never out of a hook: the run's state stays as it ended
        logger.error("alert to ops not sent: %s", scrub(f"{type(error).__name__}: {error}"))
        return
    if decided is None:
        return
    route, alert = decided
    try:
        send_alert(route, alert)
    except Exception as error:
        logger.error("alert to %s not sent: %s", ", ".join(route.alerts.recipients), scrub(f"{error}", [route.email.password()]))
        return
    logger.info("alert sent to %s: %s", ", ".join(route.alerts.recipients), build_alert_view(alert).subject)


def alert_for(end: FlowRunEnd) -> tuple[AlertRoute, FailureAlert | AllClear] | None:
    """Whom to tell what about the run that ended as ``end`` says; None when nothing is to be
    said (no ``alerts:``, or a success after a success)."""
    try:
        config = load_config(end.config_path)
    except ConfigError as error:
        route = salvage_alert_route(end.config_path) if end.outcome != "completed" else None
        if route is None:
            return None
        problem = RunProblem("config did not load", str(error), f"Correct the file: `okr validate -c {end.config_path}` lists every problem at its line.")
        return route, unrecorded_failure_alert(route.company, None, started_at=end.started_at, problems=(problem,), crashed=end.outcome == "crashed", flow_run=end.flow_run_name)
    if config.alerts is None or config.email is None:
        return None
    route = AlertRoute(config.company, config.email, config.alerts)
    try:
        store = Store(config.storage_url())
    except (SQLAlchemyError, OSError) as error:
        if end.outcome == "completed":
            return None
        # SQLAlchemy appends its SQL and a help link to the driver's first line.
        why = (str(getattr(error, "orig", None) or error).strip().splitlines() or [type(error).__name__])[0]
        problem = RunProblem("database did not open", scrub(why), "Check database_url (or $OKR_DATABASE_URL) and that the database answers from where the sync runs.")
        return route, unrecorded_failure_alert(config.company, None, started_at=end.started_at, problems=(problem,), crashed=end.outcome == "crashed", flow_run=end.flow_run_name, report_url=config.report_url)
    with store:
        alert = _alert_from_store(config, store, end)
    return (route, alert) if alert is not None else None


def _alert_from_store(config: Config, store: Store, end: FlowRunEnd) -> FailureAlert | AllClear | None:
    run = store.run_of_flow(end.flow_run_id)
    if end.outcome == "completed":
        return all_clear(config, store, run, flow_run=end.flow_run_name) if run is not None else None
    # A failed run returns SyncIncomplete carrying its summary; anything else that ended it is the exception.
    summary = getattr(end.result, "summary", None)
    problems = _delivery_problems(summary) if isinstance(summary, SyncSummary) else (_stopped(end),)
    if run is None:
        return unrecorded_failure_alert(
            config.company, store, started_at=end.started_at, problems=problems, crashed=end.outcome == "crashed", flow_run=end.flow_run_name, report_url=config.report_url
        )
    return failure_alert(config, store, run, problems=problems, crashed=end.outcome == "crashed", flow_run=end.flow_run_name)


def _delivery_problems(summary: SyncSummary) -> tuple[RunProblem, ...]:
    problems = []
    if summary.report_error:
        problems.append(RunProblem("report not written", summary.report_error, "Make the archive folder writable where the sync runs; `okr report` renders it again from stored data."))
    if summary.email_error:
        problems.append(RunProblem("report not emailed", summary.email_error, "Check email: (SMTP host, login, password variable); `okr email` sends the report again from stored data."))
    problems += [
        RunProblem("digest not posted", error, "Check the webhook named under notify:; `okr notify` posts the digest again from stored data.")
        for error in summary.notify_errors
    ]
    return tuple(problems)


def _stopped(end: FlowRunEnd) -> RunProblem:
    """What ended a run that returned no summary, in Prefect's words (its state message), else the exception's."""
    raised = f"{type(end.result).__name__}: {end.result}" if isinstance(end.result, BaseException) else None
    why = scrub(end.message or raised or "no message")
    if end.outcome == "crashed":
        fix = "Check that the process running the sync (the worker or okr serve) still runs: it was stopped or died (a restart, a deploy, a shutdown, out of memory)."
        return RunProblem("run stopped", why, fix)
    return RunProblem("run failed", why, "Read the flow run's logs (named above) for the traceback.")


def send_alert(route: AlertRoute, alert: FailureAlert | AllClear) -> None:
    """Mail ``alert`` to the ``alerts:`` recipients over ``email:``'s SMTP (its password from its variable or
    its Secret block); raises ``EmailDeliveryError``."""
    secrets = secrets_named([route.email.password_block] if route.email.password_block else [])
    send_email(build_alert_email(build_alert_view(alert), route.email, route.alerts.recipients), route.email, smtp_password(route.email, secrets))
