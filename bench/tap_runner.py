"""Runs singer's tap-hubspot against the sandbox: run by the peer's own venv (``.bench/tap-hubspot``), never ours.

tap-hubspot 4.5.0 hard-codes ``BASE_URL = "https://api.hubapi.com"`` in
``tap_hubspot/__init__.py`` and has no config key for it, so this script sets
that module attribute before the tap runs: the only change made to the tap,
at run time, in its own process. Standard library and the tap only; ``peer.py``
copies it beside the peer's files and runs it there::

    python tap_runner.py BASE_URL catalog CONFIG STREAM:FIELD,FIELD ... > catalog.json
    python tap_runner.py BASE_URL sync --config CONFIG --properties catalog.json [--state STATE]

``catalog`` builds the catalog for the named streams with the tap's own
discovery code (``load_discovered_schema``), selecting the stream and the
listed ``property_*`` fields, the way a user selects them in a catalog file;
the full discovery would also ask for companies, tickets and custom objects,
which the metrics do not need. ``sync`` is the tap's ``main`` with the rest
of the arguments: its singer messages go to stdout.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> None:
    base_url, command, rest = argv[0].rstrip("/"), argv[1], argv[2:]
    import tap_hubspot

    tap_hubspot.BASE_URL = base_url
    if command == "sync":
        sys.argv = ["tap-hubspot", *rest]
        tap_hubspot.main()
    elif command == "catalog":
        config_path, selections = rest[0], rest[1:]
        with open(config_path) as config_file:
            tap_hubspot.CONFIG.update(json.load(config_file))
        json.dump({"streams": [_selected_stream(tap_hubspot, selection) for selection in selections]}, sys.stdout)
    else:
        raise SystemExit(f"unknown command {command!r}: catalog or sync")


def _selected_stream(tap_hubspot, selection: str) -> dict:
    name, _, fields = selection.partition(":")
    stream = next(item for item in tap_hubspot.STREAMS if item.tap_stream_id == name)
    schema, metadata = tap_hubspot.load_discovered_schema(stream)
    wanted = {f"property_{field}" for field in fields.split(",") if field}
    missing = wanted - set(schema["properties"])
    if missing:
        raise SystemExit(f"{name}: the tap's schema has no {sorted(missing)} (the portal's properties API did not list them)")
    for entry in metadata:
        breadcrumb = entry["breadcrumb"]
        if not breadcrumb:
            entry["metadata"]["selected"] = True
        elif breadcrumb[-1].startswith("property_"):
            entry["metadata"]["selected"] = breadcrumb[-1] in wanted
    return {"stream": name, "tap_stream_id": name, "schema": schema, "metadata": metadata}


if __name__ == "__main__":
    main(sys.argv[1:])
