"""Prefect flows and the ``okr`` CLI: the only layer that wires the others together.

Prefect reads its settings from the environment when first imported, so the
quiet defaults are set here, before any module of this package imports it.
A user's own environment or Prefect profile still wins.
"""

import os

_PREFECT_DEFAULTS = {
    # No telemetry, and no network errors on machines without internet.
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # The CLI prints its own summary, failures included; Prefect's console
    # lines (and a traceback per failed task) would bury it. Its loggers keep
    # their levels, so the Prefect UI still gets every log line of a run.
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    # The temporary local server can race its own event recorder when it shuts
    # down and print a cancelled-task traceback that says nothing about the run.
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    # The temporary local server needs longer than the default on a busy 2-core machine.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}
for _name, _value in _PREFECT_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
