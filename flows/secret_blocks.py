"""Secrets kept in Prefect Secret blocks (``prefect block create secret``), for workers whose
environment a deployment does not set. Read here, in the wiring layer: the domain, the
connectors and the reports know no Prefect, and are handed the values.

``config_secrets`` is the one way every command reads them: each block the config names
(``token_block``, ``credentials_block``, ``password_block``, ``webhook_block``), once, on the
run's Prefect server (``PREFECT_API_URL``, else the temporary one ``prefect_api`` owns), and
only when the config names any. A block that cannot be read is one line naming the block and
how to create it, never its value (for a source, ``unreadable_source_secret`` locates it in the file); the
values read are made known to ``connectors.transport.scrub``, so any text that echoes one is
redacted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from connectors import SourceConfigurationError
from connectors.transport.scrub import known_secrets
from okrmodel.config import Config

__all__ = ["SecretBlocks", "UnreadableSecretBlock", "config_secrets", "read_secret_blocks", "secrets_named", "unreadable_source_secret"]


@dataclass(frozen=True)
class SecretBlocks:
    """The blocks read for a run: each one's value, or why it could not be read (one line, no value)."""

    values: Mapping[str, SecretStr] = field(default_factory=dict)
    problems: Mapping[str, str] = field(default_factory=dict)


class UnreadableSecretBlock(SourceConfigurationError):
    """A source's Secret block could not be read: its metrics fail with the located line ``message``."""

    def __init__(self, source: str, location: tuple[str | int, ...], message: str):
        self.location = tuple(location)
        super().__init__(source, message)

    def __reduce__(self):
        return UnreadableSecretBlock, (self.source, self.location, self.message)


def read_secret_blocks(names: Iterable[str]) -> SecretBlocks:
    """The value of each named Secret block, and one line per block that could not be read
    (no Prefect server, no such block, not text): never its value."""
    from prefect.blocks.system import Secret

    values: dict[str, SecretStr] = {}
    problems: dict[str, str] = {}
    for name in sorted(set(names)):
        try:
            value = Secret.load(name).get()
        except Exception as error:  # any failure is this block's, named by type only: the text may carry the value
            problems[name] = f"Prefect Secret block {name!r} could not be read ({type(error).__name__}); {_how_to_create(name)}"
            continue
        if not isinstance(value, str) or not value.strip():
            problems[name] = f"Prefect Secret block {name!r} does not hold the secret as text; {_how_to_create(name)}"
            continue
        values[name] = SecretStr(value.strip())
    known_secrets(values.values())
    return SecretBlocks(values, problems)


def config_secrets(config: Config, only: Iterable[str] | None = None) -> SecretBlocks:
    """Every Secret block ``config`` names (or the ``only`` ones of them), read once on the run's
    Prefect server. Without blocks, nothing is asked of Prefect."""
    names = set(config.secret_blocks())
    return secrets_named(names if only is None else names & set(only))


def secrets_named(names: Iterable[str]) -> SecretBlocks:
    """The named Secret blocks, read on the run's Prefect server (``PREFECT_API_URL``, else a temporary
    one of this process); nothing is asked of Prefect for no names."""
    names = set(names)
    if not names:
        return SecretBlocks()
    from flows.prefect_api import TemporaryServerError, prefect_api

    try:
        with prefect_api():
            return read_secret_blocks(names)
    except TemporaryServerError as error:
        return SecretBlocks({}, {name: f"Prefect Secret block {name!r} could not be read: {error}; set PREFECT_API_URL to the server holding it" for name in names})


def unreadable_source_secret(config: Config, source: str, blocks: SecretBlocks) -> UnreadableSecretBlock | None:
    """The error failing every metric of ``source`` when a Secret block it names could not be read, located in the file."""
    for place in config.sources[source].secret_places:
        if place.block is not None and place.block in blocks.problems:
            return UnreadableSecretBlock(source, ("sources", source, place.block_key), blocks.problems[place.block])
    return None


def _how_to_create(name: str) -> str:
    return (
        f"create it on the Prefect server the sync uses with `prefect block create secret` (named {name}), "
        f"or in Python with Secret(value=...).save({name!r})"
    )
