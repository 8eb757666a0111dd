"""Signing in and out: ops with the admin token, owners through a mailed link.

The token is compared in constant time with each served company's; ops are signed in to the
companies whose token it is. An owner enters their address and always reads the same answer,
known or not, so the page tells nobody who the owners are; the link goes out after the answer.
"""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import RedirectResponse, Response

from console.sessions import Session
from console.signin_mail import LinkRefused, link_token, mail_sign_in_link, read_link, spend_link
from console.web import read_form, render, session_of, state_of

__all__ = ["router"]

router = APIRouter()
MAX_EMAIL_LENGTH = 254
SENT = "If that address is known here, a sign-in link is on its way to it. It works once, for 30 minutes."


def local_page(wanted: object) -> str:
    """``wanted`` when it is a page of this console (a path such as ``/kr/leads``), else ``/``: a
    sign-in never sends anyone to another site (``//evil.example``, ``https://...``)."""
    if not isinstance(wanted, str) or not wanted.startswith("/") or wanted.startswith("//") or "\\" in wanted or not wanted.isprintable():
        return "/"
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or parts.path.startswith("/signin"):
        return "/"
    return wanted


@router.get("/signin")
def signin_page(request: Request, next: str = "/") -> Response:
    return render(request, "signin.html.j2", next_page=local_page(next))


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
    next_page = local_page(form.get("next"))
    if not matched:
        return render(request, "signin.html.j2", status_code=403, ops_error="That is not the admin token of any company served here.", next_page=next_page)
    request.state.session = session_of(request).as_ops(tuple(matched))
    return RedirectResponse(next_page, status_code=303)


@router.post("/signin/email")
async def signin_email(request: Request, background: BackgroundTasks) -> Response:
    form = await read_form(request)
    email = form.get("email", "").strip()[:MAX_EMAIL_LENGTH]
    next_page = local_page(form.get("next"))
    state = state_of(request)
    company = next((company for company in state.companies if company.owner_names(email)), None)
    if company is not None:
        token = link_token(state.signer, company, email, state.clock(), next_page)
        # Where owners reach the console (behind its proxy); without console: base_url, the address this request came to.
        base = company.config.console.base_url if company.config.console else str(request.base_url).rstrip("/")
        background.add_task(mail_sign_in_link, company, email, f"{base}/signin/link?token={token}")
    return render(request, "signin.html.j2", email_sent=SENT, next_page=next_page)


@router.get("/signin/link")
def signin_link_page(request: Request, token: str = "") -> Response:
    """Shows whose link it is and asks for a click: fetching the link (a mail scanner does) spends nothing."""
    state = state_of(request)
    try:
        payload = read_link(state.signer, token, state.clock())
    except LinkRefused as refused:
        return render(request, "signin.html.j2", status_code=400, link_error=str(refused), next_page="/")
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
        return render(request, "signin.html.j2", status_code=400, link_error=str(refused), next_page="/")
    request.state.session = session_of(request).as_owner(payload["email"])
    return RedirectResponse(local_page(payload.get("next")), status_code=303)


@router.post("/signout")
async def signout(request: Request) -> Response:
    await read_form(request)
    request.state.session = Session.anonymous()
    return RedirectResponse("/signin", status_code=303)
