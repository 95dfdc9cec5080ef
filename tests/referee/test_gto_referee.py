"""GTO 1.10 as the referee: the tags we write are what `gto` reads, and we read what it writes.

Temp repositories with a `dvc.yaml` declaring `churn` and `cv/dvc.yaml` declaring
`pool-segmentation`. We write through the local git backend and the CLI; GTO writes through
its CLI (`.venv/bin/gto`, ~0.5 s a call, so used sparingly) and its Python API (`gto.api`).
Where this project deliberately differs from `gto register`, the test says so and asserts
our documented behaviour.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import gto.api
import gto.exceptions as gto_errors
import pytest

from registry_action.backends.git import GitBackend
from registry_action.commands.write import Outcome
from registry_action.core.errors import VersionAlreadyRegistered, VersionExistsForCommit
from registry_action.core.grammar import ModelName
from registry_action.core.model_view import ModelView
from registry_action.core.repository import Tagger
from registry_action.decide.request import Request
from registry_action.shells.cli import main
from tests.helpers import CHURN_DVC as CHURN
from tests.helpers import GTO, gto_json, register

TAGGER = Tagger("Registry Bot", "registry-bot@example.com")
POOL = (
    "artifacts:\n  pool-segmentation:\n    path: models/seg.pt\n    type: model\n"
    "    desc: Pool segmentation\n    labels: [cv, segmentation]\n"
)


def git(repo: Path, *args: str, **env: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(scope="module", autouse=True)
def git_env(tmp_path_factory: pytest.TempPathFactory):
    """No global or system git config: the repositories configure themselves."""
    config = tmp_path_factory.mktemp("home") / "gitconfig"
    config.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GIT_CONFIG_GLOBAL", str(config))
        patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for key in ("GIT_COMMITTER_DATE", "GIT_AUTHOR_DATE", "GIT_DIR", "GIT_WORK_TREE"):
            patch.delenv(key, raising=False)
        yield


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with both models declared, its first commit on `main`."""
    path = tmp_path_factory.mktemp("template") / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.name", "Reg Tester")
    git(path, "config", "user.email", "tester@example.com")
    git(path, "config", "tag.gpgSign", "false")
    git(path, "config", "commit.gpgSign", "false")
    (path / "dvc.yaml").write_text(CHURN)
    (path / "cv").mkdir()
    (path / "cv" / "dvc.yaml").write_text(POOL)
    git(path, "add", ".")
    git(path, "commit", "-q", "-m", "Declare churn and pool-segmentation")
    return path


@pytest.fixture
def repo(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    shutil.copytree(template, target, symlinks=True)
    return target


_commits = itertools.count()


def commit(repo: Path) -> str:
    """A new commit on main; its sha."""
    n = next(_commits)
    (repo / "train.log").write_text(f"run {n}\n")
    git(repo, "add", "train.log")
    git(repo, "commit", "-q", "-m", f"Retrain {n}")
    return head(repo)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD")


def copy(repo: Path, name: str) -> Path:
    target = repo.parent / name
    shutil.copytree(repo, target, symlinks=True)
    return target


def ours(repo: Path, model: str = "churn", **kw: Any) -> Outcome:
    """Register through the library: GitBackend + Request + register."""
    kw.setdefault("commit", "HEAD")
    return register(GitBackend(repo), Request.from_inputs(model=model, tagger=TAGGER, **kw))


def cli(repo: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, str]:
    """Register through the command line; its --json outputs."""
    capsys.readouterr()
    code = main(["register", *argv, "--repo", str(repo), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def gto_cli(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([GTO, *args], cwd=repo, capture_output=True, text=True)


def gto_register(repo: Path, name: str = "churn", ref: str = "HEAD", **kw: Any) -> str:
    """The version `gto register` writes, via its Python API (same code as the CLI)."""
    return gto.api.register(str(repo), name, ref, **kw).version


def gto_versions(repo: Path, name: str = "churn") -> dict[str, tuple[str, bool]]:
    """Every version GTO knows for `name`: {version: (commit, active)}."""
    return {
        v["version"]: (v["commit_hexsha"], v["is_active"])
        for v in gto.api.show(str(repo), name, deprecated=True)
    }


def our_versions(repo: Path, name: str = "churn") -> dict[str, tuple[str, bool]]:
    model = ModelName.parse(name)
    read = GitBackend(repo).read(model, "HEAD")
    return {k: (v.commit, v.active) for k, v in ModelView.of(model, read.tags).versions.items()}


def studio_tag(repo: Path, tag: str, ref: str = "HEAD", date: str = "") -> None:
    """An annotated tag as Studio writes it (with its `#N` counter)."""
    version = tag.partition("@")[2].partition("#")[0]
    message = f"Registering artifact churn version {version}"
    env = {"GIT_COMMITTER_DATE": date} if date else {}
    git(repo, "tag", "-a", tag, "-m", message, ref, **env)


# --- what we write, GTO reads --------------------------------------------------------------------


def test_gto_reads_what_we_write(repo, capsys):
    a = head(repo)
    first = cli(repo, capsys, "churn")
    pool = cli(repo, capsys, "cv:pool-segmentation")
    assert (first["tag"], first["version"], first["commit"]) == ("churn@v0.0.1", "v0.0.1", a)
    assert (pool["tag"], pool["name"], pool["version"]) == (
        "cv=pool-segmentation@v0.0.1",
        "cv:pool-segmentation",
        "v0.0.1",
    )
    assert pool["path"] == "cv/models/seg.pt" and pool["model-labels"] == ["cv", "segmentation"]
    steps = [
        (["--bump", "minor"], "v0.1.0"),
        (["--bump", "major"], "v1.0.0"),
        ([], "v1.0.1"),
        (["--version", "v2.0.0-rc.1"], "v2.0.0-rc.1"),
        (["--version", "v1.5.0+build.5", "--message", "Trained on June data\n\nBy CI."], ""),
        (["--bump", "patch"], "v2.0.1"),  # semver's patch bump of 2.0.0-rc.1
    ]
    written = {"v0.0.1": (a, "churn@v0.0.1")}
    for argv, expected in steps:
        sha = commit(repo)
        if "--version" not in argv:  # a bump: gto register picks the same on this history
            flag = argv[-1] if argv else "patch"
            bump = {"minor": {"bump_minor": True}, "major": {"bump_major": True}}.get(flag, {})
            assert gto_register(copy(repo, f"gto-{sha[:7]}"), **bump) == expected
        out = cli(repo, capsys, "churn", *argv)
        assert out["created"] is True and out["commit"] == sha
        assert out["version"] == (expected or "v1.5.0+build.5")
        assert out["tag"] == f"churn@{out['version']}"
        written[out["version"]] = (sha, out["tag"])
    assert out["latest-version"] == "v2.0.1" and out["previous-version"] == "v2.0.0-rc.1"

    # gto show (CLI): the greatest version of each model.
    shown = gto_json(repo, "show")
    assert shown["churn"]["version"] == "v2.0.1"
    assert shown["churn"]["registered"] and shown["churn"]["active"]
    assert shown["cv:pool-segmentation"]["version"] == "v0.0.1"

    # gto history (CLI): exactly our registrations, with their commits, tags and messages.
    history = gto_json(repo, "history", "churn")
    assert {e["event"] for e in history} == {"registration"}
    assert {e["version"]: (e["commit"], e["ref"]) for e in history} == written
    by_version = {e["version"]: e for e in history}
    assert by_version["v1.5.0+build.5"]["message"] == "Trained on June data\n\nBy CI."
    assert by_version["v0.1.0"]["message"] == "Registering artifact churn version v0.1.0"
    assert by_version["v0.1.0"]["author"] == "Reg Tester"  # the clone's committer identity

    # gto check-ref (CLI) on the model in a folder; the API for the others.
    event = gto_json(repo, "check-ref", "cv=pool-segmentation@v0.0.1")
    assert (event["artifact"], event["event"], event["version"], event["commit_hexsha"]) == (
        "cv:pool-segmentation",
        "registration",
        "v0.0.1",
        a,
    )
    for version, (sha, tag) in written.items():
        [event] = gto.api.check_ref(str(repo), tag)
        assert (event.artifact, event.version, event.commit_hexsha) == ("churn", version, sha)
    assert {v: (c, True) for v, (c, _) in written.items()} == gto_versions(repo)

    # The tag object itself.
    raw = git(repo, "cat-file", "-p", "churn@v1.5.0+build.5")
    assert f"object {written['v1.5.0+build.5'][0]}\ntype commit\ntag churn@v1.5.0+build.5\n" in raw
    assert "\ntagger Reg Tester <tester@example.com> " in raw
    assert raw.endswith("\n\nTrained on June data\n\nBy CI.")


def test_library_tagger_and_default_message(repo):
    result = ours(repo, "cv:pool-segmentation", version="v1.0.0")
    assert result.created and result.plan.tag == "cv=pool-segmentation@v1.0.0"
    raw = git(repo, "cat-file", "-p", "cv=pool-segmentation@v1.0.0")
    assert "\ntagger Registry Bot <registry-bot@example.com> " in raw
    assert raw.endswith("\n\nRegistering artifact cv:pool-segmentation version v1.0.0")
    assert git(repo, "cat-file", "-t", "cv=pool-segmentation@v1.0.0") == "tag"
    [event] = gto.api.check_ref(str(repo), "cv=pool-segmentation@v1.0.0")
    assert event.author == "Registry Bot" and event.author_email == "registry-bot@example.com"
    assert event.message == "Registering artifact cv:pool-segmentation version v1.0.0"


def test_gto_refuses_a_commit_that_holds_our_version(repo):
    ours(repo)
    ours(repo, "cv:pool-segmentation")
    done = gto_cli(repo, "register", "churn")
    assert done.returncode != 0
    assert "'churn' is already registered in this commit with version 'v0.0.1'" in done.stderr
    with pytest.raises(gto_errors.VersionExistsForCommit):
        gto_register(repo, "cv:pool-segmentation", version="v9.9.9")
    assert git(repo, "tag", "--list") == "churn@v0.0.1\ncv=pool-segmentation@v0.0.1"


# --- what GTO (and Studio) write, we read ---------------------------------------------------------


@pytest.fixture(scope="module")
def gto_template(template: Path) -> tuple[Path, dict[str, str]]:
    """v0.0.1 (gto), v0.1.0 (gto --bump-minor), v1.2.3 (gto --version, then `gto deprecate`),
    v0.0.3 (Studio's `#5` spelling); then a fresh commit at HEAD. Built once per module."""
    repo = copy(template, "gto-history")
    shas = {"a": head(repo)}
    assert gto_cli(repo, "register", "churn").returncode == 0
    shas["b"] = commit(repo)
    assert gto_cli(repo, "register", "churn", "--bump-minor").returncode == 0
    shas["c"] = commit(repo)
    assert gto_register(repo, version="v1.2.3") == "v1.2.3"
    assert gto_cli(repo, "deprecate", "churn", "v1.2.3").returncode == 0
    shas["d"] = commit(repo)
    studio_tag(repo, "churn@v0.0.3#5")
    shas["e"] = commit(repo)
    return repo, shas


@pytest.fixture
def gto_history(gto_template, repo) -> dict[str, str]:
    """`repo` is a copy of the GTO-written history; the shas of its commits a..e."""
    shutil.rmtree(repo)
    shutil.copytree(gto_template[0], repo, symlinks=True)
    return gto_template[1]


def test_we_read_gto_and_studio_tags(repo, gto_history):
    a, b, c, d = (gto_history[k] for k in "abcd")
    tags = git(repo, "tag", "--list").split("\n")
    # What gto 1.10 writes: plain registrations, and `!` for a deregistration (no counter).
    assert tags == [
        "churn@v0.0.1",
        "churn@v0.0.3#5",
        "churn@v0.1.0",
        "churn@v1.2.3",
        "churn@v1.2.3!",
    ]
    expected = {
        "v0.0.1": (a, True),
        "v0.1.0": (b, True),
        "v1.2.3": (c, False),
        "v0.0.3": (d, True),
    }
    assert our_versions(repo) == expected == gto_versions(repo)


@pytest.mark.parametrize(
    ("version", "where", "state", "tag"),
    [
        ("v0.1.0", "b", "already registered at commit", "churn@v0.1.0"),
        ("v0.0.1", "a", "already registered at commit", "churn@v0.0.1"),
        ("v0.0.3", "d", "already registered at commit", "churn@v0.0.3#5"),
        ("v1.2.3", "c", "already registered and later deregistered at commit", "churn@v1.2.3"),
    ],
)
def test_a_taken_version_is_refused_naming_its_commit(
    repo, gto_history, version, where, state, tag
):
    with pytest.raises(VersionAlreadyRegistered) as err:
        ours(repo, version=version)
    assert f"churn {version} is {state} {gto_history[where]} (tag {tag})." in str(err.value)
    with pytest.raises(gto_errors.VersionAlreadyRegistered):
        gto_register(repo, version=version)  # GTO agrees


@pytest.mark.parametrize(
    ("bump", "expected"), [("patch", "v0.1.1"), ("minor", "v0.2.0"), ("major", "v1.0.0")]
)
def test_bump_continues_from_the_greatest_active_version_as_gto_does(
    repo, gto_history, bump, expected
):
    assert gto_register(copy(repo, "gto"), **{f"bump_{bump}": True}) == expected
    result = ours(repo, bump=bump)
    assert result.created and result.outputs["version"] == expected
    assert result.plan.commit == gto_history["e"]
    assert result.outputs["previous-version"] == "v0.1.0"
    assert gto_versions(repo)[expected] == (gto_history["e"], True)


@pytest.mark.parametrize(
    ("where", "version", "tag"),
    [("a", "v0.0.1", "churn@v0.0.1"), ("d", "v0.0.3", "churn@v0.0.3#5")],
)
def test_a_commit_with_an_active_version_is_a_rerun(repo, gto_history, where, version, tag):
    sha = gto_history[where]
    before = git(repo, "tag", "--list")
    for kw in ({}, {"bump": "major"}, {"version": version}):
        result = ours(repo, commit=sha, **kw)
        assert not result.created
        assert (result.outputs["version"], result.plan.tag, result.plan.commit) == (
            version,
            tag,
            sha,
        )
        assert result.tag.sha == git(repo, "rev-parse", f"refs/tags/{tag}")
        assert result.outputs["created"] == "false"
    assert git(repo, "tag", "--list") == before
    with pytest.raises(gto_errors.VersionExistsForCommit):
        gto_register(repo, ref=sha)  # GTO agrees the commit already has its version


def test_force_registers_only_the_commits_own_version(repo, gto_history):
    a = gto_history["a"]
    # `gto register --force` re-registers the commit's own version (and fails: its tag
    # exists); a second version there would leave gto unable to read any stage tag on it.
    with pytest.raises(gto_errors.TagExists):
        gto_register(copy(repo, "gto"), ref=a, force=True)
    result = ours(repo, commit=a, force=True)
    assert not result.created and result.outputs["version"] == "v0.0.1"
    assert "churn@v0.1.1" not in git(repo, "tag", "--list")


def test_an_explicit_version_on_a_held_commit_is_refused_even_forced(repo, gto_history):
    a = gto_history["a"]
    for force in (False, True):
        with pytest.raises(VersionExistsForCommit) as err:
            ours(repo, commit=a, version="v0.0.9", force=force)
        assert f"Commit {a} already holds churn v0.0.1 (tag churn@v0.0.1)." in str(err.value)
        with pytest.raises(gto_errors.GTOException, match=r"v0\.0\.1"):
            gto_register(copy(repo, f"gto-{force}"), ref=a, version="v0.0.9", force=force)
    gto_show = gto.api.show(str(repo))  # still readable
    assert gto_show


# --- bump choice against `gto register` on the same histories ---------------------------------


def _history(repo: Path, steps: list[tuple[str, dict[str, Any]]]) -> None:
    for i, (kind, kw) in enumerate(steps):
        if i:
            commit(repo)
        if kind == "register":
            gto_register(repo, **kw)
        elif kind == "deregister":
            gto.api.deregister(str(repo), "churn", version=kw["version"])
        elif kind == "studio":
            studio_tag(repo, kw["tag"])
    commit(repo)


DIFFERS = object()  # gto refuses; we follow our documented rule
HISTORIES: dict[str, tuple[list[tuple[str, dict[str, Any]]], dict[str, Any]]] = {
    # No version yet: gto picks v0.0.1, and refuses a bump flag; we give v0.1.0 / v1.0.0.
    "empty": ([], {"patch": "v0.0.1", "minor": (DIFFERS, "v0.1.0"), "major": (DIFFERS, "v1.0.0")}),
    "one": ([("register", {})], {"patch": "v0.0.2", "minor": "v0.1.0", "major": "v1.0.0"}),
    "prerelease": (
        [("register", {"version": "v0.3.0"}), ("register", {"version": "v1.0.0-rc.1"})],
        {"patch": "v1.0.1", "minor": "v1.1.0", "major": "v2.0.0"},
    ),
    "build": (
        [("register", {"version": "v1.0.0+build.5"})],
        {"patch": "v1.0.1", "minor": "v1.1.0", "major": "v2.0.0"},
    ),
    "lower-registered-later": (
        [("register", {"version": "v2.0.0"}), ("register", {"version": "v1.5.0"})],
        {"patch": "v2.0.1", "minor": "v2.1.0", "major": "v3.0.0"},
    ),
    "studio": (
        [("register", {}), ("studio", {"tag": "churn@v0.0.3#7"})],
        {"patch": "v0.0.4", "minor": "v0.1.0", "major": "v1.0.0"},
    ),
    # The greatest is deregistered: both bump the greatest active (v0.0.1). A minor bump
    # lands on v0.1.0, whose name the deregistered version keeps: gto fails (its tag exists),
    # we skip to the next free patch.
    "deregistered-greatest": (
        [
            ("register", {}),
            ("register", {"bump_minor": True}),
            ("deregister", {"version": "v0.1.0"}),
        ],
        {"patch": "v0.0.2", "minor": (DIFFERS, "v0.1.1"), "major": "v1.0.0"},
    ),
    # gto bumps from nothing active (v0.0.1, a taken name: its tag exists) or refuses a
    # bump flag on a first version; we skip the taken name.
    "all-deregistered": (
        [("register", {}), ("deregister", {"version": "v0.0.1"})],
        {"patch": (DIFFERS, "v0.0.2"), "minor": (DIFFERS, "v0.1.0"), "major": (DIFFERS, "v1.0.0")},
    ),
}


@pytest.mark.parametrize(
    ("history", "bump"), [(h, b) for h in HISTORIES for b in ("patch", "minor", "major")]
)
def test_bump_matches_gto_register(repo, history, bump):
    steps, expected = HISTORIES[history]
    _history(repo, steps)
    twin = copy(repo, "gto")
    try:
        gto_choice: Any = gto_register(twin, **({f"bump_{bump}": True} if bump != "patch" else {}))
    except (gto_errors.WrongArgs, gto_errors.TagExists) as err:
        gto_choice = err
    mine = ours(repo, bump=bump)
    assert mine.created
    if isinstance(expected[bump], tuple):
        assert isinstance(gto_choice, Exception), gto_choice
        assert mine.outputs["version"] == expected[bump][1]
    else:
        assert gto_choice == mine.outputs["version"] == expected[bump]
    # Whatever we chose, GTO reads it as the active registration on that commit.
    assert gto_versions(repo)[mine.outputs["version"]] == (head(repo), True)


def test_first_bump_flags_gto_refuses(repo):
    with pytest.raises(gto_errors.WrongArgs, match="first version"):
        gto_register(copy(repo, "gto"), bump_minor=True)


def test_a_commit_whose_version_was_deregistered_takes_no_other_as_in_gto(repo):
    # gto: the commit still "has" v0.0.1, so it refuses any other version there ("For this
    # REF you can only register v0.0.1") and fails re-registering v0.0.1 (its tag exists).
    a = head(repo)
    gto_register(repo)
    gto.api.deregister(str(repo), "churn", version="v0.0.1")
    with pytest.raises(gto_errors.TagExists):
        gto_register(copy(repo, "gto"))
    with pytest.raises(gto_errors.WrongArgs, match=r"can only register v0\.0\.1"):
        gto_register(copy(repo, "gto-explicit"), version="v0.0.2")
    for kw in ({}, {"version": "v0.0.2"}):
        with pytest.raises(VersionExistsForCommit, match="deregistered since"):
            ours(repo, **kw)
    with pytest.raises(VersionExistsForCommit, match=r"registers only v0\.0\.1"):
        ours(repo, version="v0.0.2", force=True)
    # --force registers v0.0.1 again, what gto attempts, in the counted spelling (the plain
    # name is taken); gto reads it as v0.0.1 active again, and assigns it a stage.
    time.sleep(1.1)  # past the deregistration's second: within it, gto lets that one win
    result = ours(repo, force=True)
    assert result.created and result.outputs["version"] == "v0.0.1" and result.plan.commit == a
    assert result.tag.name == "churn@v0.0.1#1"
    assert gto_versions(repo) == {"v0.0.1": (a, True)}
    gto.api.assign(str(repo), "churn", "prod", ref=a)
    assert [s["stage"] for s in gto.api.show(str(repo), "churn")[0]["stages"]] == ["prod"]


# --- lightweight tags -----------------------------------------------------------------------------


def test_lightweight_tags_are_ignored_as_gto_ignores_them(repo):
    a = head(repo)
    git(repo, "tag", "churn@v5.0.0")  # lightweight
    git(repo, "tag", "cv=pool-segmentation@v0.0.1")
    assert gto_json(repo, "show") == {}
    assert our_versions(repo) == {} and our_versions(repo, "cv:pool-segmentation") == {}
    result = ours(repo)  # neither "the commit holds v5.0.0" nor a bump from it
    assert result.created and result.outputs["version"] == "v0.0.1" and result.plan.commit == a
    assert gto_versions(repo) == {"v0.0.1": (a, True)}


@pytest.mark.parametrize("how", [{}, {"version": "v0.0.2"}])
def test_a_lightweight_tag_with_our_exact_name_is_refused(repo, how):
    ours(repo)
    b = commit(repo)
    git(repo, "tag", "churn@v0.0.2", b)  # lightweight, exactly what a patch bump would write
    with pytest.raises(VersionAlreadyRegistered) as err:
        ours(repo, **how)
    assert str(err.value) == (
        f"A lightweight tag churn@v0.0.2 already exists at commit {b}; GTO ignores it, "
        "but it holds the name. Delete that tag, or choose another version."
    )
    with pytest.raises(gto_errors.TagExists):  # gto cannot write it either
        gto_register(copy(repo, "gto"), **how)
    assert ours(repo, version="v0.0.3").plan.tag == "churn@v0.0.3"


# --- Studio re-registrations and odd tags ---------------------------------------------------


def test_a_studio_re_registration_after_a_deregistration_is_active(repo):
    # GTO: a version is active when its newest event is a registration, whatever its spelling.
    a = head(repo)
    studio_tag(repo, "churn@v0.0.1", date="2024-01-01T00:00:00Z")
    git(
        repo, "tag", "-a", "churn@v0.0.1!", "-m", "dereg", GIT_COMMITTER_DATE="2024-01-02T00:00:00Z"
    )
    studio_tag(repo, "churn@v0.0.1#3", date="2024-01-03T00:00:00Z")
    assert gto_versions(repo) == {"v0.0.1": (a, True)} == our_versions(repo)
    result = ours(repo)  # so the commit holds it: a re-run, as gto refuses a second version
    assert not result.created and result.plan.tag == "churn@v0.0.1"
    with pytest.raises(gto_errors.VersionExistsForCommit):
        gto_register(copy(repo, "gto"))
    # A newer deregistration wins again (same-second ties go to the deregistration in both).
    git(repo, "tag", "-a", "churn@v0.0.1!#4", "-m", "x", GIT_COMMITTER_DATE="2024-01-04T00:00:00Z")
    assert gto_versions(repo) == {"v0.0.1": (a, False)} == our_versions(repo)


def test_a_tag_with_a_non_ascii_digit_is_ignored(repo):
    # GTO's tag_re (`\d`, not re.ASCII) reads it as a version that its SemVer cannot parse;
    # we do not read it at all, so it neither blocks nor crashes a registration.
    git(repo, "tag", "-a", "churn@v1\u0663.0.0", "-m", "odd")
    assert "v1\u0663.0.0" in gto_versions(repo)
    assert our_versions(repo) == {}
    commit(repo)
    assert ours(repo).outputs["version"] == "v0.0.1"
