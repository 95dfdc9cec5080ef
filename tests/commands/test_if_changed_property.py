"""`register` with `if-changed` over random histories, on a local clone: an unchanged model
is never registered, a changed one always is.

Each history is a sequence of: change the model's bytes, change only its description,
migrate its `.dvc` file between DVC 2's and DVC 3's form (same md5), commit nothing of it,
register. The oracle is the md5 the registered version's commit records.
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.standin.gitrepo import commit, init_repo, run_git
from registry_action.backends.git import GitBackend
from registry_action.commands.write import run
from registry_action.decide.request import Request
from tests.helpers import NOW, TAGGER

pytestmark = pytest.mark.standin  # git subprocesses: not the pure lane

STEPS = ("bytes", "describe", "migrate", "nothing", "register")
EXAMPLES = min(25, settings.default.max_examples)  # `--hypothesis-profile fast`: 15


def dvc_file(md5: str, size: int, dvc3: bool) -> str:
    hashed = "  hash: md5\n" if dvc3 else ""
    return f"outs:\n- md5: {md5}\n  size: {size}\n{hashed}  path: churn.pkl\n"


def dvc_yaml(description: int) -> str:
    return f"artifacts:\n  churn:\n    path: models/churn.pkl\n    desc: take {description}\n"


class History:
    def __init__(self, repo: Path) -> None:
        self.repo, self.bytes, self.description, self.dvc3 = repo, 0, 0, True
        clock = itertools.count(1_767_000_000)
        self.backend = GitBackend(repo, clock=lambda: float(next(clock)))
        self.registered: dict[str, str] = {}  # version commit -> the md5 it holds
        self.greatest = ""  # the greatest version's md5

    @property
    def md5(self) -> str:
        return hashlib.md5(self.data).hexdigest()

    @property
    def data(self) -> bytes:
        return f"model bytes {self.bytes}\n".encode()

    def write(self, message: str) -> None:
        files = {
            "dvc.yaml": dvc_yaml(self.description),
            "models/churn.pkl.dvc": dvc_file(self.md5, len(self.data), self.dvc3),
            ".dvc/config": "",
            "notes.txt": message,  # every step is a commit
        }
        commit(self.repo, files, message)

    def step(self, what: str) -> None:
        if what == "bytes":
            self.bytes += 1
        elif what == "describe":
            self.description += 1
        elif what == "migrate":
            self.dvc3 = not self.dvc3
        if what != "register":
            self.write(f"{what} {run_git(self.repo, 'rev-list', '--count', 'HEAD')}")
            return
        sha = run_git(self.repo, "rev-parse", "HEAD")
        request = Request.from_inputs(model="churn", commit="HEAD", tagger=TAGGER, if_changed=True)
        outcome = run(self.backend, request, now=NOW)
        changed = not self.registered or self.md5 != self.greatest
        assert outcome.change is not None
        if sha in self.registered:  # a re-run: the commit holds its version already
            assert not outcome.created
            return
        assert outcome.change.change.changed is changed, outcome.change.change.reason
        assert outcome.created is changed
        if changed:
            self.registered[sha], self.greatest = self.md5, self.md5
        else:  # the outputs name the version that holds this content
            assert self.registered[outcome.tag.commit] == self.md5
            assert outcome.change.change.reason.startswith(f"same md5 {self.md5} since v")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(st.sampled_from(STEPS), min_size=1, max_size=8))
def test_if_changed_registers_exactly_the_changes(steps: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        history = History(init_repo(Path(tmp) / "repo"))
        history.write("start")
        for what in [*steps, "register"]:
            history.step(what)
