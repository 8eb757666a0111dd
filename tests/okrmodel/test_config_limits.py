"""A config file is read within limits: size, nesting, alias expansion, characters, printed problems.

Each refusal is one located line; none walks an expansion, overflows the stack or reads a huge file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors import load_config, parse_config
from okrmodel.config import ConfigError
from okrmodel.config_errors import MAX_LINE, MAX_SHOWN_PROBLEMS
from okrmodel.yaml_source import MAX_CONFIG_BYTES, MAX_DEPTH, MAX_VALUES, YamlDocument
from tests.okrmodel.test_config import VALID


def refusal(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text)
    return str(caught.value).splitlines()


def billion_laughs(levels: int = 9) -> str:
    """Each level an anchor holding nine aliases of the one before: 9**levels values from a few hundred bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefghijklmnop", "bcdefghijklmnop"[: levels - 1], strict=False):
        lines.append(f"{name}: &{name} [{','.join(['*' + previous] * 9)}]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_is_refused_at_the_alias_that_passes_the_limit():
    text = billion_laughs()
    assert len(text) == 342  # the file the issue reports
    lines = refusal(text)
    # Levels a to e hold about 66,000 values each with their lists; f's second alias of e passes 200,000.
    assert lines == [
        f"okrs.yaml: f[1]: more than {MAX_VALUES:,} values once its aliases are expanded (a large okrs.yaml has tens "
        "of thousands): aliases of anchors that hold aliases multiply (line 6)"
    ]


def test_aliases_within_the_limit_still_load():
    text = billion_laughs(levels=3)  # 729 values
    assert YamlDocument.parse(text, "okrs.yaml").data["c"][8][8] == ["lol"] * 9


@pytest.mark.parametrize("levels", [MAX_DEPTH, 3000])
def test_deep_nesting_is_one_located_line_not_a_recursion_error(levels):
    text = "company: Acme\nperiod: 2026-Q4\nobjectives: " + "[" * levels + "]" * levels + "\n"
    (line,) = refusal(text)
    # libyaml stops at 1,000 levels on its own ("exceeded maximum nesting depth"), PyYAML's parser never.
    assert line.endswith("(line 3)") and "nest" in line
    if levels == MAX_DEPTH:
        assert line == (
            "okrs.yaml: objectives" + "[0]" * (MAX_DEPTH - 1) + f": nested more than {MAX_DEPTH} levels deep, "
            "aliases expanded (an okrs.yaml needs fewer than ten) (line 3)"
        )


def test_nesting_is_counted_with_aliases_expanded():
    half = MAX_DEPTH // 2 + 1
    text = f"a: &deep {'[' * half}1{']' * half}\nb: {'[' * half}*deep{']' * half}\n"
    (line,) = refusal(text)
    assert "nested more than 50 levels deep" in line and line.endswith("(line 2)")
    assert YamlDocument.parse(f"a: &deep {'[' * half}1{']' * half}\nb: [*deep]\n", "okrs.yaml").data["b"]


def test_a_file_past_the_size_limit_is_refused_before_parsing(tmp_path: Path):
    path = tmp_path / "okrs.yaml"
    path.write_text(VALID + "#" * (MAX_CONFIG_BYTES - len(VALID)) + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}: the file is 2.0 MB; an okrs.yaml may be at most 2 MB (a large one is a few hundred KB): is it the right file?"
    )
    with pytest.raises(ConfigError, match="at most 2 MB"):
        parse_config(VALID + "#" * MAX_CONFIG_BYTES)


def test_a_device_that_never_ends_is_read_only_up_to_the_limit():
    with pytest.raises(ConfigError) as caught:
        load_config("/dev/zero")
    assert str(caught.value).startswith("/dev/zero: the file is 2.0 MB; an okrs.yaml may be at most 2 MB")


def test_printed_problems_are_capped_with_a_count_of_the_rest():
    unknown = "".join(f"unknown_{index}: 1\n" for index in range(12_345 + MAX_SHOWN_PROBLEMS))
    lines = refusal(VALID + unknown)
    assert len(lines) == MAX_SHOWN_PROBLEMS + 1
    assert lines[0] == "okrs.yaml: unknown_0: unknown key (line 30)"
    assert lines[-1] == "okrs.yaml: ... and 12,345 more problems"
    with pytest.raises(ConfigError) as caught:
        parse_config(VALID + unknown)
    assert len(caught.value.problems) == 12_345 + MAX_SHOWN_PROBLEMS  # all kept for callers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Unescaped, YAML itself refuses them; PyYAML's message had an unlocated second line.
        ("company: Acme\x01 Cloud\n", "okrs.yaml: not valid YAML: the file contains U+0001 (a control character); remove it (line 1)"),
        ("company: Acme\nperiod: 2026-Q4\x7f\n", "okrs.yaml: not valid YAML: the file contains U+007F (a control character); remove it (line 2)"),
        # Escaped, YAML builds them; no setting can mean them.
        ('company: "Acme\\x00"\n', "okrs.yaml: company: the text contains U+0000 (a control character); remove it (line 1)"),
        ('company: Acme\nowner: "\\e[31mred"\n', "okrs.yaml: owner: the text contains U+001B (a control character); remove it (line 2)"),
        ('company: Acme\n"key\\r": 1\n', "okrs.yaml: the text contains U+000D (a control character); remove it (line 2)"),
    ],
)
def test_control_characters_are_one_located_line(text, expected):
    assert refusal(text) == [expected]


def test_half_a_surrogate_pair_is_one_located_line():
    # libyaml refuses the escape itself, PyYAML builds the half character, which the text check refuses.
    (line,) = refusal('company: Acme\nowner: "Jo \\ud800"\n')
    assert line.startswith("okrs.yaml: ") and line.endswith("(line 2)")
    (line,) = refusal("company: Acme\nowner: Jo \ud800\n")  # unescaped, as from a command line's undecodable bytes
    assert line == "okrs.yaml: not valid YAML: the file contains U+D800 (half of a UTF-16 surrogate pair, not a character); remove it (line 2)"


def test_a_line_break_in_a_key_is_shown_escaped_on_one_line():
    assert refusal(VALID + '"bad\\nkey": 1\n') == ["okrs.yaml: bad\\nkey: unknown key (line 30)"]


def test_bytes_that_are_not_utf8_are_located(tmp_path: Path):
    path = tmp_path / "okrs.yaml"
    path.write_bytes(b"company: Acme\nowner: Jos\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: not UTF-8 text: byte 0xe9 cannot be read; save the file as UTF-8 (line 2)"


def test_a_huge_value_quoted_in_a_message_keeps_the_line_short():
    # Found by the property tests: a time zone name too long for a file name was an OSError traceback.
    (line,) = refusal("company: Acme\nperiod: 2026-Q4\ntimezone: " + "x" * 50_000 + "\n")
    assert line.startswith("okrs.yaml: timezone: unknown time zone 'xxx") and line.endswith("such as 'Europe/Berlin' (line 3)")
    assert len(line) < MAX_LINE + 100 and "characters left out" in line
