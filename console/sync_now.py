""""Sync now": the company's deployment triggered when a Prefect server is configured and has
it, else the nightly flow run in this process, in the background.

Never two at once: a sync this console started and still runs is not started again, a run the
store records as running (from any process) is named instead, and the store's sync lock
refuses whatever slips between (the outcome says so). A sync started here reports on the company's today
(the console's clock) and mails and posts nothing: the night's run tells leadership; this one refreshes the numbers.
"""

from __future__ import annotations

import contextvars
import threading
from dataclasses import dataclass
from datetime import date, datetime

from console.companies import Company
from console.live import today_of
from okrmodel.run_log import recent_runs, utc_minute

__all__ = ["SyncOutcome", "SyncRunner"]

MANUAL_PARAMETERS = {"send_email": False, "send_notify": False}


@dataclass(frozen=True)
class SyncOutcome:
    started_at: datetime
    message: str
    finished: bool = False


class SyncRunner:
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self.outcomes: dict[str, SyncOutcome] = {}
        """The latest sync this console started, per company, with how it went."""

    def running_here(self, company: Company) -> bool:
        thread = self._threads.get(company.slug)
        return thread is not None and thread.is_alive()

    def start(self, company: Company, now: datetime) -> tuple[bool, str]:
        """Start a sync of ``company``; (False, why not) when one runs already."""
        with self._guard:
            if self.running_here(company):
                return False, f"A sync of {company.config.company} started from this console at {utc_minute(self.outcomes[company.slug].started_at)} is still running."
            running = [run for run in recent_runs(company.store, 5) if run.status == "running"]
            if running:
                run = running[0]
                where = f" on {run.host} (pid {run.pid})" if run.host else ""
                return False, f"Another sync of {company.config.company} is running{where} since {utc_minute(run.started_at)}; it was not started twice."
            as_of = today_of(company, now)
            triggered = _trigger_deployment(company, as_of)
            if triggered is not None:
                self.outcomes[company.slug] = SyncOutcome(now, triggered, finished=True)
                return True, triggered
            context = contextvars.copy_context()  # the caller's Prefect settings go with the thread
            thread = threading.Thread(target=context.run, args=(self._run_here, company, now, as_of), name=f"sync-{company.slug}", daemon=True)
            self.outcomes[company.slug] = SyncOutcome(now, "Sync started in the console's process.")
            self._threads[company.slug] = thread
            thread.start()
            return True, "Sync started in the console's process; this page shows its run once it has begun."

    def _run_here(self, company: Company, started_at: datetime, as_of: date) -> None:
        from flows.nightly import SyncIncomplete, nightly_sync
        from flows.prefect_api import prefect_api
        from okrmodel.storage import SyncLocked

        try:
            with prefect_api():
                summary = nightly_sync(str(company.path), as_of=as_of, **MANUAL_PARAMETERS)
            message = f"The sync started at {utc_minute(started_at)} {summary.status}."
        except SyncIncomplete as incomplete:
            message = f"The sync started at {utc_minute(started_at)} ended {incomplete.summary.status}: {incomplete.summary.problems()}"
        except SyncLocked as locked:
            message = f"The sync started at {utc_minute(started_at)} did nothing: {locked}."
        except Exception as error:  # a background thread has no one to raise to: the page shows it
            message = f"The sync started at {utc_minute(started_at)} failed: {_first_line(error)}"
        self.outcomes[company.slug] = SyncOutcome(started_at, message, finished=True)


def _trigger_deployment(company: Company, as_of: date) -> str | None:
    """Run the company's deployment on the configured Prefect server (a message), or None when
    no server is configured or it has no such deployment (then the sync runs here)."""
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return None
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    from flows.schedule import deployment_name

    full_name = f"okr-nightly-sync/{deployment_name(company.config)}"
    try:
        with get_client(sync_client=True) as client:
            client.read_deployment_by_name(full_name)
    except ObjectNotFound:
        return None
    flow_run = run_deployment(full_name, parameters={**MANUAL_PARAMETERS, "as_of": as_of.isoformat()}, timeout=0)
    return f"Triggered {full_name} on the Prefect server (flow run {flow_run.name}); a worker runs it, one at a time."


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
