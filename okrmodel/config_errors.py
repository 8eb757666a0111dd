"""Located configuration problems, reported all at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, replace

__all__ = ["MAX_LINE", "MAX_SHOWN_PROBLEMS", "ConfigError", "ConfigProblem", "did_you_mean", "format_location"]

MAX_LINE = 1000
"""Characters of a problem's line before its middle is left out."""
MAX_SHOWN_PROBLEMS = 50
"""Problems a message lists; past them it says how many more. A wrong file can have hundreds of
thousands, and the first fifty say what is wrong with it."""


def format_location(location: tuple[str | int, ...]) -> str:
    """``('objectives', 0, 'key_results', 1, 'metric')`` -> ``objectives[0].key_results[1].metric``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part:
            text += "['']"  # an empty key, which would otherwise vanish
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
        """One line, whatever the file holds: a line break, control or other unprintable
        character in a key, a value or the file's name is shown escaped (``\\n``, ``\\x01``)."""
        where = format_location(self.location)
        text = f"{file_name}: {where}: {self.message}" if where else f"{file_name}: {self.message}"
        text = "".join(character if character.isprintable() else repr(character)[1:-1] for character in text)
        if len(text) > MAX_LINE:
            # A message quoting a huge value (a pasted file, say) keeps its start and end.
            text = f"{text[: MAX_LINE // 2]} ... ({len(text) - MAX_LINE:,} characters left out) ... {text[-MAX_LINE // 4:]}"
        return f"{text} (line {self.line})" if self.line else text


class ConfigError(Exception):
    """The config file is invalid; the user must edit it. Never retried."""

    def __init__(self, file_name: str, problems: list[ConfigProblem]):
        self.file_name = file_name
        self.problems = problems
        lines = [problem.render(file_name) for problem in problems[:MAX_SHOWN_PROBLEMS]]
        if len(problems) > MAX_SHOWN_PROBLEMS:
            lines.append(f"{file_name}: ... and {len(problems) - MAX_SHOWN_PROBLEMS:,} more problems")
        super().__init__("\n".join(lines))


def did_you_mean(word: str, candidates: Iterable[str], n: int = 1) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``candidates``, or an empty string."""
    close = difflib.get_close_matches(word, list(candidates), n=n)
    return f" (did you mean {', '.join(map(repr, close))}?)" if close else ""
