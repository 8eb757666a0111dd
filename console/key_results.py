"""A key result's page: its figures and trend (the report's), every value it was given with
its provenance, and the check-in form for its owner (and ops).

A check-in is read as ``okr checkin`` reads one (``okrmodel.typed_input``), dated the
company's today, and stored beside synced values; a refused form comes back with what was
typed and each problem beside its field.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from console.companies import Company
from console.live import live_report, today_of
from console.web import author_of, can_edit, company_of, read_form, render, session_of, state_of
from okrmodel.history import HistoryEntry, key_result_history
from okrmodel.typed_input import InputProblem, read_line, read_number
from reports.view import KeyResultView, ObjectivesSection, ObjectiveView, build_view

__all__ = ["CheckinForm", "router"]

router = APIRouter()
NOTE_LIMIT = 1000


@dataclass(frozen=True)
class CheckinForm:
    """What was typed, and what is wrong with it, field by field."""

    value: str = ""
    note: str = ""
    confidence: str = ""
    errors: dict[str, str] | None = None


@router.get("/kr/{key_result_id}")
def key_result_anywhere(request: Request, key_result_id: str) -> Response:
    """The address reminders link to (``console.base_url``/kr/ID): the one company the visitor may see that has the KR."""
    session = session_of(request)
    owning = [
        company for company in state_of(request).companies
        if company.key_result(key_result_id) and (company.slug in session.ops_of or company.owner_names(session.email))
    ]
    if len(owning) != 1:
        raise HTTPException(404, "no such key result" if not owning else "several companies have this key result; open it from their overview")
    return RedirectResponse(f"/c/{owning[0].slug}/kr/{key_result_id}", status_code=303)


@router.get("/c/{slug}/kr/{key_result_id}")
def key_result_page(request: Request, slug: str, key_result_id: str, saved: str | None = None) -> Response:
    company = company_of(request, slug)
    return _page(request, company, key_result_id, CheckinForm(), saved=saved is not None)


@router.post("/c/{slug}/kr/{key_result_id}/checkin")
async def check_in(request: Request, slug: str, key_result_id: str) -> Response:
    form = await read_form(request)
    # The store is written and the page recomputed off the event loop, as FastAPI runs plain routes.
    return await run_in_threadpool(_check_in, request, slug, key_result_id, form)


def _check_in(request: Request, slug: str, key_result_id: str, form: dict[str, str]) -> Response:
    company = company_of(request, slug)
    key_result = company.key_result(key_result_id)
    if key_result is None:
        raise HTTPException(404, "no such key result")
    session = session_of(request)
    if not can_edit(session, company, company.owner_of(key_result_id)):
        raise HTTPException(403, "only this key result's owner (or ops) may check in on it")
    typed = CheckinForm(form.get("value", ""), form.get("note", ""), form.get("confidence", ""))
    errors: dict[str, str] = {}
    try:
        value = read_number(typed.value, "Value")
    except InputProblem as problem:
        errors["value"] = str(problem)
    try:
        note = read_line(typed.note.strip(), "Note", NOTE_LIMIT) or None
    except InputProblem as problem:
        errors["note"] = str(problem)
    confidence = None
    if typed.confidence.strip():
        if typed.confidence.strip() in {str(number) for number in range(1, 11)}:
            confidence = int(typed.confidence)
        else:
            errors["confidence"] = "Confidence: give a whole number from 1 (unlikely to reach the target) to 10 (certain), or leave it empty"
    if errors:
        return _page(request, company, key_result_id, CheckinForm(typed.value, typed.note, typed.confidence, errors), status_code=422)
    day = today_of(company, state_of(request).clock())
    company.store.add_checkin(key_result.id, day, value, author_of(session, company), note, confidence=confidence)
    return RedirectResponse(f"/c/{slug}/kr/{key_result_id}?saved", status_code=303)


def _page(request: Request, company: Company, key_result_id: str, form: CheckinForm, *, saved: bool = False, status_code: int = 200) -> Response:
    config = company.config
    found = company.key_result(key_result_id)
    if found is None:
        raise HTTPException(404, "no such key result")
    view = build_view(live_report(company, state_of(request).clock()))
    objective, kr_view = _views_of(view.sections, key_result_id)
    period = next(period for period in config.periods if period.label == config.key_result_period(found))
    history = list(reversed(key_result_history(company.store, found.id, found.metric, period.first_day, period.last_day)))
    return render(
        request, "kr_page.html.j2", status_code=status_code, company=company, view=view, objective=objective, kr=kr_view,
        key_result=found, owner=company.owner_of(key_result_id), history=history, form=form, saved=saved,
        may_check_in=can_edit(session_of(request), company, company.owner_of(key_result_id)),
        provenance=provenance,
    )


def _views_of(sections, key_result_id: str) -> tuple[ObjectiveView, KeyResultView]:
    """The report's view of the KR and its objective: the page shows the KR as the report does."""
    for section in sections:
        if isinstance(section, ObjectivesSection):
            for objective in section.objectives:
                for kr in objective.key_results:
                    if kr.id == key_result_id:
                        return objective, kr
    raise HTTPException(404, "this key result is not in the current period's report")


def provenance(entry: HistoryEntry) -> str:
    """Where a value came from, in words: ``hubspot:deals-created, revision 2`` or ``check-in by Maria``."""
    if entry.kind == "sync":
        return f"{entry.source}, revision {entry.revision}" + (" (superseded)" if entry.superseded else "")
    return f"check-in by {entry.author}" + (" (pinned)" if entry.pinned else "")
