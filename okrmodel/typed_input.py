"""What people type for a check-in (the CLI's arguments, the console's form), read strictly.

One place decides what a value or a note may be, so ``okr checkin`` and the console's
check-in form accept and refuse exactly the same text, with the same located message.
"""

from __future__ import annotations

import math
import re

from okrmodel.config import LARGEST_AMOUNT
from okrmodel.yaml_source import unreadable_character

__all__ = ["InputProblem", "read_line", "read_number"]

_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
"""A decimal number as people type it. Python's float() takes more that nobody means as a value:
nan, inf, 1_000, and digits of other scripts."""


class InputProblem(ValueError):
    """Typed text that is not what ``name`` takes; the message starts with ``name``."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{name}: {message}")


def read_number(text: str, name: str) -> float:
    """A number as people type it (``3``, ``1250.5``, ``-2``, ``1e6``), within ``LARGEST_AMOUNT``;
    ``InputProblem`` echoing ``text`` (shortened) otherwise. ``-0`` is 0."""
    written = text.strip()
    advice = "give the value reached, such as 3 or 1250.5"
    if written.lstrip("+-").lower() in ("nan", "inf", "infinity"):
        raise InputProblem(name, f"{_shown(text)} is not a finite number; {advice}")
    if not _NUMBER.fullmatch(written):
        hint = ": decimals take a dot, thousands no separator" if "," in text or "_" in text else ""
        raise InputProblem(name, f"{_shown(text)} is not a number{hint}; {advice}")
    number = float(written)
    if not math.isfinite(number) or abs(number) > LARGEST_AMOUNT:
        raise InputProblem(name, f"{_shown(text)} is too large; a value is at most {LARGEST_AMOUNT:,.0f} either side of 0")
    return number + 0.0  # -0.0 + 0.0 is 0.0: "-0" would show as -0


def read_line(text: str | None, name: str, max_length: int | None = None) -> str | None:
    """A note or name: one line of characters (a control character, an undecodable byte or a line
    break is refused, named by ``name``), at most ``max_length`` characters when given."""
    if text is None:
        return None
    reason = "contains a line break; give one line" if "\n" in text or "\r" in text else unreadable_character(text)
    if reason is not None:
        raise InputProblem(name, f"{_shown(text)} {reason}")
    if max_length is not None and len(text) > max_length:
        raise InputProblem(name, f"is {len(text):,} characters long; give at most {max_length:,}")
    return text


def _shown(text: str) -> str:
    """``text`` quoted for a message, escaped, at most about 40 characters of it."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text):,} characters)"
