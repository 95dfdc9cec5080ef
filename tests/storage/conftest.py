"""Session fixtures: one S3 server, one DVC-made repository, one HTTP server over its remote.

Started once per session; every test reads them and writes only to its own tmp_path.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.storage import AWS, DvcRepo, HttpRemote, S3Server, make_dvc_repo


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = S3Server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dvc_repo(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Server) -> DvcRepo:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in AWS.items():
            patch.setenv(key, value)
        return make_dvc_repo(tmp_path_factory.mktemp("dvc"), s3_server)


@pytest.fixture(scope="session")
def http_remote(dvc_repo: DvcRepo) -> Iterator[HttpRemote]:
    server = HttpRemote.start(dvc_repo.local_remote.parent)
    yield server
    server.stop()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials an OIDC step would leave, fake, in the SDKs' environment."""
    for key, value in AWS.items():
        monkeypatch.setenv(key, value)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return tmp_path / "out"
