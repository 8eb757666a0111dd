"""The overview: one company's live report (the report's own sections), or, with several
companies served, the portfolio of those the visitor may see, each linking to its overview."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from console.live import live_report, overall_status, today_of
from console.web import company_of, render, session_of, state_of
from reports.portfolio import PortfolioCompany, portfolio_context
from reports.view import build_view, status_summary

__all__ = ["router"]

router = APIRouter()


@router.get("/")
def home(request: Request) -> Response:
    state, session = state_of(request), session_of(request)
    visible = [company for company in state.companies if company.slug in session.ops_of or company.owner_names(session.email)]
    if len(visible) == 1:
        return RedirectResponse(f"/c/{visible[0].slug}/", status_code=303)
    now = state.clock()
    rows = []
    for company in visible:
        data = live_report(company, now)
        run = company.store.latest_run()
        rows.append(
            PortfolioCompany(
                company.config.company, company.path.name, today_of(company, now), overall_status(data), status_summary(data.status),
                len(data.attention), f"/c/{company.slug}/", run.status if run else "never synced", run.message if run and run.status != "succeeded" else None,
            )
        )
    return render(request, "companies.html.j2", **portfolio_context(rows, f"{now:%Y-%m-%d %H:%M} UTC"))


@router.get("/c/{slug}/")
def company_overview(request: Request, slug: str) -> Response:
    company = company_of(request, slug)
    view = build_view(live_report(company, state_of(request).clock()))
    return render(request, "overview.html.j2", company=company, view=view)
