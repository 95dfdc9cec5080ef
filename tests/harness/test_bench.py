"""The benchmark's own functions, fast: the generated repositories are what they claim, and
the request counts it reports are the design's (no timing is asserted here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.run import (
    CHANGE_CHANGED,
    CHANGE_MODELS,
    CHANGE_UNRELATED,
    LIFECYCLE,
    MODEL,
    OPERATIONS,
    READS,
    BenchRepo,
    Row,
    TimedStandIn,
    build_changes_repo,
    build_repo,
    expected_changes,
    expected_requests,
    measure_changes,
    measure_operations,
    run_entrypoint,
    unrelated_tag_names,
)
from harness.standin.gitrepo import run_git


def test_expected_requests() -> None:
    assert [expected_requests(op, 10) for op in OPERATIONS] == [3, 1, 1, 1, 1]
    assert [expected_requests(op, 100) for op in OPERATIONS] == [3, 2, 1, 1, 1]
    assert [expected_requests(op, 300) for op in OPERATIONS] == [5, 4, 3, 3, 3]
    # One read more: the dvc.yaml at the version's commit, not the workflow's (issue 19).
    assert [expected_requests(op, 10) for op in LIFECYCLE] == [4, 4, 4]
    assert [expected_requests(op, 300, 10_000) for op in READS] == [100, 4, 3]


def test_generated_repository(tmp_path: Path) -> None:
    names = unrelated_tag_names(990)
    assert len(set(names)) == len(names) and not any(n.startswith(f"{MODEL}@") for n in names)
    repo = build_repo(tmp_path / "repo", 1_000, 10)
    refs = run_git(repo.path, "for-each-ref", "refs/tags", "--format=%(objecttype) %(refname)")
    lines = refs.splitlines()
    assert len(lines) == 1_000 and all(line.startswith("tag ") for line in lines)
    ours = [line for line in lines if line.startswith(f"tag refs/tags/{MODEL}@")]
    assert len(ours) == 10
    assert run_git(repo.path, "rev-list", "--count", "HEAD") == "11"
    assert run_git(repo.path, "tag", "--points-at", "HEAD") == ""  # HEAD is the one to register
    assert run_git(repo.path, "rev-parse", f"{MODEL}@v1.0.0^{{commit}}") == repo.base
    assert "churn:" in run_git(repo.path, "show", "HEAD:dvc.yaml")


@pytest.fixture(scope="module")
def paged_repo(tmp_path_factory: pytest.TempPathFactory) -> BenchRepo:
    """1,000 tags, 100 of them the model's: a re-run then sees 101 versions, two pages."""
    return build_repo(tmp_path_factory.mktemp("bench") / "repo", 1_000, 100)


def test_request_counts_are_the_design(paged_repo: BenchRepo) -> None:
    standin = TimedStandIn(paged_repo.path, latency=0)
    with standin:
        ops = measure_operations(paged_repo, standin, reps=1)
    assert not standin.server_errors
    row = Row(paged_repo, ops, [])
    assert row.mismatches() == []
    assert {op: r.requests for op, r in ops.items()} == {
        "register": "3 (1+2)",
        "re-run": "2",
        "dry run": "1",
        "parse": "1",
        "refusal": "1",
        # The tag goes on another commit than the workflow's: its dvc.yaml, one read more.
        "assign": "4 (2+2)",
        "deregister": "4 (2+2)",
        "deprecate": "4 (2+2)",
        "show": "10",  # every tag of the repository, 100 a page
        "show model": "2",  # the model's tags, then its latest version's dvc.yaml
        "history": "1",
    }
    # The repository is left as found: no tag of the model at HEAD.
    assert run_git(paged_repo.path, "tag", "--points-at", "HEAD") == ""


def test_changes_costs_three_requests_beside_the_tags_paging(tmp_path: Path) -> None:
    """50 models beside 1,000 unrelated tags: `changes` names exactly the retrained ones in a
    `models` output `fromJSON` takes, in 3 requests and the registry's 11 pages."""
    repo = build_changes_repo(tmp_path / "repo", CHANGE_MODELS, CHANGE_UNRELATED, CHANGE_CHANGED)
    assert run_git(repo.path, "tag", "--list", "net-*").count("\n") == CHANGE_MODELS - 1
    standin = TimedStandIn(repo.path, latency=0)
    with standin:
        done = run_entrypoint(standin, repo.head, command="changes")
        listing = [r.path for r in standin.requests if not r.graphql]
        ops = measure_changes(repo, standin, reps=1)
    assert not standin.server_errors
    assert done.code == 0, done.output
    assert json.loads(done.outputs["models"]) == [f"net-{i}" for i in range(CHANGE_CHANGED)]
    rows = json.loads(done.outputs["json"])
    assert len(rows) == CHANGE_MODELS and all(r["version"] == "v0.0.1" for r in rows)
    assert done.requests == expected_changes("changes", repo.tags) == 3 + 11
    assert len(listing) == 1 and listing[0].endswith(f"/git/trees/{repo.head}")
    assert {op: r.requests for op, r in ops.items()} == {
        "changes": "14 (13+1)",
        # `dvc add`-tracked: the `.dvc` file's path is in dvc.yaml, which the first read
        # brings, so the `.dvc` files are a read of their own (`changed` compares them).
        "register": "4 (2+2)",
        "register unchanged": "2",  # its read, the files at the version's commit; no write
        "register changed": "4 (2+2)",
    }
