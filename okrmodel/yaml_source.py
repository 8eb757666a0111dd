"""YAML parsing that remembers where each value came from.

PyYAML's plain ``safe_load`` forgets line numbers and lets a repeated key
silently overwrite the first one; both would make a config error hard to find.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from okrmodel.config_errors import ConfigError, ConfigProblem

__all__ = ["YamlDocument"]


class _ConfigLoader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text, so the schema parses (and locates) them."""


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class YamlDocument:
    """Parsed data plus the line (1-based) where each location starts."""

    data: Any
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str, name: str) -> YamlDocument:
        try:
            node = yaml.compose(text, Loader=_ConfigLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            problem = getattr(error, "problem", None) or str(error)
            raise ConfigError(name, [ConfigProblem((), f"not valid YAML: {problem}", mark.line + 1 if mark else None)]) from None
        document = cls(data=None)
        if node is None:
            return document
        duplicates: list[ConfigProblem] = []
        document._index(node, (), duplicates)
        if duplicates:
            raise ConfigError(name, duplicates)
        document.data = yaml.load(text, Loader=_ConfigLoader)
        return document

    def _index(self, node: yaml.Node, location: tuple[str | int, ...], duplicates: list[ConfigProblem]) -> None:
        self.lines.setdefault(location, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    duplicates.append(ConfigProblem(location + (key,), "key appears twice; the second would silently replace the first", key_node.start_mark.line + 1))
                seen.add(key)
                self.lines[location + (key,)] = key_node.start_mark.line + 1
                self._index(value_node, location + (key,), duplicates)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index(item, location + (index,), duplicates)

    def line_of(self, location: tuple[str | int, ...]) -> int | None:
        """Line of the deepest known prefix of ``location`` (a missing key points at its parent)."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return None
