"""Shared fixtures: database backends, a demo-shaped config, a sandbox, Prefect."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, inspect, text

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# Property tests check math, not speed: a slow CI machine must not fail them.
settings.register_profile("okr", deadline=None)
settings.load_profile("okr")

POSTGRES_ENV = "OKR_TEST_DATABASE_URL"


def _reset_postgres(url: str) -> None:
    """Drop every table so each test starts from an empty database."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for table in inspect(connection).get_table_names():
                connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    except Exception as error:  # a clear message beats a wall of driver errors
        raise RuntimeError(
            f"{POSTGRES_ENV}={url!r} is not reachable: {error}. Start PostgreSQL "
            "(pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
            f"or set {POSTGRES_ENV}= (empty) to test on SQLite only."
        ) from None
    finally:
        engine.dispose()


def _database_of_this_worker() -> None:
    """Under pytest-xdist, each worker tests on a PostgreSQL database of its own (``test_gw0``, ...),
    created when missing: tests empty their database first, which must not empty another's."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get(POSTGRES_ENV)
    if not worker or not url or url.rsplit("/", 1)[1].endswith(f"_{worker}"):
        return
    own = f"{url.rsplit('/', 1)[1]}_{worker}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own}) is None:
                connection.execute(text(f'CREATE DATABASE "{own}"'))
    finally:
        engine.dispose()
    os.environ[POSTGRES_ENV] = f"{url.rsplit('/', 1)[0]}/{own}"


_database_of_this_worker()


def database_backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(POSTGRES_ENV) else ["sqlite"]


@pytest.fixture(params=database_backends())
def database_url(request, tmp_path: Path) -> str:
    """An empty database: SQLite in a temp folder, and PostgreSQL when configured."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'okr.db'}"
    url = os.environ[POSTGRES_ENV]
    _reset_postgres(url)
    return url


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for every test that runs a flow (it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    import flows  # noqa: F401  (sets the quiet Prefect defaults before Prefect is imported)

    with prefect_test_harness(server_startup_timeout=120):
        yield


DEMO_AS_OF_TIMEZONE = "Europe/Berlin"


@pytest.fixture(scope="session")
def sandbox():
    """The demo-sized sandbox, seeded for a fixed day, shared by the flow and CLI tests."""
    from datetime import date

    from connectors.sandbox import SandboxServer, generate_dataset

    dataset = generate_dataset(date(2026, 11, 27), timezone=DEMO_AS_OF_TIMEZONE)
    with SandboxServer(dataset) as server:
        yield server


@pytest.fixture
def demo_config(tmp_path: Path, sandbox, database_url, monkeypatch) -> Path:
    """The demo okrs.yaml pointed at the shared sandbox and an empty database."""
    from datetime import date

    from flows.demo import DEMO_TOKEN_ENV, render_demo_config

    path = tmp_path / "okrs.yaml"
    path.write_text(render_demo_config(date(2026, 11, 27), sandbox.base_url))
    monkeypatch.setenv(DEMO_TOKEN_ENV, sandbox.token)
    monkeypatch.setenv("OKR_DATABASE_URL", database_url)
    sandbox.reset_calls()
    return path
