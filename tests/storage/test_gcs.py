"""`download` from Google Cloud Storage: fake-gcs-server holding what `dvc push` wrote.

As for Azure (test_azure.py), the session's local DVC remote is copied object by object into
a bucket, and a clone at the first version declares `gs://models/store` its default remote
with DVC's `endpointurl` option pointing at the server. The token is a fake bearer token in
`GOOGLE_BEARER_TOKEN`, set for every test here: without one obstore would ask the cloud
metadata address for a token, and tests call loopback only.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.storage import DVC, SECRETS, DvcRepo, FakeGcs, run
from tests.storage.test_download import download, nothing_at, same_tree

BUCKET = "models"
URL = f"gs://{BUCKET}/store"
TOKEN = "fake-gcs-token-do-not-print-0b7e"


@pytest.fixture(scope="module")
def gcs(tmp_path_factory: pytest.TempPathFactory, dvc_repo: DvcRepo) -> Iterator[FakeGcs]:
    server = FakeGcs(tmp_path_factory.mktemp("gcs"))
    try:
        server.create_bucket(BUCKET)
        server.mirror(dvc_repo.local_remote, BUCKET, "store")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def gcs_repo(tmp_path_factory: pytest.TempPathFactory, dvc_repo: DvcRepo, gcs: FakeGcs) -> Path:
    repo = tmp_path_factory.mktemp("gs") / "repo"
    run(repo.parent, "git", "clone", "-q", str(dvc_repo.path), str(repo))
    run(repo, "git", "checkout", "-q", "-b", "gcs", dvc_repo.commits["A"])
    run(repo, DVC, "remote", "add", "-d", "gcs", URL)
    run(repo, DVC, "remote", "modify", "gcs", "endpointurl", gcs.base_url)
    git = ("git", "-c", "user.name=Test", "-c", "user.email=test@example.com")
    run(repo, *git, "commit", "-qam", "The default remote is GCS")
    for tag in ("model@v1.0.0", "images@v1.0.0"):
        run(repo, *git, "tag", "-a", tag, "-m", tag)
    return repo


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_BEARER_TOKEN", TOKEN)


def test_a_file_and_a_directory_are_what_dvc_pull_checks_out(
    gcs_repo: Path, dvc_repo: DvcRepo, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, target in [("model@v1.0.0", "models/model.pkl"), ("images@v1.0.0", "images")]:
        where = tmp_path / target
        code, values, streams = download(capsys, name, "--repo", str(gcs_repo), "-o", str(where))
        assert code == 0, streams
        md5 = values["artifact-md5"]
        assert values["artifact-remote"] == "gcs"
        assert values["artifact-url"] == f"{URL}/files/md5/{md5[:2]}/{md5[2:]}"
        pulled = dvc_repo.pulled / target
        if pulled.is_dir():
            assert same_tree(where, pulled) and values["artifact-files"] == "3"
        else:
            assert where.read_bytes() == pulled.read_bytes()
        assert not any(secret in streams for secret in (*SECRETS, TOKEN))


def test_a_missing_object(
    gcs_repo: Path, dvc_repo: DvcRepo, gcs: FakeGcs, tmp_path: Path, out: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    remote = shutil.copytree(dvc_repo.local_remote, tmp_path / "remote")
    gone = (dvc_repo.pulled / "models" / "model.pkl").read_bytes()
    for path in (remote / "files" / "md5").rglob("*"):
        if path.is_file() and path.read_bytes() == gone:
            path.unlink()
    gcs.mirror(remote, BUCKET, "missing")
    code, _, streams = download(
        capsys, "model@v1.0.0", "--repo", str(gcs_repo), "-o", str(out),
        "--remote-url", f"gs://{BUCKET}/missing",
    )  # fmt: skip
    assert code == 1 and nothing_at(out)
    assert "is missing" in streams and "remote gcs" in streams
    assert not any(secret in streams for secret in (*SECRETS, TOKEN))
