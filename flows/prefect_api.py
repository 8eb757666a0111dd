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

Its start is most of a short sync's wall time (Prefect's server takes seconds
to import), so ``starting_prefect_api()`` starts it in the background, before
Prefect is imported here when it can, and hands back a ``ready`` function:
the caller opens its store and imports the flow meanwhile, and calls
``ready()`` before its first flow run. A block left before then (the store
or a local source is down) stops the server at once, since it has nothing to
keep. The server's process skips the interpreter's last garbage collections
(``gc.freeze``): they walk every object of Prefect's server and took about a
second of every sync's end.
"""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["TemporaryServerError", "owned_api_url", "prefect_api", "starting_prefect_api"]

_STOP_GRACE_SECONDS = 10.0
_owned: list[str] = []  # the API URL of the temporary server this process runs, while it runs


class TemporaryServerError(Exception):
    """The temporary Prefect server did not come up."""


@contextmanager
def prefect_api() -> Iterator[None]:
    """Flow runs in the block use ``PREFECT_API_URL`` when set, else a temporary server owned here."""
    with starting_prefect_api() as ready:
        ready()
        yield


@contextmanager
def starting_prefect_api() -> Iterator[Callable[[], None]]:
    """``prefect_api()`` with the temporary server (if one is needed) starting in the background:
    flow runs in the block go to it once the function handed back has returned, which waits
    until the server answers and raises ``TemporaryServerError`` if it never does."""
    # Before Prefect is imported in this process (a second or two), nothing here can have changed
    # its settings: the server, reading them from the same environment, starts first. Should they
    # name a server after all (a Prefect profile), it is stopped before it serves.
    early = None if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules else _TemporaryServer(forward_settings=False)
    try:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        if PREFECT_API_URL.value():
            if early is not None:
                early.stop()
                early = None
            yield lambda: None
            return
        server, early = early or _TemporaryServer(forward_settings=True), None
        try:
            with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
                _owned.append(server.api_url)
                try:
                    yield server.wait_until_healthy
                finally:
                    _owned.remove(server.api_url)
                    if server.healthy:
                        _drain_prefect_workers()
        finally:
            server.stop()
    finally:
        if early is not None:
            early.stop()


def owned_api_url() -> str | None:
    """The URL of the temporary server this process owns, while one runs: no other process talks to it."""
    return _owned[-1] if _owned else None


class _TemporaryServer:
    """``python -m flows.prefect_api`` in a child process of its own session, its port read from its stdout."""

    def __init__(self, *, forward_settings: bool) -> None:
        """``forward_settings``: pass this process's Prefect settings on (they may differ from the
        environment's once Prefect is imported, ``temporary_settings``); else the server reads its own."""
        self.healthy = False
        env = {
            **os.environ,
            # What Prefect gives its own temporary server: no UI, the ephemeral server's start-up.
            "PREFECT_UI_ENABLED": "0",
            "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }
        if forward_settings:
            from prefect.settings import get_current_settings

            env.update(get_current_settings().to_environment_variables(exclude_unset=True))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "flows.prefect_api"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True
        )
        try:
            assert self._process.stdout is not None
            announced = self._process.stdout.readline().strip()  # at once: the port is bound before Prefect is imported
            if not announced.isdigit():
                raise TemporaryServerError(f"the temporary Prefect server did not start (exit code {self._process.wait()})")
        except BaseException:
            self.stop()
            raise
        self.api_url = f"http://127.0.0.1:{int(announced)}/api"

    def wait_until_healthy(self) -> None:
        from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

        timeout = float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
        deadline = time.monotonic() + timeout
        while not self.healthy:
            if self._process.poll() is not None:
                raise TemporaryServerError(f"the temporary Prefect server exited with code {self._process.returncode} while starting")
            if time.monotonic() >= deadline:
                raise TemporaryServerError(
                    f"the temporary Prefect server did not answer within {timeout:g} s (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
                )
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=5) as answer:
                    self.healthy = answer.status == 200
            except (urllib.error.URLError, OSError):
                pass
            if not self.healthy:
                time.sleep(0.1)

    def stop(self) -> None:
        """Close the lifeline (a server that answers shuts down by itself, keeping what it was sent),
        then terminate or kill what lingers; one still starting has nothing to keep: terminated at once."""
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()
        if not self.healthy:
            self._process.terminate()
        try:
            self._process.wait(timeout=_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.terminate()
            try:
                self._process.wait(timeout=_STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


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
    # Shut down cleanly: what is left is the interpreter's last collections over the whole server, for nothing.
    gc.freeze()


if __name__ == "__main__":
    _serve()
