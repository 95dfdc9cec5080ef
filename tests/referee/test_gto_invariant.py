"""The invariant, by property: never a tag gto cannot read, and what gto takes we take.

Random short sequences of writes (register, bump, force, assign, unassign, deregister,
deprecate, on a few shared commits) run through our command line on a clone. Before each
step gto 1.10.1 tries the same step on a throwaway copy of that clone (its Python API, the
code its CLI runs). After every step:

- a write we refuse leaves the tags as they were;
- after a write we accept, `gto show --json` and `gto history --json` read the clone and
  print exactly what our `show --json` and `history --json` print;
- a write gto accepts, we accept too, unless a rule in docs/rules-force.md says why not
  (`DOCUMENTED` below names each, by the words of our refusal).

Tagger dates tick 10 s a tag on both sides, so no two events share a second (GTO's
tie-breaks are tested elsewhere, in tests/referee/test_gto_referee.py). Bounded for CI: 20
examples of up to 6 steps, about a minute here, plus the issue's own shapes every run
(`ISSUE_SHAPES`), which fail on the code before the fix.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dulwich.porcelain.tag as dulwich_tag
import gto.api
import gto.exceptions as gto_errors
import pytest
from click.testing import CliRunner
from gto.cli import app as gto_app
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness.standin.gitrepo import tag_targets
from registry_action.backends import git as git_backend
from registry_action.shells.cli import main
from tests.helpers import isolate_git

CHURN = "artifacts:\n  churn:\n    path: models/churn.pkl\n    type: model\n"
COMMITS = 3
VERSIONS = ("v0.0.1", "v0.1.0", "v1.0.0")
STAGES = ("dev", "prod")

# Where gto writes and we refuse on purpose: the words of our refusal, and the rule in
# docs/rules-force.md that says why.
DOCUMENTED = {
    # gto re-registers a deregistered version's commit (and fails only when the plain tag
    # name is taken, which Studio's counted spelling avoids): we ask for --force.
    "deregistered since": "A deregistered version's commit",
}


def test_each_rule_the_invariant_excuses_is_in_the_docs() -> None:
    """An excused refusal names a rule docs/rules-force.md has, as a heading."""
    docs = Path(__file__).parents[2] / "docs" / "rules-force.md"
    headings = {line[4:].strip() for line in docs.read_text().splitlines() if line[:4] == "### "}
    assert set(DOCUMENTED.values()) <= headings, headings


@dataclass(frozen=True)
class Step:
    command: str
    commit: int | None = None  # an index into the base's commits
    version: str | None = None
    stage: str = ""
    bump: str = "patch"
    force: bool = False

    def ours(self, shas: list[str]) -> list[str]:
        argv = [self.command, "churn"]
        if self.stage:
            argv += ["--stage", self.stage]
        if self.version:
            argv += ["--version", self.version]
        if self.commit is not None:
            argv += ["--commit", shas[self.commit]]
        if self.command == "register" and self.bump != "patch" and not self.version:
            argv += ["--bump", self.bump]
        return argv + (["--force"] if self.force else [])

    def gto(self, repo: Path, shas: list[str]) -> None:
        kw: dict[str, Any] = {"force": self.force}
        if self.version:
            kw["version"] = self.version
        if self.commit is not None:
            kw["ref"] = shas[self.commit]
        if self.command == "register" and self.bump == "minor" and not self.version:
            kw["bump_minor"] = True
        if self.stage:
            kw["stage"] = self.stage
        # With a committer date set, scmrepo's pygit2 backend declines to tag and dulwich
        # (the patched clock) writes it, as in tests/referee/test_lifecycle_gto.py.
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("GIT_COMMITTER_DATE", "0 +0000")
            getattr(gto.api, self.command)(str(repo), "churn", **kw)


commits = st.integers(0, COMMITS - 1)
versions = st.sampled_from(VERSIONS)
stages = st.sampled_from(STAGES)
flags = st.booleans()


def _targeted(command: str, stage: st.SearchStrategy[str]) -> st.SearchStrategy[Step]:
    """A command on a version, or on a commit."""
    by_version = st.builds(Step, st.just(command), version=versions, stage=stage, force=flags)
    by_commit = st.builds(Step, st.just(command), commits, stage=stage, force=flags)
    return by_version | by_commit


steps = st.one_of(
    st.builds(
        Step,
        st.just("register"),
        commits,
        version=st.none() | versions,
        bump=st.sampled_from(["patch", "minor"]),
        force=flags,
    ),
    _targeted("assign", stages),
    _targeted("unassign", stages),
    _targeted("deregister", st.just("")),
    st.builds(Step, st.just("deprecate"), force=flags),
)


# The issue's shapes, tried on every run besides hypothesis's draws (20 random examples did
# not reliably reach them): a forced second version on a commit that holds one and a stage
# tag; and two versions there, one deregistered, then a stage assigned (gto counts both).
ISSUE_SHAPES = (
    [Step("register", 0), Step("assign", 0, stage="dev"),
     Step("register", 0, version="v1.0.0", force=True)],
    [Step("register", 0), Step("register", 0, version="v1.0.0", force=True),
     Step("deregister", version="v1.0.0"), Step("assign", 0, stage="prod")],
)  # fmt: skip


def git(repo: Path, *args: str, **env: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env={**env} or None
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@dataclass
class Clock:
    now: int

    def __call__(self) -> int:
        self.now += 10
        return self.now


@dataclass(frozen=True)
class Base:
    path: Path
    shas: list[str]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Base]:
    """Three commits declaring churn, none registered; dated well before any tag."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("home")
        isolate_git(patch, home)
        repo = tmp_path_factory.mktemp("invariant") / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
        git(repo, "config", "user.name", "Reg Tester")
        git(repo, "config", "user.email", "tester@example.com")
        (repo / "dvc.yaml").write_text(CHURN)
        start = int(time.time()) - 1000
        shas = []
        for n in range(COMMITS):
            (repo / "train.log").write_text(f"run {n}\n")
            git(repo, "add", ".")
            env = {"GIT_COMMITTER_DATE": f"{start + 100 * n} +0000", "PATH": "/usr/bin:/bin"}
            subprocess.run(
                ["git", "-C", str(repo), "commit", "-q", "-m", f"Train {n}"],
                check=True,
                env={**env, "GIT_CONFIG_GLOBAL": str(home / "gitconfig")},
            )
            shas.append(git(repo, "rev-parse", "HEAD"))
        yield Base(repo, shas)


def ours(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def gto_reads(repo: Path, *argv: str) -> Any:
    """`gto ARGV --json` on `repo`, in-process; fails the test when gto cannot read it."""
    result = CliRunner().invoke(gto_app, [*argv, "-r", str(repo), "--json"])
    assert result.exit_code == 0, f"gto {' '.join(argv)} cannot read the registry: {result.output}"
    return json.loads(result.output)


def gto_accepts(step: Step, repo: Path, shas: list[str], scratch: Path) -> bool:
    """Whether gto takes `step` in `repo`'s state (tried on a throwaway copy)."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(repo, scratch, symlinks=True)
    try:
        step.gto(scratch, shas)
    except gto_errors.GTOException:
        return False
    return True


@pytest.fixture(autouse=True)
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git(monkeypatch, tmp_path)


RUNS = count()


@settings(
    # INVARIANT_EXAMPLES=200 for a deeper search than CI's.
    max_examples=int(os.environ.get("INVARIANT_EXAMPLES", "20")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=1, max_size=6))
@example(sequence=ISSUE_SHAPES[0])
@example(sequence=ISSUE_SHAPES[1])
def test_every_write_we_accept_gto_reads_alike_and_we_take_what_gto_takes(
    sequence: list[Step], base: Base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / f"run-{next(RUNS)}"
    repo = root / "repo"
    shutil.copytree(base.path, repo, symlinks=True)
    clock = Clock(int(time.time()) + 3600)  # one clock: gto's tries never reach our clone
    monkeypatch.setattr(git_backend, "time", SimpleNamespace(time=clock))
    monkeypatch.setattr(dulwich_tag, "time", SimpleNamespace(time=clock))
    for step in sequence:
        before = tag_targets(repo)
        then = clock.now
        theirs = gto_accepts(step, repo, base.shas, root / "gto")
        clock.now = then
        code, _, err = ours(*step.ours(base.shas), "--repo", str(repo), "--json")
        if code:
            assert tag_targets(repo) == before, f"{step}: refused, yet wrote"
            if theirs:
                rule = next((r for words, r in DOCUMENTED.items() if words in err), None)
                assert rule is not None, f"gto takes {step}; we refuse: {err}"
            continue
        for read in (["show"], ["history"]):
            expected = gto_reads(repo, *read)
            code, out, err = ours(*read, "--repo", str(repo), "--json")
            assert code == 0, err
            assert json.loads(out) == expected, f"{read[0]} differs from gto's after {step}"


# -- the action, against the GitHub stand-in -------------------------------------------------


def _inputs(step: Step, shas: list[str]) -> dict[str, str]:
    inputs = {"command": step.command, "model": "churn", "force": str(step.force).lower()}
    if step.stage:
        inputs["stage"] = step.stage
    if step.version:
        inputs["version"] = step.version
    if step.commit is not None:
        inputs["commit"] = shas[step.commit]
    if step.command == "register" and not step.version:
        inputs["bump"] = step.bump
    return inputs


@settings(
    # Slower a step than the command line (HTTP to the stand-in): fewer examples.
    max_examples=int(os.environ.get("INVARIANT_EXAMPLES", "20")) // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=st.lists(steps, min_size=1, max_size=5))
@example(sequence=ISSUE_SHAPES[0])
@example(sequence=ISSUE_SHAPES[1])
def test_the_action_keeps_the_invariant_through_the_api(
    sequence: list[Step], git_repo: Path, standin: Any, run_action: Any, tmp_path: Path
) -> None:
    from harness.standin.gitrepo import commit

    shas = [git(git_repo, "rev-parse", "HEAD")]
    while len(shas) < COMMITS:  # the same fixture serves every example: build it once
        log = git(git_repo, "rev-list", "--reverse", "HEAD").split()
        if len(log) >= COMMITS:
            shas = log[:COMMITS]
            break
        shas.append(commit(git_repo, {"train.log": f"run {len(log)}\n"}, f"Train {len(log)}"))
    for name in tag_targets(git_repo):  # a fresh registry for each example
        git(git_repo, "tag", "-d", name)
    for step in sequence:
        before = tag_targets(git_repo)
        theirs = gto_accepts(step, git_repo, shas, tmp_path / "gto")
        done = run_action(**_inputs(step, shas))
        if done.code:
            assert tag_targets(git_repo) == before, f"{step}: refused, yet wrote"
            if theirs:
                words = done.stdout
                rule = next((r for w, r in DOCUMENTED.items() if w in words), None)
                assert rule is not None, f"gto takes {step}; the action refuses: {words}"
            continue
        shown = run_action(command="show", model="")
        assert shown.code == 0, shown.stdout
        assert json.loads(shown.outputs["registry"]) == gto_reads(git_repo, "show")
        told = run_action(command="history", model="")
        assert told.code == 0, told.stdout
        assert json.loads(told.outputs["history"]) == gto_reads(git_repo, "history")
