"""The benchmark's own functions, fast: the generated repositories are what they claim, and
the request counts it reports are the design's (no timing is asserted here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.run import (
    LIFECYCLE,
    MODEL,
    OPERATIONS,
    READS,
    BenchRepo,
    Row,
    TimedStandIn,
    build_repo,
    expected_requests,
    measure_operations,
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
