"""Secrets kept in Prefect Secret blocks (``prefect block create secret``), for workers whose
environment a deployment does not set. Read here, in the wiring layer: the domain and the
reports know no Prefect."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import SecretStr

__all__ = ["read_secret_blocks"]


def read_secret_blocks(names: Iterable[str]) -> tuple[dict[str, SecretStr], dict[str, str]]:
    """The value of each named Secret block, and one line per block that could not be read
    (no Prefect server, no such block, not text): never its value."""
    from prefect.blocks.system import Secret

    values: dict[str, SecretStr] = {}
    problems: dict[str, str] = {}
    for name in sorted(set(names)):
        try:
            value = Secret.load(name).get()
        except Exception as error:  # any failure is this block's, named by type only: the text may carry the value
            problems[name] = f"Prefect Secret block {name!r} could not be read ({type(error).__name__}); create it with `prefect block create secret`"
            continue
        if not isinstance(value, str) or not value.strip():
            problems[name] = f"Prefect Secret block {name!r} does not hold a webhook URL as text"
            continue
        values[name] = SecretStr(value.strip())
    return values, problems
