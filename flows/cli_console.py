"""``okr console``: serve the web console (``console/``) for one or several companies with uvicorn."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from flows.cli_common import DEFAULT_CONFIG, errors, fail, first_line, safe_url, say
from okrmodel.config import Config, ConfigError
from okrmodel.storage import DatabaseOfAnotherCompany, Store

__all__ = ["console", "secret_path"]

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class _HiddenTokens(logging.Filter):
    """Keeps the sign-in link's token out of uvicorn's access log (the path it logs holds the query)."""

    _TOKEN = re.compile(r"(token=)[^&\s\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(self._TOKEN.sub(r"\1[hidden]", arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


def secret_path(config_path: Path) -> Path:
    """Where the console keeps its session secret: ``.okr/console-secret`` beside the first config (mode 0600)."""
    return config_path.resolve().parent / ".okr" / "console-secret"


def _open_store(config: Config) -> Store:
    url = config.storage_url()
    try:
        store = Store(url)
    except (SQLAlchemyError, OSError, ImportError) as error:
        fail(f"cannot open the database {safe_url(url)}: {first_line(error)}")
    try:
        store.claim(config.company)
    except DatabaseOfAnotherCompany as error:
        store.close()
        fail(f"{config.file_name}: {safe_url(url)}: {error}")
    return store


def console(
    config_paths: Annotated[
        list[Path] | None,
        typer.Option("-c", "--config", envvar="OKR_CONFIG", show_default=False,
                     help="An OKR file; repeat to serve several companies (else $OKR_CONFIG, else ./okrs.yaml)."),
    ] = None,
    host: Annotated[str, typer.Option("--host", help="The address to listen on; keep 127.0.0.1 and put a TLS proxy in front (see the README).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="The port to listen on.")] = 8600,
    secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Mark cookies Secure (the browser reaches the console over https).")] = False,
    trusted_proxy: Annotated[
        str | None, typer.Option("--trusted-proxy", help="The TLS proxy's address, whose X-Forwarded-Proto and X-Forwarded-For are believed (cookies go Secure over https).", show_default=False)
    ] = None,
) -> None:
    """Serve the web console: the live report, key results with their history and check-in form,
    actions, runs with "sync now", and metrics with live previews, until stopped (Ctrl-C)."""
    import uvicorn

    from console import CompanyProblem, create_app, open_companies
    from console.signing import load_or_create_secret

    paths = config_paths or [DEFAULT_CONFIG]
    try:
        companies = open_companies(paths, _open_store)
    except ConfigError as error:
        fail(str(error))
    except CompanyProblem as problem:
        fail(str(problem))
    try:
        secret = load_or_create_secret(secret_path(paths[0]))
    except (OSError, ValueError) as error:
        fail(f"the console's secret: {error}")
    for company in companies:
        config = company.config
        for problem in company.credentials.problems:
            errors.print(f"warning: {problem}", markup=False, highlight=False, soft_wrap=True)
        if company.credentials.admin_token is None:
            where = f"${config.console.admin_token_env}, which is not set" if config.console and config.console.admin_token_env else "no console: admin_token_env"
            errors.print(f"warning: {config.file_name}: ops cannot sign in to {config.company}: {where}", markup=False, highlight=False, soft_wrap=True)
        if not config.people:
            errors.print(f"warning: {config.file_name}: owners cannot sign in to {config.company}: people: lists nobody's address", markup=False, highlight=False, soft_wrap=True)
    if host not in LOOPBACK and not (secure_cookies or trusted_proxy):
        errors.print(f"warning: listening on {host} without TLS: sign-in tokens and cookies cross the network in the clear; see the README for a TLS proxy", markup=False, highlight=False, soft_wrap=True)
    app = create_app(companies, secret=secret, clock=lambda: datetime.now(UTC), secure_cookies=secure_cookies)
    logging.getLogger("uvicorn.access").addFilter(_HiddenTokens())
    say(f"OKR console for {', '.join(company.config.company for company in companies)}: http://{host}:{port}/")
    try:
        uvicorn.run(app, host=host, port=port, proxy_headers=trusted_proxy is not None, forwarded_allow_ips=trusted_proxy, log_level="info")
    finally:
        for company in companies:
            company.close()
