"""Version names and bumps, refereed by `semver` (strict) and GTO 1.10's `gto.versions.SemVer`."""

from __future__ import annotations

import itertools

import pytest
import semver
from gto.versions import SemVer
from hypothesis import example, given
from hypothesis import strategies as st

from registry_action.core.errors import InvalidInput, InvalidVersion
from registry_action.core.grammar import parse_tag
from registry_action.core.versions import FIRST, PARTS, Bump, Version, next_version
from tests.helpers import PROPERTY


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("0.0.1", "Did you mean 'v0.0.1'?"),
        ("V1.0.0", "Did you mean 'v1.0.0'?"),
        ("2.0.0-rc.1", "Did you mean 'v2.0.0-rc.1'?"),
        ("v1.0", "Use 'v' followed by SemVer 2.0.0"),
        ("v1", "Use 'v' followed by SemVer 2.0.0"),
        ("v1.0.new", "Use 'v' followed by SemVer 2.0.0"),
        ("v01.0.0", "Use 'v' followed by SemVer 2.0.0"),
        ("v1.01.0", "Use 'v' followed by SemVer 2.0.0"),
        ("v1.0.0-01", "Use 'v' followed by SemVer 2.0.0"),
        ("v1.0.0-", "Use 'v' followed by SemVer 2.0.0"),
        ("v1.0.0+", "Use 'v' followed by SemVer 2.0.0"),
        ("v1.0.0-rc..1", "Use 'v' followed by SemVer 2.0.0"),
        ("v1.0.0 ", "Use 'v' followed by SemVer 2.0.0"),
        ("v1.0.0\n", "Use 'v' followed by SemVer 2.0.0"),
        ("vv1.0.0", "Use 'v' followed by SemVer 2.0.0"),
        ("latest", "Use 'v' followed by SemVer 2.0.0"),
        ("", "Use 'v' followed by SemVer 2.0.0"),
        ("v", "Use 'v' followed by SemVer 2.0.0"),
    ],
)
def test_refused(text, hint):
    with pytest.raises(InvalidVersion) as err:
        Version.parse(text)
    assert f"Version {text!r} is not valid." in str(err.value)
    assert hint in str(err.value)
    assert err.value.title == "Invalid version"
    assert not SemVer.is_valid(text)


def test_only_a_missing_or_uppercase_v_gets_a_did_you_mean():
    for text in ("v1.0", "v01.0.0", "1.0", "V01.0.0", "version1.0.0"):
        with pytest.raises(InvalidVersion) as err:
            Version.parse(text)
        assert "Did you mean" not in str(err.value)


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("v0.0.1", (0, 0, 1, None, None)),
        ("v12.5.7", (12, 5, 7, None, None)),
        ("v2.0.0-rc.1", (2, 0, 0, "rc.1", None)),
        ("v1.0.0+build.5", (1, 0, 0, None, "build.5")),
        ("v1.0.0-alpha.beta+exp.sha.5114f85", (1, 0, 0, "alpha.beta", "exp.sha.5114f85")),
        ("v1.0.0-0A.is.legal", (1, 0, 0, "0A.is.legal", None)),
        ("v99999999999999999999.0.0", (99999999999999999999, 0, 0, None, None)),
    ],
)
def test_accepted(text, parts):
    version = Version.parse(text)
    sv = version.semver
    assert version.text == str(version) == text
    assert (sv.major, sv.minor, sv.patch, sv.prerelease, sv.build) == parts
    assert SemVer.is_valid(text)


# SemVer 2.0.0 section 11's own example chain, then the cases the registry meets.
CHAIN = [
    "v1.0.0-alpha",
    "v1.0.0-alpha.1",
    "v1.0.0-alpha.beta",
    "v1.0.0-beta",
    "v1.0.0-beta.2",
    "v1.0.0-beta.11",
    "v1.0.0-rc.1",
    "v1.0.0",
    "v1.0.1",
    "v1.1.0",
    "v1.10.0",
    "v2.0.0-rc.1",
    "v2.0.0",
    "v10.0.0",
]


@pytest.mark.referee  # compared with gto or git
def test_ordering_is_semver_precedence():
    versions = [Version.parse(t) for t in CHAIN]
    for (i, a), (j, b) in itertools.product(enumerate(versions), repeat=2):
        assert (a < b) == (i < j), (a, b)
        assert (a < b) == (SemVer(a.text) < SemVer(b.text))
    assert sorted(reversed(versions)) == versions
    assert max(versions).text == "v10.0.0"
    assert Version.parse("v1.0.0-rc.1") < Version.parse("v1.0.0") < Version.parse("v1.0.1")


def test_build_metadata_has_no_precedence_but_names_differ():
    plain, build = Version.parse("v1.0.0"), Version.parse("v1.0.0+build.5")
    assert not plain < build and not build < plain
    assert plain != build and len({plain, build, Version.parse("v1.0.0")}) == 2


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    ("start", "bump", "expected"),
    [
        ("v0.0.1", Bump.PATCH, "v0.0.2"),
        ("v0.0.1", Bump.MINOR, "v0.1.0"),
        ("v0.0.1", Bump.MAJOR, "v1.0.0"),
        ("v1.2.3", Bump.PATCH, "v1.2.4"),
        ("v1.2.3", Bump.MINOR, "v1.3.0"),
        ("v1.2.3", Bump.MAJOR, "v2.0.0"),
        ("v1.0.0-rc.1", Bump.PATCH, "v1.0.1"),
        ("v1.0.0-rc.1", Bump.MINOR, "v1.1.0"),
        ("v1.0.0+build.5", Bump.PATCH, "v1.0.1"),
        ("v2.3.4-rc.1+b.7", Bump.MAJOR, "v3.0.0"),
    ],
)
def test_bump_equals_gto(start, bump, expected):
    ours = Version.parse(start).bump(bump)
    gto = SemVer(start).bump(**{f"bump_{bump.value}": True}).version
    assert ours.text == gto == expected
    assert ours == Version.parse(expected)
    assert next_version(Version.parse(start), bump).text == expected


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    ("bump", "first"), [(Bump.PATCH, "v0.0.1"), (Bump.MINOR, "v0.1.0"), (Bump.MAJOR, "v1.0.0")]
)
def test_first_versions(bump, first):
    assert next_version(None, bump).text == first == FIRST[bump]
    if bump is Bump.PATCH:  # what GTO registers first when no bump is asked for
        assert SemVer.get_minimal().version == first


@pytest.mark.parametrize(
    ("text", "bump"),
    [("patch", Bump.PATCH), ("Minor", Bump.MINOR), (" MAJOR ", Bump.MAJOR)],
)
def test_bump_parse(text, bump):
    assert Bump.parse(text) is bump


@pytest.mark.parametrize("text", ["", "huge", "pre", "1"])
def test_bump_parse_refuses(text):
    with pytest.raises(InvalidInput) as err:
        Bump.parse(text)
    assert "is not one of patch, minor, major" in str(err.value)


# --- properties ---------------------------------------------------------------------------------

# ASCII digits only: see test_non_ascii_digits for the one place `\d` matters.
NUMBER = st.integers(0, 10**25).map(str)
PRE_IDENT = st.from_regex(r"0|[1-9][0-9]{0,3}|[0-9]{0,2}[a-zA-Z-][0-9a-zA-Z-]{0,3}", fullmatch=True)
BUILD_IDENT = st.from_regex(r"[0-9a-zA-Z-]{1,5}", fullmatch=True)
ODD_NUMBER = NUMBER | st.sampled_from(["00", "01", "007", "", "1a", "-1"])
ODD_IDENT = st.from_regex(r"[0-9a-zA-Z-]{0,5}", fullmatch=True) | st.sampled_from(["01", "", "a_b"])


@st.composite
def candidates(draw) -> str:
    """Valid SemVer names and near misses, so both sides of the boundary are well covered."""
    valid = draw(st.integers(0, 2)) > 0
    number, pre, build = (
        (NUMBER, PRE_IDENT, BUILD_IDENT) if valid else (ODD_NUMBER,) + (ODD_IDENT,) * 2
    )
    prefix = "v" if valid else draw(st.sampled_from(["v", "v", "V", "", "vv"]))
    size = 3 if valid else draw(st.sampled_from([3, 3, 2, 4]))
    text = prefix + ".".join(draw(number) for _ in range(size))
    if draw(st.booleans()):
        text += "-" + ".".join(draw(st.lists(pre, min_size=1, max_size=3)))
    if draw(st.booleans()):
        text += "+" + ".".join(draw(st.lists(build, min_size=1, max_size=3)))
    if not valid and draw(st.booleans()):
        text += draw(st.sampled_from([" ", "\n", ".", "!", "#1", "_", "-", "+"]))
    return text


JUNK = st.text(alphabet=st.sampled_from("vV0123456789.-+abz_ \n"), max_size=16)


def check_version(text: str) -> None:
    expected = text.startswith("v") and semver.Version.is_valid(text[1:])
    assert SemVer.is_valid(text) == expected, text  # GTO's SemVer agrees with semver
    try:
        version = Version.parse(text)
    except InvalidVersion:
        assert not expected, text
        return
    assert expected, text
    assert version.text == text
    assert version.semver == semver.Version.parse(text[1:])
    assert parse_tag(f"churn@{text}") is not None


@pytest.mark.referee  # compared with gto or git
@PROPERTY
@given(candidates())
@example("v1.0.0-0A.is.legal+0.0")
@example("v1.0.0--")
@example("v1.0.0+-")
@example("v1.0.0+01")
def test_parse_accepts_exactly_strict_semver(text):
    check_version(text)


@pytest.mark.referee  # compared with gto or git
@PROPERTY
@given(JUNK)
def test_parse_of_junk(text):
    check_version(text)


@pytest.mark.referee  # compared with gto or git
@PROPERTY
@given(candidates(), candidates(), st.sampled_from(PARTS))
def test_order_and_bump_agree_with_gto(a, b, bump):
    if not (SemVer.is_valid(a) and SemVer.is_valid(b)):
        return
    va, vb = Version.parse(a), Version.parse(b)
    assert (va < vb) == (SemVer(a) < SemVer(b))
    assert (vb < va) == (SemVer(b) < SemVer(a))
    assert va.bump(bump).text == SemVer(a).bump(**{f"bump_{bump.value}": True}).version
    assert va < va.bump(bump)


@pytest.mark.referee  # compared with gto or git
def test_non_ascii_digits():
    # Python's `\d` also matches e.g. ARABIC-INDIC DIGIT THREE; semver's regex is re.ASCII.
    text = "v1\u0663.0.0"
    assert not semver.Version.is_valid(text[1:]) and not SemVer.is_valid(text)
    with pytest.raises(InvalidVersion):
        Version.parse(text)
    assert parse_tag(f"churn@{text}") is None
