"""`download` from Azure Blob: Azurite (Microsoft's emulator) holding what `dvc push` wrote.

DVC pushed the session's repository to a local folder (tests/storage/conftest.py); that
folder is copied blob by blob into an Azurite container, so the layout is DVC's own. A clone
of the repository at the first version declares `azure://models/store` its default remote
(DVC's URL form: the account is the remote's `account_name`, not part of the URL), and tags
`model@v1.0.0` and `images@v1.0.0` there: the bytes must be what `dvc pull` checked out.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.storage import (
    AZURE_ACCOUNT,
    AZURE_KEY,
    AZURITE,
    DVC,
    SECRETS,
    Azurite,
    DvcRepo,
    run,
)
from registry_action.core.dvc_files import Remote
from registry_action.storage.objects import StorageError, azure_config
from tests.storage.test_download import download, nothing_at, same_tree

CONTAINER = "models"
URL = f"azure://{CONTAINER}/store"
WRONG_KEY = base64.b64encode(b"wrong-azure-key-do-not-print-c0" * 2).decode()
AZURE_SECRETS = (*SECRETS, AZURE_KEY, WRONG_KEY, "AccountKey")


@pytest.fixture(scope="module")
def azurite(tmp_path_factory: pytest.TempPathFactory, dvc_repo: DvcRepo) -> Iterator[Azurite]:
    if not AZURITE.exists():  # `make test` installs it (the $(AZURITE) target)
        missing = "Azurite is not installed: run `make .tools/node_modules/.bin/azurite-blob`"
        if os.environ.get("CI"):  # CI runs `make ci-test`, which installs it: never skip there
            pytest.fail(missing)
        pytest.skip(missing)
    server = Azurite(tmp_path_factory.mktemp("azurite"))
    try:
        server.create_container(CONTAINER)
        server.mirror(dvc_repo.local_remote, CONTAINER, "store")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def azure_repo(tmp_path_factory: pytest.TempPathFactory, dvc_repo: DvcRepo) -> Path:
    """The first version's commit, with `azure` as its default remote, tagged v1.0.0."""
    repo = tmp_path_factory.mktemp("azure") / "repo"
    run(repo.parent, "git", "clone", "-q", str(dvc_repo.path), str(repo))
    run(repo, "git", "checkout", "-q", "-b", "azure", dvc_repo.commits["A"])
    run(repo, DVC, "remote", "add", "-d", "azure", URL)
    run(repo, DVC, "remote", "modify", "azure", "account_name", AZURE_ACCOUNT)
    git = ("git", "-c", "user.name=Test", "-c", "user.email=test@example.com")
    run(repo, *git, "commit", "-qam", "The default remote is Azure Blob")
    for tag in ("model@v1.0.0", "images@v1.0.0"):
        run(repo, *git, "tag", "-a", tag, "-m", tag)
    return repo


@pytest.fixture
def azure_env(monkeypatch: pytest.MonkeyPatch, azurite: Azurite) -> Azurite:
    """The account as a job would give it: a connection string in the SDKs' variable."""
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string())
    return azurite


def clean(streams: str) -> bool:
    return not any(secret in streams for secret in AZURE_SECRETS)


def test_artifact_url_is_the_azure_url_dvc_uses(
    azure_repo: Path, azure_env: Azurite, out: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import obstore

    code, values, streams = download(
        capsys, "model@v1.0.0", "--repo", str(azure_repo), "-o", str(out)
    )
    assert code == 0, streams
    md5 = values["artifact-md5"]
    assert values["artifact-remote"] == "azure"
    assert values["artifact-url"] == f"{URL}/files/md5/{md5[:2]}/{md5[2:]}"
    head = obstore.head(azure_env.store(CONTAINER), f"store/files/md5/{md5[:2]}/{md5[2:]}")
    assert head["size"] == int(values["artifact-size"])
    assert clean(streams)


def test_a_file_and_a_directory_are_what_dvc_pull_checks_out(
    azure_repo: Path, dvc_repo: DvcRepo, azure_env: Azurite, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    for name, target in [("model@v1.0.0", "models/model.pkl"), ("images@v1.0.0", "images")]:
        where = tmp_path / target
        code, values, streams = download(capsys, name, "--repo", str(azure_repo), "-o", str(where))
        assert code == 0, streams
        pulled = dvc_repo.pulled / target
        if pulled.is_dir():
            assert same_tree(where, pulled) and values["artifact-files"] == "3"
        else:
            assert where.read_bytes() == pulled.read_bytes()
        assert clean(streams)


def test_the_key_and_endpoint_in_separate_variables(
    azure_repo: Path, dvc_repo: DvcRepo, azurite: Azurite, out: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """`account_name` from .dvc/config, the key and the endpoint from `AZURE_STORAGE_*`."""
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT_KEY", AZURE_KEY)
    monkeypatch.setenv("AZURE_STORAGE_ENDPOINT", azurite.endpoint)
    code, _, streams = download(capsys, "model@v1.0.0", "--repo", str(azure_repo), "-o", str(out))
    assert code == 0, streams
    assert out.read_bytes() == (dvc_repo.pulled / "models" / "model.pkl").read_bytes()
    assert clean(streams)


def test_a_missing_object(
    azure_repo: Path, dvc_repo: DvcRepo, azure_env: Azurite, tmp_path: Path, out: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    remote = shutil.copytree(dvc_repo.local_remote, tmp_path / "remote")
    gone = (dvc_repo.pulled / "images" / "a.png").read_bytes()
    for path in (remote / "files" / "md5").rglob("*"):
        if path.is_file() and path.read_bytes() == gone:
            path.unlink()
    azure_env.mirror(remote, CONTAINER, "missing")
    code, _, streams = download(
        capsys, "images@v1.0.0", "--repo", str(azure_repo), "-o", str(out),
        "--remote-url", f"azure://{CONTAINER}/missing",
    )  # fmt: skip
    assert code == 1 and nothing_at(out)
    assert "is missing" in streams and "remote azure" in streams
    assert f"azure://{CONTAINER}/missing/files/md5/" in streams
    assert clean(streams)


def test_a_wrong_key_is_forbidden(
    azure_repo: Path, azurite: Azurite, out: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite.connection_string(WRONG_KEY))
    for name in ("model@v1.0.0", "images@v1.0.0"):
        code, _, streams = download(capsys, name, "--repo", str(azure_repo), "-o", str(out))
        assert code == 1 and nothing_at(out)
        assert "forbidden (403)" in streams and "remote azure" in streams
        assert clean(streams)


@pytest.mark.parametrize(
    ("options", "env", "says"),
    [
        ({"exclude_environment_credential": "true"}, {}, "exclude_environment_credential"),
        ({"connection_string": "AccountName=a;AccountKey"}, {}, "not KEY=VALUE"),
        ({}, {"AZURE_STORAGE_CONNECTION_STRING": "AccountName=a;Secret=s3cr3t"}, ": secret."),
    ],
)
def test_what_the_client_cannot_honour_is_refused(
    options: dict[str, str], env: dict[str, str], says: str
) -> None:
    with pytest.raises(StorageError) as refused:
        azure_config(Remote("azure", URL, {"url": URL, **options}), env)
    assert says in refused.value.message and "s3cr3t" not in refused.value.message


def test_dvc_options_and_connection_strings_map_to_the_client() -> None:
    remote = Remote("azure", URL, {"account_name": "acct", "sas_token": "sv=1&sig=x"})
    assert azure_config(remote, {}) == {"account_name": "acct", "sas_key": "sv=1&sig=x"}
    public = Remote("azure", URL, {"account_name": "acct", "allow_anonymous_login": "true"})
    assert azure_config(public, {})["skip_signature"] is True
    env = {"AZURE_STORAGE_CONNECTION_STRING": "AccountName=b;AccountKey=k;EndpointSuffix=x.cn"}
    assert azure_config(remote, env) == {
        "account_name": "b", "account_key": "k", "sas_key": "sv=1&sig=x",
        "endpoint": "https://b.blob.x.cn",
    }  # fmt: skip
    dev = {"AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true"}
    assert azure_config(Remote("azure", URL), dev) == {"use_emulator": True}


def test_s3_options_map_to_the_client_or_are_refused() -> None:
    # Beside the Azure mapping: DVC's s3 options, and those naming a profile or a file.
    from registry_action.storage.objects import s3_config

    url = "s3://models/store"
    remote = Remote("s3", url, {"url": url, "endpointurl": "http://127.0.0.1:9", "region": "eu"})
    assert s3_config(remote) == {"endpoint": "http://127.0.0.1:9", "region": "eu"}
    for option in ("profile", "credentialpath", "configpath"):
        with pytest.raises(StorageError, match=f"sets {option}.*AWS_\\* variables") as err:
            s3_config(Remote("s3", url, {"url": url, option: "secret-name-1"}))
        assert "secret-name-1" not in str(err.value)
