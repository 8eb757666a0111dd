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
            raise ConfigError(name, [_yaml_problem(error)]) from None
        document = cls(data=None)
        if node is None:
            return document
        problems: list[ConfigProblem] = []
        document._index(node, (), problems, set())
        if problems:
            raise ConfigError(name, problems)
        document.data = _construct(node, name)
        return document

    def _index(self, node: yaml.Node, location: tuple[str | int, ...], problems: list[ConfigProblem], path: set[int]) -> None:
        self.lines.setdefault(location, node.start_mark.line + 1)
        if id(node) in path:
            # An alias inside the node its anchor names: the data would contain itself.
            problems.append(ConfigProblem(location, "not valid YAML: an alias refers to a node that contains it (a cycle)", node.start_mark.line + 1))
            return
        if isinstance(node, yaml.MappingNode):
            path.add(id(node))
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    problems.append(ConfigProblem(location, "not valid YAML: a key must be a plain value such as a name, not a list or mapping", key_node.start_mark.line + 1))
                    continue
                key = key_node.value
                if key in seen:
                    problems.append(ConfigProblem(location + (key,), "key appears twice; the second would silently replace the first", key_node.start_mark.line + 1))
                seen.add(key)
                self.lines[location + (key,)] = key_node.start_mark.line + 1
                self._index(value_node, location + (key,), problems, path)
            path.discard(id(node))
        elif isinstance(node, yaml.SequenceNode):
            path.add(id(node))
            for index, item in enumerate(node.value):
                self._index(item, location + (index,), problems, path)
            path.discard(id(node))

    def line_of(self, location: tuple[str | int, ...]) -> int | None:
        """Line of the deepest known prefix of ``location`` (a missing key points at its parent)."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return None


def _yaml_problem(error: yaml.YAMLError) -> ConfigProblem:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    return ConfigProblem((), f"not valid YAML: {problem}", mark.line + 1 if mark else None)


def _construct_node(node: yaml.Node) -> Any:
    loader = _ConfigLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _construct(node: yaml.Node, name: str) -> Any:
    """Python data from the composed (and checked) node tree; a tag that cannot build its value is located."""
    try:
        return _construct_node(node)
    except yaml.YAMLError as error:
        raise ConfigError(name, [_yaml_problem(error)]) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        # Explicit tags such as ``!!int five`` fail outside PyYAML's own errors: find the scalar.
        line = _failing_scalar_line(node)
        raise ConfigError(name, [ConfigProblem((), f"not valid YAML: {error}", line)]) from None


def _failing_scalar_line(root: yaml.Node) -> int | None:
    pending, visited = [root], set()
    while pending:
        node = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                _construct_node(node)
            except Exception:  # noqa: BLE001 - any failure locates the culprit
                return node.start_mark.line + 1
        elif isinstance(node, yaml.MappingNode):
            pending.extend(item for pair in reversed(node.value) for item in reversed(pair))
        elif isinstance(node, yaml.SequenceNode):
            pending.extend(reversed(node.value))
    return None
