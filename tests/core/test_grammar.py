"""The tag grammar, refereed by GTO 1.10 (`gto.constants`, `gto.tag.parse_name`) and git.

GTO's own regexes and `git check-ref-format` decide what is right; our grammar must agree
with them except where this project deliberately differs (GTO's `@created` spelling, which
we do not read).
"""

from __future__ import annotations

import subprocess

import pytest
from gto.constants import Action, fullname_re, tag_re
from gto.tag import parse_name
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from registry_action.core.errors import InvalidName
from registry_action.core.grammar import (
    Event,
    ModelName,
    format_tag,
    is_valid_ref,
    parse_shortcut,
    parse_tag,
    tag_prefix,
)
from registry_action.core.versions import Version
from tests.helpers import PROPERTY

GTO_EVENT = {
    Action.REGISTER: Event.REGISTRATION,
    Action.DEREGISTER: Event.DEREGISTRATION,
    Action.ASSIGN: Event.ASSIGNMENT,
    Action.UNASSIGN: Event.UNASSIGNMENT,
    Action.DEPRECATE: Event.DEPRECATION,
}


def git_ref_ok(ref: str) -> bool:
    """The referee: `git check-ref-format` itself."""
    return subprocess.run(["git", "check-ref-format", ref], capture_output=True).returncode == 0


# --- table: every spelling GTO and Studio write --------------------------------------------

R, D, A, U, X = (
    Event.REGISTRATION,
    Event.DEREGISTRATION,
    Event.ASSIGNMENT,
    Event.UNASSIGNMENT,
    Event.DEPRECATION,
)


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    ("tag", "event", "full", "version", "stage", "counter"),
    [
        ("churn@v0.0.1", R, "churn", "v0.0.1", "", None),  # gto register
        ("churn@v1.1.0#3", R, "churn", "v1.1.0", "", 3),  # Studio
        ("churn@v0.0.1#0", R, "churn", "v0.0.1", "", 0),
        ("churn@v12.5.7#0042", R, "churn", "v12.5.7", "", 42),
        ("churn@v2.0.0-rc.1", R, "churn", "v2.0.0-rc.1", "", None),
        ("churn@v1.0.0+build.5", R, "churn", "v1.0.0+build.5", "", None),
        ("churn@v1.0.0-alpha.1+sha.5114f85#9", R, "churn", "v1.0.0-alpha.1+sha.5114f85", "", 9),
        ("cv=pool-segmentation@v0.0.1", R, "cv:pool-segmentation", "v0.0.1", "", None),
        ("a/b.c_d-e=x/y_z@v3.0.0#2", R, "a/b.c_d-e:x/y_z", "v3.0.0", "", 2),
        ("nlp/bert-base@v0.1.0", R, "nlp/bert-base", "v0.1.0", "", None),
        ("A@v0.0.1", R, "A", "v0.0.1", "", None),
        ("churn@v1.1.0!", D, "churn", "v1.1.0", "", None),  # gto deprecate NAME VERSION
        ("churn@v1.1.0!#6", D, "churn", "v1.1.0", "", 6),
        ("cv=pool-segmentation@v0.0.1!", D, "cv:pool-segmentation", "v0.0.1", "", None),
        ("churn#staging#4", A, "churn", "", "staging", 4),  # gto assign
        ("churn#staging", A, "churn", "", "staging", None),
        ("cv=pool-segmentation#prod#1", A, "cv:pool-segmentation", "", "prod", 1),
        ("churn#prod!#5", U, "churn", "", "prod", 5),  # gto unassign
        ("churn#prod!", U, "churn", "", "prod", None),
        ("churn#a/b_c-d!#5", U, "churn", "", "a/b_c-d", 5),
        ("fraud@deprecated", X, "fraud", "", "", None),  # gto deprecate NAME
        ("fraud@deprecated#7", X, "fraud", "", "", 7),
        ("cv=fraud@deprecated", X, "cv:fraud", "", "", None),
    ],
)
def test_every_spelling(tag, event, full, version, stage, counter):
    parsed = parse_tag(tag)
    assert parsed is not None
    assert (parsed.tag, parsed.event, parsed.model.full) == (tag, event, full)
    assert (parsed.version, parsed.stage, parsed.counter) == (version, stage, counter)
    # GTO reads the same tag the same way.
    gto = parse_name(tag)
    assert GTO_EVENT[gto["action"]] is event
    assert gto["name"] == full
    assert gto.get("version", "") == version
    assert gto.get("stage", "") == stage
    assert gto.get("counter") == counter
    assert git_ref_ok(f"refs/tags/{tag}")


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    "tag",
    [
        "v1.0.0",
        "release-1",
        "churn@1.0.0",
        "churn@V1.0.0",
        "churn@v1.0",
        "churn@v1.0.new",
        "churn@v01.0.0",
        "churn@v1.0.0-",
        "churn@v1.0.0-01",
        "churn@v1.0.0+",
        "churn@latest",
        "churn@greatest",
        "churn@",
        "@v1.0.0",
        "churn",
        "churn@v1.0.0#",
        "churn@v1.0.0#x",
        "churn@v1.0.0#-1",
        "churn@v1.0.0!!",
        "churn@v1.0.0#1!",
        "churn@deprecated!",
        "churn#prod#staging",
        "churn#-prod",
        "churn#",
        "-churn@v1.0.0",
        "churn-@v1.0.0",
        "_churn@v1.0.0",
        "a=b=c@v1.0.0",
        "=churn@v1.0.0",
        "cv:pool@v1.0.0",  # the name separator is '=' in a tag
        "ch urn@v1.0.0",
        "churn @v1.0.0",
        "",
    ],
)
def test_foreign_tags_are_not_registry_tags(tag):
    assert parse_tag(tag) is None
    assert not parse_name(tag, raise_on_fail=False)


@pytest.mark.referee  # compared with gto or git
def test_created_spelling_is_deliberately_not_read():
    # GTO 1.10 reads `NAME@created` (an old "artifact created" event) but never writes it;
    # this project does not read it.
    assert parse_name("churn@created")
    assert parse_tag("churn@created") is None


@pytest.mark.referee  # compared with gto or git
def test_gto_search_accepts_a_trailing_newline_we_do_not():
    # gto.tag.parse_name uses re.search with `^...$`, and `$` also matches before a final
    # newline; git refuses such a ref anyway, so refusing it is the safe reading.
    assert parse_name("churn@v1.0.0\n", raise_on_fail=False)["version"] == "v1.0.0"
    assert fullname_re.search("churn\n")
    assert parse_tag("churn@v1.0.0\n") is None
    with pytest.raises(InvalidName):
        ModelName.parse("churn\n")
    assert not git_ref_ok("refs/tags/churn@v1.0.0\n")


@pytest.mark.referee  # compared with gto or git
def test_gto_tag_re_reads_non_ascii_digits_we_do_not():
    # GTO's regex uses `\d` without re.ASCII; its SemVer (semver, re.ASCII) then refuses the
    # version. We read SemVer digits as ASCII only.
    tag = "churn@v1\u0663.0.0"
    assert parse_name(tag)["version"] == "v1\u0663.0.0"
    assert parse_tag(tag) is None


def test_registration_tag_and_prefix():
    cv = ModelName.parse("cv:pool-segmentation")
    assert format_tag(Event.REGISTRATION, cv, version="v0.0.1") == "cv=pool-segmentation@v0.0.1"
    assert tag_prefix(cv) == "cv=pool-segmentation@"
    assert (
        format_tag(Event.REGISTRATION, ModelName.parse("churn"), version="v2.0.0-rc.1")
        == "churn@v2.0.0-rc.1"
    )


# --- ModelName -------------------------------------------------------------------------------


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    ("text", "dir_", "name", "in_tag", "annotation_path"),
    [
        ("churn", "", "churn", "churn", "dvc.yaml"),
        ("cv:pool-segmentation", "cv", "pool-segmentation", "cv=pool-segmentation", "cv/dvc.yaml"),
        ("a", "", "a", "a", "dvc.yaml"),
        ("A1", "", "A1", "A1", "dvc.yaml"),
        ("x_y", "", "x_y", "x_y", "dvc.yaml"),
        ("nlp/bert-base", "", "nlp/bert-base", "nlp/bert-base", "dvc.yaml"),
        ("models/nlp:bert", "models/nlp", "bert", "models/nlp=bert", "models/nlp/dvc.yaml"),
        ("cv/sub.dir:seg", "cv/sub.dir", "seg", "cv/sub.dir=seg", "cv/sub.dir/dvc.yaml"),
        ("cv/:seg", "cv/", "seg", "cv/=seg", "cv/dvc.yaml"),
        ("a-b_c.d:e", "a-b_c.d", "e", "a-b_c.d=e", "a-b_c.d/dvc.yaml"),
    ],
)
def test_model_name_accepts(text, dir_, name, in_tag, annotation_path):
    model = ModelName.parse(text)
    assert (model.dir, model.name, model.full) == (dir_, name, text)
    assert model.in_tag == in_tag
    assert model.annotation_path == annotation_path
    assert fullname_re.search(text)


def test_annotation_path_of_the_root_folder():
    assert ModelName(".", "churn").annotation_path == "dvc.yaml"
    assert ModelName("/", "churn").annotation_path == "dvc.yaml"


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    "text",
    [
        "",
        "-churn",
        "churn-",
        "_churn",
        "churn_",
        "/churn",
        "churn/",
        "ch urn",
        " churn",
        "cv:",
        ":churn",
        "a:b:c",
        "cv=pool",
        "churn@v1.0.0",
        "churn#prod",
        "caf\u00e9",
        "ch.urn",
        "cv dir:x",
    ],
)
def test_model_name_refuses_grammar(text):
    with pytest.raises(InvalidName) as err:
        ModelName.parse(text)
    assert f"Model name {text!r} is not valid." in str(err.value)
    assert "Use NAME or DIR:NAME" in str(err.value)
    assert err.value.title == "Invalid model name"
    assert not fullname_re.search(text)


@pytest.mark.parametrize(
    ("text", "stage", "version"),
    [("churn", "", ""), ("churn#prod", "prod", ""), ("churn@latest", "", "latest"),
     ("churn@greatest", "", "latest"), ("cv:seg@v1.0.0", "", "v1.0.0"),
     ("cv:seg#prod", "prod", "")],
)  # fmt: skip
def test_shortcuts_pick_a_stage_or_a_version(text, stage, version):
    found = parse_shortcut(text)
    assert (found.stage, found.version) == (stage, version)
    assert found.model.full == text.partition("#")[0].partition("@")[0]


@pytest.mark.parametrize(
    "text", ["churn@foo", "churn@v1.0", "churn#", "churn#prod#3", "churn@v3.0.0!", "cv=seg@v1.0.0"]
)
def test_a_malformed_shortcut_is_refused_naming_the_shortcuts(text):
    """Not only the name grammar (the issue's "Model name ... is not valid" with no hint)."""
    with pytest.raises(InvalidName) as err:
        parse_shortcut(text)
    assert f"{text!r} is neither a model name nor one of gto's shortcuts." in str(err.value)
    assert "#STAGE, @latest or @vX.Y.Z" in str(err.value)


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    "text",
    ["..:x", "a..b:x", ".cv:x", "./cv:x", "cv/.hidden:x", "cv.lock/:x", "a//b", "//:x", "/cv:x"],
)
def test_model_name_refuses_what_git_refuses(text):
    # GTO's name grammar lets these through; git refuses the tag.
    assert fullname_re.search(text)
    with pytest.raises(InvalidName) as err:
        ModelName.parse(text)
    assert f"Model name {text!r} cannot be a git tag." in str(err.value)
    dir_, _, name = text.rpartition(":")
    assert not git_ref_ok(f"refs/tags/{dir_ + '=' if dir_ else ''}{name}@v0.0.1")


# --- is_valid_ref against git check-ref-format ------------------------------------------------


@pytest.mark.referee  # compared with gto or git
@pytest.mark.parametrize(
    "ref",
    [
        "refs/tags/churn@v1.0.0",
        "refs/tags/cv=pool-segmentation@v0.0.1#3",
        "refs/tags/churn@v1.0.0!",
        "refs/tags/a./b",
        "refs/tags/caf\u00e9",
        "refs/tags/a.lockx",
        "refs/tags/@",
        "refs/heads/main",
        "refs/tags/a..b",
        "refs/tags/.a",
        "refs/tags/a/.b",
        "refs/tags/a.lock",
        "refs/tags/a.lock/b",
        "refs/tags/a.",
        "refs/tags/a/",
        "/refs/tags/a",
        "refs//tags/a",
        "refs/tags/a@{b",
        "refs/tags/a b",
        "refs/tags/a\tb",
        "refs/tags/a\x7fb",
        "refs/tags/a~1",
        "refs/tags/a^",
        "refs/tags/a:b",
        "refs/tags/a?",
        "refs/tags/a*",
        "refs/tags/a[b",
        "refs/tags/a\\b",
        "refs/tags/",
    ],
)
def test_is_valid_ref_table(ref):
    assert is_valid_ref(ref) == git_ref_ok(ref)


def test_is_valid_ref_refuses_nul_and_the_empty_ref():
    assert not is_valid_ref("refs/tags/a\x00b")
    assert not is_valid_ref("")
    assert not is_valid_ref("@")


REF_ALPHABET = st.sampled_from(
    [*"abz09-_=#!+/.@{}~^:?*[]\\ \t\x7f\x01\u00e9", "..", ".lock", "/.", "@{", "//", "refs/"]
)


@pytest.mark.referee  # compared with gto or git
@PROPERTY
@given(st.lists(REF_ALPHABET, max_size=8).map("".join))
@example("a.lock")
@example("x/.lock")
@example("a/b.")
@example("a.lock/b")
def test_is_valid_ref_agrees_with_git(tail):
    ref = f"refs/tags/{tail}"
    assert is_valid_ref(ref) == git_ref_ok(ref), ref


# --- property (a): parse_tag agrees with GTO's tag_re / parse_name ------------------------------

# ASCII on purpose: Python's `\d` (in GTO's regex and ours) also matches non-ASCII digits;
# that case is tested on its own in test_versions.py.
TAG_ALPHABET = st.sampled_from(
    [*"abcdeprvV019-_./=@#!:+ ~^*{}\n", "v1.0.0", "@v", "#1", "!#", "deprecated", "rc"]
)
NAMES = st.from_regex(r"[a-zA-Z0-9](?:[a-zA-Z0-9\-/_]{0,6}[a-zA-Z0-9])?", fullmatch=True)
DIRS = st.from_regex(r"[a-zA-Z0-9\-_./]{1,8}", fullmatch=True)
NUMBERS = st.integers(0, 30).map(str) | st.sampled_from(["00", "01", "123456789012345678901"])
IDENT = st.from_regex(r"[0-9a-zA-Z-]{1,5}", fullmatch=True)


@st.composite
def semvers(draw) -> str:
    text = ".".join(draw(NUMBERS) for _ in range(3))
    if draw(st.booleans()):
        text += "-" + ".".join(draw(st.lists(IDENT, min_size=1, max_size=3)))
    if draw(st.booleans()):
        text += "+" + ".".join(draw(st.lists(IDENT, min_size=1, max_size=3)))
    return text


@st.composite
def structured_tags(draw) -> str:
    model = draw(NAMES)
    if draw(st.booleans()):
        model = f"{draw(DIRS)}={model}"
    kind = draw(st.sampled_from(["reg", "dereg", "assign", "unassign", "deprecated"]))
    body = {
        "reg": lambda: f"@v{draw(semvers())}",
        "dereg": lambda: f"@v{draw(semvers())}!",
        "assign": lambda: f"#{draw(NAMES)}",
        "unassign": lambda: f"#{draw(NAMES)}!",
        "deprecated": lambda: "@deprecated",
    }[kind]()
    tag = model + body
    if draw(st.booleans()):
        tag += f"#{draw(NUMBERS)}"
    # Sometimes damage it, so the boundary of the grammar is explored too.
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(tag)))
        how = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(TAG_ALPHABET)
        if how == "insert":
            tag = tag[:at] + char + tag[at:]
        elif how == "delete":
            tag = tag[:at] + tag[at + 1 :]
        else:
            tag = tag[:at] + char + tag[at + 1 :]
    return tag


def check_against_gto(tag: str) -> None:
    assume("@created" not in tag)  # GTO's spelling this project deliberately does not read
    ours = parse_tag(tag)
    matched = tag_re.fullmatch(tag) is not None
    assert (ours is not None) == matched, tag
    if ours is None:
        return
    gto = parse_name(tag)
    assert GTO_EVENT[gto["action"]] is ours.event
    assert ours.model.full == gto["name"]
    assert ours.version == gto.get("version", "")
    assert ours.stage == gto.get("stage", "")
    assert ours.counter == gto.get("counter")
    assert ours.tag == tag
    if ours.version:
        assert Version.parse(ours.version).text == ours.version


@pytest.mark.referee  # compared with gto or git
@PROPERTY
@given(st.lists(TAG_ALPHABET, max_size=12).map("".join))
def test_random_strings_parse_as_gto_reads_them(tag):
    check_against_gto(tag)


@pytest.mark.referee  # compared with gto or git
@PROPERTY
@given(structured_tags())
@example("cv=pool-segmentation@v0.0.1")
@example("churn@v1.1.0#3")
@example("churn#prod!#5")
@example("x@v1.0.0-0A.is.legal+0.0")
def test_structured_tags_parse_as_gto_reads_them(tag):
    check_against_gto(tag)


def test_structured_tags_exercise_both_branches():
    seen = {True: 0, False: 0}

    @settings(max_examples=200, deadline=None, database=None)
    @given(structured_tags())
    def count(tag):
        seen[parse_tag(tag) is not None] += 1

    count()
    assert seen[True] > 20 and seen[False] > 20, seen


# --- property (b): ModelName.parse = GTO's fullname_re + git's ref rules ----------------------

NAME_ALPHABET = st.sampled_from([*"abZ09-_./:=@ #~\n\u00e9", "..", ".lock", "//"])
FULLNAMES = st.builds(lambda d, n: f"{d}:{n}" if d else n, st.none() | DIRS, NAMES) | st.lists(
    NAME_ALPHABET, max_size=10
).map("".join)


@pytest.mark.referee  # compared with gto or git
@PROPERTY
@given(FULLNAMES, semvers())
@example("cv:pool-segmentation", "0.0.1")
@example("./cv:x", "1.0.0")
@example("a.lock/:x", "1.0.0")
@example("a/.b:x", "1.0.0")
@example("a.:x", "1.0.0-rc.1+b")
def test_model_name_is_gto_fullname_and_a_git_ref(text, semver):
    match = fullname_re.fullmatch(text)
    if match:
        in_tag = (match["dirname"] or "").replace(":", "=") + match["name"]
        expected = git_ref_ok(f"refs/tags/{in_tag}@v0.0.1")
    else:
        expected = False
    try:
        model = ModelName.parse(text)
    except InvalidName:
        assert not expected, text
        return
    assert expected, text
    assert match is not None
    assert model.full == text
    assert (model.dir, model.name) == ((match["dirname"] or "")[:-1], match["name"])
    # Anything accepted round-trips through its tag, whatever the version.
    for version in ("v0.0.1", f"v{semver}"):
        if not tag_re.fullmatch(f"x@{version}"):
            continue  # semvers() also draws invalid versions (leading zeros)
        tag = format_tag(Event.REGISTRATION, model, version=version)
        assert is_valid_ref(f"refs/tags/{tag}"), tag
        parsed = parse_tag(tag)
        assert parsed is not None and parsed.model == model
        assert parsed.event is Event.REGISTRATION and parsed.version == version
        assert parse_name(tag)["name"] == model.full
