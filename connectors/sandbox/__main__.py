"""Run the HubSpot sandbox standalone until Ctrl-C.

``python -m connectors.sandbox --port 8765 --anchor 2026-11-27 --timezone UTC``
prints the base URL and token to point a HubSpot client at. Portal and
network behaviour: ``--rate-limits`` (HubSpot's 5 searches/s and
``--burst-limit`` calls per 10 s, default 100), ``--latency SECONDS`` (before
each answer), ``--arrival-delay SECONDS`` and ``--arrival-jitter SECONDS``
(before a call counts as arrived), ``--legacy-stage-dates``,
``--hide-v2-properties``, ``--mpp-open-share FRACTION``. The work is done by
``connectors.sandbox.standalone`` (``SandboxOptions``, ``serve_sandbox``).
"""

from __future__ import annotations

import sys

from connectors.sandbox.standalone import main

__all__ = ["main"]


if __name__ == "__main__":
    sys.exit(main())
