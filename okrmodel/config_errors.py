"""Located configuration problems, reported all at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, replace

__all__ = ["ConfigError", "ConfigProblem", "did_you_mean", "format_location"]


def format_location(location: tuple[str | int, ...]) -> str:
    """``('objectives', 0, 'key_results', 1, 'metric')`` -> ``objectives[0].key_results[1].metric``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config file, and where."""

    location: tuple[str | int, ...]
    message: str
    line: int | None = None

    def with_line(self, line: int | None) -> ConfigProblem:
        return replace(self, line=line)

    def render(self, file_name: str) -> str:
        where = format_location(self.location)
        text = f"{file_name}: {where}: {self.message}" if where else f"{file_name}: {self.message}"
        return f"{text} (line {self.line})" if self.line else text


class ConfigError(Exception):
    """The config file is invalid; the user must edit it. Never retried."""

    def __init__(self, file_name: str, problems: list[ConfigProblem]):
        self.file_name = file_name
        self.problems = problems
        super().__init__("\n".join(problem.render(file_name) for problem in problems))


def did_you_mean(word: str, candidates: Iterable[str], n: int = 1) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``candidates``, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=n)
    return f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
