"""Writing a metric's mapping back into ``okrs.yaml``: the whole new file validated first,
comments, order and quoting kept (ruamel.yaml's round trip), written atomically.

Only the ``metrics:`` entry changes; ``yaml_snippet`` is the same entry for pasting by hand.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from connectors import parse_config
from okrmodel.config import Config, ConfigError

__all__ = ["MappingNotWritten", "definition_yaml", "with_metric", "write_metric", "yaml_snippet"]


class MappingNotWritten(Exception):
    """The file was left as it was: the new file would not be valid, or could not be written."""


def _yaml() -> YAML:
    yaml = YAML()  # round trip: comments, key order, flow style and quotes kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long title
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _definition(data: dict[str, Any]) -> CommentedMap:
    """The mapping as a block of its own, keys in the order given."""
    block = CommentedMap()
    for key, value in data.items():
        block[key] = value
    return block


def yaml_snippet(name: str, data: dict[str, Any]) -> str:
    """``metrics:`` with the one entry, ready to paste into ``okrs.yaml``."""
    stream = io.StringIO()
    _yaml().dump({"metrics": {name: _definition(data)}}, stream)
    return stream.getvalue()


def definition_yaml(data: dict[str, Any]) -> str:
    """The mapping alone, as block YAML at the left margin: what the preview form's definition field takes."""
    stream = io.StringIO()
    _yaml().dump(_definition(data), stream)
    return stream.getvalue().strip()


def with_metric(text: str, name: str, data: dict[str, Any]) -> str:
    """``text`` with ``metrics: name:`` set to ``data`` (added last, or replaced in place)."""
    yaml = _yaml()
    try:
        document = yaml.load(text)
    except YAMLError as error:
        raise MappingNotWritten(f"the file is no longer readable YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(document, CommentedMap):
        raise MappingNotWritten("the file is not a mapping of settings")
    if document.get("metrics") is None:
        document["metrics"] = CommentedMap()
    document["metrics"][name] = _definition(data)
    stream = io.StringIO()
    yaml.dump(document, stream)
    return stream.getvalue()


def write_metric(path: Path, config: Config, name: str, data: dict[str, Any]) -> None:
    """Set the mapping ``name`` in the file at ``path`` when the whole new file is valid.
    ``MappingNotWritten`` (every problem listed, located in the new file) leaves the file untouched."""
    text = path.read_text(encoding="utf-8")
    new_text = with_metric(text, name, data)
    try:
        parse_config(new_text, name=config.file_name, base_dir=path.parent)
    except ConfigError as error:
        raise MappingNotWritten(f"not written, the file would not be valid:\n{error}") from None
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(new_text)
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise MappingNotWritten(f"could not write {path}: {error.strerror or error}") from None
