"""Runs (ops): the recent sync runs with each metric's outcome, each source's freshness, and "sync now"."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from console.companies import Company
from console.live import today_of
from console.web import company_of, read_form, render, require_ops, state_of
from okrmodel.run_log import metric_freshness, recent_runs, sync_freshness, utc_minute

__all__ = ["router"]

router = APIRouter()
RUNS_SHOWN = 15


@router.get("/c/{slug}/runs")
def runs_page(request: Request, slug: str) -> Response:
    company = company_of(request, slug)
    require_ops(request, company)
    return _page(request, company)


@router.post("/c/{slug}/runs/sync")
async def sync_now(request: Request, slug: str) -> Response:
    company = company_of(request, slug)
    await read_form(request)
    require_ops(request, company)
    state = state_of(request)
    # Off the event loop: starting reads the store and may call the Prefect server (whose client runs its own loop).
    started, message = await run_in_threadpool(state.sync.start, company, state.clock())
    return _page(request, company, sync_message=message, sync_started=started, status_code=202 if started else 409)


def _page(request: Request, company: Company, *, sync_message: str | None = None, sync_started: bool = False, status_code: int = 200) -> Response:
    state = state_of(request)
    now = state.clock()
    runs = recent_runs(company.store, RUNS_SHOWN)
    fetches = {run.id: company.store.fetches(run.id) for run in runs}
    freshness = metric_freshness(company.config, company.store, today_of(company, now))
    sources: dict[str, list] = {}
    for row in freshness:
        sources.setdefault(row.source, []).append(row)
    return render(
        request, "runs.html.j2", status_code=status_code, company=company, runs=runs, fetches=fetches, sources=sources,
        sync=sync_freshness(company.config, company.store, now), sync_message=sync_message, sync_started=sync_started,
        outcome=state.sync.outcomes.get(company.slug), running_here=state.sync.running_here(company), utc_minute=utc_minute,
    )
