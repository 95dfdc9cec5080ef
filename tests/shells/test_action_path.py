"""An artifact path outside the repository, through the action (issue 19, finding 5): exit 1,
one `::error` naming dvc.yaml and the path's line, no write request, no outputs. `parse` of a
tag whose commit declares it gives the tag's facts with `path` empty and a `::warning` with
the same file and line: a deploy job never gets such a path, nor fails on a file
`gto check-ref` does not read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.inprocess import Run
from harness.standin import StandIn
from harness.standin.gitrepo import commit, tag
from tests.helpers import RunAction, head


def declaring(path: str) -> dict[str, str]:
    return {"cv/dvc.yaml": f"artifacts:\n  churn:\n    type: model\n    path: {json.dumps(path)}\n"}


def refused(run: Run, standin: StandIn, problem: str) -> None:
    assert run.code == 1 and run.outputs == {}, run.stdout
    [error] = run.errors()
    assert (error.prop("file"), error.prop("line")) == ("cv/dvc.yaml", "4")
    assert problem in error.message
    assert standin.writes == []


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("../../../home/runner/.ssh/id_rsa", "leads out of the repository"),
        ("/etc/shadow", "is an absolute path"),
        ("file:///etc/shadow", "is a file:// URL"),
    ],
)
def test_a_path_outside_the_repository_is_an_annotation_error_with_file_and_line(
    run_action: RunAction, standin: StandIn, git_repo: Path, path: str, problem: str
) -> None:
    commit(git_repo, declaring(path), "Declare cv:churn outside the repository")
    refused(run_action(model="cv:churn"), standin, problem)
    tag(git_repo, "cv=churn@v1.0.0", head(git_repo))  # pushed by someone else
    parsed = run_action(command="parse", ref="refs/tags/cv=churn@v1.0.0")
    assert parsed.code == 0 and parsed.errors() == [], parsed.stdout
    assert parsed.outputs["tag"] == "cv=churn@v1.0.0" and parsed.outputs["path"] == ""
    [warning] = [c for c in parsed.commands if c.command == "warning"]
    assert (warning.prop("file"), warning.prop("line")) == ("cv/dvc.yaml", "4")
    assert problem in warning.message and standin.writes == []


def test_a_path_inside_the_repository_or_a_storage_url_is_given_from_the_root(
    run_action: RunAction, git_repo: Path
) -> None:
    commit(git_repo, declaring("../models/churn.pkl"), "Declare cv:churn")
    assert run_action(model="cv:churn").outputs["path"] == "models/churn.pkl"
    commit(git_repo, declaring("s3://bucket/churn.pkl"), "Move it to storage")
    assert run_action(model="cv:churn").outputs["path"] == "s3://bucket/churn.pkl"
