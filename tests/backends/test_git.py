"""The local-clone backend: what it reads from a repository on disk."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from registry_action.backends.git import GitBackend
from registry_action.core.dvc_yaml import annotation_for
from registry_action.core.errors import AnnotationError
from registry_action.core.grammar import ModelName

pytestmark = pytest.mark.standin


# --- a dvc.yaml that is not UTF-8, read through the git backend ------------------------------


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_latin1_dvc_yaml_is_an_annotation_error(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "dvc.yaml").write_bytes(b"artifacts:\n  churn:\n    desc: caf\xe9\n")
    git(tmp_path, "add", "dvc.yaml")
    git(tmp_path, "-c", "user.name=T", "-c", "user.email=t@example.com", "commit", "-qm", "x")
    snapshot = GitBackend(tmp_path).read(ModelName.parse("churn"), "HEAD")
    assert snapshot.annotation is not None and "\udce9" in snapshot.annotation
    with pytest.raises(AnnotationError, match=r"at line 3: invalid UTF-8 byte 0xE9") as err:
        annotation_for("churn", "", snapshot.annotation, "dvc.yaml")
    assert err.value.file == "dvc.yaml" and err.value.line == 3
