"""``create_app``: the console as an ASGI application, its session middleware and error pages.

Every request gets a session (anonymous until sign-in) from its signed cookie; everything
but the sign-in pages needs a signed-in one. Responses carry headers that keep pages out of
frames and caches, scripts out entirely (the console has none), and the sign-in link's token
out of ``Referer``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from console import actions, auth, key_results, metrics, overview, runs
from console.companies import Company
from console.sessions import COOKIE, SESSION_LIFETIME, Session, read_session, session_cookie
from console.signing import Signer
from console.sync_now import SyncRunner
from console.web import ConsoleState, render, state_of, stylesheet_text

__all__ = ["create_app"]

PUBLIC_PATHS = ("/signin", "/console.css")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


STYLESHEET = stylesheet_text()


def create_app(companies: list[Company], *, secret: bytes, clock: Callable[[], datetime], secure_cookies: bool = False) -> FastAPI:
    """The console over ``companies`` (their stores open); ``clock`` gives now (aware), the wall clock's or a test's."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = ConsoleState(
        companies=companies, signer=Signer(secret), clock=clock, secure_cookies=secure_cookies, sync=SyncRunner(),
    )
    for module in (auth, overview, key_results, actions, runs, metrics):
        app.include_router(module.router)

    @app.middleware("http")
    async def sessions(request: Request, call_next) -> Response:
        state = state_of(request)
        now = state.clock()
        session = read_session(state.signer, request.cookies.get(COOKIE), now) or Session.anonymous()
        request.state.session = session
        public = request.url.path in PUBLIC_PATHS or request.url.path.startswith("/signin/")
        if not public and not session.signed_in:
            response: Response = (
                RedirectResponse(_signin_for(request), status_code=303) if request.method == "GET" else Response("sign in first", status_code=401, media_type="text/plain")
            )
        else:
            response = await call_next(request)
        kept = request.state.session  # a sign-in or sign-out replaced it
        if kept != session or request.cookies.get(COOKIE) is None or session.signed_in:
            # Signed-in sessions are renewed on each request, so they end after SESSION_LIFETIME of inactivity.
            response.set_cookie(
                COOKIE, session_cookie(state.signer, kept, now), max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True,
                samesite="lax", secure=state.secure_cookies or request.url.scheme == "https", path="/",
            )
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/console.css")
    def stylesheet() -> Response:
        return Response(STYLESHEET, media_type="text/css")

    @app.exception_handler(StarletteHTTPException)
    async def error_page(request: Request, error: HTTPException) -> Response:
        return render(request, "error.html.j2", status_code=error.status_code, status=error.status_code, message=str(error.detail))

    return app


def _signin_for(request: Request) -> str:
    """The sign-in page, remembering the page asked for (a reminder's link to a KR), which sign-in then opens."""
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/signin" if wanted == "/" else f"/signin?{urlencode({'next': wanted})}"
