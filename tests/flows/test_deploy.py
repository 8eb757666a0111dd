"""``okr deploy`` to a work pool, run by a real process worker of a real Prefect server.

One ``prefect server start`` (its own SQLite database under tmp; its scheduler
service off, so that the only runs are the ones a test triggers, whatever the
time of day) and one ``prefect worker start --pool ... --type process``, both
subprocesses for the whole session, polling as often as Prefect allows. The
configs reach the worker from a local bare git repository (``file://``), as an
agency's repository of client configs would; the store is the PostgreSQL test
database; the portal is a sandbox in this process, its token only in the
worker's environment. A scripted fault holds one search until the test
releases it, so a run is known to be mid-read when the test looks: no sleeps
decide anything, no timed assertions.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from connectors.sandbox import Fault, SandboxServer, generate_dataset
from flows.cli import app
from flows.demo import DEMO_TOKEN_ENV, render_demo_config
from okrmodel.storage import Store
from tests.smtp import free_port

needs_postgresql = pytest.mark.skipif(not os.environ.get("OKR_TEST_DATABASE_URL"), reason="a work pool's store is PostgreSQL: set OKR_TEST_DATABASE_URL")

AS_OF = date(2026, 11, 27)
ZONE = ZoneInfo("Europe/Berlin")
POOL = "okr-test-pool"
BIN = Path(sys.executable).parent
PATIENCE = 300.0
"""A bound on waiting for a subprocess to reach a point, so a broken run fails the test instead of hanging it."""
DEPLOYMENT = "okr-nightly-sync/okr-nightly-acme-cloud"
CONFIG_IN_REPO = "clients/acme-cloud.yaml"  # prefect.yaml's example
DAILY_TRAFFIC = "/analytics/v2/reports/totals/daily"
CLIENT_TRIES = 1 + 5
"""A read's first try and the HubSpot client's own urllib3 retries (``default_retry``: total 5)."""


@dataclass(frozen=True)
class Started:
    """A subprocess of the session and the file its output goes to."""

    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text()[-4000:]


def wait_for(what: str, check, started: Started):
    """``check()``'s first truthy value, polled until ``PATIENCE`` runs out or ``started`` exits (the test then
    fails saying ``what``, with the subprocess's last output)."""
    deadline = time.monotonic() + PATIENCE
    while True:
        value = check()
        if value:
            return value
        if started.process.poll() is not None:
            pytest.fail(f"{what}: the process exited with {started.process.returncode}:\n{started.output()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {PATIENCE:g} s (last seen: {value!r}):\n{started.output()}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    """Stop a subprocess started in its own session, and whatever it started in it (a worker's flow runs)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    try:
        os.killpg(process.pid, signal.SIGKILL)  # children left in the session, if any
    except ProcessLookupError:
        pass


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> Iterator[str]:
    """``prefect server start`` on a free port with its own database; its API URL."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = free_port()
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    env.pop("PREFECT_API_URL", None)
    log = home / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                  env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        wait_for("the Prefect server answers", lambda: _healthy(api_url), Started(server, log))
        yield api_url
    finally:
        stop(server)


def _healthy(api_url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=5) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def portal() -> Iterator[SandboxServer]:
    with SandboxServer(generate_dataset(AS_OF, timezone="Europe/Berlin")) as server:
        yield server


@pytest.fixture(scope="session")
def pool(prefect_server: str) -> str:
    """The process work pool ``POOL`` on the server, as ``prefect work-pool create POOL --type process`` makes it."""
    from prefect.client.schemas.actions import WorkPoolCreate

    with api(prefect_server) as client:
        if not _pool_exists(client):
            client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
    return POOL


@pytest.fixture(scope="session")
def worker(prefect_server: str, pool: str, portal: SandboxServer, tmp_path_factory) -> Iterator[Started]:
    """A process worker of the pool, polling every second; the portal's token in its environment only,
    retries a tenth of a second apart (``OKR_RETRY_DELAY_SECONDS``), and its report archive in a folder of
    its own (``OKR_REPORTS_DIR``: each run's clone of the configs is removed after the run)."""
    home = tmp_path_factory.mktemp("prefect-worker")
    env = {
        **os.environ,
        "PREFECT_API_URL": prefect_server,
        "PREFECT_HOME": str(home),
        "PREFECT_WORKER_QUERY_SECONDS": "1",
        "PREFECT_WORKER_PREFETCH_SECONDS": "1",
        "OKR_RETRY_DELAY_SECONDS": "0.1",
        "OKR_REPORTS_DIR": str(home / "reports"),
        DEMO_TOKEN_ENV: portal.token,
    }
    env.pop("OKR_DATABASE_URL", None)  # each company's database is its config's
    log = home / "worker.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"],
                                   env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    started = Started(process, log)
    try:
        with api(prefect_server) as client:
            wait_for("the worker polls its pool", lambda: client.read_workers_for_work_pool(POOL) if _pool_exists(client) else None, started)
        yield started
    finally:
        stop(process)


def worker_reports(worker: Started) -> Path:
    """The worker's ``OKR_REPORTS_DIR``."""
    return worker.log.parent / "reports"


def _pool_exists(client) -> bool:
    from prefect.exceptions import ObjectNotFound

    try:
        client.read_work_pool(POOL)
    except ObjectNotFound:
        return False
    return True


@contextmanager
def api(api_url: str):
    """A sync Prefect client of ``api_url``, with ``PREFECT_API_URL`` pointing there for the block (``okr deploy``, ``run_deployment``)."""
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        yield client


@pytest.fixture
def postgres_url() -> str:
    """The PostgreSQL test database, emptied (each company's store)."""
    from sqlalchemy import create_engine, inspect, text

    url = os.environ["OKR_TEST_DATABASE_URL"]
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in inspect(connection).get_table_names():
            connection.execute(text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
    engine.dispose()
    return url


def company_config(portal: SandboxServer, database_url: str) -> str:
    """The demo's company, its store at ``database_url``, and unique visitors beside its metrics."""
    text = render_demo_config(AS_OF, portal.base_url).replace("database_url: sqlite:///okr.db", f"database_url: {database_url}")
    return text.replace("metrics:\n", "metrics:\n  site_visitors: {source: hubspot, kind: web_sessions, measure: visitors}\n", 1)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "ops", "GIT_AUTHOR_EMAIL": "ops@agency.example",
                        "GIT_COMMITTER_NAME": "ops", "GIT_COMMITTER_EMAIL": "ops@agency.example"})


@pytest.fixture
def configs_repo(tmp_path: Path, portal: SandboxServer) -> str:
    """A bare git repository of client configs holding ``CONFIG_IN_REPO`` (its store: the PostgreSQL test
    database, else one nothing connects to); its ``file://`` URL."""
    database_url = os.environ.get("OKR_TEST_DATABASE_URL") or "postgresql+psycopg://okr@db.invalid/acme"
    bare = tmp_path / "okr-configs.git"
    git("init", "--bare", "--initial-branch=main", str(bare), cwd=tmp_path)
    checkout = tmp_path / "checkout"
    git("clone", str(bare), str(checkout), cwd=tmp_path)
    (checkout / "clients").mkdir()
    (checkout / CONFIG_IN_REPO).write_text(company_config(portal, database_url))
    (checkout / "clients" / "gamma.yaml").write_text(company_config(portal, "sqlite:///gamma.db").replace("company: Acme Cloud", "company: Gamma Ltd"))
    (checkout / "clients" / "acme-twin.yaml").write_text(company_config(portal, "postgresql+psycopg://okr@db.invalid/twin"))
    (checkout / "clients" / "delta.yaml").write_text(company_config(portal, database_url).replace("company: Acme Cloud", "company: Delta AG"))
    git("add", ".", cwd=checkout)
    git("commit", "-m", "Acme Cloud's OKRs", cwd=checkout)
    git("push", "origin", "HEAD:main", cwd=checkout)
    return bare.as_uri()


def okr_deploy(prefect_server: str, *args: str):
    with api(prefect_server):
        return CliRunner().invoke(app, ["deploy", *args])


def trigger(prefect_server: str):
    """A run of the company's deployment for the sandbox's day (never the clock's), left to the worker."""
    from prefect.deployments import run_deployment

    with api(prefect_server):
        return run_deployment(DEPLOYMENT, parameters={"as_of": AS_OF.isoformat(), "today": AS_OF.isoformat()}, timeout=0)


def state_of(client, flow_run_id):
    return client.read_flow_run(flow_run_id).state


def one_cancelled_one_running(client, flow_runs):
    """The runs' states once one is cancelled and the other running; None before."""
    states = [state_of(client, flow_run.id) for flow_run in flow_runs]
    return states if sorted(state.type.value for state in states) == ["CANCELLED", "RUNNING"] else None


def contacts_per_day(portal: SandboxServer) -> dict[date, float]:
    days: dict[date, float] = {}
    for contact in portal.dataset.contacts:
        day = datetime.fromisoformat(contact["properties"]["createdate"].replace("Z", "+00:00")).astimezone(ZONE).date()
        if date(2026, 10, 1) <= day <= AS_OF:
            days[day] = days.get(day, 0.0) + 1
    return days


def test_deploy_registers_the_company_on_the_pool_with_its_configs_pulled_from_git(prefect_server, pool, portal, configs_repo):
    result = okr_deploy(prefect_server, "-c", CONFIG_IN_REPO, "--pool", POOL, "--configs-repo", configs_repo, "--branch", "main", "--cron", "30 2 * * *")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Deployed {DEPLOYMENT} (Acme Cloud) to work pool '{POOL}': 30 2 * * * in Europe/Berlin, config {CONFIG_IN_REPO} in {configs_repo} (branch main)"
    )
    assert f"  prefect worker start --pool {POOL}" in lines
    assert f"Try one now: prefect deployment run '{DEPLOYMENT}'" in lines

    with api(prefect_server) as client:
        deployment = client.read_deployment_by_name(DEPLOYMENT)
    assert (deployment.work_pool_name, deployment.entrypoint, deployment.path) == (POOL, "flows.nightly.nightly_sync", None)
    assert deployment.pull_steps == [{"prefect.deployments.steps.git_clone": {"repository": configs_repo, "branch": "main"}}]
    assert deployment.parameters == {"config_path": CONFIG_IN_REPO, "as_of_days_ago": 1, "require_postgresql": True}
    [schedule] = deployment.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 2 * * *", "Europe/Berlin")
    assert deployment.concurrency_options.collision_strategy.value == "CANCEL_NEW" and deployment.global_concurrency_limit.limit == 1
    assert set(deployment.tags) == {"okr-autopilot", "acme-cloud"}
    assert deployment.job_variables == {}
    assert portal.token not in json.dumps(deployment.model_dump(mode="json")), "no token in the deployment"


@needs_postgresql
def test_two_triggers_of_one_company_on_the_worker_give_one_run(prefect_server, worker, portal, configs_repo, postgres_url):
    assert okr_deploy(prefect_server, "-c", CONFIG_IN_REPO, "--pool", POOL, "--configs-repo", configs_repo).exit_code == 0
    portal.reset_calls()
    gate = threading.Event()
    portal.faults.push(Fault(on="/search", hold=gate))  # the first run to read waits here until both are decided
    try:
        runs = [trigger(prefect_server), trigger(prefect_server)]
        with api(prefect_server) as client:
            states = wait_for("one trigger is cancelled while the other runs", lambda: one_cancelled_one_running(client, runs), worker)
            gate.set()
            [cancelled] = [run for run, state in zip(runs, states, strict=True) if state.is_cancelled()]
            [ran] = [run for run in runs if run.id != cancelled.id]
            final = wait_for("the other run ends", lambda: (state if (state := state_of(client, ran.id)).is_final() else None), worker)
            cancelled_state = state_of(client, cancelled.id)
    finally:
        gate.set()
        portal.faults.clear()
    assert final.is_completed(), final.message
    # The deployment's limit cancelled it before it began: the store never heard of it.
    assert cancelled_state.message == "Deployment concurrency limit reached."
    with Store(postgres_url) as store:
        [run] = store.runs()
        assert (run.status, run.as_of, run.flow_run_id) == ("succeeded", AS_OF, str(ran.id))
        stored = {value.day: value.value for value in store.daily_values("new_contacts", date(2026, 10, 1), AS_OF)}
        assert sum(fetch.api_calls for fetch in store.fetches(run.id)) == portal.call_count
    expected = contacts_per_day(portal)
    assert stored == {day: expected.get(day, 0.0) for day in stored} and len(stored) == (AS_OF - date(2026, 10, 1)).days + 1
    # The run's clone of the configs is gone; its report stays in the worker's archive, where its link points.
    report = worker_reports(worker) / "acme-cloud" / f"{AS_OF}.html"
    assert "Acme Cloud" in report.read_text()
    with api(prefect_server) as client:
        [link] = [artifact for artifact in client.read_artifacts() if artifact.key == "okr-report-acme-cloud" and artifact.flow_run_id == ran.id]
    assert report.as_uri() in link.data


@needs_postgresql
def test_a_5xx_burst_on_the_worker_is_retried_and_the_run_succeeds(prefect_server, worker, portal, configs_repo, postgres_url):
    assert okr_deploy(prefect_server, "-c", CONFIG_IN_REPO, "--pool", POOL, "--configs-repo", configs_repo).exit_code == 0
    portal.reset_calls()
    portal.faults.push(Fault(status=503, on=DAILY_TRAFFIC, times=CLIENT_TRIES, retry_after=1))
    try:
        flow_run = trigger(prefect_server)
        with api(prefect_server) as client:
            final = wait_for("the run ends", lambda: (state if (state := state_of(client, flow_run.id)).is_final() else None), worker)
        log = portal.call_log
    finally:
        portal.faults.clear()
    assert final.is_completed(), final.message
    # More tries than the client makes: the task tried again, and the portal answered.
    assert [call.status for call in log if call.path == DAILY_TRAFFIC] == [503] * CLIENT_TRIES + [200]
    with Store(postgres_url) as store:
        [run] = store.runs()
        [visitors] = [fetch for fetch in store.fetches(run.id) if fetch.metric == "site_visitors"]
        assert run.status == "succeeded" and visitors.status == "succeeded"
        assert sum(fetch.api_calls for fetch in store.fetches(run.id)) == len(log)
        daily = {value.day: value.value for value in store.daily_values("site_visitors", date(2026, 10, 1), AS_OF)}
    traffic = portal.dataset.traffic
    assert daily == {day: float(sum(row["visitors"] for row in traffic.get(day, {}).values())) for day in daily} and len(daily) == (AS_OF - date(2026, 10, 1)).days + 1


def deployed(prefect_server: str, name: str = DEPLOYMENT) -> dict | None:
    """A deployment as the server keeps it (JSON), or None."""
    from prefect.exceptions import ObjectNotFound

    with api(prefect_server) as client:
        try:
            return client.read_deployment_by_name(name).model_dump(mode="json")
        except ObjectNotFound:
            return None


def last_update(prefect_server: str) -> str | None:
    """When the company's deployment last changed on the server (None: it is not there)."""
    return (deployed(prefect_server) or {}).get("updated")


def test_deploy_from_a_shared_folder_names_each_company_and_the_worker_command(prefect_server, pool, portal, tmp_path):
    folder = tmp_path / "clients"
    folder.mkdir()
    (folder / "acme.yaml").write_text(company_config(portal, "postgresql+psycopg://okr@db.internal/acme"))
    (folder / "beta.yaml").write_text(company_config(portal, "postgresql+psycopg://okr@db.internal/beta").replace("company: Acme Cloud", "company: Beta Corp"))

    result = okr_deploy(prefect_server, "-c", str(folder / "acme.yaml"), "-c", str(folder / "beta.yaml"), "--pool", POOL)

    assert result.exit_code == 0, result.output
    where = "(this folder must exist at this path on every worker)"
    assert result.stdout.splitlines() == [
        f"Deployed {DEPLOYMENT} (Acme Cloud) to work pool '{POOL}': 0 3 * * * in Europe/Berlin, config {folder / 'acme.yaml'} {where}",
        f"Deployed okr-nightly-sync/okr-nightly-beta-corp (Beta Corp) to work pool '{POOL}': 0 3 * * * in Europe/Berlin, config {folder / 'beta.yaml'} {where}",
        "Runs go to whichever worker polls the pool first. On each worker machine, with okr-autopilot installed and each company's tokens in its environment, run:",
        f"  prefect worker start --pool {POOL}",
        f"Try one now: prefect deployment run '{DEPLOYMENT}'",
    ]
    beta = deployed(prefect_server, "okr-nightly-sync/okr-nightly-beta-corp")
    assert beta["pull_steps"] == [{"prefect.deployments.steps.set_working_directory": {"directory": str(folder)}}]
    assert beta["parameters"] == {"config_path": str(folder / "beta.yaml"), "as_of_days_ago": 1, "require_postgresql": True}


@pytest.mark.parametrize("in_repository", [False, True])
def test_a_sqlite_store_is_refused_at_deploy_time(prefect_server, pool, portal, configs_repo, tmp_path, monkeypatch, in_repository):
    monkeypatch.delenv("OKR_DATABASE_URL", raising=False)
    if in_repository:
        # The file as the workers would clone it: its SQLite path lies in deploy's temporary clone.
        args, named, database = ["-c", "clients/gamma.yaml", "--configs-repo", configs_repo], "clients/gamma.yaml", None
    else:
        config = tmp_path / "gamma.yaml"
        config.write_text(company_config(portal, "sqlite:///gamma.db").replace("company: Acme Cloud", "company: Gamma Ltd"))
        args, named, database = ["-c", str(config)], str(config), tmp_path / "gamma.db"

    result = okr_deploy(prefect_server, *args, "--pool", POOL)

    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{named}: deployed to a work pool, the store must be PostgreSQL, one database every worker reaches, not SQLite (sqlite:///")
    if database is not None:
        assert f"(sqlite:///{database})" in line
    assert line.endswith("set database_url: postgresql+psycopg://USER@HOST/DATABASE in the file (the password in ~/.pgpass or PGPASSWORD on each worker)")
    assert deployed(prefect_server, "okr-nightly-sync/okr-nightly-gamma-ltd") is None


def test_a_run_from_a_pool_refuses_a_sqlite_store(prefect_harness, demo_config: Path, tmp_path, monkeypatch):
    # A deployment made by hand (or with prefect deploy) to a pool, on a config whose store is SQLite.
    from flows.nightly import nightly_sync
    from flows.shared_store import SharedStoreRequired

    monkeypatch.setenv("OKR_DATABASE_URL", f"sqlite:///{tmp_path / 'acme.db'}")
    state = nightly_sync(str(demo_config), require_postgresql=True, return_state=True)
    assert state.is_failed()
    with pytest.raises(SharedStoreRequired, match=r"deployed to a work pool, the store must be PostgreSQL, .* not SQLite \(sqlite:///.*acme\.db\): .* and leave OKR_DATABASE_URL unset"):
        state.result()
    assert not (tmp_path / "acme.db").exists(), "nothing was opened, nothing read"


@pytest.mark.parametrize(("args", "message"), [
    (["--configs-repo", "https://ci-bot:ghp_secret@github.com/agency/okr-configs.git"],
     "--configs-repo: the URL carries a user or token, which every reader of the deployment would see; use an SSH URL with a deploy key on each worker, or a git credential helper there"),
    (["-c", "clients/nobody.yaml", "--configs-repo", "{repo}"],
     "clients/nobody.yaml: not in {repo}; with --configs-repo, -c names a file by its path from the repository's root"),
    (["-c", "/srv/okr/clients/acme-cloud.yaml", "--configs-repo", "{repo}"],
     "-c /srv/okr/clients/acme-cloud.yaml: with --configs-repo, name the file by its path from the repository's root (such as clients/acme.yaml)"),
    (["--configs-repo", "{repo}", "--branch", "nightly"], "--configs-repo: cannot clone {repo} (branch nightly) from here: "),
    (["--branch", "main"], "--branch: only with --configs-repo"),
    (["--configs-repo", "{repo}", "--cron", "every night"], "--cron: 'every night' is not a cron expression"),
    (["-c", CONFIG_IN_REPO, "-c", "clients/acme-twin.yaml", "--configs-repo", "{repo}"],
     "clients/acme-twin.yaml: another config already deploys 'okr-nightly-acme-cloud'; give each company its own name"),
    (["-c", CONFIG_IN_REPO, "-c", "clients/delta.yaml", "--configs-repo", "{repo}"],
     "clients/delta.yaml: shares its database with clients/acme-cloud.yaml; give each company its own database_url (and leave OKR_DATABASE_URL unset)"),
    (["--configs-repo", "{repo}", "--pool", "nowhere"],
     "--pool: there is no work pool 'nowhere' on {api}; create it: prefect work-pool create nowhere --type process"),
])
def test_what_cannot_be_deployed_is_said_in_one_line_and_nothing_is_registered(prefect_server, pool, configs_repo, args, message):
    args = [arg.format(repo=configs_repo) for arg in args]
    if "-c" not in args:
        args = ["-c", CONFIG_IN_REPO, *args]
    if "--pool" not in args:
        args = [*args, "--pool", POOL]
    before = last_update(prefect_server)
    result = okr_deploy(prefect_server, *args)
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(message.format(repo=configs_repo, api=prefect_server)), line
    assert "ghp_secret" not in result.output and "Traceback" not in result.output
    assert last_update(prefect_server) == before


def test_deploy_needs_a_prefect_server_that_answers(configs_repo):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    deploy = ["deploy", "-c", CONFIG_IN_REPO, "--configs-repo", configs_repo, "--pool", POOL]
    with temporary_settings(updates={PREFECT_API_URL: None}):
        unset = CliRunner().invoke(app, deploy)
    assert unset.exit_code == 2
    assert unset.stderr.splitlines() == [
        "okr deploy registers deployments on the Prefect server the workers poll: set PREFECT_API_URL (such as http://prefect.internal:4200/api)"
    ]
    nowhere = f"http://127.0.0.1:{free_port()}/api"
    with temporary_settings(updates={PREFECT_API_URL: nowhere}):
        down = CliRunner().invoke(app, deploy)
    assert down.exit_code == 1
    assert down.stderr.splitlines() == [f"the Prefect server at {nowhere} did not answer (ConnectError); is it running (prefect server start)?"]


def test_prefect_yaml_deploys_what_okr_deploy_deploys(prefect_server, pool, configs_repo, tmp_path):
    import yaml
    from prefect.flows import load_flow_from_entrypoint

    from flows.nightly import nightly_sync

    root = Path(__file__).parents[2]
    document = yaml.safe_load((root / "prefect.yaml").read_text())
    [example] = document["deployments"]
    assert load_flow_from_entrypoint(example["entrypoint"]).name == nightly_sync.name == "okr-nightly-sync"
    flow_parameters = set(nightly_sync.parameters.properties)
    assert set(example["parameters"]) <= flow_parameters and "config_path" in example["parameters"]
    # The agency's copy: its repository, its pool; then Prefect's own command registers it.
    text = (root / "prefect.yaml").read_text().replace("git@github.com:your-agency/okr-configs.git", configs_repo).replace("name: okr-agency", f"name: {POOL}")
    (tmp_path / "prefect.yaml").write_text(text)
    env = {**os.environ, "PREFECT_API_URL": prefect_server, "PREFECT_HOME": str(tmp_path / "prefect-home")}
    subprocess.run([str(BIN / "prefect"), "--no-prompt", "deploy", "--all"], cwd=tmp_path, env=env, check=True, capture_output=True, text=True, timeout=PATIENCE)
    by_prefect = deployed(prefect_server)

    assert okr_deploy(prefect_server, "-c", CONFIG_IN_REPO, "--pool", POOL, "--configs-repo", configs_repo, "--branch", "main").exit_code == 0
    by_okr = deployed(prefect_server)

    compared = ("name", "entrypoint", "parameters", "pull_steps", "work_pool_name", "job_variables", "tags", "description", "concurrency_options", "enforce_parameter_schema")
    assert {key: by_prefect[key] for key in compared} == {key: by_okr[key] for key in compared}
    assert by_prefect["global_concurrency_limit"]["limit"] == by_okr["global_concurrency_limit"]["limit"] == 1
    assert [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in by_prefect["schedules"]] == [("0 3 * * *", "Europe/Berlin")]
    assert [(s["schedule"]["cron"], s["schedule"]["timezone"]) for s in by_okr["schedules"]] == [("0 3 * * *", "Europe/Berlin")]
