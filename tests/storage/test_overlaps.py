"""DVC as the referee of what `dvc_files.missing_files` relies on: once a stage records an
output, no `.dvc` file can track that path, a folder above it, or a path inside it (DVC
refuses outputs that overlap), so a `dvc.lock` that records a model's path settles which
file holds its hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.storage import DVC, run


@pytest.mark.parametrize(
    ("stage_out", "added"),
    [
        ("models/churn.pkl", "models/churn.pkl"),  # the same path
        ("models/churn.pkl", "models"),  # a folder above the stage's output
        ("models", "models/churn.pkl"),  # a path inside the stage's output
    ],
)
def test_dvc_refuses_a_dvc_file_beside_a_stage_output(
    tmp_path: Path, stage_out: str, added: str
) -> None:
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    (repo / "models" / "churn.pkl").write_bytes(b"weights\n")
    run(repo, "git", "init", "-q")
    run(repo, DVC, "init", "-q")
    run(repo, DVC, "stage", "add", "-n", "train", "-o", stage_out, "python train.py")
    with pytest.raises(RuntimeError, match="overlap"):
        run(repo, DVC, "add", added)
    assert not (repo / f"{added}.dvc").exists()
