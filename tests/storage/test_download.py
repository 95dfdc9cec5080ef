"""`download` and the artifact outputs against what DVC itself made, pushed and pulls.

The repository, its local remote, the HTTP server over that remote and the S3 server are
session fixtures (tests/storage/conftest.py); each test writes only under its tmp_path.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness.storage import SECRETS, DvcRepo, HttpRemote, run
from registry_action.shells.cli import main
from tests.helpers import nothing_at, same_tree


def download(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, str], str]:
    """Run `registry-action download ... --json`; the exit code, outputs, and every stream."""
    capsys.readouterr()
    code = main(["download", *args, "--json"])
    out = capsys.readouterr()
    streams = out.out + out.err
    values = json.loads(out.out) if code == 0 else {}
    return code, values, streams


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("model@v0.1.0", "models/model.pkl"),  # `dvc add` of a file, DVC 3
        ("weights@v0.1.0", "out/weights.bin"),  # a stage's output in dvc.lock
        ("legacy@v0.1.0", "legacy.txt"),  # a DVC 2 `.dvc` file, CRLF text (md5-dos2unix)
        ("cat@v0.1.0", "images/sub/cat.txt"),  # a file inside a tracked directory
    ],
)
def test_a_file_is_what_dvc_pull_checks_out(
    dvc_repo: DvcRepo, out: Path, capsys: pytest.CaptureFixture[str], name: str, path: str
) -> None:
    code, values, _ = download(capsys, name, "--repo", str(dvc_repo.path), "-o", str(out))
    assert code == 0
    assert out.read_bytes() == (dvc_repo.pulled / path).read_bytes()
    assert values["downloaded"] == str(out)
    assert values["downloaded-bytes"] == str(out.stat().st_size)
    assert out.stat().st_mode & 0o777 != 0o600  # not mkstemp's mode


def test_a_directory_is_what_dvc_pull_checks_out(
    dvc_repo: DvcRepo, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, values, _ = download(
        capsys, "images@v0.1.0", "--repo", str(dvc_repo.path), "-o", str(out)
    )
    assert code == 0
    assert same_tree(out, dvc_repo.pulled / "images")
    assert values["artifact-files"] == "3"
    assert values["artifact-md5"].endswith(".dir")


def test_artifact_url_is_where_dvc_put_the_object(dvc_repo: DvcRepo) -> None:
    import dvc.api

    for name, path, rev in [
        ("model", "models/model.pkl", "model@v0.1.0"),
        ("model", "models/model.pkl", "model@v0.2.0"),  # default remote s3 at that commit
        ("images", "images", "images@v0.1.0"),
        ("weights", "out/weights.bin", "weights@v0.1.0"),
    ]:
        code = main(["parse", rev, "--repo", str(dvc_repo.path), "--outputs"])
        assert code == 0
        url = dvc.api.get_url(path, repo=str(dvc_repo.path), rev=rev)
        from registry_action.backends.git import GitBackend
        from registry_action.commands.pushed_tag import describe
        from registry_action.core.grammar import ref_tag

        tag = ref_tag(rev)
        assert tag is not None
        facts = describe(GitBackend(dvc_repo.path), tag)
        assert facts is not None and facts.artifact is not None, name
        assert facts.artifact.url == url


def test_s3_with_endpointurl(
    dvc_repo: DvcRepo, out: Path, capsys: pytest.CaptureFixture[str], aws_env: None
) -> None:
    code, values, streams = download(
        capsys, "model@v0.2.0", "--repo", str(dvc_repo.path), "-o", str(out)
    )
    assert code == 0, streams
    assert values["artifact-remote"] == "s3"
    assert values["artifact-url"].startswith(f"{dvc_repo.s3_prefix}/files/md5/")
    assert out.read_bytes() == (dvc_repo.path / "models" / "model.pkl").read_bytes()
    assert not any(secret in streams for secret in SECRETS)


def test_s3_directory_concurrently(
    dvc_repo: DvcRepo, out: Path, capsys: pytest.CaptureFixture[str], aws_env: None
) -> None:
    # images@v0.2.0 is on commit B, whose default remote is the S3 server.
    code, values, streams = download(
        capsys, "images@v0.2.0", "--repo", str(dvc_repo.path), "-o", str(out)
    )
    assert code == 0, streams
    assert values["artifact-remote"] == "s3"
    assert same_tree(out, dvc_repo.pulled / "images")


def test_http_remote(
    dvc_repo: DvcRepo, http_remote: HttpRemote, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{http_remote.url}/remote"
    for name, target in [("model@v0.1.0", "models/model.pkl"), ("images@v0.1.0", "images")]:
        where = out / target
        code, values, streams = download(
            capsys, name, "--repo", str(dvc_repo.path), "-o", str(where), "--remote-url", url
        )
        assert code == 0, streams
        assert values["artifact-url"].startswith(f"{url}/files/md5/")
        pulled = dvc_repo.pulled / target
        assert (
            same_tree(where, pulled)
            if pulled.is_dir()
            else where.read_bytes() == pulled.read_bytes()
        )


def test_stage_after_an_unassignment_is_the_holder(
    dvc_repo: DvcRepo, out: Path, capsys: pytest.CaptureFixture[str], aws_env: None
) -> None:
    """prod went to v0.1.0, then v0.2.0, then was taken back from v0.2.0: GTO's holder is
    v0.1.0 again (`dvc artifacts get --stage prod` takes the last tag naming prod)."""
    code, values, _ = download(capsys, "model#prod", "--repo", str(dvc_repo.path), "-o", str(out))
    assert code == 0
    assert values["version"] == "v0.1.0"
    assert out.read_bytes() == (dvc_repo.pulled / "models" / "model.pkl").read_bytes()
    code, flagged, _ = download(
        capsys, "model", "--stage", "prod", "--repo", str(dvc_repo.path), "-o", str(out)
    )
    assert code == 0 and flagged["version"] == "v0.1.0"


def test_latest_by_default(
    dvc_repo: DvcRepo, out: Path, capsys: pytest.CaptureFixture[str], aws_env: None
) -> None:
    code, values, _ = download(capsys, "model", "--repo", str(dvc_repo.path), "-o", str(out))
    assert code == 0 and values["version"] == "v0.2.0"


def _fault(
    capsys: pytest.CaptureFixture[str], repo: DvcRepo, out: Path, name: str, url: str
) -> str:
    code, _, streams = download(
        capsys, name, "--repo", str(repo.path), "-o", str(out), "--remote-url", url
    )
    assert code == 1
    assert nothing_at(out)
    assert not any(secret in streams for secret in SECRETS)
    return streams


def test_missing_object(
    dvc_repo: DvcRepo, tmp_path: Path, out: Path, capsys: pytest.CaptureFixture[str],
    aws_env: None,
) -> None:  # fmt: skip
    remote = shutil.copytree(dvc_repo.local_remote, tmp_path / "remote")
    for path in (remote / "files" / "md5").rglob("*"):
        if (
            path.is_file()
            and path.read_bytes() == (dvc_repo.pulled / "images" / "a.png").read_bytes()
        ):
            path.unlink()
    streams = _fault(capsys, dvc_repo, out, "images@v0.1.0", str(remote))
    assert "is missing" in streams and "remote local" in streams and str(remote) in streams


def test_corrupted_object(
    dvc_repo: DvcRepo, tmp_path: Path, out: Path, capsys: pytest.CaptureFixture[str],
    aws_env: None,
) -> None:  # fmt: skip
    remote = shutil.copytree(dvc_repo.local_remote, tmp_path / "remote")
    model = (dvc_repo.pulled / "models" / "model.pkl").read_bytes()
    for path in (remote / "files" / "md5").rglob("*"):
        if path.is_file() and path.read_bytes() == model:
            path.write_bytes(model[:-1] + b"X")
    streams = _fault(capsys, dvc_repo, out, "model@v0.1.0", str(remote))
    assert "is corrupted" in streams and "remote local" in streams


def test_connection_dropped_mid_file(
    dvc_repo: DvcRepo, http_remote: HttpRemote, out: Path, capsys: pytest.CaptureFixture[str],
    aws_env: None,
) -> None:  # fmt: skip
    streams = _fault(capsys, dvc_repo, out, "model@v0.1.0", f"{http_remote.url}/drop/remote")
    assert "remote local" in streams and "/drop/remote/files/md5/" in streams


def test_forbidden(
    dvc_repo: DvcRepo, http_remote: HttpRemote, out: Path, capsys: pytest.CaptureFixture[str],
    aws_env: None,
) -> None:  # fmt: skip
    streams = _fault(capsys, dvc_repo, out, "images@v0.1.0", f"{http_remote.url}/forbid/remote")
    assert "403" in streams and "remote local" in streams


def test_unsupported_remote(
    dvc_repo: DvcRepo, out: Path, capsys: pytest.CaptureFixture[str], aws_env: None
) -> None:
    streams = _fault(capsys, dvc_repo, out, "model@v0.1.0", "ssh://127.0.0.1/store")
    assert "ssh remote" in streams and "local" in streams


def test_a_path_git_tracks_comes_from_git_with_no_artifact(
    dvc_repo: DvcRepo, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["show", "readme", "--repo", str(dvc_repo.path), "--json"])
    values = json.loads(capsys.readouterr().out)
    assert code == 0 and values["artifact-url"] == "" and values["artifact-files"] == ""
    code, values, streams = download(capsys, "readme", "--repo", str(dvc_repo.path), "-o", str(out))
    assert code == 0, streams
    shown = run(dvc_repo.path, "git", "show", "readme@v0.1.0:README.md") + "\n"
    assert out.read_text() == shown
    assert values["downloaded-bytes"] == str(len(shown)) and values["artifact-url"] == ""


def test_a_failed_directory_keeps_the_old_one(
    dvc_repo: DvcRepo, http_remote: HttpRemote, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out.mkdir()
    (out / "old.txt").write_text("old")
    code, _, _ = download(
        capsys, "images@v0.1.0", "--repo", str(dvc_repo.path), "-o", str(out),
        "--remote-url", f"{http_remote.url}/forbid/remote",
    )  # fmt: skip
    assert code == 1 and (out / "old.txt").read_text() == "old"
    assert not list(out.parent.glob(f".{out.name}.download-*"))
