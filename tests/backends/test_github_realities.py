"""What github.com really answers (docs/github-facts.md), through the
stand-in that now answers the same way, and the action's words for each.

Dispatch 404s and 422s, `x-accepted-github-permissions`, commits only a fork has, messages
that are not UTF-8, and every way `refs(query:)` might match.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from harness.standin import StandIn
from harness.standin.gitrepo import commit, run_git, tag, tag_targets
from tests.helpers import ROOT, RunAction, head

pytestmark = pytest.mark.standin
SENT = ("model", "version", "tag", "commit")


def dangling(repo: Path) -> str:
    """A commit object no branch or tag holds: what a sha from a fork looks like to the API
    (GitHub stores a fork network's objects together)."""
    tree = run_git(repo, "rev-parse", "HEAD^{tree}").strip()
    return run_git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "from a fork").strip()


def kinds(standin: StandIn) -> list[str]:
    return ["read" if r.path.endswith("graphql") else r.path.rsplit("/", 2)[-2] + "/" +
            r.path.rsplit("/", 1)[-1] for r in standin.requests]  # fmt: skip


# -- workflow dispatch -----------------------------------------------------------------------


def workflow(inputs: str, trigger: str = "workflow_dispatch") -> str:
    return f"on:\n  {trigger}:\n    inputs:\n{inputs}jobs: {{}}\n"


DECLARED = "".join(f"      {name}: {{type: string}}\n" for name in SENT)


@pytest.mark.parametrize(
    ("files", "says", "fix"),
    [
        ({}, "found no workflow deploy.yml on main (404)", "Commit .github/workflows/deploy.yml"),
        (
            {"deploy.yml": "on: push\njobs: {}\n"},
            "has no workflow_dispatch trigger (422 Workflow does not have 'workflow_dispatch'",
            "on: {workflow_dispatch: {inputs: {model: {type: string}, version: {type: string}",
        ),
        (
            {"deploy.yml": workflow("      model: {type: string}\n")},
            'does not declare the inputs this action sends (422 Unexpected inputs provided: ["',
            "Declare them: on: {workflow_dispatch:",
        ),
        (
            {"deploy.yml": workflow(DECLARED + "      env: {required: true, type: string}\n")},
            "requires an input this action does not send (422 Required input 'env'",
            "make any other input optional",
        ),
    ],
    ids=["not on the ref", "no trigger", "undeclared inputs", "a required input"],
)
def test_dispatch_refusals_name_the_workflow_the_ref_and_the_fix(
    run_action: RunAction, standin: StandIn, git_repo: Path, files: dict[str, str], says: str,
    fix: str,
) -> None:  # fmt: skip
    if files:
        commit(git_repo, {f".github/workflows/{k}": v for k, v in files.items()}, "workflow")
    result = run_action(model="churn", dispatch_workflow="deploy.yml")
    assert result.code == 1 and standin.dispatches == []
    [error] = result.errors()
    assert "churn@v0.0.1 was created" in error.message
    assert says in error.message and fix in error.message, error.message
    assert result.outputs["created"] == "true"  # the registration stands


def test_dispatch_to_a_workflow_that_declares_the_inputs(
    run_action: RunAction, standin: StandIn, git_repo: Path
) -> None:
    commit(git_repo, {".github/workflows/deploy.yml": workflow(DECLARED)}, "workflow")
    assert run_action(model="churn", dispatch_workflow="deploy.yml").code == 0
    assert [d.workflow for d in standin.dispatches] == ["deploy.yml"]


# -- the ref POST: 403s, and what x-accepted-github-permissions means -------------------------


def test_a_commit_whose_workflows_differ_from_every_branch_is_diagnosed_from_what_happened(
    run_action: RunAction, standin: StandIn, git_repo: Path
) -> None:
    old = commit(git_repo, {".github/workflows/ci.yml": "on: push\njobs: {}\n"}, "CI v1")
    commit(git_repo, {".github/workflows/ci.yml": "on: [push]\njobs: {}\n"}, "CI v2")
    standin.reset_log()
    result = run_action(model="churn", commit=old)
    assert result.code == 1
    [error] = result.errors()
    assert "created the tag object of churn@v0.0.1 but refused its ref (403" in error.message
    assert "workflows: write" in error.message and "contents: write" not in error.message
    assert kinds(standin) == ["read", "git/tags", "git/refs"]  # refused, not retried
    assert "churn@v0.0.1" not in tag_targets(git_repo)


def test_a_token_that_cannot_write_is_told_contents_write_whatever_the_header_lists(
    run_action: RunAction, standin: StandIn
) -> None:
    result = run_action(model="churn", token="test-read-token")
    assert result.code == 1
    [error] = result.errors()
    assert "may not write" in error.message and "contents: write" in error.message
    assert "workflows" not in error.message


# -- commits only a fork has ("impostor commits") -------------------------------------------


def test_a_commit_on_no_branch_or_tag_is_refused_with_no_write(
    run_action: RunAction, standin: StandIn, git_repo: Path
) -> None:
    impostor = dangling(git_repo)
    for inputs in (
        {"model": "churn", "commit": impostor},
        {"model": "churn", "commit": impostor[:7]},  # GitHub resolves abbreviated shas too
        {"model": "churn", "commit": impostor, "dry_run": "true"},
        {"command": "assign", "model": "churn", "stage": "prod", "commit": impostor},
    ):
        standin.reset_log()
        result = run_action(**inputs)
        assert result.code == 1, inputs
        [error] = result.errors()
        assert error.prop("title") == "Commit not in the repository"
        assert f"Commit {impostor} is on no branch or tag" in error.message
        assert "Push the commit to a branch" in error.message
        assert standin.writes == [] and result.outputs == {}
    assert tag_targets(git_repo) == {}


def test_the_workflows_own_commit_is_trusted_as_it_is(
    run_action: RunAction, standin: StandIn, git_repo: Path
) -> None:
    # A pull request's merge commit is on no branch: GITHUB_SHA is what the workflow runs.
    merge = dangling(git_repo)
    standin.reset_log()
    result = run_action(model="churn", env={"GITHUB_SHA": merge}, commit=merge)
    assert result.code == 0 and result.outputs["commit"] == merge
    assert kinds(standin) == ["read", "git/tags", "git/refs"]


def test_reachability_costs_nothing_on_the_default_branch_and_one_read_elsewhere(
    run_action: RunAction, standin: StandIn, git_repo: Path
) -> None:
    older = head(git_repo)
    commit(git_repo, {"train.log": "1"}, "retrain")
    standin.reset_log()
    assert run_action(model="churn", commit=older).code == 0  # on main: folded into the read
    assert kinds(standin) == ["read", "git/tags", "git/refs"]
    run_git(git_repo, "checkout", "-q", "-b", "feature")
    feature = commit(git_repo, {"train.log": "2"}, "experiment")
    run_git(git_repo, "checkout", "-q", "main")
    standin.reset_log()
    result = run_action(model="churn", commit=feature)
    assert result.code == 0, result.stdout
    assert kinds(standin) == ["read", "read", "git/tags", "git/refs"]
    # A commit only a tag holds is in the repository too.
    run_git(git_repo, "branch", "-D", "feature")
    tag(git_repo, "release-1", feature, annotated=False)
    assert run_action(model="churn", commit=feature).code == 0  # its version, found again


def test_the_command_line_refuses_a_commit_on_no_branch_or_tag(git_repo: Path) -> None:
    impostor = dangling(git_repo)
    done = cli("register", "churn", "--repo", str(git_repo), "--commit", impostor)
    # A local clone's own words: a dangling commit, not a fork's (docs/rules-force.md).
    assert done.returncode == 1 and "is dangling" in done.stderr and "fork" not in done.stderr
    assert tag_targets(git_repo) == {}
    ok = cli("register", "churn", "--repo", str(git_repo))
    assert ok.returncode == 0, ok.stderr


# -- messages that are not UTF-8 ---------------------------------------------------------------


def test_a_message_that_is_not_utf8_is_refused_before_any_request(
    run_action: RunAction, standin: StandIn
) -> None:
    # The runner passes an input's bytes as they are; Python reads b"caf\xe9" as "caf\udce9".
    result = run_action(model="churn", message="caf\udce9")
    assert result.code == 1 and standin.requests == []
    [error] = result.errors()
    assert "not valid UTF-8" in error.message


def test_the_command_line_refuses_a_message_that_is_not_utf8(git_repo: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registry_action.shells.cli", "register", "churn", "--repo",
         str(git_repo), "--message", b"caf\xe9"],
        capture_output=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 1 and b"not valid UTF-8" in done.stderr
    assert tag_targets(git_repo) == {}


def cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry_action.shells.cli", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
