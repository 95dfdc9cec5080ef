"""The promotion policy through the action, end to end against the GitHub stand-in: refused
before any write, accepted, overridden; `parse` of tags made by hand and by gto; a feature
branch cannot loosen `main`'s policy; gto reads every tag written."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.inprocess import Run
from harness.referee import GTO, gto_json
from harness.standin.gitrepo import commit, run_git, tag

RunAction = Callable[..., Run]
POLICY = """\
stages:
  staging: { from: [dev] }
  prod:    { from: [staging], branches: [main] }
"""
PERMISSIVE = "stages: {}\n"


@pytest.fixture
def policed(git_repo: Path) -> Path:
    commit(git_repo, {".github/registry-policy.yml": POLICY}, "The promotion policy")
    return git_repo


def ok(run_action: RunAction, **with_: str) -> Run:
    result = run_action(**with_)
    assert result.code == 0, result.stdout
    return result


def refused(run_action: RunAction, standin: Any, rule: str, **with_: str) -> Run:
    """Exit 1, one `::error` naming the rule and the file, and no write request."""
    standin.reset_log()
    result = run_action(**with_)
    assert result.code == 1, result.stdout
    (error,) = result.errors()
    assert error.prop("title") == "Promotion policy"
    assert error.prop("file") == ".github/registry-policy.yml"
    assert rule in error.message, error.message
    assert standin.writes == []
    return result


def gto_reads(repo: Path) -> dict[str, Any]:
    """gto reads every tag (show and history succeed); its view of churn."""
    history = gto_json(repo, "history", "churn")
    assert history, "gto sees no events"
    shown: dict[str, Any] = gto_json(repo, "show")
    return shown


def test_assign_is_refused_then_accepted_in_order(
    run_action: RunAction, standin: Any, policed: Path
) -> None:
    ok(run_action, model="churn", version="v1.0.0")
    result = refused(run_action, standin, "prod: {from: [staging]}", command="assign",
                     model="churn", version="v1.0.0", stage="prod")  # fmt: skip
    assert "Assign staging first" in result.errors()[0].message
    assert "set policy-override: REASON" in result.errors()[0].message
    # force does not bypass the policy.
    refused(run_action, standin, "from: [staging]", command="assign", model="churn",
            version="v1.0.0", stage="prod", force="true")  # fmt: skip
    for stage in ("dev", "staging", "prod"):
        out = ok(run_action, command="assign", model="churn", version="v1.0.0", stage=stage)
        assert out.outputs["policy"] == "ok"
    parsed = ok(run_action, command="parse", ref=f"refs/tags/{out.outputs['tag']}")
    assert parsed.outputs["policy"] == "ok"
    assert json.loads(parsed.outputs["json"])["policy"] == "ok"
    assert gto_reads(policed)["churn"]["stage"]["prod"] == "v1.0.0"


def test_an_override_lets_it_in_and_is_recorded(
    run_action: RunAction, standin: Any, policed: Path
) -> None:
    ok(run_action, model="churn", version="v1.0.0")
    made = ok(run_action, command="assign", model="churn", version="v1.0.0", stage="prod",
              policy_override="incident 42: hotfix")  # fmt: skip
    assert made.outputs["policy"] == "overridden"
    message = run_git(policed, "tag", "-l", "--format=%(contents)", made.outputs["tag"])
    assert message.splitlines()[-1] == "Policy-Override: incident 42: hotfix"
    parsed = ok(run_action, command="parse", ref=f"refs/tags/{made.outputs['tag']}")
    assert parsed.outputs["policy"] == "overridden"
    assert "incident 42" in parsed.stdout
    history = gto_json(policed, "history", "churn")
    assert any("Policy-Override: incident 42" in e["message"] for e in history)
    assert gto_reads(policed)["churn"]["stage"]["prod"] == "v1.0.0"
    # Only an assignment is ruled: an override elsewhere is refused, not ignored.
    result = run_action(model="churn", version="v1.1.0", policy_override="why")
    assert result.code == 1 and "takes no policy override" in result.stdout


@pytest.mark.parametrize("maker", ["git tag -a", "gto assign"])
def test_parse_fails_a_hand_made_tag_that_skipped_staging(
    run_action: RunAction, standin: Any, policed: Path, maker: str
) -> None:
    ok(run_action, model="churn", version="v1.0.0")
    ok(run_action, command="assign", model="churn", version="v1.0.0", stage="dev")
    if maker == "gto assign":
        subprocess.run([GTO, "assign", "churn", "HEAD", "--stage", "prod"], cwd=policed,
                       check=True, capture_output=True)  # fmt: skip
        name = run_git(policed, "tag", "-l", "churn#prod#*")
    else:
        name = "churn#prod#9"
        tag(policed, name, run_git(policed, "rev-parse", "HEAD"), "Assigning stage prod")
    standin.reset_log()
    result = run_action(command="parse", ref=f"refs/tags/{name}")
    assert result.code == 1, result.stdout
    (error,) = result.errors()
    assert error.prop("title") == "Promotion policy"
    assert error.prop("file") == ".github/registry-policy.yml" and error.prop("line") == "3"
    assert f"{name} breaks the promotion policy" in error.message
    assert "it held dev" in error.message
    assert result.outputs["policy"] == "violated"  # still there for a job that reads it
    assert standin.writes == []
    warned = ok(run_action, command="parse", ref=f"refs/tags/{name}", verify_policy="false")
    assert warned.outputs["policy"] == "violated"
    assert [c.command for c in warned.commands if c.command in ("warning", "error")] == ["warning"]
    # show marks it: a field in the outputs, a mark in the registry's table.
    shown = ok(run_action, command="show", model="churn", stage="prod")
    assert shown.outputs["policy"] == "violated"
    whole = ok(run_action, command="show")
    # The summary escapes Markdown: `v1\.0\.0 \!`.
    assert "v1\\.0\\.0 \\! |" in whole.summary and "broke the promotion policy" in whole.summary
    assert json.loads(whole.outputs["registry"]) == gto_json(policed, "show")  # as gto's
    gto_reads(policed)


def test_no_policy_file_is_none(run_action: RunAction, git_repo: Path) -> None:
    made = ok(run_action, model="churn", version="v1.0.0")
    assert made.outputs["policy"] == "none"
    out = ok(run_action, command="assign", model="churn", version="v1.0.0", stage="prod")
    assert out.outputs["policy"] == "none"
    assert (
        ok(run_action, command="parse", ref=f"refs/tags/{out.outputs['tag']}").outputs["policy"]
        == "none"
    )


def test_a_feature_branch_cannot_loosen_main_nor_enter_a_main_only_stage(
    run_action: RunAction, standin: Any, policed: Path
) -> None:
    # A permissive policy on a feature branch, and a version registered there. (A worktree:
    # the stand-in's default branch is its repository's HEAD, which stays on main.)
    other = policed.parent / "feature"
    run_git(policed, "worktree", "add", "-q", "-b", "feature", str(other))
    feature = commit(other, {".github/registry-policy.yml": PERMISSIVE, "x": "1"}, "loosen")
    ok(run_action, model="churn", version="v2.0.0", commit=feature)
    refused(run_action, standin, "prod: {from: [staging]}", command="assign", model="churn",
            version="v2.0.0", stage="prod")  # fmt: skip
    # It may go to dev and staging (main's policy says nothing of branches there)...
    for stage in ("dev", "staging"):
        ok(run_action, command="assign", model="churn", version="v2.0.0", stage=stage)
    # ...but not to prod: its commit is on no head of main.
    result = refused(run_action, standin, "prod: {branches: [main]}", command="assign",
                     model="churn", version="v2.0.0", stage="prod")  # fmt: skip
    assert "Merge the commit to main" in result.errors()[0].message
    made = ok(run_action, command="assign", model="churn", version="v2.0.0", stage="prod",
              policy_override="demo for the board")  # fmt: skip
    assert made.outputs["policy"] == "overridden"
    # Merged to main, the same version is let in without an override.
    run_git(policed, "merge", "-q", "--ff-only", "feature")
    parsed = ok(run_action, command="parse", ref=f"refs/tags/{made.outputs['tag']}")
    assert parsed.outputs["policy"] == "ok"
    gto_reads(policed)


@pytest.mark.parametrize(
    ("files", "line", "words"),
    [
        ({".github/registry-policy.yml": "stages:\n  prod:\n    form: [staging]\n"}, "3",
         "unknown key 'form'"),
        ({".gto": "stages: [dev, prod]\n",
          ".github/registry-policy.yml": "stages:\n  prod: {from: [staging]}\n"}, "2",
         "'staging', which .gto does not allow"),
    ],
)  # fmt: skip
def test_an_unreadable_policy_refuses_the_assignment_unsent(
    run_action: RunAction, standin: Any, git_repo: Path, files: dict[str, str], line: str,
    words: str,
) -> None:  # fmt: skip
    """A policy the action cannot read is not taken as no policy: its rules are unknown, so
    the assignment is refused, on the file's line, before anything is written."""
    ok(run_action, model="churn", version="v1.0.0")
    commit(git_repo, files, "A policy with a mistake")
    standin.reset_log()
    result = run_action(command="assign", model="churn", version="v1.0.0", stage="prod")
    assert result.code == 1, result.stdout
    (error,) = result.errors()
    assert error.prop("title") == "Invalid registry policy"
    assert (error.prop("file"), error.prop("line")) == (".github/registry-policy.yml", line)
    assert words in error.message, error.message
    assert standin.writes == []
    assert run_git(git_repo, "tag", "-l", "churn#*") == ""


BROKEN = [
    ("stages:\n  prod: {from: [staging]\n", "3", "is not valid YAML"),  # bad YAML
    ("stages:\n  prod:\n    form: [staging]\n", "3", "unknown key 'form'"),
    ("stages:\n  prod: [staging]\n", "2", "is not a mapping"),  # a bad shape
]


def warned_once(result: Run, line: str, words: str) -> None:
    """Exit 0, no error, and one `::warning` on the policy file's line saying what is wrong."""
    assert result.code == 0, result.stdout
    (warning,) = [c for c in result.commands if c.command in ("warning", "error")]
    assert warning.command == "warning"
    assert warning.prop("title") == "Invalid registry policy"
    assert (warning.prop("file"), warning.prop("line")) == (".github/registry-policy.yml", line)
    assert words in warning.message, warning.message


@pytest.mark.parametrize(("text", "line", "words"), BROKEN)
def test_an_unreadable_policy_fails_only_what_it_governs(
    run_action: RunAction, standin: Any, git_repo: Path, text: str, line: str, words: str
) -> None:
    """The policy rules assigning a stage: a file that cannot be read refuses `assign` and
    cannot verify an assignment (`parse`, `show MODEL --stage`); every other command runs
    as without a policy, with one warning naming the file, the line and the mistake."""
    first = ok(run_action, model="churn", version="v1.0.0").outputs["commit"]
    dev = ok(run_action, command="assign", model="churn", version="v1.0.0", stage="dev")
    registered = ok(run_action, model="churn", version="v1.0.0", commit=first).outputs
    commit(git_repo, {".github/registry-policy.yml": text}, "A policy with a mistake")
    # Not governed: as without a policy, and a warning.
    again = run_action(model="churn", version="v1.0.0", commit=first)  # a re-run
    warned_once(again, line, words)
    assert again.outputs == registered
    made = run_action(model="churn", version="v1.1.0")
    warned_once(made, line, words)
    assert made.outputs["policy"] == "none" and made.outputs["created"] == "true"
    for with_ in ({"command": "show"}, {"command": "history"},
                  {"command": "history", "model": "churn"}, {"command": "show", "model": "churn"},
                  {"command": "parse", "ref": "refs/tags/churn@v1.1.0"}):  # fmt: skip
        warned_once(run_action(**with_), line, words)
    # Governed: assign refuses, unsent.
    standin.reset_log()
    result = run_action(command="assign", model="churn", version="v1.0.0", stage="staging")
    assert result.code == 1 and standin.writes == []
    (error,) = result.errors()
    assert (error.prop("file"), error.prop("line")) == (".github/registry-policy.yml", line)
    # Verifying an assignment: the rules are unknown, so it fails unless told only to warn.
    pushed = f"refs/tags/{dev.outputs['tag']}"
    for with_ in ({"command": "parse", "ref": pushed},
                  {"command": "show", "model": "churn", "stage": "dev"}):  # fmt: skip
        failed = run_action(**with_)
        assert failed.code == 1, failed.stdout
        (error,) = failed.errors()
        assert error.prop("title") == "Invalid registry policy"
        assert (error.prop("file"), error.prop("line")) == (".github/registry-policy.yml", line)
        assert words in error.message and "set verify-policy: false" in error.message
        assert failed.outputs["policy"] == "unreadable"  # not judged: neither ok nor violated
        only = run_action(**with_, verify_policy="false")
        warned_once(only, line, words)
        assert only.outputs["policy"] == "unreadable"
    # The lifecycle commands the policy does not rule go through, each with the warning.
    for command in ("unassign", "deregister"):
        done = run_action(command=command, model="churn", version="v1.0.0",
                          stage="dev" if command == "unassign" else "")  # fmt: skip
        warned_once(done, line, words)
        assert done.outputs["created"] == "true"
    warned_once(run_action(command="deprecate", model="churn"), line, words)
    gto_reads(git_repo)
