"""Reachability as GitHub documents its orders (issue 19, finding 6): a commit named by a
branch or tag is proven by that ref, compares use the resolved sha, and a commit held by
one branch among more than 100 is found whatever order GitHub lists branches in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import responses

from harness.standin import StandIn
from harness.standin.gitrepo import run_git
from harness.standin.graphql_api import branch_key
from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.grammar import ModelName
from tests.backends.github_http import COMMIT, GRAPHQL, graphql_answer

BRANCHES = 130


def many_branches(repo: Path) -> tuple[str, str]:
    """BRANCHES branches at main and one more holding a commit no other ref holds, placed
    last in the stand-in's shuffled order; the branch and its commit."""
    tree = run_git(repo, "rev-parse", "HEAD^{tree}").strip()
    only = run_git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "only on one branch").strip()
    names = [f"topic/{n:03}" for n in range(BRANCHES + 1)]
    last = max(names, key=branch_key)
    lines = [f"create refs/heads/{n} {only if n == last else 'HEAD'}" for n in names]
    head = run_git(repo, "rev-parse", "HEAD").strip()
    run_git(repo, "update-ref", "--stdin", input="\n".join(lines).replace("HEAD", head) + "\n")
    return last, only


def backend(standin: StandIn) -> GitHubBackend:
    return GitHubBackend("acme/models", "test-read-token", standin.api_url, standin.graphql_url)


def test_a_commit_on_one_old_branch_among_many_is_reachable_in_any_order(
    standin: StandIn, git_repo: Path
) -> None:
    _, only = many_branches(git_repo)
    for order in ("date", "shuffled"):
        standin.branch_order = order
        gh = backend(standin)
        snapshot = gh.read(ModelName.parse("churn"), only)
        assert snapshot.commit == only and snapshot.reachable is None  # not on main
        assert gh.reachable(only), order


def test_a_commit_named_by_its_branch_is_proven_by_that_branch_in_the_read(
    standin: StandIn, git_repo: Path
) -> None:
    branch, only = many_branches(git_repo)
    standin.branch_order = "shuffled"
    standin.reset_log()
    snapshot = backend(standin).read(ModelName.parse("churn"), branch)
    assert snapshot.commit == only and snapshot.reachable is True
    assert len(standin.requests) == 1  # no page of branches was read


def test_a_commit_named_by_a_tag_is_proven_by_that_tag(standin: StandIn, git_repo: Path) -> None:
    tree = run_git(git_repo, "rev-parse", "HEAD^{tree}").strip()
    loose = run_git(git_repo, "commit-tree", tree, "-m", "tagged only").strip()
    run_git(git_repo, "tag", "-a", "-m", "release", "rel-1", loose)
    snapshot = backend(standin).read(ModelName.parse("churn"), "rel-1")
    assert snapshot.commit == loose and snapshot.reachable is True


def answer(status: str, *, named: str | None = None) -> dict[str, Any]:
    body = graphql_answer([])
    repo = body["data"]["repository"]
    repo["defaultBranchRef"] = {"name": "main", "compare": {"status": status}}
    repo["branch"] = {"target": {"__typename": "Commit", "oid": named}} if named else None
    repo["tag"] = None
    return body


@responses.activate
def test_the_default_branch_compare_counts_only_for_a_full_sha() -> None:
    """The compare is asked with the commit's text, which GitHub resolves by itself: a short
    sha may be a fork's, a name may be a branch and a tag. Only a full sha is certain."""
    gh = GitHubBackend("acme/models", "t", "https://ghe.example.test/api/v3")
    model = ModelName.parse("churn")
    responses.post(GRAPHQL, json=answer("IDENTICAL"))
    assert gh.read(model, COMMIT[:7]).reachable is None  # to be asked again, by sha
    responses.replace(responses.POST, GRAPHQL, json=answer("IDENTICAL"))
    assert gh.read(model, COMMIT).reachable is True
    responses.replace(responses.POST, GRAPHQL, json=answer("DIVERGED", named=COMMIT))
    assert gh.read(model, "release").reachable is True  # the branch `release` points at it
    responses.replace(responses.POST, GRAPHQL, json=answer("IDENTICAL", named="5" * 40))
    assert gh.read(model, "release").reachable is None  # it names another commit
    named = [json.loads(c.request.body)["variables"].get("named") for c in responses.calls]
    assert named == [True, None, True, True]  # a full sha names no branch or tag to ask
