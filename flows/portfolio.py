"""Many companies in one go: ``okr sync --all DIR`` and the portfolio page.

Every company config in a folder (an agency's repository of client configs) is synced
in its own flow run, so one company's broken token, config or database never stops
another's; the portfolio page then lists every company, broken ones included.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from connectors import load_config
from flows.archive import archive_folder, archived_day
from flows.pipeline import SyncSummary
from okrmodel.config import Config
from okrmodel.config_errors import ConfigError
from okrmodel.storage import SyncLocked
from reports.portfolio import PortfolioCompany, render_portfolio

__all__ = ["CompanySync", "company_configs", "portfolio_page", "sync_companies", "write_portfolio"]

# Files in a config folder that are not company configs: Prefect's deployment file.
_NOT_COMPANY_CONFIGS = frozenset({"prefect.yaml", "prefect.yml"})


class NoCompanyConfigs(Exception):
    """The folder holds no ``*.yaml`` company config."""


@dataclass
class CompanySync:
    """How one company's sync went: its summary, or why it could not run at all."""

    config_path: Path
    config: Config | None = None
    summary: SyncSummary | None = None
    error: str | None = None
    """Why there is no summary: the config's error, or what stopped the run."""

    @property
    def company(self) -> str:
        return self.config.company if self.config is not None else self.config_path.stem

    @property
    def status(self) -> str:
        if self.summary is not None:
            return self.summary.status
        return "config not valid" if self.config is None else "failed"

    @property
    def succeeded(self) -> bool:
        return self.summary is not None and not self.summary.incomplete


def company_configs(folder: Path) -> list[Path]:
    """The company configs in ``folder``: every ``*.yaml`` / ``*.yml`` file but Prefect's, sorted."""
    if not folder.is_dir():
        raise NoCompanyConfigs(f"{folder}: not a folder")
    paths = sorted(
        path for path in folder.iterdir()
        if path.suffix in (".yaml", ".yml") and path.is_file() and not path.name.startswith(".") and path.name not in _NOT_COMPANY_CONFIGS
    )
    if not paths:
        raise NoCompanyConfigs(f"{folder}: no company configs (*.yaml) in it")
    return paths


def sync_companies(paths: list[Path], sync: Callable[[Path], SyncSummary], *, parallel: int = 4) -> list[CompanySync]:
    """Run ``sync`` for every config, ``parallel`` at a time, each failure kept to its company.

    Each company reads its own portal with its own rate limiter, so companies run side by
    side; a config that does not load is reported without running.
    """
    def one(path: Path) -> CompanySync:
        try:
            config = load_config(path)
        except ConfigError as error:
            return CompanySync(path, error=str(error).splitlines()[0] + _more_problems(error))
        try:
            return CompanySync(path, config, summary=sync(path))
        except SyncLocked as locked:
            return CompanySync(path, config, error=f"{locked}: not synced this time")
        except Exception as error:  # one company's crash must not stop the others
            return CompanySync(path, config, error=f"{type(error).__name__}: {error}")

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="okr-company") as pool:
        # Each company runs in a copy of the caller's context: Prefect's settings (the API to
        # talk to) live in context variables, which a pool's threads do not inherit.
        futures = [pool.submit(contextvars.copy_context().run, one, path) for path in paths]
        return [future.result() for future in futures]


def _more_problems(error: ConfigError) -> str:
    extra = len(str(error).splitlines()) - 1
    return f" (and {extra} more: okr validate -c FILE)" if extra > 0 else ""


def portfolio_page(folder: Path) -> Path:
    """Where ``okr sync --all`` writes the portfolio: beside the companies' report archives."""
    return folder / ".okr" / "reports" / "portfolio.html"


def write_portfolio(page: Path, syncs: list[CompanySync]) -> Path:
    """Render the portfolio of ``syncs`` into ``page``; returns its absolute path."""
    page.parent.mkdir(parents=True, exist_ok=True)
    rows = [_row(page, sync) for sync in syncs]
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page.write_text(render_portfolio(rows, generated), encoding="utf-8")
    return page.resolve()


def _problem(summary: SyncSummary) -> str | None:
    """What went wrong, with the first failure's reason: "7 metrics failed" alone sends ops digging."""
    problems = summary.problems()
    if problems and summary.failed:
        reason = summary.failed[0].error or ""
        problems += f" ({summary.failed[0].metric}: {reason[:160] + '…' if len(reason) > 160 else reason})"
    return problems


def _row(page: Path, sync: CompanySync) -> PortfolioCompany:
    """Only the report this run wrote: an older one would pass for today's."""
    summary = sync.summary
    archived = archived_day(archive_folder(sync.config), summary.as_of) if sync.config is not None and summary is not None else None
    problem = sync.error or (_problem(summary) if summary is not None else None)
    if archived is None:
        return PortfolioCompany(sync.company, sync.config_path.name, None, None, "", 0, None, sync.status, problem or "no report was written")
    link = Path(os.path.relpath(archived.path, page.parent)).as_posix()
    return PortfolioCompany(
        sync.company, sync.config_path.name, summary.as_of, archived.overall, archived.summary, archived.attention, link, sync.status, problem
    )
