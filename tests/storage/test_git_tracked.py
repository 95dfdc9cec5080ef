"""`download` of a path Git tracks itself (no `.dvc` file, no dvc.lock output): the Git blob
or tree at the version's commit, compared with what `git show` and `git archive` give.

Versions are registered with the action's own `register` (the command line on the clone);
the bytes come from the clone (`git cat-file`) or through the GitHub stand-in (REST
`git/trees` and `git/blobs`).
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from harness.standin import StandIn
from harness.standin.gitrepo import commit, run_git
from harness.standin.pytest_plugin import ROOT_DVC_YAML
from harness.standin.server import Fault
from registry_action.shells.cli import main
from tests.helpers import RunAction, nothing_at, same_tree

DVC_YAML = ROOT_DVC_YAML + "  bundle:\n    path: bundle\n    type: model\n"
CHURN = bytes(range(256)) * 8 + b"\r\n\0 not text"


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, str], str]:
    """`registry-action ARGS --json`: the exit code, the outputs, and every stream."""
    capsys.readouterr()
    code = main([*args, "--json"])
    out = capsys.readouterr()
    return code, json.loads(out.out) if code == 0 else {}, out.out + out.err


@pytest.fixture
def versions(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """churn (a file) and bundle (a folder: nested, an executable, a symlink, a space in a
    name) registered at v0.0.1; then a commit that changes both, registered at v0.0.2."""
    (git_repo / "models").mkdir()
    (git_repo / "models" / "churn.pkl").write_bytes(CHURN)
    (git_repo / "bundle" / "weights").mkdir(parents=True)
    (git_repo / "bundle" / "weights" / "layer 1.bin").write_bytes(os.urandom(5000))
    (git_repo / "bundle" / "run.sh").write_text("#!/bin/sh\necho serve\n")
    (git_repo / "bundle" / "run.sh").chmod(0o755)
    (git_repo / "bundle" / "latest").symlink_to("weights/layer 1.bin")
    run_git(git_repo, "add", "-A")
    first = commit(git_repo, {"dvc.yaml": DVC_YAML}, "Models in Git")
    for name in ("churn", "bundle"):
        code, _, streams = cli(capsys, "register", name, "--repo", str(git_repo))
        assert code == 0, streams
    (git_repo / "models" / "churn.pkl").write_bytes(b"a newer churn")
    run_git(git_repo, "add", "-A")
    second = commit(git_repo, {"bundle/config.json": "{}\n"}, "Newer models")
    for name in ("churn", "bundle"):
        code, _, streams = cli(capsys, "register", name, "--repo", str(git_repo))
        assert code == 0, streams
    return {"v0.0.1": first, "v0.0.2": second}


def archived(repo: Path, commit: str, path: str, into: Path) -> Path:
    """`git archive COMMIT PATH`, unpacked under `into`: what Git holds there."""
    data = subprocess.run(
        ["git", "-C", str(repo), "archive", "--format=tar", commit, path],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="tar")
    return into / path


def shown(repo: Path, commit: str, path: str) -> bytes:
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:{path}"], check=True, capture_output=True
    ).stdout


def same_files(out: Path, reference: Path) -> None:
    """Bytes, executable bits and symlinks as `git archive` writes them."""
    assert same_tree(out, reference)
    for ours in out.rglob("*"):
        theirs = reference / ours.relative_to(out)
        assert ours.is_symlink() == theirs.is_symlink(), ours
        if ours.is_symlink():
            assert os.readlink(ours) == os.readlink(theirs)
        elif ours.is_file():
            assert ours.stat().st_mode & 0o111 == theirs.stat().st_mode & 0o111, ours


# -- on the local clone --------------------------------------------------------------------


def test_a_file_is_what_git_show_gives_and_has_no_artifact(
    git_repo: Path, versions: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "churn.pkl"
    code, values, streams = cli(
        capsys, "download", "churn@v0.0.1", "--repo", str(git_repo), "-o", str(out)
    )
    assert code == 0, streams
    # The later commit changed the file: the older version still writes its own bytes.
    assert out.read_bytes() == shown(git_repo, versions["v0.0.1"], "models/churn.pkl") == CHURN
    assert values["version"] == "v0.0.1" and values["commit"] == versions["v0.0.1"]
    assert values["downloaded"] == str(out) and values["downloaded-bytes"] == str(len(CHURN))
    artifact = {k: v for k, v in values.items() if k.startswith("artifact-")}
    assert artifact and set(artifact.values()) == {""}
    assert out.stat().st_mode & 0o777 != 0o600  # not mkstemp's mode


def test_the_latest_by_default_at_its_own_commit(
    git_repo: Path, versions: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "churn.pkl"
    code, values, streams = cli(
        capsys, "download", "churn", "--repo", str(git_repo), "-o", str(out)
    )
    assert code == 0, streams
    assert values["version"] == "v0.0.2" and out.read_bytes() == b"a newer churn"


def test_a_folder_is_what_git_archive_gives(
    git_repo: Path, versions: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for version, commit_sha in versions.items():
        out = tmp_path / version / "bundle"
        code, values, streams = cli(
            capsys, "download", f"bundle@{version}", "--repo", str(git_repo), "-o", str(out)
        )
        assert code == 0, streams
        same_files(out, archived(git_repo, commit_sha, "bundle", tmp_path / f"git-{version}"))
        assert (out / "config.json").exists() == (version == "v0.0.2")
        assert values["artifact-files"] == ""


def test_the_default_target_is_the_path_in_the_clone(
    git_repo: Path, versions: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, streams = cli(capsys, "download", "churn@v0.0.1", "--repo", str(git_repo))
    assert code == 0, streams
    assert (git_repo / "models" / "churn.pkl").read_bytes() == CHURN
    assert run_git(git_repo, "status", "--porcelain") == "M models/churn.pkl"


def test_a_path_neither_dvc_nor_git_holds_names_the_path_and_the_commit(
    git_repo: Path, versions: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pool-segmentation (cv/dvc.yaml) declares models/seg.pt, which no commit has.
    code, _, streams = cli(capsys, "register", "cv:pool-segmentation", "--repo", str(git_repo))
    assert code == 0, streams
    out = tmp_path / "seg.pt"
    code, _, streams = cli(
        capsys, "download", "cv:pool-segmentation", "--repo", str(git_repo), "-o", str(out)
    )
    assert code == 1
    assert "Neither DVC nor Git holds cv/models/seg.pt" in streams
    assert versions["v0.0.2"] in streams
    assert nothing_at(out)


# -- the action, through the GitHub stand-in -----------------------------------------------


def test_the_action_downloads_a_file_and_a_folder_through_github(
    run_action: RunAction,
    standin: StandIn,
    git_repo: Path,
    versions: dict[str, str],
    tmp_path: Path,
) -> None:
    out = tmp_path / "churn.pkl"
    done = run_action(command="download", model="churn", version="v0.0.1", path=str(out))
    assert done.code == 0, done.stdout
    assert out.read_bytes() == CHURN
    assert done.outputs["downloaded-bytes"] == str(len(CHURN))
    assert done.outputs["artifact-url"] == "" and done.outputs["artifact-md5"] == ""
    standin.reset_log()
    folder = tmp_path / "bundle"
    done = run_action(command="download", model="bundle", version="v0.0.1", path=str(folder))
    assert done.code == 0, done.stdout
    same_files(folder, archived(git_repo, versions["v0.0.1"], "bundle", tmp_path / "git"))
    rest = [r.path for r in standin.requests if not r.graphql]
    # One listing of the tree, then one request a blob (the symlink's target is a blob too).
    assert sum("/git/trees/" in p for p in rest) == 1
    assert sum("/git/blobs/" in p for p in rest) == 3


def test_a_corrupted_blob_answer_leaves_nothing(
    run_action: RunAction,
    standin: StandIn,
    git_repo: Path,
    versions: dict[str, str],
    tmp_path: Path,
) -> None:
    wrong = base64.b64encode(b"#!/bin/sh\necho something else\n").decode()
    for model, path, out in (
        ("bundle", "bundle/run.sh", tmp_path / "bundle"),  # one file of a folder
        ("churn", "models/churn.pkl", tmp_path / "churn.pkl"),  # a file on its own
    ):
        oid = run_git(git_repo, "rev-parse", f"{versions['v0.0.1']}:{path}")
        body = {"sha": oid, "node_id": "B", "size": 30, "url": "", "content": wrong,
                "encoding": "base64"}  # fmt: skip
        standin.inject(Fault(method="GET", path=f"/git/blobs/{oid}", status=200, body=body))
        done = run_action(command="download", model=model, version="v0.0.1", path=str(out))
        assert done.code == 1, done.stdout
        [error] = done.errors()
        assert f"Git blob {oid} ({path}) came back corrupted" in error.message
        assert nothing_at(out)
