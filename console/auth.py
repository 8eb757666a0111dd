"""Signing in and out: ops with the admin token, owners through a mailed link.

The token is compared in constant time with each served company's; ops are signed in to the
companies whose token it is. An owner enters their address and always reads the same answer,
known or not, so the page tells nobody who the owners are; the link goes out after the answer.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response

from console.sessions import Session
from console.signin_mail import LinkRefused, link_token, mail_sign_in_link, read_link, spend_link
from console.web import read_form, render, session_of, state_of

__all__ = ["router"]

router = APIRouter()
MAX_EMAIL_LENGTH = 254
SENT = "If that address is known here, a sign-in link is on its way to it. It works once, for 30 minutes."


@router.get("/signin")
def signin_page(request: Request) -> Response:
    return render(request, "signin.html.j2")


@router.post("/signin/ops")
async def signin_ops(request: Request) -> Response:
    form = await read_form(request)
    given = form.get("token", "").strip().encode()
    matched = []
    for company in state_of(request).companies:
        token = company.credentials.admin_token
        # Every company is compared, matched or not, so the time taken says nothing about which.
        if token is not None and hmac.compare_digest(given, token.get_secret_value().encode()) and given:
            matched.append(company.slug)
    if not matched:
        return render(request, "signin.html.j2", status_code=403, ops_error="That is not the admin token of any company served here.")
    request.state.session = session_of(request).as_ops(tuple(matched))
    return RedirectResponse("/", status_code=303)


@router.post("/signin/email")
async def signin_email(request: Request, background: BackgroundTasks) -> Response:
    form = await read_form(request)
    email = form.get("email", "").strip()[:MAX_EMAIL_LENGTH]
    state = state_of(request)
    company = next((company for company in state.companies if company.owner_names(email)), None)
    if company is not None:
        token = link_token(state.signer, company, email, state.clock())
        # Where owners reach the console (behind its proxy); without console: base_url, the address this request came to.
        base = company.config.console.base_url if company.config.console else str(request.base_url).rstrip("/")
        background.add_task(mail_sign_in_link, company, email, f"{base}/signin/link?token={token}")
    return render(request, "signin.html.j2", email_sent=SENT)


@router.get("/signin/link")
def signin_link_page(request: Request, token: str = "") -> Response:
    """Shows whose link it is and asks for a click: fetching the link (a mail scanner does) spends nothing."""
    state = state_of(request)
    try:
        payload = read_link(state.signer, token, state.clock())
    except LinkRefused as refused:
        return render(request, "signin.html.j2", status_code=400, link_error=str(refused))
    return render(request, "signin_link.html.j2", token=token, email=payload["email"])


@router.post("/signin/link")
async def signin_link(request: Request) -> Response:
    form = await read_form(request)
    state = state_of(request)
    now = state.clock()
    try:
        payload = read_link(state.signer, form.get("token", ""), now)
        company = next((company for company in state.companies if company.slug == payload["company"]), None)
        if company is None or not company.owner_names(payload["email"]):
            raise LinkRefused("This sign-in link is for an address no longer known here.")
        spend_link(company, payload, now)
    except LinkRefused as refused:
        return render(request, "signin.html.j2", status_code=400, link_error=str(refused))
    request.state.session = session_of(request).as_owner(payload["email"])
    return RedirectResponse("/", status_code=303)


@router.post("/signout")
async def signout(request: Request) -> Response:
    await read_form(request)
    request.state.session = Session.anonymous()
    return RedirectResponse("/signin", status_code=303)
