"""A clone of iterative/example-gto (its real gto-made tags, shipped as a git bundle), read
and written by our command line and the action, with gto 1.10.1 as the referee.

The bundle is `git bundle create example-gto.bundle --all` of the upstream repository:
churn v3.0.0 and v3.1.0 with dev, staging and prod; segment v0.4.1 in dev; cv-class v0.1.13.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gto.api
import gto.exceptions as gto_errors
import pytest
from click.testing import CliRunner
from gto.cli import app as gto_app

from harness.standin.gitrepo import tag_targets
from registry_action.shells.cli import main
from tests.helpers import GTO, Run, isolate_git

BUNDLE = Path(__file__).parent / "fixtures" / "example-gto.bundle"


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def clone(path: Path) -> Path:
    """A clone of the bundle with every branch local, as a person's clone would be."""
    subprocess.run(["git", "clone", "-q", str(BUNDLE), str(path)], check=True)
    git(path, "branch", "-q", "mlem", "origin/mlem")
    git(path, "config", "user.name", "Reg Tester")
    git(path, "config", "user.email", "tester@example.com")
    return path


@pytest.fixture(autouse=True)
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch, tmp_path)


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return clone(tmp_path / "example-gto")


@pytest.fixture
def withdrawn(example: Path) -> Path:
    """churn v3.0.0 (prod's) deregistered and cv-class deprecated, by gto itself."""
    gto.api.deregister(str(example), "churn", version="v3.0.0")
    gto.api.deprecate(str(example), "cv-class")
    return example


def ours(repo: Path, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*argv, "--repo", str(repo)])
    return code, out.getvalue(), err.getvalue()


def gto_json(repo: Path, *argv: str) -> Any:
    result = CliRunner().invoke(gto_app, [*argv, "-r", str(repo), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_bundle_is_small_and_holds_gto_made_tags(example: Path) -> None:
    assert BUNDLE.stat().st_size < 200_000
    assert len(tag_targets(example)) == 9
    assert gto_json(example, "show")["churn"]["version"] == "v3.1.0"


# -- one version a commit ----------------------------------------------------------------


def test_a_forced_second_version_on_a_commit_with_a_stage_tag_is_refused(example: Path) -> None:
    """The issue's shape: segment v0.4.1 and segment#dev#1 on one commit. A second version
    there made every gto read fail (ManyVersions); gto refuses it, and so do we."""
    commit = tag_targets(example)["segment@v0.4.1"]
    before = tag_targets(example)
    with pytest.raises(gto_errors.GTOException, match=r"only register v0\.4\.1"):
        gto.api.register(str(shutil.copytree(example, example.parent / "g")), "segment",
                         commit, version="v0.5.0", force=True)  # fmt: skip
    code, _, err = ours(example, "register", "segment", "--version", "v0.5.0",
                        "--commit", commit, "--force", "--no-require-annotation")  # fmt: skip
    assert code == 1 and "registers only v0.4.1 there" in err, err
    assert tag_targets(example) == before
    assert gto_json(example, "show")  # gto still reads every model


def test_our_advice_on_several_versions_leads_somewhere_gto_can_read(example: Path) -> None:
    """Two versions on a commit (made by hand): an assignment is refused, and the advice is
    not "deregister" (gto counts deregistered versions too) but deleting the extra tags."""
    commit = tag_targets(example)["churn@v3.1.0"]
    git(example, "tag", "-a", "churn@v3.2.0", "-m", "by hand", commit)
    assert ours(example, "show", "--json")[0] == 0  # we still read it; gto no longer does
    # A stage tag there names one version, the same in parse (a deploy job started by its
    # push) as in show: the one GTO files the commit's stage tags under.
    parsed, shown = (json.loads(ours(example, *argv, "--json")[1])["version"]
                     for argv in (["parse", "churn#dev#4"], ["show", "churn#dev"]))  # fmt: skip
    assert parsed == shown == "v3.1.0"
    code, _, err = ours(example, "assign", "churn", "--stage", "qa", "--commit", commit)
    assert code == 1 and "GTO counts deregistered versions too" in err, err
    assert "Deregister all but one" not in err
    # Deregistering does not mend it (gto, which cannot read this repository, would not even
    # write the tag): gto still cannot read a stage tag on that commit.
    git(example, "tag", "-a", "churn@v3.2.0!", "-m", "by hand", commit)
    with pytest.raises(gto_errors.ManyVersions):
        gto.api.show(str(example))
    code, _, err = ours(example, "assign", "churn", "--stage", "qa", "--commit", commit)
    assert code == 1 and "several versions" in err, err
    # What the advice says does: delete the extra version's tags; then gto and we agree.
    git(example, "tag", "-d", "churn@v3.2.0", "churn@v3.2.0!")
    code, _, err = ours(example, "assign", "churn", "--stage", "qa", "--commit", commit)
    assert code == 0, err
    assert gto_json(example, "show")["churn"]["stage"]["qa"] == "v3.1.0"


# -- reads never present a withdrawn thing as deployable ---------------------------------


def test_reads_of_withdrawn_things_refuse_and_the_registry_stays_gtos(withdrawn: Path) -> None:
    code, out, err = ours(withdrawn, "show", "churn", "--version", "v3.0.0")
    assert code == 1 and out == "", out
    assert "churn v3.0.0 was deregistered at 20" in err and "churn@v3.0.0!" in err, err
    code, out, err = ours(withdrawn, "show", "cv-class")
    assert code == 1 and "cv-class was deprecated at 20" in err, err
    for argv in (["show", "cv-class", "--version", "latest"], ["show", "cv-class@v0.1.13"]):
        assert ours(withdrawn, *argv)[0] == 1
    # The whole registry is still exactly gto's; the active version still reads.
    code, out, _ = ours(withdrawn, "show", "--json")
    assert code == 0 and json.loads(out) == gto_json(withdrawn, "show")
    code, out, _ = ours(withdrawn, "show", "churn", "--version", "v3.1.0", "--json")
    assert code == 0 and json.loads(out)["version"] == "v3.1.0"


def test_the_action_refuses_withdrawn_reads_too(
    withdrawn: Path, git_repo: Path, run_action: Callable[..., Run]
) -> None:
    shutil.rmtree(git_repo)
    shutil.copytree(withdrawn, git_repo)
    gone = run_action(command="show", model="churn", version="v3.0.0")
    assert gone.code == 1 and "deregistered at" in gone.stdout, gone.stdout
    assert [e.message for e in gone.errors()] and gone.outputs.get("version", "") == ""
    deprecated = run_action(command="show", model="cv-class")
    assert deprecated.code == 1 and "deprecated at" in deprecated.stdout
    shown = run_action(command="show", model="")
    assert shown.code == 0 and json.loads(shown.outputs["registry"]) == gto_json(git_repo, "show")


# -- gto's shortcuts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shortcut", "version"),
    [("churn#prod", "v3.0.0"), ("churn#dev", "v3.1.0"), ("churn@latest", "v3.1.0"),
     ("churn@greatest", "v3.1.0"), ("churn@v3.0.0", "v3.0.0"), ("segment#dev", "v0.4.1")],
)  # fmt: skip
def test_show_takes_gtos_shortcuts(example: Path, shortcut: str, version: str) -> None:
    [theirs] = gto_json(example, "show", shortcut)
    assert theirs["version"] == version
    code, out, err = ours(example, "show", shortcut, "--json")
    assert code == 0, err
    assert json.loads(out)["version"] == version


def test_a_shortcut_and_an_option_naming_the_version_twice_is_refused(example: Path) -> None:
    code, _, err = ours(example, "show", "churn#prod", "--version", "v3.1.0")
    assert code == 1 and "names a stage already" in err, err


def test_the_action_takes_shortcuts(
    example: Path, git_repo: Path, run_action: Callable[..., Run]
) -> None:
    shutil.rmtree(git_repo)
    shutil.copytree(example, git_repo)
    prod = run_action(command="show", model="churn#prod")
    assert prod.code == 0 and prod.outputs["version"] == "v3.0.0", prod.stdout
    assert prod.outputs["stage"] == "prod"


# -- the tagger: git's, in the local time zone -----------------------------------------------


def _tag_object(repo: Path, tag: str) -> str:
    """The tag object's text with the tagger's seconds blanked (the two tools tag moments
    apart); the zone offset, the name, the email and the message are kept."""
    text = git(repo, "cat-file", "tag", tag)
    return re.sub(r"^(tagger .*> )\d+ ", r"\1<when> ", text, flags=re.MULTILINE)


def test_tags_carry_the_local_zone_as_gtos_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        mine, theirs = clone(tmp_path / "mine"), clone(tmp_path / "theirs")
        code, _, err = ours(mine, "assign", "churn", "--stage", "qa", "--version", "v3.1.0")
        assert code == 0, err
        gto.api.assign(str(theirs), "churn", "qa", version="v3.1.0")
        ours_text, gto_text = _tag_object(mine, "churn#qa#5"), _tag_object(theirs, "churn#qa#5")
        assert re.search(r"^tagger Reg Tester <tester@example.com> <when> \+0[12]00$",
                         ours_text, flags=re.MULTILINE), ours_text  # fmt: skip
        assert ours_text == gto_text
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_action_keeps_utc_in_any_zone(
    example: Path,
    git_repo: Path,
    standin: Any,
    run_action: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The action sends GitHub its tagger date in UTC (`...Z`, which GitHub writes as
    `+0000`), whatever TZ the job sets: only the command line takes the local zone."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    try:
        shutil.rmtree(git_repo)
        shutil.copytree(example, git_repo)
        done = run_action(command="assign", model="churn", stage="qa", version="v3.1.0")
        assert done.code == 0, done.stdout
        [sent] = [w.body for w in standin.writes if w.path.endswith("/git/tags")]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", sent["tagger"]["date"]), sent
        text = git(git_repo, "cat-file", "tag", "churn#qa#5")
        assert re.search(r"^tagger .+ <.+> \d+ \+0000$", text, flags=re.MULTILINE), text
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_no_git_identity_is_refused_as_gto_refuses_it(
    example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # libgit2 (gto's) reads ~/.gitconfig itself
    git(example, "config", "--unset", "user.name")
    git(example, "config", "--unset", "user.email")
    before = tag_targets(example)
    # gto's CLI in a process of its own: libgit2 reads HOME once, when first loaded.
    copy = shutil.copytree(example, example.parent / "g")
    done = subprocess.run([GTO, "assign", "churn", "--stage", "qa", "--version", "v3.1.0"],
                          cwd=copy, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and "must be configured" in done.stdout + done.stderr
    argv = ["assign", "churn", "--stage", "qa", "--version", "v3.1.0"]
    code, _, err = ours(example, *argv)
    assert code == 1 and "Git user name and email must be configured" in err, err
    assert "--tagger-name" in err and "tagger-name and" not in err.replace("--tagger-name", "")
    assert tag_targets(example) == before
    code, _, err = ours(example, *argv, "--tagger-name", "Ann", "--tagger-email", "ann@x.org")
    assert code == 0, err
    assert "tagger Ann <ann@x.org> " in git(example, "cat-file", "tag", "churn#qa#5")


def test_the_committer_environment_names_the_tagger(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Env Person")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "env@example.com")
    code, _, err = ours(example, "assign", "churn", "--stage", "qa", "--version", "v3.1.0")
    assert code == 0, err
    assert "tagger Env Person <env@example.com> " in git(example, "cat-file", "tag", "churn#qa#5")


# -- local commits are the user's own --------------------------------------------------------


def test_a_commit_on_a_detached_head_registers_as_in_gto(example: Path) -> None:
    git(example, "checkout", "-q", "--detach", "main")
    (example / "notes.txt").write_text("an experiment\n")
    git(example, "add", "notes.txt")
    git(example, "commit", "-q", "-m", "experiment")
    sha = git(example, "rev-parse", "HEAD")
    theirs = shutil.copytree(example, example.parent / "g")
    gto.api.register(str(theirs), "churn", "HEAD")
    code, out, err = ours(example, "register", "churn", "--json")
    assert code == 0, err
    assert json.loads(out)["commit"] == sha
    assert tag_targets(example)["churn@v3.1.1"] == tag_targets(theirs)["churn@v3.1.1"] == sha
    # Left behind once HEAD moves on: a dangling commit, worded for a clone, not a fork.
    git(example, "commit", "-q", "--allow-empty", "-m", "another experiment")
    left = git(example, "rev-parse", "HEAD")
    git(example, "checkout", "-q", "main")
    code, _, err = ours(example, "register", "churn", "--commit", left)
    assert code == 1 and "dangling" in err and "fork" not in err, err


# -- gto's tables --------------------------------------------------------------------------


def test_tables_print_what_gtos_print(example: Path, tmp_path: Path) -> None:
    git(example, "commit", "-q", "--allow-empty", "-m", "bare")
    bare = git(example, "rev-parse", "HEAD")
    gto.api.assign(str(example), "churn", "canary", ref=bare, skip_registration=True)
    theirs = CliRunner().invoke(gto_app, ["show", "-r", str(example)]).output
    # gto: the bare commit's sha in 7 characters (rich right-aligns it when all digits)
    assert re.search(rf"│ +{bare[:7]} +│", theirs), theirs
    code, out, _ = ours(example, "show")
    [row] = [line.split() for line in out.splitlines() if line.startswith("churn ")]
    assert code == 0 and row[2] == bare[:7], out
    theirs = CliRunner().invoke(gto_app, ["history", "churn", "-r", str(example)]).output
    code, out, _ = ours(example, "history", "churn")
    newest = out.splitlines()[2].split()
    stamp = f"{newest[0]} {newest[1]}"  # a space, not `T`, as gto prints datetimes
    assert code == 0 and f"│ {stamp} │" in theirs, (out, theirs)
    assert newest[4] == bare[:7]  # the version of a bare commit's event, as gto shows it
    empty = tmp_path / "empty"
    subprocess.run(["git", "init", "-q", str(empty)], check=True)
    git(empty, "-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-q", "--allow-empty",
        "-m", "nothing yet")  # fmt: skip
    for argv in (["show"], ["history"]):
        theirs = CliRunner().invoke(gto_app, [*argv, "-r", str(empty)]).output.strip()
        assert theirs == "Nothing found in the current workspace"
        assert ours(empty, *argv)[1].strip() == theirs


# -- wording -----------------------------------------------------------------------------


def test_parse_words_an_unassignment_from_its_stage(example: Path) -> None:
    gto.api.unassign(str(example), "churn", version="v3.1.0", stage="staging")
    code, out, err = ours(example, "parse", "churn#staging!#5")
    assert code == 0, err
    assert "unassignment of churn v3.1.0 from staging" in out, out
    code, _, err = ours(example, "parse", "churn#qa#77")  # no such tag
    assert code == 1 and "the ref input" not in err and "the tag name" in err, err
    assert err.startswith("error: Tag not found: Tag churn#qa#77 was not found"), err


def test_refusals_name_the_way_out_the_cli_has(example: Path) -> None:
    code, _, err = ours(example, "deregister", "churn", "--version", "v7.0.0")
    assert code == 1 and "is not registered" in err and "Register it first" not in err, err
    code, _, err = ours(example, "deprecate", "fraud")
    assert code == 1 and "nothing to deprecate" in err and "pass --force" in err, err
    assert ours(example, "deprecate", "fraud", "--force")[0] == 0  # and --force does


def test_an_empty_commit_is_head_and_a_padded_one_is_refused_as_in_gto(example: Path) -> None:
    git(example, "commit", "-q", "--allow-empty", "-m", "next")
    head = git(example, "rev-parse", "HEAD")
    theirs = shutil.copytree(example, example.parent / "g")
    gto.api.register(str(theirs), "churn", "")
    assert tag_targets(theirs)["churn@v3.1.1"] == head
    with pytest.raises(Exception):  # noqa: B017 - gto's own error, from git's rev parsing
        gto.api.register(str(shutil.copytree(example, example.parent / "h")), "churn", " HEAD")
    code, _, err = ours(example, "register", "churn", "--commit", " HEAD")
    assert code == 1 and "spaces around it" in err, err
    code, out, err = ours(example, "register", "churn", "--commit", "", "--json")
    assert code == 0 and json.loads(out)["commit"] == head, err
