"""Actions: each objective's actions with their status, and for their owner (and ops) the
buttons that mark one started or done, kept as an update with its author and time (the
store's ``record_action_update``), never by rewriting the file."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from console.live import today_of
from console.web import author_of, can_edit, company_of, read_form, render, session_of, state_of
from okrmodel.config import Action, ActionStatus
from okrmodel.storage.models import ActionUpdate

__all__ = ["ActionRow", "router"]

router = APIRouter()
@dataclass(frozen=True)
class ActionRow:
    id: str
    action: Action
    """As its newest update left it."""
    marked: ActionUpdate | None
    overdue: bool
    editable: bool


MARKS = {"in_progress": "Started", "done": "Done"}
"""What an owner may say of an action here; planning, blocking and dropping stay in the file."""


@router.get("/c/{slug}/actions")
def actions_page(request: Request, slug: str, saved: str | None = None) -> Response:
    company = company_of(request, slug)
    state, session = state_of(request), session_of(request)
    day = today_of(company, state.clock())
    updates = company.store.action_statuses()
    period = company.config.current_period(day)
    objectives = []
    for objective in company.config.objectives:
        rows = []
        for index, action in enumerate(objective.actions):
            if action not in company.config.actions_in(objective, period):
                continue
            action_id = objective.action_id(index)
            update = updates.get(action_id)
            current = action.model_copy(update={"status": ActionStatus(update.status)}) if update else action
            rows.append(ActionRow(action_id, current, update, current.is_overdue(day), can_edit(session, company, action.owner or objective.owner)))
        if rows:
            objectives.append((objective, rows))
    return render(request, "actions.html.j2", company=company, objectives=objectives, marks=MARKS, saved=saved is not None)


@router.post("/c/{slug}/actions")
async def mark_action(request: Request, slug: str) -> Response:
    form = await read_form(request)
    return await run_in_threadpool(_mark_action, request, slug, form)


def _mark_action(request: Request, slug: str, form: dict[str, str]) -> Response:
    company = company_of(request, slug)
    try:
        objective, action = company.config.action(form.get("action", ""))
    except KeyError:
        raise HTTPException(404, "no such action") from None
    session = session_of(request)
    if not can_edit(session, company, action.owner or objective.owner):
        raise HTTPException(403, "only this action's owner (or ops) may mark it")
    status = form.get("status", "")
    if status not in MARKS:
        raise HTTPException(400, f"status: give {' or '.join(MARKS)}")
    company.store.record_action_update(form["action"], status, author_of(session, company), at=state_of(request).clock())
    return RedirectResponse(f"/c/{slug}/actions?saved", status_code=303)
