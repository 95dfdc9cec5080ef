"""`show` and `history`, refereed by gto: registries built by `gto` itself, then read by our
command line on the clone and by the action through the stand-in, and compared with what
`gto show --json` and `gto history --json` print.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dulwich.porcelain.tag as dulwich_tag
import gto.api
import gto.exceptions as gto_errors
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.standin import StandIn
from registry_action.shells.cli import main
from tests.helpers import GTO, RunAction

MODELS = {"dvc.yaml": "artifacts:\n  churn:\n    path: m.pkl\n  fraud:\n    path: f.pkl\n",
          "cv/dvc.yaml": "artifacts:\n  seg:\n    path: s.pt\n"}  # fmt: skip


def git(repo: Path, *args: str, **env: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**_env(), **env},
    )
    return done.stdout.strip()


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "GIT_CONFIG_NOSYSTEM": "1"}


class Registry:
    """A repository that gto writes to, with one tagger clock for every tag."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch, tick: int) -> None:
        self.path = path
        self.now = int(time.time()) + 3600
        self.tick = tick  # seconds between tags; 0: every tag in one second (all ties)
        monkeypatch.setattr(dulwich_tag, "time", SimpleNamespace(time=self.clock))
        path.mkdir()
        git(path, "init", "-q", "-b", "main")
        git(path, "config", "user.name", "Reg Tester")
        git(path, "config", "user.email", "tester@example.com")
        self.commits = [self.commit(n) for n in range(4)]

    def clock(self) -> int:
        self.now += self.tick
        return self.now

    def commit(self, n: int) -> str:
        for rel, text in MODELS.items():
            (self.path / rel).parent.mkdir(exist_ok=True)
            (self.path / rel).write_text(text)
        (self.path / "train.log").write_text(f"run {n}\n")
        git(self.path, "add", ".")
        git(
            self.path, "commit", "-q", "-m", f"train {n}", GIT_COMMITTER_DATE=f"{1e9 + n:.0f} +0000"
        )
        return git(self.path, "rev-parse", "HEAD")

    def gto(self, command: str, *args: Any, **kw: Any) -> bool:
        """A gto API call; False when gto refuses it."""
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("GIT_COMMITTER_DATE", "0 +0000")  # gto then tags through dulwich
            try:
                getattr(gto.api, command)(str(self.path), *args, **kw)
            except gto_errors.GTOException:
                return False
        return True

    def studio(self, name: str, commit: str) -> None:
        """A tag as Studio writes it (with a `#N` counter), through git."""
        date = f"{self.clock()} +0000"
        git(self.path, "tag", "-a", name, "-m", name, commit, GIT_COMMITTER_DATE=date)


def referee(repo: Path, *args: str) -> Any:
    done = subprocess.run([GTO, *args, "--json"], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ours(repo: Path, capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    capsys.readouterr()
    assert main([*args, "--repo", str(repo), "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def same_as_gto(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert ours(repo, capsys, "show") == referee(repo, "show")
    assert ours(repo, capsys, "history") == referee(repo, "history")
    for model in referee(repo, "show"):
        assert ours(repo, capsys, "history", model) == referee(repo, "history", model)


@pytest.fixture(params=[10, 0], ids=["ticking clock", "one second"])
def registry(request: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Registry:
    return Registry(tmp_path / "repo", monkeypatch, request.param)


def build(reg: Registry) -> None:
    """Every kind of event: registrations (gto's and Studio's), prereleases, stages in
    several models and folders, unassignments, a deregistration and a deprecation."""
    a, b, c, d = reg.commits
    assert reg.gto("register", "churn", a)
    assert reg.gto("register", "churn", b, bump_minor=True)
    assert reg.gto("register", "churn", c, version="v1.0.0-rc.1")
    reg.studio("churn@v0.3.0#7", d)
    assert reg.gto("assign", "churn", "prod", version="v0.0.1")
    assert reg.gto("assign", "churn", "dev", version="v0.1.0")
    assert reg.gto("assign", "churn", "prod", version="v0.1.0")
    assert reg.gto("assign", "churn", "staging", version="v1.0.0-rc.1")
    assert reg.gto("unassign", "churn", version="v1.0.0-rc.1", stage="staging")
    assert reg.gto("register", "cv:seg", a)
    assert reg.gto("assign", "cv:seg", "prod", version="v0.0.1")
    assert reg.gto("register", "fraud", b, version="v2.0.0")
    assert reg.gto("deregister", "fraud", version="v2.0.0")
    assert reg.gto("register", "fraud", c, version="v2.1.0")
    assert reg.gto("deprecate", "fraud")  # the model
    reg.studio("odd-name@v0.0.9", a)  # a name only a tag makes a model
    git(reg.path, "tag", "churn@v9.9.9", a)  # lightweight: ignored


def test_show_and_history_equal_gtos(
    registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    build(registry)
    same_as_gto(registry.path, capsys)
    assert "odd-name" in ours(registry.path, capsys, "show")


def test_gto_config_stages_are_the_columns(
    registry: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    build(registry)
    (registry.path / ".gto").write_text("stages: [dev, prod, qa]\n")
    git(registry.path, "add", ".gto")
    git(registry.path, "commit", "-q", "-m", "stages", GIT_COMMITTER_DATE="1000000100 +0000")
    same_as_gto(registry.path, capsys)
    assert set(ours(registry.path, capsys, "show")["churn"]["stage"]) == {"dev", "prod", "qa"}


OPS = st.lists(
    st.tuples(
        st.sampled_from(["register", "assign", "unassign", "deregister", "deprecate"]),
        st.sampled_from(["churn", "cv:seg"]),
        st.integers(0, 3),  # a commit
        st.sampled_from(["dev", "prod"]),
        st.sampled_from(["", "minor"]),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(ops=OPS, tick=st.sampled_from([0, 1]))
def test_random_event_sequences_read_as_gto_reads_them(
    ops: list[tuple[str, str, int, str, str]],
    tick: int,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        reg = Registry(tmp_path_factory.mktemp("random") / "repo", patch, tick)
        for command, model, n, stage, bump in ops:
            ref = reg.commits[n]
            if command == "register":
                reg.gto("register", model, ref, bump_minor=bool(bump))
            elif command == "assign":
                reg.gto("assign", model, stage, ref=ref)
            elif command == "unassign":
                reg.gto("unassign", model, ref=ref, stage=stage)
            elif command == "deregister":
                reg.gto("deregister", model, ref=ref)
            else:
                reg.gto("deprecate", model)
        same_as_gto(reg.path, capsys)


# -- one model, for a deploy job ------------------------------------------------------------


def test_show_a_model_for_a_deploy_job(
    gto_repo: Registry, capsys: pytest.CaptureFixture[str]
) -> None:
    registry = gto_repo  # a ticking clock: which version came last is plain
    a, b, _, _ = registry.commits
    assert referee(registry.path, "show")["churn"]["stage"]["prod"] == "v0.1.0"
    prod = ours(registry.path, capsys, "show", "churn", "--stage", "prod")
    assert (prod["version"], prod["commit"], prod["stage"]) == ("v0.1.0", b, "prod")
    assert prod["stage-previous-version"] == "v0.0.1"  # the rollback target
    assert prod["tag"] == "churn@v0.1.0" and prod["event"] == "registration"
    latest = ours(registry.path, capsys, "show", "churn")
    assert latest["version"] == "v1.0.0-rc.1" and latest["stage"] == ""
    assert ours(registry.path, capsys, "show", "churn", "--version", "latest") == latest
    pinned = ours(registry.path, capsys, "show", "churn", "--version", "v0.0.1")
    assert (pinned["version"], pinned["commit"], pinned["path"]) == ("v0.0.1", a, "m.pkl")
    # Nothing in the stage: no error, an empty version to gate on.
    empty = ours(registry.path, capsys, "show", "churn", "--stage", "staging")
    assert (empty["version"], empty["name"], empty["stage"]) == ("", "churn", "staging")
    # A model nobody declared or tagged does not exist.
    capsys.readouterr()
    assert main(["show", "nope", "--repo", str(registry.path)]) == 1
    assert "nope has no registry tags" in capsys.readouterr().err


# -- through the action and the stand-in ------------------------------------------------------


@pytest.fixture
def gto_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    reg = Registry(tmp_path / "built", monkeypatch, 10)
    build(reg)
    yield reg


def test_the_action_reads_as_gto_through_the_api(
    gto_repo: Registry, git_repo: Path, standin: StandIn, run_action: RunAction
) -> None:
    shutil.rmtree(git_repo)
    shutil.copytree(gto_repo.path, git_repo)
    standin.reset_log()
    shown = run_action(command="show", model="")
    assert shown.code == 0, shown.stdout
    assert json.loads(shown.outputs["registry"]) == referee(git_repo, "show")
    assert len(standin.requests) == 1 and standin.writes == []  # every tag in one page
    assert "| [`churn`](" in shown.summary and "#### Newest events" in shown.summary  # linked
    for model in ("", "churn"):
        standin.reset_log()
        told = run_action(command="history", model=model)
        assert json.loads(told.outputs["history"]) == referee(
            git_repo, "history", *[model][: bool(model)]
        )
        assert len(standin.requests) == 1
    standin.reset_log()
    prod = run_action(command="show", model="churn", stage="prod")
    assert (prod.outputs["version"], prod.outputs["stage-previous-version"]) == ("v0.1.0", "v0.0.1")
    as_json = json.loads(prod.outputs["json"])  # the json output holds them too
    assert (as_json["stage"], as_json["stage-previous-version"]) == ("prod", "v0.0.1")
    # The version's dvc.yaml lives on its own commit: one more read, and that is all.
    assert len(standin.requests) <= 2 and standin.writes == []
    empty = run_action(command="show", model="churn", stage="staging")
    assert empty.code == 0 and empty.outputs["version"] == ""
    assert "holds no version" in empty.stdout
