"""``okr deploy``: the nightly sync as one deployment per company on a Prefect work pool, run by workers anywhere.

A worker (``prefect worker start --pool NAME``) runs on any machine where
this package is installed, so a deployment ships no code: its entrypoint is
the module path ``flows.nightly.nightly_sync`` (Prefect's
``EntrypointType.MODULE_PATH``). What each company adds is its config, which
reaches the worker through the deployment's pull step, run before each flow run:

- with a ``ConfigsRepository`` (``--configs-repo``), a ``git_clone`` of the
  agency's repository of client configs (Prefect's ``GitRepository``
  storage); ``config_path`` is the file's path from the repository's root, and
  the clone is the run's working directory. Deploying clones it once too, so
  that the configs checked (and refused) are the ones the workers will run;
- without one, a ``set_working_directory`` to the folder the config is in
  (Prefect's ``LocalStorage``), with its absolute path as ``config_path``: the
  folder must exist at that path on every worker (a shared mount).

The schedule, name, tags and concurrency limit are ``okr serve``'s
(``flows.schedule.nightly_options``). A pool's runs land on any of its
workers, so each company's store must be PostgreSQL (``flows.shared_store``),
checked here and again by the flow (``require_postgresql``). Nothing secret is
put in a deployment: parameters name the config, job variables stay empty,
and a repository URL carrying a password or token is refused; tokens live in
each worker's environment.
"""

from __future__ import annotations

import asyncio
import shlex
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from urllib.parse import urlsplit
from uuid import UUID

from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.runner.storage import GitRepository, LocalStorage, RunnerStorage
from prefect.schedules import Cron

from connectors import load_config, parse_config
from flows.nightly import nightly_sync
from flows.schedule import NIGHTLY_PARAMETERS, nightly_options
from flows.shared_store import shared_store_problem
from okrmodel.config import Config, ConfigError

__all__ = ["ConfigsRepository", "DeployProblem", "PoolDeployment", "deploy_to_pool", "plan_pool_deployments", "worker_command"]


class DeployProblem(Exception):
    """Why nothing was deployed, in one line; ``exit_code`` 2 for a bad input, 1 for a server that did not answer."""

    def __init__(self, message: str, exit_code: int = 2):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class ConfigsRepository:
    """The agency's git repository of client configs, cloned by each worker before each run (``branch``: its default)."""

    url: str
    branch: str | None = None

    def __str__(self) -> str:
        return f"{self.url} (branch {self.branch})" if self.branch else self.url

    def storage(self) -> GitRepository:
        return GitRepository(url=self.url, branch=self.branch)


@dataclass(frozen=True)
class PoolDeployment:
    """One company's deployment, its zone, and where its workers read its config from (``where``, for people)."""

    company: str
    timezone: str
    deployment: RunnerDeployment
    where: str

    @property
    def full_name(self) -> str:
        """``flow/deployment``, as ``prefect deployment run`` takes it."""
        return f"{self.deployment.flow_name}/{self.deployment.name}"


def plan_pool_deployments(config_paths: Sequence[Path], *, pool: str, cron: str, repository: ConfigsRepository | None = None) -> list[PoolDeployment]:
    """One deployment per config on work pool ``pool``, each checked; raise ``DeployProblem`` at the first
    problem (a bad cron or URL, a config that does not load, is not in the repository, shares a name or a
    database with another, or whose store is not PostgreSQL), having registered nothing."""
    try:
        Cron(cron, timezone="UTC")
    except ValueError as error:
        raise DeployProblem(f"--cron: {cron!r} is not a cron expression ({error})") from None
    with _configs(config_paths, repository) as configs:
        plans: list[PoolDeployment] = []
        databases: dict[str, str] = {}
        for config, config_path, storage, where in configs:
            if problem := shared_store_problem(config):
                raise DeployProblem(problem)
            deployment = _pool_deployment(config, config_path, cron, pool, storage)
            if any(plan.deployment.name == deployment.name for plan in plans):
                raise DeployProblem(f"{config.file_name}: another config already deploys {deployment.name!r}; give each company its own name")
            # Rows carry no company: two companies in one database would mix their metrics.
            if config.storage_url() in databases:
                raise DeployProblem(
                    f"{config.file_name}: shares its database with {databases[config.storage_url()]}; give each company its own database_url (and leave OKR_DATABASE_URL unset)"
                )
            databases[config.storage_url()] = config.file_name
            plans.append(PoolDeployment(config.company, config.timezone, deployment, where))
    return plans


def deploy_to_pool(plans: Sequence[PoolDeployment], pool: str) -> list[UUID]:
    """Register (or update) each deployment on the Prefect server of ``PREFECT_API_URL``, once the pool is
    known to exist there; raise ``DeployProblem`` without registering any when it is not."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL

    api_url = PREFECT_API_URL.value()
    if not api_url:
        raise DeployProblem("okr deploy registers deployments on the Prefect server the workers poll: set PREFECT_API_URL (such as http://prefect.internal:4200/api)")
    try:
        with get_client(sync_client=True) as client:
            client.read_work_pool(pool)
    except ObjectNotFound:
        raise DeployProblem(f"--pool: there is no work pool {pool!r} on {api_url}; create it: prefect work-pool create {shlex.quote(pool)} --type process") from None
    except Exception as error:  # the server's address or the network: say which server, not a traceback
        raise DeployProblem(f"the Prefect server at {api_url} did not answer ({type(error).__name__}); is it running (prefect server start)?", exit_code=1) from None
    return [plan.deployment.apply(work_pool_name=pool) for plan in plans]


def worker_command(pool: str) -> str:
    """The command that runs ``pool``'s flow runs on a machine."""
    return f"prefect worker start --pool {shlex.quote(pool)}"


def _pool_deployment(config: Config, config_path: str, cron: str, pool: str, storage: RunnerStorage) -> RunnerDeployment:
    deployment = nightly_sync.to_deployment(
        parameters={"config_path": config_path, **NIGHTLY_PARAMETERS, "require_postgresql": True},
        entrypoint_type=EntrypointType.MODULE_PATH,
        work_pool_name=pool,
        **nightly_options(config, cron),
    )
    deployment.storage = storage
    return deployment


class _CompanyConfig(NamedTuple):
    """A config as the workers will read it, the ``config_path`` its runs get, its pull step's storage, and where it is (for people)."""

    config: Config
    config_path: str
    storage: RunnerStorage
    where: str


@contextmanager
def _configs(config_paths: Sequence[Path], repository: ConfigsRepository | None) -> Iterator[list[_CompanyConfig]]:
    """Each config of ``config_paths``, read where the workers will read it."""
    if repository is None:
        yield [_local_config(path) for path in config_paths]
        return
    _refuse_credentials(repository.url)
    for path in config_paths:
        _repository_path(path)
    with _cloned(repository) as clone:
        yield [_repository_config(clone, path, repository) for path in config_paths]


def _local_config(path: Path) -> _CompanyConfig:
    try:
        config = load_config(path)
    except ConfigError as error:
        raise DeployProblem(str(error)) from None
    folder = path.resolve().parent
    return _CompanyConfig(config, str(path.resolve()), LocalStorage(str(folder)), f"{path.resolve()} (this folder must exist at this path on every worker)")


def _repository_config(clone: Path, path: Path, repository: ConfigsRepository) -> _CompanyConfig:
    relative = _repository_path(path)
    file = clone.joinpath(*relative.parts)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DeployProblem(f"{relative}: not in {repository}; with --configs-repo, -c names a file by its path from the repository's root") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DeployProblem(f"{relative}: cannot read it in {repository}: {error}") from None
    try:
        config = parse_config(text, name=str(relative), base_dir=file.parent)
    except ConfigError as error:
        raise DeployProblem(f"{error} (in {repository})") from None
    return _CompanyConfig(config, str(relative), repository.storage(), f"{relative} in {repository}")


def _repository_path(path: Path) -> PurePosixPath:
    relative = PurePosixPath(path.as_posix())
    if relative.is_absolute() or ".." in relative.parts:
        raise DeployProblem(f"-c {path}: with --configs-repo, name the file by its path from the repository's root (such as clients/acme.yaml)")
    return relative


def _refuse_credentials(url: str) -> None:
    """A deployment's pull step is shown to anyone who reads the deployment: no secret goes in its URL."""
    parts = urlsplit(url)
    # ssh://git@host/... names the SSH user, no secret; over http(s) any user part is a token's place.
    if parts.password or (parts.scheme in ("http", "https") and parts.username):
        raise DeployProblem(
            "--configs-repo: the URL carries a user or token, which every reader of the deployment would see; "
            "use an SSH URL with a deploy key on each worker, or a git credential helper there"
        )


@contextmanager
def _cloned(repository: ConfigsRepository) -> Iterator[Path]:
    """A clone of ``repository`` made as the workers' pull step makes it, removed afterwards."""
    storage = repository.storage()
    with tempfile.TemporaryDirectory(prefix="okr-deploy-") as folder:
        storage.set_base_path(Path(folder))
        try:
            asyncio.run(storage.pull_code())
        except Exception as error:  # git's own words, which name the URL (free of credentials: refused above)
            raise DeployProblem(f"--configs-repo: cannot clone {repository} from here: {error}") from None
        yield storage.destination
