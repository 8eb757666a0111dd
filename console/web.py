"""What every page of the console shares: its state, templates, the form reader with its CSRF
check, and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

from console.companies import Company
from console.sessions import Session
from console.signing import Signer
from console.sync_now import SyncRunner
from reports.formatting import format_date
from reports.palette import PALETTE

__all__ = ["FORM_LIMIT", "ConsoleState", "author_of", "can_edit", "company_of", "read_form", "render", "require_ops", "session_of", "state_of", "stylesheet_text"]

FORM_LIMIT = 64 * 1024
"""The largest form body read: a check-in or a mapping is a few hundred bytes."""

_environment = Environment(
    # The console's own templates first; the report's partials and stylesheet are shared with it.
    loader=ChoiceLoader([PackageLoader("console", "templates"), PackageLoader("reports", "templates")]),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_environment.globals["palette"] = PALETTE
# Days and moments read as in the report ("15 Nov 2026", "15 Nov 2026, 03:12 UTC"), not in ISO.
_environment.filters["date"] = format_date


@dataclass
class ConsoleState:
    companies: list[Company]
    signer: Signer
    clock: Callable[[], datetime]
    """Now, as an aware datetime: the wall clock, or a test's."""
    secure_cookies: bool
    sync: SyncRunner

    @property
    def several(self) -> bool:
        return len(self.companies) > 1


def state_of(request: Request) -> ConsoleState:
    return request.app.state.console


def session_of(request: Request) -> Session:
    return request.state.session


def company_of(request: Request, slug: str) -> Company:
    """The company of the URL, which the visitor may see (ops of it, or an owner ``people:`` knows); 404 otherwise,
    so a visitor cannot tell the companies of others from ones that do not exist."""
    session = session_of(request)
    for company in state_of(request).companies:
        if company.slug == slug and (slug in session.ops_of or company.owner_names(session.email)):
            return company
    raise HTTPException(404, "no such company")


def require_ops(request: Request, company: Company) -> None:
    if company.slug not in session_of(request).ops_of:
        raise HTTPException(403, "only ops may do this; sign in with the admin token")


def can_edit(session: Session, company: Company, owner: str | None) -> bool:
    """Ops of the company may check in and update anything; an owner only what ``owner`` names them for."""
    return company.slug in session.ops_of or (owner is not None and owner in company.owner_names(session.email))


def author_of(session: Session, company: Company) -> str:
    """Who a check-in or an update is recorded as: the owner's name (their address when ``people:`` gives several), else ops."""
    names = sorted(company.owner_names(session.email))
    if len(names) == 1:
        return names[0]
    if names:
        return session.email or names[0]
    return "ops (console)"


async def read_form(request: Request) -> dict[str, str]:
    """The posted form (urlencoded, at most ``FORM_LIMIT`` bytes), its CSRF token checked against the session's: 403 otherwise."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "post the form as application/x-www-form-urlencoded")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > FORM_LIMIT:
            raise HTTPException(413, f"the form is larger than {FORM_LIMIT // 1024} KB")
    try:
        fields = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=50))
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "the form is not readable") from None
    if not session_of(request).csrf_matches(fields.pop("csrf", None)):
        raise HTTPException(403, "the form's CSRF token is missing or stale; reload the page and send it again")
    return fields


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    state, session = state_of(request), session_of(request)
    html = _environment.get_template(template).render(request=request, session=session, csrf=session.csrf, several=state.several, **context)
    return HTMLResponse(html, status_code=status_code)


def stylesheet_text() -> str:
    """The console's stylesheet (the report's, the portfolio table's and its own), served as ``/console.css``."""
    return _environment.get_template("console.css.j2").render()
