"""The `changes` command and `if-changed` through the action, against the stand-in: outputs a
matrix takes, refusals with one `::error` and nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.standin.gitrepo import commit
from tests.helpers import RunAction, head

BROKEN = "artifacts:\n  seg: [\n"


def test_changes_feeds_a_matrix(run_action: RunAction, standin: Any, git_repo: Path) -> None:
    """The fixture declares `churn` (root) and `cv:pool-segmentation`; both are new, then
    registering one with its file in Git leaves only the other changed."""
    commit(git_repo, {"models/churn.pkl": "weights\n"}, "Add the model, tracked by Git")
    first = run_action(command="changes")
    assert first.code == 0, first.stdout
    assert json.loads(first.outputs["models"]) == ["churn", "cv:pool-segmentation"]
    assert set(first.outputs) == {"models", "json"}
    assert run_action(model="churn").code == 0
    standin.reset_log()
    after = run_action(command="changes")
    assert json.loads(after.outputs["models"]) == ["cv:pool-segmentation"]
    [churn, _] = json.loads(after.outputs["json"])
    assert churn["version"] == "v0.0.1" and churn["version-commit"] == head(git_repo)
    assert churn["old-hash"] == churn["new-hash"] != ""
    assert standin.writes == []


def test_register_if_changed_in_a_repository_without_dvc(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    commit(git_repo, {"models/churn.pkl": "weights\n"}, "Add the model")
    made = run_action(model="churn", **{"if-changed": "true"})
    assert (made.outputs["created"], made.outputs["changed"]) == ("true", "true")
    commit(git_repo, {"README.md": "# models, again\n"}, "Touch something else")
    standin.reset_log()
    same = run_action(model="churn", **{"if-changed": "true"})
    assert same.code == 0 and standin.writes == []
    assert (same.outputs["created"], same.outputs["changed"]) == ("false", "false")
    assert same.outputs["tag"] == "churn@v0.0.1"
    assert "content unchanged since v0.0.1" in same.stdout
    assert "Unchanged" in same.summary
    commit(git_repo, {"models/churn.pkl": "new weights\n"}, "Retrain")
    again = run_action(model="churn", **{"if-changed": "true"})
    assert (again.outputs["created"], again.outputs["tag"]) == ("true", "churn@v0.0.2")


def test_without_if_changed_a_plain_repository_pays_no_read(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    assert run_action(model="churn").code == 0
    commit(git_repo, {"README.md": "# more\n"}, "Next")
    standin.reset_log()
    done = run_action(model="churn")
    assert done.outputs["created"] == "true" and done.outputs["changed"] == "true"
    assert len(standin.requests) == 3  # one read, two writes: as before change detection


def _refused(run: Any, standin: Any) -> str:
    assert run.code == 1 and run.outputs == {}
    [error] = run.errors()
    assert standin.writes == []
    return str(error.message)


def test_a_commit_that_does_not_exist(run_action: RunAction, standin: Any) -> None:
    for missing in ("0" * 40, "no-such-branch"):
        message = _refused(run_action(command="changes", commit=missing), standin)
        assert f"Commit '{missing}' was not found" in message


def test_a_malformed_dvc_yaml_names_its_file_and_line(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    commit(git_repo, {"cv/dvc.yaml": BROKEN}, "Break the folder's dvc.yaml")
    run = run_action(command="changes")
    message = _refused(run, standin)
    [error] = run.errors()
    assert (error.prop("file"), error.prop("line")) == ("cv/dvc.yaml", "3")
    assert "cv/dvc.yaml is not valid YAML at line 3" in message


def test_if_changed_is_for_register_only(run_action: RunAction, standin: Any) -> None:
    run = run_action(command="deprecate", model="churn", **{"if-changed": "true"})
    assert "takes no if-changed" in _refused(run, standin)
    assert standin.requests == []
