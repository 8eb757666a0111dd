"""``okr sync``'s fixed cost, and what the commands that need no Prefect cost: each the real ``okr``
command (or ``python -c "import flows.cli"``) in a process of its own, wall time by GNU time.

The portal is small and answers at once, with no limits of its own, so that the sync's reads
take little time; what the sync costs beyond them (its fixed cost) is the command's wall time
less its fetch phase, read from the portal's call log (first call sent to last answer). The sync
is the next night's (the store already holds the quarter, as on every night but the first),
with no email and no digest, once with no ``PREFECT_API_URL`` (the sync starts and stops its own
temporary server) and once against a running server. ``okr status`` reads that store.

With a ``baseline`` (a git revision), the same is measured on that revision's code: ``git
archive`` into the work folder, first on ``PYTHONPATH`` (ahead of the installed checkout), the
same venv; the two alternate within each repeat, so that both see the same machine load.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.measure import measured_run, spread
from bench.portals import PortalsProcess
from bench.scenario import FIRST_NIGHT, NEXT_NIGHT, Network, write_config

__all__ = ["STARTUP_CONTACTS", "measure_startup"]

STARTUP_CONTACTS = 1_000
_TOKEN_ENV = "BENCH_HUBSPOT_TOKEN"
_REPO = Path(__file__).resolve().parent.parent
_OKR = Path(sys.executable).with_name("okr")


def measure_startup(
    work: Path, *, repeats: int, ephemeral_env: Mapping[str, str], server_env: Mapping[str, str], baseline: str | None = None,
) -> dict[str, Any]:
    """The figures of ``results["startup"]``: per code measured (``current``, and ``baseline`` when given),
    ``import flows.cli``, ``okr status`` and both syncs (whole command, fetch phase, fixed cost)."""
    codes: dict[str, Path | None] = {"current": None}
    if baseline is not None:
        codes["baseline"] = _archive(baseline, work / "baseline-code")
    with PortalsProcess(STARTUP_CONTACTS, network=Network(0.0, 0.0, 0.0), limits=False) as portals:
        portal = portals.portals[0]
        runs: dict[str, dict[str, list[float]]] = {code: {} for code in codes}
        configs = {}
        for code, root in codes.items():
            configs[code] = write_config(work / code / "okrs.yaml", company="Bench Co", base_url=portal.base_url, token_env=_TOKEN_ENV, database=work / code / "okr.db")
            env = _env(root, portal.token, server_env)
            # Unmeasured: the quarter's backfill (the store every later night finds), and bytecode written for archived code.
            _run([str(_OKR), "sync", "-c", str(configs[code]), "--as-of", FIRST_NIGHT.isoformat(), "--no-email", "--no-notify"], env)
        for _ in range(repeats):
            for code, root in codes.items():
                _one_repeat(portals, configs[code], root, portal.token, ephemeral_env, server_env, runs[code])
    return {
        "contacts": portal.contacts,
        "baseline": baseline,
        "codes": {code: {name: spread(values) for name, values in figures.items()} for code, figures in runs.items()},
    }


def _one_repeat(
    portals: PortalsProcess, config: Path, root: Path | None, token: str,
    ephemeral_env: Mapping[str, str], server_env: Mapping[str, str], runs: dict[str, list[float]],
) -> None:
    def add(name: str, value: float) -> None:
        runs.setdefault(name, []).append(value)

    add("import_cli_seconds", _run([sys.executable, "-c", "import flows.cli"], _env(root, token, ephemeral_env)))
    add("status_seconds", _run([str(_OKR), "status", "-c", str(config), "--as-of", NEXT_NIGHT.isoformat()], _env(root, token, ephemeral_env)))
    for mode, prefect_env in (("ephemeral", ephemeral_env), ("server", server_env)):
        portals.reset()
        wall = _run([str(_OKR), "sync", "-c", str(config), "--as-of", NEXT_NIGHT.isoformat(), "--no-email", "--no-notify"], _env(root, token, prefect_env))
        fetch = portals.figures().fetch_seconds
        add(f"sync_{mode}_seconds", wall)
        add(f"sync_{mode}_fetch_seconds", fetch)
        add(f"sync_{mode}_fixed_seconds", wall - fetch)


def _env(root: Path | None, token: str, prefect_env: Mapping[str, str]) -> dict[str, str | None]:
    return {_TOKEN_ENV: token, **prefect_env, "PYTHONPATH": str(root) if root is not None else None}


def _run(argv: list[str], env: Mapping[str, str | None]) -> float:
    run = measured_run(argv, env=env, cwd=_REPO)
    if run.exit_status != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {run.exit_status}: {run.stderr[-2000:]}")
    return run.wall_seconds


def _archive(revision: str, folder: Path) -> Path:
    """The code of ``revision`` (``git archive``) in ``folder``, to put first on ``PYTHONPATH``."""
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", revision], cwd=_REPO, capture_output=True, check=False)
    if archive.returncode != 0:
        raise RuntimeError(f"--baseline {revision}: git archive failed: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder
