"""YAML parsing that remembers where each value came from, within limits.

PyYAML's plain ``safe_load`` forgets line numbers and lets a repeated key
silently overwrite the first one; both would make a config error hard to find.
It also has no limits: a few hundred bytes of nested anchors (a "billion
laughs") expand to billions of values, deep nesting overflows Python's stack,
and a huge file takes minutes. Every config is read here, so the limits hold
for every command and the nightly flow; each refusal is one located problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from okrmodel.config_errors import ConfigError, ConfigProblem

__all__ = ["MAX_CONFIG_BYTES", "MAX_DEPTH", "MAX_VALUES", "YamlDocument", "file_too_large", "unreadable_character"]

MAX_CONFIG_BYTES = 2 * 1024 * 1024
"""A large okrs.yaml (hundreds of key results) is a few hundred KB; a bigger file is the wrong file."""
MAX_DEPTH = 50
"""Levels of nesting, aliases expanded; an okrs.yaml needs fewer than ten."""
MAX_VALUES = 200_000
"""Values (keys, scalars, lists, mappings) once every alias is expanded; a large okrs.yaml has tens of thousands."""

# What a value may contain: what YAML allows unescaped in a file, without line-break
# look-alikes (CR, NEL). An escape ("\x00", "\ud800") yields the rest, which no setting
# can mean and which breaks one-line messages, terminals and databases (PostgreSQL refuses NUL).
_UNREADABLE = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NOT_YAML = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What YAML itself refuses in a file (its reader's check)."""


def unreadable_character(text: str) -> str | None:
    """Why ``text`` cannot be a value (a control character or half of a surrogate pair), or None."""
    match = _UNREADABLE.search(text)
    if match is None:
        return None
    code = ord(match.group())
    kind = "half of a UTF-16 surrogate pair, not a character" if 0xD800 <= code <= 0xDFFF else "a control character"
    return f"contains U+{code:04X} ({kind}); remove it"


class _Refused(Exception):
    """A limit was passed while composing: stop at once, with where."""

    def __init__(self, problem: ConfigProblem):
        super().__init__(problem.message)
        self.problem = problem


if yaml.__with_libyaml__:
    from yaml.cyaml import CParser as _EventParser
else:  # PyYAML built without libyaml: the same events, ten times slower
    class _EventParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _ConfigLoader(yaml.composer.Composer, _EventParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """A safe loader (events from libyaml where PyYAML has it, composed here) that leaves dates
    as text (the schema parses and locates them) and counts, while composing, the depth and
    values each node stands for with its aliases expanded, refusing past the limits before
    anything walks the expansion."""

    def __init__(self, stream: str):
        _EventParser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.problems: list[ConfigProblem] = []
        self._depth = 0
        self._values = 0
        self._extent: dict[int, tuple[int, int]] = {}
        """id(node) -> (values, depth) of the node with its aliases expanded."""
        self._open_anchors: set[str] = set()
        self._location: list[str | int] = []

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        part = _location_part(parent, index)
        if part is not None:
            self._location.append(part)
        try:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent):
                if event.anchor in self._open_anchors:
                    self._refuse("not valid YAML: an alias refers to a node that contains it (a cycle)", event.start_mark)
                node = super().compose_node(parent, index)
                self._count(*self._extent[id(node)], event.start_mark)
                return node
            self._count(1, 1, event.start_mark)
            if isinstance(event, yaml.ScalarEvent):
                self._check_characters(event)
            collection_anchor = event.anchor if isinstance(event, yaml.CollectionStartEvent) else None
            if collection_anchor is not None:
                self._open_anchors.add(collection_anchor)
            self._depth += 1
            try:
                node = super().compose_node(parent, index)
            finally:
                self._depth -= 1
                self._open_anchors.discard(collection_anchor)
            self._extent[id(node)] = self._measure(node)
            return node
        finally:
            if part is not None:
                self._location.pop()

    def _count(self, values: int, depth: int, mark: yaml.Mark) -> None:
        self._values += values
        if self._values > MAX_VALUES:
            self._refuse(
                f"more than {MAX_VALUES:,} values once its aliases are expanded (a large okrs.yaml has tens of thousands): "
                "aliases of anchors that hold aliases multiply",
                mark,
            )
        if self._depth + depth > MAX_DEPTH:
            self._refuse(f"nested more than {MAX_DEPTH} levels deep, aliases expanded (an okrs.yaml needs fewer than ten)", mark)

    def _measure(self, node: yaml.Node) -> tuple[int, int]:
        if isinstance(node, yaml.SequenceNode):
            children = [self._extent[id(child)] for child in node.value]
        elif isinstance(node, yaml.MappingNode):
            children = [self._extent[id(item)] for pair in node.value for item in pair]
        else:
            return 1, 1
        return 1 + sum(values for values, _ in children), 1 + max((depth for _, depth in children), default=0)

    def _check_characters(self, event: yaml.ScalarEvent) -> None:
        reason = unreadable_character(event.value)
        if reason is not None:
            self.problems.append(ConfigProblem(tuple(self._location), f"the text {reason}", event.start_mark.line + 1))

    def _refuse(self, message: str, mark: yaml.Mark) -> None:
        raise _Refused(ConfigProblem(tuple(self._location), message, mark.line + 1))


def _location_part(parent: yaml.Node | None, index: Any) -> str | int | None:
    """The location step of a node composed under ``parent``: an index, a key, or none (a key itself, the root)."""
    if isinstance(parent, yaml.SequenceNode):
        return index
    if isinstance(parent, yaml.MappingNode) and isinstance(index, yaml.Node):
        return index.value if isinstance(index, yaml.ScalarNode) else "?"
    return None


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
        if len(text) > MAX_CONFIG_BYTES:
            raise ConfigError(name, [file_too_large(len(text.encode("utf-8", "surrogatepass")))])
        node, problems = _compose(text, name)
        document = cls(data=None)
        if node is None:
            return document
        document._index(node, (), problems)
        if problems:
            # An anchor's problem would repeat at each of its aliases: once, in the file's order.
            once = {(problem.line, problem.message): problem for problem in reversed(problems)}
            raise ConfigError(name, sorted(once.values(), key=lambda problem: problem.line or 0))
        document.data = _construct(node, name)
        return document

    def _index(self, node: yaml.Node, location: tuple[str | int, ...], problems: list[ConfigProblem]) -> None:
        # Walks aliases expanded, as the data will be: composing bounded the expansion and refused cycles.
        self.lines.setdefault(location, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
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
                self._index(value_node, location + (key,), problems)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._index(item, location + (index,), problems)

    def line_of(self, location: tuple[str | int, ...]) -> int | None:
        """Line of the deepest known prefix of ``location`` (a missing key points at its parent)."""
        for end in range(len(location), -1, -1):
            line = self.lines.get(tuple(location[:end]))
            if line is not None:
                return line
        return None


def file_too_large(size: int) -> ConfigProblem:
    """The file (or text) of ``size`` bytes is past ``MAX_CONFIG_BYTES``."""
    return ConfigProblem((), f"the file is {size / 1024 / 1024:.1f} MB; an okrs.yaml may be at most {MAX_CONFIG_BYTES // 1024 // 1024} MB "
                             "(a large one is a few hundred KB): is it the right file?")


def _compose(text: str, name: str) -> tuple[yaml.Node | None, list[ConfigProblem]]:
    # YAML refuses these characters unescaped; found here, the line is known (PyYAML's
    # reader counts a position, libyaml's in bytes, and both print it on a second line).
    raw = _NOT_YAML.search(text)
    if raw is not None:
        line = text.count("\n", 0, raw.start()) + 1
        raise ConfigError(name, [ConfigProblem((), f"not valid YAML: the file {unreadable_character(raw.group())}", line)])
    loader = None
    try:
        loader = _ConfigLoader(text)
        return loader.get_single_node(), loader.problems
    except _Refused as refused:
        raise ConfigError(name, [refused.problem]) from None
    except yaml.YAMLError as error:
        raise ConfigError(name, [_yaml_problem(error)]) from None
    finally:
        if loader is not None:
            loader.dispose()


def _yaml_problem(error: yaml.YAMLError) -> ConfigProblem:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
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
    except (ValueError, TypeError, OverflowError) as error:
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
