"""Property tests: whatever an okrs.yaml holds, reading it loads a config or raises ``ConfigError``
whose every problem is one located line, never anything else.

The files are generated from a valid one: values replaced by anything YAML can say (every type,
.nan and huge numbers, unicode with control characters and halves of surrogate pairs, dates that
do not exist), unknown keys, keys removed, subtrees shared (anchors and aliases, nested), deep
nesting and long text; and raw text, valid or not.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import parse_config
from okrmodel.config import Config, ConfigError
from okrmodel.config_errors import MAX_SHOWN_PROBLEMS
from tests.okrmodel.test_config_bounds import EVERY_MODEL

BASE = yaml.safe_load(EVERY_MODEL)

# Text as a file may hold it: any character (surrogates included), often one YAML gives a meaning to.
TEXT = st.text(st.characters(codec=None), max_size=30) | st.sampled_from(
    ["", " ", "\n", "yes", "null", "~", "0x10", "1_000", ".nan", "-.inf", "2026-02-30", "2026-Q5", "&a", "*a", "{", "- x", "\x00", "\u2028", "\ud800"]
)
NUMBERS = st.integers(min_value=-(10**30), max_value=10**30) | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([10**400, -(10**400), 0, -0.0, 1e-7, 1e300])
DATES = st.dates().map(lambda day: day.isoformat()) | st.sampled_from(["2026-13-01", "2026-02-30", "0000-01-01", "20261001"])
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT | DATES
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT | st.integers(), inner, max_size=4), max_leaves=12)


def _places(data: Any, location: tuple = ()) -> list[tuple]:
    """Every place in ``data`` that holds a value."""
    places = [location]
    if isinstance(data, dict):
        for key, value in data.items():
            places.extend(_places(value, location + (key,)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            places.extend(_places(value, location + (index,)))
    return places


PLACES = [place for place in _places(BASE) if place]


def _parent(data: Any, place: tuple) -> Any:
    for part in place[:-1]:
        data = data[part]
    return data


def _nested(depth: int) -> Any:
    value: Any = "deep"
    for _ in range(depth):
        value = [value]
    return value


def _alias_bomb(levels: int, width: int) -> Any:
    """``levels`` of lists, each holding ``width`` times the same list: dumped as anchors and aliases."""
    value: Any = ["lol"]
    for _ in range(levels):
        value = [value] * width
    return value


@st.composite
def edited_configs(draw: st.DrawFn) -> str:
    """The full example with a few edits, dumped to YAML (shared subtrees become anchors and aliases)."""
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        place = draw(st.sampled_from(PLACES))
        try:
            parent = _parent(data, place)
            parent[place[-1]]  # noqa: B018 - still there after earlier edits
        except (KeyError, IndexError, TypeError):
            continue
        if not isinstance(parent, dict | list):  # an earlier edit put text where a mapping was
            continue
        edit = draw(st.sampled_from(["value", "value", "remove", "unknown key", "share", "nest", "bomb", "long"]))
        if edit == "value":
            parent[place[-1]] = draw(VALUES)
        elif edit == "remove":
            del parent[place[-1]]
        elif edit == "unknown key" and isinstance(parent, dict):
            parent[draw(TEXT)] = draw(VALUES)
        elif edit == "share":
            # The same object in two places: an anchor and its alias.
            other = draw(st.sampled_from(PLACES))
            try:
                parent[place[-1]] = _parent(data, other)[other[-1]]
            except (KeyError, IndexError, TypeError):
                continue
        elif edit == "nest":
            parent[place[-1]] = _nested(draw(st.integers(min_value=1, max_value=80)))
        elif edit == "bomb":
            parent[place[-1]] = _alias_bomb(draw(st.integers(min_value=1, max_value=12)), draw(st.integers(min_value=2, max_value=12)))
        else:
            parent[place[-1]] = draw(st.sampled_from(["x", "\u00e9", "\U0001f600", "\x07"])) * draw(st.integers(min_value=1, max_value=50_000))
    try:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=draw(st.booleans()), width=draw(st.sampled_from([80, 10**6])))
    except yaml.YAMLError:  # PyYAML's emitter cannot write every Python value; a file cannot hold it either
        return yaml.safe_dump(BASE)


RAW_TEXT = st.text(st.characters(codec=None), max_size=200) | st.builds(
    lambda text, at, insert: text[:at] + insert + text[at:],
    st.just(EVERY_MODEL), st.integers(min_value=0, max_value=len(EVERY_MODEL)), st.text(st.characters(codec=None), min_size=1, max_size=5),
)


def assert_loads_or_one_line_per_problem(text: str) -> Config | None:
    try:
        return parse_config(text)
    except ConfigError as error:
        lines = str(error).splitlines()
        assert 1 <= len(lines) <= MAX_SHOWN_PROBLEMS + 1
        assert len(lines) == min(len(error.problems), MAX_SHOWN_PROBLEMS) + (len(error.problems) > MAX_SHOWN_PROBLEMS)
        for problem in error.problems:
            line = problem.render("okrs.yaml")
            assert line.startswith("okrs.yaml: ") and "\n" not in line and "\r" not in line
            assert "Input should" not in line and "Value error" not in line, line
            assert line.isprintable(), line
        return None


@settings(max_examples=150)
@given(edited_configs())
def test_an_edited_config_loads_or_is_refused_in_located_lines(text):
    assert_loads_or_one_line_per_problem(text)


@settings(max_examples=150)
@given(RAW_TEXT)
def test_any_text_loads_or_is_refused_in_located_lines(text):
    assert_loads_or_one_line_per_problem(text)
