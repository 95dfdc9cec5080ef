"""Docker tags follow release lines; image names are valid image paths."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry_action.core.docker import docker_tags, image_name, is_reference
from registry_action.core.errors import InvalidName
from registry_action.core.grammar import ModelName
from registry_action.core.versions import Version

LINES = ["v0.9.0", "v1.0.0", "v1.1.0", "v1.1.1", "v1.2.0", "v2.0.0", "v2.1.0-rc.1", "v2.0.1+b.7"]


def tags(version: str, registered: list[str] = LINES) -> list[str]:
    return docker_tags(Version.parse(version), [Version.parse(v) for v in registered])


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("v2.0.0", ["2.0.0", "2.0", "2", "latest"]),  # the greatest release
        ("v1.2.0", ["1.2.0", "1.2", "1"]),  # greatest of 1.x, not of the model
        ("v1.1.1", ["1.1.1", "1.1"]),  # a patch on an old line moves only that line
        ("v1.1.0", ["1.1.0"]),  # superseded within its own line
        ("v0.9.0", ["0.9.0", "0.9"]),  # no `0` tag
        ("v2.1.0-rc.1", ["2.1.0-rc.1"]),  # prereleases: only their own tag
        ("v2.0.1+b.7", ["2.0.1_b.7"]),  # build metadata: `+` is not allowed in a tag
        ("v1.0.0-rc.1+exp.sha.5114f85", ["1.0.0-rc.1_exp.sha.5114f85"]),
    ],
)
def test_release_lines(version: str, expected: list[str]) -> None:
    assert tags(version) == expected


def test_patch_to_old_line_after_newer_release_does_not_move_latest() -> None:
    assert "latest" not in tags("v1.2.1", [*LINES, "v1.2.1"])
    assert tags("v1.2.1", [*LINES, "v1.2.1"]) == ["1.2.1", "1.2", "1"]


def test_first_release_gets_every_tag() -> None:
    assert tags("v1.0.0", []) == ["1.0.0", "1.0", "1", "latest"]


def test_prereleases_do_not_hold_lines_back() -> None:
    assert tags("v2.0.0", ["v2.0.0", "v3.0.0-rc.1"]) == ["2.0.0", "2.0", "2", "latest"]


_DOCKER_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


@given(
    st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)),
    st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)), max_size=20),
)
def test_every_tag_is_valid_and_latest_is_unique(
    mine: tuple[int, int, int], others: list[tuple[int, int, int]]
) -> None:
    registered = [Version.parse("v{}.{}.{}".format(*v)) for v in {mine, *others}]
    for v in registered:
        assert all(_DOCKER_TAG.fullmatch(t) for t in docker_tags(v, registered))
    # Each moving tag (X.Y, X, latest) is carried by exactly one version: the greatest there.
    carriers: dict[str, list[Version]] = {}
    for v in registered:
        for t in docker_tags(v, registered)[1:]:
            carriers.setdefault(t, []).append(v)
    assert all(len(vs) == 1 for vs in carriers.values())
    assert carriers["latest"] == [max(registered)]


@pytest.mark.parametrize(
    ("model", "image"),
    [
        ("churn", "churn"),
        ("cv:pool-segmentation", "cv/pool-segmentation"),
        ("Models/CV:Seg_Net", "models/cv/seg_net"),
        ("deep.x/models:a", "deep.x/models/a"),
        ("a.-b:n", "a-b/n"),
        ("a--b:c__d", "a--b/c__d"),
        ("x_-y:n", "x-y/n"),
    ],
)
def test_image_name(model: str, image: str) -> None:
    assert image_name(ModelName.parse(model)) == image


_IMAGE = re.compile(
    r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
)


@given(
    st.from_regex(
        r"(?:[a-zA-Z0-9\-_./]{1,12}:)?[a-zA-Z0-9](?:[a-zA-Z0-9\-/_]{0,12}[a-zA-Z0-9])?",
        fullmatch=True,
    )
)
def test_image_names_are_always_valid(text: str) -> None:
    try:
        model = ModelName.parse(text)
    except InvalidName:  # only a name the grammar refuses may be skipped
        return
    assert _IMAGE.fullmatch(image_name(model))


# Cases of distribution/reference's TestReferenceParse (reference_test.go) that the grammar
# alone decides (digest algorithms and lengths are checked after it, by go-digest).
F64 = "f" * 64
VALID = [
    "test_com", "test.com:tag", "test.com:5000", "test.com/repo:tag", "test:5000/repo",
    "test:5000/repo:tag", f"test:5000/repo@sha256:{F64}", f"test:5000/repo:tag@sha256:{F64}",
    "lowercase:Uppercase", "a/" * 127 + "a:tag-puts-this-over-max",
    "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
    "b.gcr.io/test.example.com/my-app:test.example.com", "xn--n3h.com/myimage:xn--n3h.com",
    "foo_bar.com:8080", "foo/foo_bar.com:8080", "192.168.1.1", "192.168.1.1:5000/repo:5050",
    "[2001:db8::1]/repo", "[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8::1]:5000/repo:tag",
    f"[2001:db8::1]:5000/repo:tag@sha256:{F64}", "[::1]:5000/repo", "a__b/c---d",
]  # fmt: skip
INVALID = [
    "", ":justtag", f"@sha256:{F64}", "Uppercase:tag", "test:5000/Uppercase/lowercase:tag",
    "a/" * 128 + "a:tag", "aa/asdf$$^/aa", "[2001:db8::1]", "[2001:db8::1]:5000",
    "[2001:db8::1]:tag", "[fe80::1%eth0]:5000/repo", "[fe80::1%@invalidzone]:5000/repo",
    "a:" + "t" * 129, "a:-tag", "a:é", "a___b", "a/", "a//b", "a@sha256:" + "f" * 31,
]  # fmt: skip


@pytest.mark.parametrize("reference", VALID)
def test_dockers_grammar_accepts(reference: str) -> None:
    assert is_reference(reference)


@pytest.mark.parametrize("reference", INVALID)
def test_dockers_grammar_refuses(reference: str) -> None:
    assert not is_reference(reference)


def test_long_versions_still_make_valid_tags() -> None:
    [tag] = tags("v1.0.0-" + "a" * 200)
    assert _DOCKER_TAG.fullmatch(tag) and tag.startswith("1.0.0-aaa")
    huge = "v" + "9" * 130 + ".0.0"
    assert all(_DOCKER_TAG.fullmatch(t) for t in tags(huge, [huge]))
