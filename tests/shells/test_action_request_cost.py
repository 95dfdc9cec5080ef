"""What a registration costs in a repository that uses DVC, through the action against the
stand-in: its artifact outputs come in the read it makes anyway when DVC records the output
in dvc.lock (3 requests, as without DVC); a `dvc add`-tracked output's `.dvc` file is named
only by dvc.yaml, which that read brings, so it costs one read more (docs/performance.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.standin.gitrepo import commit
from tests.helpers import RunAction

MD5 = "0123456789abcdef0123456789abcdef"
CONFIG = "[core]\n    remote = store\n['remote \"store\"']\n    url = s3://bucket/models\n"
ANNOTATION = "artifacts:\n  churn:\n    path: models/churn.pkl\n    type: model\n"
STAGE = "stages:\n  train:\n    cmd: python train.py\n    outs: [models/churn.pkl]\n" + ANNOTATION
LOCK = (
    "schema: '2.0'\nstages:\n  train:\n    cmd: python train.py\n    outs:\n"
    f"    - path: models/churn.pkl\n      hash: md5\n      md5: {MD5}\n      size: 12\n"
)
DVC_FILE = f"outs:\n- md5: {MD5}\n  size: 12\n  hash: md5\n  path: churn.pkl\n"

LAYOUTS = {"dvc.lock": {"dvc.yaml": STAGE, "dvc.lock": LOCK}, "dvc add": {
    "dvc.yaml": ANNOTATION, "models/churn.pkl.dvc": DVC_FILE
}}  # fmt: skip


@pytest.mark.parametrize(
    ("layout", "first", "cost"),
    [
        ("dvc.lock", True, 3),  # the first read asks for dvc.lock: nothing more to read
        ("dvc add", True, 4),  # the `.dvc` file, which only dvc.yaml names
        # A later version: `changed` compares with the previous version's files (issue 21).
        ("dvc.lock", False, 4),
        ("dvc add", False, 4),
    ],
)
def test_a_registration_costs_what_the_layout_allows(
    run_action: RunAction, standin: Any, git_repo: Path, layout: str, first: bool, cost: int
) -> None:
    commit(git_repo, {".dvc/config": CONFIG, **LAYOUTS[layout]}, f"Track the model ({layout})")
    if not first:
        assert run_action(model="churn").code == 0
        retrained = {k: v.replace(MD5, MD5[::-1]) for k, v in LAYOUTS[layout].items()}
        commit(git_repo, retrained, "Retrain")
    standin.reset_log()
    done = run_action(model="churn")
    assert done.code == 0, done.stdout
    md5 = MD5 if first else MD5[::-1]
    assert done.outputs["created"] == "true" and done.outputs["artifact-md5"] == md5
    assert done.outputs["artifact-url"] == f"s3://bucket/models/files/md5/{md5[:2]}/{md5[2:]}"
    assert done.outputs["changed"] == "true"
    assert len(standin.requests) == cost and len(standin.writes) == 2
