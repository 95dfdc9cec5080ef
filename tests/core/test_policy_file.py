"""The policy file: what it may say, and every refusal with its file and line."""

from __future__ import annotations

import pytest

from registry_action.core.errors import ConfigError
from registry_action.core.policy import POLICY_FILE, PolicyError, StageRule, parse_policy

GOOD = """\
stages:
  staging: { from: [dev] }
  prod:
    from: [staging]
    branches: [main, release/2026]
  dev:
"""


def test_the_rules_as_written() -> None:
    policy = parse_policy(GOOD, ref="main (abc)")
    assert policy is not None and policy.ref == "main (abc)"
    assert policy.rule("prod") == StageRule("prod", ("staging",), ("main", "release/2026"), 3)
    assert policy.rule("staging") == StageRule("staging", ("dev",), None, 2)
    assert policy.rule("dev") == StageRule("dev", None, None, 6)  # listed, free
    assert policy.rule("qa") is None  # not listed: free


def test_no_file_is_no_policy_and_an_empty_one_has_no_rules() -> None:
    assert parse_policy(None) is None
    empty = parse_policy("")
    assert empty is not None and empty.rules == {}
    assert parse_policy("stages:\n").rules == {}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("stages:\n  prod: {from: [staging]}\nowners: [me]\n", 3, "unknown key 'owners'"),
        (
            "stages:\n  prod:\n    from: [staging]\n    reviewers: [x]\n",
            4,
            "unknown key 'reviewers'",
        ),
        ("stages:\n  prod:\n    from: staging\n", 3, "not a list of names"),
        ("stages:\n  prod:\n    branches: [main, {a: b}]\n", 3, "not a list of names"),
        ("stages:\n  prod:\n    from: []\n", 3, "empty list"),
        ("stages: [prod]\n", 1, "'stages'"),
        ("stages:\n  prod: [staging]\n", 2, "is not a mapping"),
        ("- a\n", 1, "not a YAML mapping"),
        ("stages:\n  'bad stage': {}\n", 2, "is not valid"),
        ("stages:\n  prod:\n    from: [ok, 'no good']\n", 3, "is not valid"),
        ("stages:\n  prod:\n    branches: [main, 'a..b']\n", 3, "not a valid branch name"),
        ("stages:\n  prod: {from: [staging]\n", 3, "not valid YAML"),
        ("stages:\n  prod: {}\n  prod: {}\n", 3, "duplicate key"),
    ],
)
def test_refused_with_the_file_and_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text)
    assert (caught.value.file, caught.value.line) == (POLICY_FILE, line), caught.value.message
    assert words in caught.value.message
    assert POLICY_FILE in caught.value.message


def test_stages_gto_does_not_allow_are_refused_at_their_line() -> None:
    gto = "stages: [dev, staging, prod]\n"
    assert parse_policy(GOOD, gto) is not None
    with pytest.raises(PolicyError) as caught:
        parse_policy("stages:\n  prod:\n    from: [dev, qa]\n", gto)
    assert caught.value.line == 3 and "'qa', which .gto does not allow" in caught.value.message
    with pytest.raises(PolicyError) as caught:
        parse_policy("stages:\n  canary: {}\n", gto)
    assert caught.value.line == 2
    assert parse_policy("stages:\n  canary: {}\n", "") is not None  # `.gto` lists none
    with pytest.raises(ConfigError):
        parse_policy(GOOD, "stages: dev\n")  # `.gto` itself unreadable


def test_the_file_is_bounded_as_every_file() -> None:
    with pytest.raises(PolicyError, match="larger than"):
        parse_policy("stages:\n" + "  # padding\n" * 60_000)
    with pytest.raises(PolicyError, match="not a text file"):
        parse_policy("stages:\x00\n")
