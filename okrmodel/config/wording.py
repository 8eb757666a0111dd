"""pydantic's validation errors in the product's words, at the place the file has them.

pydantic words its errors for programmers ("Input should be a valid dictionary or instance of
EmailSettings") and puts into their locations the members of a union it tried (``period.str``,
``period.list[str]``, ``where.x.function-after[...]``), which no file has. A user gets one
problem per place instead, in terms of YAML: text, a number, a list, a mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from okrmodel.config_errors import did_you_mean

__all__ = ["in_words", "join_alternatives", "kind_expected", "user_location"]

_KIND_OF_VALUE = {
    "float_type": "a number", "float_parsing": "a number",
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "bool_type": "true or false", "bool_parsing": "true or false",
    "string_type": "text", "string_unicode": "text",
    "list_type": "a list", "tuple_type": "a list", "set_type": "a list",
    "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping",
    "date_type": "a date such as 2026-10-31 (YYYY-MM-DD)", "date_parsing": "a date such as 2026-10-31 (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date such as 2026-10-31 (YYYY-MM-DD)", "date_from_datetime_inexact": "a date such as 2026-10-31 (YYYY-MM-DD)",
}
_BOUNDS = {"greater_than": ("gt", "more than"), "greater_than_equal": ("ge", "at least"), "less_than": ("lt", "less than"), "less_than_equal": ("le", "at most")}
_KEEP_LAST = {"missing", "extra_forbidden", "union_tag_not_found"}
"""Errors whose last location step is a key the file lacks (or should lack)."""


def user_location(location: tuple[str | int, ...], data: Any, error_type: str) -> tuple[str | int, ...]:
    """``location`` without the steps pydantic adds (union members, ``[key]``): only the keys and
    indexes ``data`` (the file's data) has, and the missing or unknown key an error is about."""
    kept: list[str | int] = []
    node = data
    for step, part in enumerate(location):
        if isinstance(node, dict) and part in node:
            kept.append(str(part) if not isinstance(part, str) else part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            kept.append(part)
            node = node[part]
        elif step == len(location) - 1 and error_type in _KEEP_LAST:
            kept.append(part)
    return tuple(kept)


def kind_expected(item: dict[str, Any]) -> str | None:
    """The kind of value (text, a number, a list...) an error says the value is not, or None
    when the value was of the right kind and wrong in itself (too large, unknown, empty)."""
    return _KIND_OF_VALUE.get(item["type"])


def in_words(item: dict[str, Any]) -> str:
    """One pydantic error (an item of ``ValidationError.errors()``) as the product says it."""
    kind, context = item["type"], item.get("ctx") or {}
    if kind in _KIND_OF_VALUE:
        message = f"must be {_KIND_OF_VALUE[kind]}"
    elif kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        message = f"must be {words} {_number(context[key])}"
    elif kind == "finite_number":
        message = "must be a finite number, not .nan or .inf"
    elif kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required key is missing"
    elif kind == "string_too_short":
        message = "must not be empty" if context.get("min_length") == 1 else f"must be at least {context['min_length']} characters"
    elif kind == "string_too_long":
        message = f"must be at most {context['max_length']:,} characters"
    elif kind == "too_short":
        message = f"must list at least {_items(context['min_length'])}"
    elif kind == "too_long":
        message = f"must list at most {_items(context['max_length'])}"
    elif kind in ("literal_error", "enum"):
        given = item.get("input")
        choices = re.findall(r"'([^']*)'", context.get("expected", ""))
        hint = did_you_mean(given, choices) if isinstance(given, str) else ""
        message = f"must be one of {context.get('expected', '')}{hint}"
    elif kind == "string_pattern_mismatch":
        message = f"must match the pattern {context['pattern']}"
    elif item["msg"].startswith("Value error, "):
        message = item["msg"][len("Value error, "):]
    else:
        message = item["msg"]
    if item["loc"] and item["loc"][-1] == "[key]":
        message = f"the name {message}"
    return message


def join_alternatives(messages: Iterable[tuple[str, str | None]]) -> str:
    """The problems pydantic found at one place, as ``(message, kind expected)``, as one message.

    Where the members of a union were tried, a member the value had the kind for says what
    is wrong with it (``must be at least 1``); if none had, the kinds are listed: ``must be
    text, a number, true/false or a list``.
    """
    messages = list(messages)
    specific = list(dict.fromkeys(message for message, kind in messages if kind is None))
    if specific:
        return "; ".join(specific)
    kinds = list(dict.fromkeys(kind for _, kind in messages if kind is not None))
    if "a number" in kinds and "a whole number" in kinds:
        kinds.remove("a whole number")
    if len(kinds) > 1:
        kinds = [kind.replace("true or false", "true/false") for kind in kinds]
        return f"must be {', '.join(kinds[:-1])} or {kinds[-1]}"
    return f"must be {kinds[0]}"


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"
