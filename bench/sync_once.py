"""One nightly sync, as the schedule runs it, for a benchmark to measure from outside.

    python -m bench.sync_once CONFIG AS_OF

Runs the real ``okr-nightly-sync`` flow with ``today`` = ``AS_OF`` (so the
stage snapshot is read whatever the clock says; ``okr sync`` takes today from
the clock), no email and no chat digest, and prints one JSON line: the run's
status, API calls and any failure. Prefect runs against ``PREFECT_API_URL``
when it is set, else against a temporary local server it starts itself.
"""

from __future__ import annotations

import json
import sys
from datetime import date

import flows  # noqa: F401  (Prefect's quiet defaults, before Prefect is imported)

__all__ = ["main"]


def main(argv: list[str]) -> int:
    from flows.nightly import SyncIncomplete, nightly_sync

    config_path, as_of = argv[0], date.fromisoformat(argv[1])
    try:
        summary = nightly_sync(config_path, as_of=as_of, today=as_of, send_email=False, send_notify=False)
    except SyncIncomplete as incomplete:
        summary = incomplete.summary
    failures = {outcome.metric: outcome.error for outcome in summary.failed}
    print(json.dumps({"status": summary.status, "api_calls": summary.api_calls, "metrics": len(summary.metrics), "failures": failures}))
    return 1 if summary.incomplete else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
