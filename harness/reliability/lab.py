"""A Lab: the GitHub stand-in, its repository and the action, run in-process like the runner.

In pytest the Lab is built from the ``standin``, ``git_repo`` and ``run_action`` fixtures
(see ``lab_from_fixtures``); outside pytest (the report) ``standalone_lab`` calls the very same
fixture functions, so both paths run the action identically.

The backend's backoff runs on a virtual ``Clock`` (sleeps are recorded, never waited), and
its client timeout (``registry_action.backends.github.http.TIMEOUT``, 15 s) is set short: 5 s in a
Lab, and in timeout scenarios 1 s (PyGithub takes whole seconds) with the requester's copy
then shortened to 0.25 s, so timeouts are real (connect and read) but cheap.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from harness.inprocess import TOKEN, Run, step_runner
from harness.standin import StandIn
from harness.standin.gitrepo import commit, run_git
from harness.standin.pytest_plugin import git_repo as git_repo_fixture
from registry_action.backends.github import http as github_http
from registry_action.backends.github.backend import GitHubBackend

TIMEOUT = 5  # the client timeout in a Lab: a stuck request fails the scenario fast
SHORT_TIMEOUT = 0.25  # for timeout scenarios: faults delay answers past it


class Clock:
    """A virtual clock for the backend: `sleep` records and advances time, never waits."""

    def __init__(self) -> None:
        self.now = time.time()
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def take(self) -> list[float]:
        """The sleeps since the last take."""
        with self._lock:
            taken, self.sleeps = self.sleeps, []
            return taken


class _Capture:
    """What ``capsys`` gives ``run_action``: ``readouterr()`` of stdout/stderr since last call.

    The action writes commands to ``sys.stdout.buffer`` when GITHUB_ACTIONS is true, so the
    streams are text wrappers over byte buffers, like pytest's.
    """

    def __init__(self) -> None:
        self._out, self._err = io.BytesIO(), io.BytesIO()
        self._saved = sys.stdout, sys.stderr
        sys.stdout = io.TextIOWrapper(self._out, encoding="utf-8", write_through=True)
        sys.stderr = io.TextIOWrapper(self._err, encoding="utf-8", write_through=True)

    def readouterr(self) -> Any:
        sys.stdout.flush()
        sys.stderr.flush()
        taken = []
        for buffer in (self._out, self._err):
            taken.append(buffer.getvalue().decode("utf-8", errors="replace"))
            buffer.seek(0)
            buffer.truncate()
        return _Captured(*taken)

    def close(self) -> None:
        sys.stdout, sys.stderr = self._saved


@dataclass(frozen=True)
class _Captured:
    out: str
    err: str


@dataclass
class Lab:
    """One repository served by the stand-in, and the action run against it."""

    repo: Path
    standin: StandIn
    run: Callable[..., Run]  # harness.inprocess.step_runner: run(env=None, **inputs)
    monkeypatch: pytest.MonkeyPatch
    clock: Clock = field(default_factory=Clock)
    in_flight: int = 0
    request_timeout: float | None = None  # set by timeout(): below PyGithub's whole seconds

    def __post_init__(self) -> None:
        mp = self.monkeypatch
        mp.setattr(github_http, "TIMEOUT", TIMEOUT)
        # action.py builds its backend with the real time.sleep; give it the virtual clock.
        mp.setattr(
            GitHubBackend,
            "from_env",
            staticmethod(
                lambda repository, token, env, log=None: self.backend_class(
                    repository, token, env["GITHUB_API_URL"], env["GITHUB_GRAPHQL_URL"], log=log
                )
            ),
        )
        # Count requests the stand-in is still serving (a delayed answer outlives a timeout).
        lock = threading.Lock()
        serve = self.standin._serve

        def counted(handler: Any) -> None:
            with lock:
                self.in_flight += 1
            try:
                serve(handler)
            finally:
                with lock:
                    self.in_flight -= 1

        mp.setattr(self.standin, "_serve", counted)

    # -- the backend -----------------------------------------------------------------------
    def backend_class(self, *args: Any, **kwargs: Any) -> GitHubBackend:
        kwargs.setdefault("sleep", self.clock.sleep)
        kwargs.setdefault("clock", self.clock.time)
        kwargs.setdefault("timer", self.clock.time)
        backend = GitHubBackend(*args, **kwargs)
        if self.request_timeout is not None:
            # PyGithub takes whole seconds (TIMEOUT is patched to 1); its requester holds the
            # value the backend gave it and passes it to every request: shorten that.
            requester = backend.http.requester
            given = requester._Requester__timeout  # type: ignore[attr-defined]
            assert given == github_http.TIMEOUT, f"backend timeout {given}, not TIMEOUT"
            requester._Requester__timeout = self.request_timeout  # type: ignore[attr-defined]
        return backend

    def backend(self, token: str = TOKEN) -> GitHubBackend:
        """A backend on the stand-in, as the action builds it (virtual clock)."""
        return self.backend_class(
            "acme/models", token, self.standin.api_url, self.standin.graphql_url
        )

    def timeout(self, seconds: float | None) -> None:
        """Set the client timeout (connect and read) of backends built from now on; None: the
        Lab's default."""
        self.monkeypatch.setattr(github_http, "TIMEOUT", 1 if seconds else TIMEOUT)
        self.request_timeout = seconds

    def idle(self, limit: float = 10.0) -> None:
        """Wait until the stand-in has answered every request (delayed ones included)."""
        deadline = time.monotonic() + limit
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    # -- the repository --------------------------------------------------------------------
    def head(self) -> str:
        return run_git(self.repo, "rev-parse", "HEAD")

    def commit(self, files: dict[str, str] | None = None, message: str = "Retrain") -> str:
        return commit(self.repo, files or {}, message)

    def commit_bytes(self, path: str, data: bytes, message: str = "Change dvc.yaml") -> str:
        """Commit a file with exact bytes (binary or huge annotations)."""
        (self.repo / path).parent.mkdir(parents=True, exist_ok=True)
        (self.repo / path).write_bytes(data)
        run_git(self.repo, "add", "--", path)
        run_git(self.repo, "commit", "-q", "--no-gpg-sign", "-m", message)
        return self.head()


def lab_from_fixtures(
    standin: StandIn,
    git_repo: Path,
    run_action: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> Lab:
    return Lab(git_repo, standin, run_action, monkeypatch)


@contextlib.contextmanager
def standalone_lab() -> Iterator[Lab]:
    """A Lab outside pytest, from the same fixture functions pytest would call."""
    with tempfile.TemporaryDirectory(prefix="reliability-") as tmp:
        tmp_path = Path(tmp)
        repo = git_repo_fixture.__wrapped__(tmp_path)
        monkeypatch = pytest.MonkeyPatch()
        capture = _Capture()
        try:
            with StandIn(repo) as standin:
                run = step_runner(standin, repo, tmp_path, monkeypatch, capture)
                lab = Lab(repo, standin, run, monkeypatch)
                try:
                    yield lab
                finally:
                    lab.idle()
        finally:
            monkeypatch.undo()
            capture.close()
        if standin.server_errors:
            raise RuntimeError("GitHub stand-in crashed:\n" + "\n".join(standin.server_errors))


@contextlib.contextmanager
def unreachable_api() -> Iterator[str]:
    """A loopback URL whose connections never complete: connects time out.

    A listening socket with a backlog of 0 that is never accepted from; once its queue is
    full, the kernel drops further SYNs, so a client's connect hangs until its timeout.
    """
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.1", port))
            fillers.append(filler)
        time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        for filler in fillers:
            filler.close()
        server.close()
