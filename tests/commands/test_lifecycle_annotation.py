"""One tag, one set of outputs (issue 19, finding 4): assign, unassign and deregister by
`version` take the annotation from the version's commit, as `parse` and `show` do for the
same tag, through the action against the GitHub stand-in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.inprocess import Run
from harness.standin.gitrepo import commit, run_git

OLD = "artifacts:\n  churn:\n    path: models/churn.pkl\n    type: model\n    desc: Churn model\n"
NEW = OLD.replace("churn.pkl", "v2.pkl").replace("Churn model", "Churn v2") + "    labels: [n]\n"


def kinds(standin: Any) -> list[str]:
    return ["read" if r.graphql else "/".join(r.path.split("/")[-2:]) for r in standin.requests]


def same(a: Run, b: Run, *keys: str) -> None:
    assert {k: a.outputs[k] for k in keys} == {k: b.outputs[k] for k in keys}


def test_a_promote_job_labels_the_version_with_its_own_annotation(
    run_action: Any, standin: Any, git_repo: Path
) -> None:
    old = commit(git_repo, {"dvc.yaml": OLD}, "churn v1")
    assert run_action(model="churn", version="v1.0.0").code == 0
    commit(git_repo, {"dvc.yaml": NEW}, "churn v2, described anew")  # the workflow's sha
    keys = ("path", "type", "description", "model-labels", "labels", "annotations", "commit")

    standin.reset_log()
    promoted = run_action(
        command="assign", model="churn", version="v1.0.0", stage="prod", images="ghcr.io/a/b"
    )
    assert promoted.code == 0, promoted.stdout
    out = promoted.outputs
    assert (out["commit"], out["path"], out["description"]) == (
        old,
        "models/churn.pkl",
        "Churn model",
    )
    assert out["model-labels"] == "[]"
    assert "org.opencontainers.image.description=Churn model" in out["labels"].splitlines()
    # One more read (the version's commit alone), then the tag's two writes.
    assert kinds(standin) == ["read", "read", "git/tags", "git/refs"]
    parsed = run_action(command="parse", ref=f"refs/tags/{out['tag']}", images="ghcr.io/a/b")
    shown = run_action(command="show", model="churn", stage="prod", images="ghcr.io/a/b")
    same(promoted, parsed, *keys)
    same(promoted, shown, *keys[:4], "commit")  # show's labels link the registration tag

    unassigned = run_action(command="unassign", model="churn", version="v1.0.0", stage="prod")
    assert unassigned.code == 0, unassigned.stdout
    assert unassigned.outputs["description"] == "Churn model"
    same(
        unassigned, run_action(command="parse", ref=f"refs/tags/{unassigned.outputs['tag']}"), *keys
    )

    standin.reset_log()
    deregistered = run_action(command="deregister", model="churn", version="v1.0.0")
    assert deregistered.code == 0, deregistered.stdout
    assert kinds(standin) == ["read", "read", "git/tags", "git/refs"]
    assert deregistered.outputs["path"] == "models/churn.pkl"
    tag = deregistered.outputs["tag"]
    same(deregistered, run_action(command="parse", ref=f"refs/tags/{tag}"), *keys)
    assert run_git(git_repo, "rev-parse", f"{tag}^{{commit}}") == old


def test_a_version_on_the_workflows_own_commit_costs_no_extra_read(
    run_action: Any, standin: Any, git_repo: Path
) -> None:
    assert run_action(model="churn", version="v1.0.0").code == 0
    standin.reset_log()
    promoted = run_action(command="assign", model="churn", version="v1.0.0", stage="prod")
    assert promoted.code == 0, promoted.stdout
    assert kinds(standin) == ["read", "git/tags", "git/refs"]
    assert promoted.outputs["description"] == "Churn model"
