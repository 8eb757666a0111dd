"""The Prefect API a CLI flow run talks to: the configured server, or a temporary one this process owns.

With ``PREFECT_API_URL`` set, flow runs go to that server and nothing is
started. Without it, Prefect would start its own temporary server
(``SubprocessASGIServer``: ``python -m uvicorn`` in a child process) and
stop it from ``atexit``, which a SIGKILL, or a SIGTERM Python does not
handle, never runs: the server is left listening. So ``prefect_api()``
starts that server itself (``python -m flows.prefect_api``: the same
uvicorn app, ``prefect.server.api.server:create_app``, with the settings
Prefect gives its own) and owns its lifetime:

- the server's stdin is a pipe only this process writes to; when this
  process ends, however it ends, the pipe closes and the server shuts itself
  down (``_serve``): nothing outlives the sync;
- the server runs in its own session, so a Ctrl-C on the terminal reaches
  only the sync, which then records its run before the server goes;
- leaving the block drains Prefect's log and event workers into it (as
  Prefect's test harness does), then stops it.

The server binds its port itself (any free one) and tells it on stdout, so
two syncs starting together never race for one port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["TemporaryServerError", "owned_api_url", "prefect_api"]

_STOP_GRACE_SECONDS = 10.0
_owned: list[str] = []  # the API URL of the temporary server this process runs, while it runs


class TemporaryServerError(Exception):
    """The temporary Prefect server did not come up."""


@contextmanager
def prefect_api() -> Iterator[None]:
    """Flow runs in the block use ``PREFECT_API_URL`` when set, else a temporary server owned here."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    with _temporary_server() as api_url, temporary_settings(updates={PREFECT_API_URL: api_url}):
        _owned.append(api_url)
        try:
            yield
        finally:
            _owned.remove(api_url)
            _drain_prefect_workers()


def owned_api_url() -> str | None:
    """The URL of the temporary server this process owns, while one runs: no other process talks to it."""
    return _owned[-1] if _owned else None


@contextmanager
def _temporary_server() -> Iterator[str]:
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, get_current_settings

    env = {
        **os.environ,
        # What Prefect gives its own temporary server: no UI, the ephemeral server's start-up.
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "flows.prefect_api"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True
    )
    try:
        assert server.stdout is not None
        announced = server.stdout.readline().strip()
        if not announced.isdigit():
            raise TemporaryServerError(f"the temporary Prefect server did not start (exit code {server.wait()})")
        api_url = f"http://127.0.0.1:{int(announced)}/api"
        _wait_until_healthy(server, api_url, float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()))
        yield api_url
    finally:
        _stop(server)


def _wait_until_healthy(server: subprocess.Popen[bytes], api_url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise TemporaryServerError(f"the temporary Prefect server exited with code {server.returncode} while starting")
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise TemporaryServerError(f"the temporary Prefect server did not answer within {timeout:g} s (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Close the lifeline (the server shuts down by itself), then terminate or kill what lingers."""
    for stream in (server.stdin, server.stdout):
        if stream is not None:
            stream.close()
    try:
        server.wait(timeout=_STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        server.terminate()
        try:
            server.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _drain_prefect_workers() -> None:
    """Send what Prefect's log and event workers still hold while the server is up."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    try:
        APILogWorker.drain_all(timeout=5)
        EventsWorker.drain_all(timeout=5)
    except Exception:  # a log line or an event lost at exit must not fail the sync
        pass


def _serve() -> None:
    """The server's side: bind any free port, say which on stdout, serve Prefect's API until stdin closes."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    print(listener.getsockname()[1], flush=True)
    # Nobody reads the pipe any more: a full one would block the server, a closed one kill it.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config("prefect.server.api.server:create_app", factory=True, log_level="error", lifespan="on")
    )

    def stop_when_the_sync_is_gone() -> None:
        sys.stdin.buffer.read()  # returns when the pipe closes: the sync stopped us, or its process died
        server.should_exit = True
        time.sleep(_STOP_GRACE_SECONDS)
        os._exit(0)  # a graceful shutdown that hangs must not keep the port

    threading.Thread(target=stop_when_the_sync_is_gone, daemon=True).start()
    server.run(sockets=[listener])


if __name__ == "__main__":
    _serve()
