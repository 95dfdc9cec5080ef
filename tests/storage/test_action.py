"""The action through the GitHub stand-in over a DVC-made repository: the artifact files come
in GraphQL (`object(expression: "SHA:path")`), the bytes from the remote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.storage import SECRETS, DvcRepo


@pytest.fixture
def git_repo(dvc_repo: DvcRepo) -> Path:
    """The stand-in serves the session's DVC repository (read only: no test here writes)."""
    return dvc_repo.path


def test_download_through_the_action(
    run_action: Callable[..., Any], standin: Any, dvc_repo: DvcRepo, tmp_path: Path, aws_env: None
) -> None:
    out = tmp_path / "model.pkl"
    done = run_action(command="download", model="model", stage="prod", path=str(out))
    assert done.code == 0, done.stdout
    assert done.outputs["version"] == "v0.1.0"
    assert done.outputs["downloaded"] == str(out)
    assert out.read_bytes() == (dvc_repo.pulled / "models" / "model.pkl").read_bytes()
    assert not any(secret in done.stdout + done.summary for secret in SECRETS)


def test_parse_gives_the_artifact_in_two_reads(
    run_action: Callable[..., Any], standin: Any, dvc_repo: DvcRepo
) -> None:
    standin.reset_log()
    done = run_action(command="parse", github={"ref": "refs/tags/model@v0.2.0"})
    assert done.code == 0, done.stdout
    assert done.outputs["artifact-remote"] == "s3"
    assert done.outputs["artifact-url"].startswith(f"{dvc_repo.s3_prefix}/files/md5/")
    assert done.outputs["artifact-size"] == "18000" and done.outputs["artifact-files"] == "1"
    # The tag, the model's tags, dvc.yaml, dvc.lock, .dvc/config; then the `.dvc` files
    # along models/model.pkl, which only dvc.yaml names.
    assert len(standin.requests) == 2


def test_a_failed_download_fails_the_step(
    run_action: Callable[..., Any], standin: Any, tmp_path: Path, aws_env: None
) -> None:
    out = tmp_path / "model.pkl"
    done = run_action(
        command="download", model="model", version="v0.1.0", path=str(out),
        remote_url=str(tmp_path / "no-such-remote"),
    )  # fmt: skip
    assert done.code == 1
    assert [e.message for e in done.errors()] and "remote local" in done.errors()[0].message.lower()
    assert "the remote-url input" in done.errors()[0].message
    assert not out.exists()
