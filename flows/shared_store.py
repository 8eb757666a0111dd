"""What a work pool asks of a company's store: one database every worker reaches, which is PostgreSQL.

Runs of a pool deployment land on whichever worker polls first, on any
machine. A SQLite file lives on one of them: the others would each start a
history of their own, and the per-company lock (a lock on that file) would
keep nothing apart. So ``okr deploy`` refuses such a config, and the flow
refuses to run one when its deployment says it comes from a pool
(``require_postgresql``), for deployments made by hand or with ``prefect deploy``.
"""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from okrmodel.config import DATABASE_URL_ENV, Config

__all__ = ["SharedStoreRequired", "shared_store_problem"]


class SharedStoreRequired(Exception):
    """The config's store is not one every worker of a pool reaches."""


def shared_store_problem(config: Config) -> str | None:
    """Why ``config``'s store cannot serve runs from a work pool, in one line naming the file; None when it can."""
    url = config.storage_url()
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        backend = "an unparseable URL"
    if backend == "postgresql":
        return None
    # A SQLite URL is a path, never a password: it may be shown.
    where = f"SQLite ({url})" if backend == "sqlite" else backend
    unset = f" and leave {DATABASE_URL_ENV} unset" if os.environ.get(DATABASE_URL_ENV) else ""
    return (
        f"{config.file_name}: deployed to a work pool, the store must be PostgreSQL, one database every worker reaches, "
        f"not {where}: set database_url: postgresql+psycopg://USER@HOST/DATABASE in the file{unset} "
        "(the password in ~/.pgpass or PGPASSWORD on each worker)"
    )
