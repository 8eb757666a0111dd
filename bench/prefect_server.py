"""A Prefect server of the benchmark's own (``prefect server start`` on a free port), and the
environments the measured commands run in: against it, or ephemeral (each process starts a
temporary server itself). Both keep Prefect's files in the benchmark's own ``PREFECT_HOME``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

__all__ = ["PrefectServer", "ephemeral_env"]

_STARTUP_TIMEOUT_SECONDS = 180


def ephemeral_env(home: Path) -> dict[str, str]:
    """Environment of a command that starts its own temporary Prefect server."""
    home.mkdir(parents=True, exist_ok=True)  # Prefect creates its home, but not the folders above it
    return {"PREFECT_HOME": str(home), "PREFECT_API_URL": ""}


class PrefectServer:
    """``prefect server start`` in its own process group, stopped (the group) on exit."""

    def __init__(self, home: Path):
        home.mkdir(parents=True, exist_ok=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.home = home
        self._log = (home / "server.log").open("w")
        prefect = Path(sys.executable).with_name("prefect")
        self._process = subprocess.Popen(
            [str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env={**os.environ, "PREFECT_HOME": str(home), "PREFECT_API_URL": "", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"},
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self._wait_until_healthy()

    def env(self) -> dict[str, str]:
        """Environment of a command that runs its flows against this server."""
        return {"PREFECT_HOME": str(self.home), "PREFECT_API_URL": self.api_url}

    def _wait_until_healthy(self) -> None:
        deadline = time.monotonic() + _STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"prefect server start exited with {self._process.returncode}; see {self.home / 'server.log'}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"prefect server did not answer within {_STARTUP_TIMEOUT_SECONDS} s; see {self.home / 'server.log'}")

    def stop(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)  # the server's own group: uvicorn and its services
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._log.close()

    def __enter__(self) -> PrefectServer:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
