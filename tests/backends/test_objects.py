"""`Backend.objects`: paths at several commits in one read, the same from both backends."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.standin import StandIn
from harness.standin.gitrepo import commit, run_git
from harness.standin.server import READ_TOKEN
from registry_action.backends.git import GitBackend
from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.repository import GitObject

pytestmark = pytest.mark.standin


def _github(standin: StandIn) -> GitHubBackend:
    return GitHubBackend("acme/models", READ_TOKEN, standin.api_url, standin.graphql_url)


def test_both_backends_answer_the_same_objects(git_repo: Path, standin: StandIn) -> None:
    first = run_git(git_repo, "rev-parse", "HEAD")
    commit(git_repo, {"models/churn.pkl": "bytes\n"}, "Add the model")
    second = run_git(git_repo, "rev-parse", "HEAD")
    blob = run_git(git_repo, "rev-parse", f"{second}:models/churn.pkl")
    tree = run_git(git_repo, "rev-parse", f"{second}:models")
    wanted = [
        (first, "dvc.yaml"),
        (first, "models/churn.pkl"),  # absent there
        (second, "models/churn.pkl"),
        (second, "models"),
        ("main", ""),  # a branch: its commit
        ("0" * 40, ""),
    ]
    standin.reset_log()
    remote = _github(standin).objects(wanted)
    assert len(standin.requests) == 1  # every path, every commit: one request
    local = GitBackend(git_repo).objects(wanted)
    assert remote == local
    assert local[(second, "models/churn.pkl")] == GitObject(blob, "blob", "bytes\n")
    assert local[(second, "models")] == GitObject(tree, "tree")
    assert local[("main", "")] == GitObject(second, "commit")
    assert local[(first, "models/churn.pkl")] is None and local[("0" * 40, "")] is None
    assert isinstance(local[(first, "dvc.yaml")].text, str)  # type: ignore[union-attr]
