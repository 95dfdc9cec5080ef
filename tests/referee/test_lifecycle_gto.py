"""GTO 1.10 as the referee for assign, unassign, deregister and deprecate.

Twin repositories start from one history. Each step runs our command line (local-git
backend) on one and `gto` on the other (its Python API in-process, the code its CLI runs;
one scenario through the `gto` CLI itself), then compares the tags (names and the commits
they point at) and what GTO reads from each: `gto history`, `gto show`, every version's
activity and every stage's state. Both sides take tagger dates from clocks that tick alike
(10 s a tag), so GTO orders events as they were written and the histories are equal to
the second. Where this project deliberately differs from `gto`, the step says so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dulwich.porcelain.tag as dulwich_tag
import gto.api
import gto.exceptions as gto_errors
import pytest
from click.testing import CliRunner
from gto.cli import app as gto_app
from gto.registry import GitRegistry

from harness.standin.gitrepo import tag_targets
from registry_action.backends import git as git_backend
from registry_action.backends.git import GitBackend
from registry_action.core.grammar import ModelName
from registry_action.core.model_view import ModelView
from registry_action.shells.cli import main
from tests.helpers import CHURN_DVC as CHURN
from tests.helpers import isolate_git

POOL = "artifacts:\n  pool-segmentation:\n    path: models/seg.pt\n    type: model\n"


def git(repo: Path, *args: str, **env: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env={**os.environ, **env}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture(autouse=True)
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git config: the repositories configure themselves."""
    isolate_git(monkeypatch, tmp_path)


@dataclass
class Clock:
    """Tagger dates an hour ahead of the commits, 10 s a tag."""

    now: int

    def __call__(self) -> int:
        self.now += 10
        return self.now


def gto_view(repo: Path) -> dict[str, Any]:
    """What GTO reads from a repository, for both models."""
    with GitRegistry.from_url(str(repo)) as reg:
        state = reg.get_state()
        artifacts = state.get_artifacts()
        view: dict[str, Any] = {
            name: {
                "active": artifact.is_active,
                "versions": {v.version: (v.commit_hexsha, v.is_active) for v in artifact.versions},
                "stages": {
                    (v.commit_hexsha, s.stage): s.is_active
                    for v in artifact.versions
                    for s in v.stages.values()
                },
            }
            for name, artifact in artifacts.items()
        }
    view["history"] = gto.api.history(str(repo))
    view["show"] = gto.api.show(str(repo), deprecated=True)
    view["churn-versions"] = gto.api.show(str(repo), "churn", deprecated=True)
    return view


def our_view(repo: Path, name: str = "churn") -> dict[str, Any]:
    """The same facts as this project reads them."""
    model = ModelName.parse(name)
    read = GitBackend(repo).read(model, "HEAD", stages=True)
    view = ModelView.of(model, read.tags)
    return {
        "active": bool(view.versions) and view.deprecation is None,
        "versions": {k: (v.commit, v.active) for k, v in view.versions.items()},
        "stages": {k: s.assigned for k, s in view.stages.items()},
    }


class Twins:
    """Our repository and GTO's, and the clocks that date their tags."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.ours, self.theirs = root / "ours", root / "theirs"
        self.capsys = capsys
        self.our_clock = self.gto_clock = Clock(0)

    def start(self, base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        shutil.copytree(base, self.ours, symlinks=True)
        shutil.copytree(base, self.theirs, symlinks=True)
        start = int(time.time()) + 3600
        self.our_clock, self.gto_clock = Clock(start), Clock(start)
        monkeypatch.setattr(git_backend, "time", SimpleNamespace(time=self.our_clock))
        monkeypatch.setattr(dulwich_tag, "time", SimpleNamespace(time=self.gto_clock))

    def run_ours(self, *argv: str) -> dict[str, str] | str:
        """Our command line: its --json outputs, or its error text."""
        self.capsys.readouterr()
        code = main([*argv, "--repo", str(self.ours), "--json"])
        out = self.capsys.readouterr()
        return json.loads(out.out) if code == 0 else out.err

    def run_gto(
        self, command: str, name: str = "churn", repo: Path | None = None, **kw: Any
    ) -> Any:
        call = getattr(gto.api, command)
        # With a committer date set, scmrepo's pygit2 backend declines to tag and dulwich,
        # which takes the (patched) clock and only the zone from it, writes the tag.
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("GIT_COMMITTER_DATE", "0 +0000")
            return call(str(repo or self.theirs), name, **kw)

    # -- the three kinds of step ----------------------------------------------------------

    def both(self, argv: list[str], **gto_kw: Any) -> tuple[dict[str, str], dict[str, str]]:
        """Both write; the same tags on the same commits, and GTO reads both alike."""
        before = tag_targets(self.ours)
        out = self.run_ours(*argv)
        assert isinstance(out, dict), out
        self.run_gto(argv[0], argv[1], **gto_kw)
        self.same()
        new = {k: v for k, v in tag_targets(self.ours).items() if k not in before}
        assert out["created"] is True and out["tag"] in new
        assert out["commit"] == new[out["tag"]]
        return out, new

    def both_refuse(self, argv: list[str], text: str, **gto_kw: Any) -> str:
        before = tag_targets(self.ours)
        err = self.run_ours(*argv)
        assert isinstance(err, str) and text in err, err
        with pytest.raises(gto_errors.GTOException):
            self.run_gto(argv[0], argv[1], **gto_kw)
        assert tag_targets(self.ours) == before == tag_targets(self.theirs)
        return err

    def we_rerun_gto_refuses(self, argv: list[str], tag: str, **gto_kw: Any) -> dict[str, str]:
        """Deliberate: a re-run succeeds with created=false; GTO refuses. Neither writes."""
        before = tag_targets(self.ours)
        out = self.run_ours(*argv)
        assert isinstance(out, dict), out
        assert (out["created"], out["tag"]) == (False, tag)
        with pytest.raises(gto_errors.GTOException):
            self.run_gto(argv[0], argv[1], **gto_kw)
        assert tag_targets(self.ours) == before == tag_targets(self.theirs)
        return out

    def gto_on_a_copy(self, command: str, **kw: Any) -> dict[str, str]:
        """What GTO would add, on a throwaway copy (its clock is put back)."""
        copy = self.theirs.parent / f"copy-{len(list(self.theirs.parent.iterdir()))}"
        shutil.copytree(self.theirs, copy, symlinks=True)
        now = self.gto_clock.now
        try:
            self.run_gto(command, repo=copy, **kw)
        finally:
            self.gto_clock.now = now
        before = tag_targets(self.theirs)
        return {k: v for k, v in tag_targets(copy).items() if k not in before}

    def same(self) -> None:
        assert tag_targets(self.ours) == tag_targets(self.theirs)
        view = gto_view(self.ours)
        assert view == gto_view(self.theirs)
        mine = our_view(self.ours)
        # GTO also lists a bare commit a stage tag names as a "version" named by its sha.
        named = {k: v for k, v in view["churn"]["versions"].items() if k != v[0]}
        assert mine["versions"] == named
        assert mine["stages"] == view["churn"]["stages"]
        assert mine["active"] == view["churn"]["active"]


@dataclass(frozen=True)
class Base:
    path: Path
    a: str  # churn v0.0.1
    b: str  # churn v0.1.0
    c: str  # unregistered
    d: str  # unregistered (HEAD)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Base]:
    """Commits a..d declaring both models; churn v0.0.1 on a and v0.1.0 on b (as gto writes)."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("home")
        isolate_git(patch, home)
        repo = tmp_path_factory.mktemp("base") / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        git(repo, "config", "user.name", "Reg Tester")
        git(repo, "config", "user.email", "tester@example.com")
        (repo / "dvc.yaml").write_text(CHURN)
        (repo / "cv").mkdir()
        (repo / "cv" / "dvc.yaml").write_text(POOL)
        # Distinct dates, each registration after its commit: GTO orders events (commits
        # included) by date alone, so ties would leave its choices to chance.
        start = int(time.time()) - 1000
        shas = []
        for n in range(4):
            (repo / "train.log").write_text(f"run {n}\n")
            git(repo, "add", ".")
            date = f"{start + 100 * n} +0000"
            git(repo, "commit", "-q", "-m", f"Train {n}", GIT_COMMITTER_DATE=date)
            shas.append(git(repo, "rev-parse", "HEAD"))
        for n, version in enumerate(("v0.0.1", "v0.1.0")):
            message = f"Registering artifact churn version {version}"
            date = f"{start + 100 * n + 50} +0000"
            git(
                repo,
                "tag",
                "-a",
                f"churn@{version}",
                "-m",
                message,
                shas[n],
                GIT_COMMITTER_DATE=date,
            )
        yield Base(repo, *shas)


@pytest.fixture
def twins(
    base: Base,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Twins:
    pair = Twins(tmp_path, capsys)
    pair.start(base.path, monkeypatch)
    pair.same()
    return pair


# --- assign and unassign ------------------------------------------------------------------


def test_assign_and_unassign_write_what_gto_writes(twins: Twins, base: Base) -> None:
    a, b, c, d = base.a, base.b, base.c, base.d
    out, new = twins.both(
        ["assign", "churn", "--stage", "prod", "--version", "v0.0.1"],
        stage="prod",
        version="v0.0.1",
    )
    assert new == {"churn#prod#1": a}
    assert (out["event"], out["stage"], out["version"], out["is-latest"]) == (
        "assignment",
        "prod",
        "v0.0.1",
        False,
    )

    # Already in the stage: GTO refuses without --force; a re-run here is a no-op success.
    twins.we_rerun_gto_refuses(
        ["assign", "churn", "--stage", "prod", "--version", "v0.0.1"],
        "churn#prod#1",
        stage="prod",
        version="v0.0.1",
    )
    # --force writes a new assignment, as GTO does.
    _, new = twins.both(
        ["assign", "churn", "--stage", "prod", "--version", "v0.0.1", "--force"],
        stage="prod",
        version="v0.0.1",
        force=True,
    )
    assert new == {"churn#prod#2": a}

    # By commit; the counter follows every tag of the model.
    _, new = twins.both(
        ["assign", "churn", "--stage", "staging", "--commit", b], stage="staging", ref=b
    )
    assert new == {"churn#staging#3": b}

    # An unregistered commit is registered first (GTO's patch bump), then assigned.
    out, new = twins.both(
        ["assign", "churn", "--stage", "prod", "--commit", c], stage="prod", ref=c
    )
    assert new == {"churn@v0.1.1": c, "churn#prod#4": c}
    assert (out["version"], out["tag"], out["is-latest"]) == ("v0.1.1", "churn#prod#4", True)

    # Unassign the version's stage; a second time GTO writes another tag, we do not.
    _, new = twins.both(
        ["unassign", "churn", "--stage", "prod", "--version", "v0.0.1"],
        stage="prod",
        version="v0.0.1",
    )
    assert new == {"churn#prod!#5": a}
    assert twins.gto_on_a_copy("unassign", stage="prod", version="v0.0.1") == {"churn#prod!#6": a}
    rerun = twins.run_ours("unassign", "churn", "--stage", "prod", "--version", "v0.0.1")
    assert isinstance(rerun, dict)
    assert (rerun["created"], rerun["tag"], rerun["event"]) == (
        False,
        "churn#prod!#5",
        "unassignment",
    )

    # A stage the version never had: both refuse; --force records it anyway, as GTO does.
    twins.both_refuse(
        ["unassign", "churn", "--stage", "dev", "--version", "v0.0.1"],
        "Stage 'dev' was never assigned to churn v0.0.1",
        stage="dev",
        version="v0.0.1",
    )
    _, new = twins.both(
        ["unassign", "churn", "--stage", "dev", "--version", "v0.0.1", "--force"],
        stage="dev",
        version="v0.0.1",
        force=True,
    )
    assert new == {"churn#dev!#6": a}

    # A version that does not exist: both refuse.
    twins.both_refuse(
        ["assign", "churn", "--stage", "prod", "--version", "v9.9.9"],
        "churn v9.9.9 is not registered",
        stage="prod",
        version="v9.9.9",
    )

    # --skip-registration: the stage goes on the bare commit.
    out, new = twins.both(
        ["assign", "churn", "--stage", "dev", "--commit", d, "--skip-registration"],
        stage="dev",
        ref=d,
        skip_registration=True,
    )
    assert new == {"churn#dev#7": d} and out["version"] == ""
    # GTO cannot unassign a bare commit (it reads each of its stage tags as a version of
    # its own, so an unassignment would not take the stage back): both refuse.
    twins.both_refuse(
        ["unassign", "churn", "--stage", "dev", "--commit", d],
        f"Commit {d} holds no registered version of churn",
        stage="dev",
        ref=d,
    )
    # Assigning it without --skip-registration registers it; then it is in the stage
    # already: GTO refuses after registering, a re-run here succeeds. Both wrote the same.
    out = twins.run_ours("assign", "churn", "--stage", "dev", "--commit", d)
    assert isinstance(out, dict)
    assert (out["created"], out["tag"], out["version"]) == (False, "churn#dev#7", "v0.1.2")
    with pytest.raises(gto_errors.WrongArgs, match="already in stage 'dev'"):
        twins.run_gto("assign", stage="dev", ref=d)
    twins.same()
    assert tag_targets(twins.ours)["churn@v0.1.2"] == d


def test_reassigning_after_an_unassignment(twins: Twins, base: Base) -> None:
    kw = {"stage": "prod", "version": "v0.1.0"}
    argv = ["--stage", "prod", "--version", "v0.1.0"]
    twins.both(["assign", "churn", *argv], **kw)
    twins.both(["unassign", "churn", *argv], **kw)
    _, new = twins.both(["assign", "churn", *argv], **kw)  # not in the stage any more
    assert new == {"churn#prod#3": base.b}
    assert our_view(twins.ours)["stages"] == {(base.b, "prod"): True}


def test_a_stage_held_by_another_version_moves_on(twins: Twins, base: Base) -> None:
    twins.both(
        ["assign", "churn", "--stage", "prod", "--version", "v0.0.1"],
        stage="prod",
        version="v0.0.1",
    )
    _, new = twins.both(
        ["assign", "churn", "--stage", "prod", "--version", "v0.1.0"],
        stage="prod",
        version="v0.1.0",
    )
    assert new == {"churn#prod#2": base.b}
    shown = gto.api.show(str(twins.ours))["churn"]["stage"]["prod"]
    assert shown == "v0.1.0"  # GTO shows the newest assignment of a stage


def test_studio_counters_count(twins: Twins, base: Base) -> None:
    """Studio's `@vX#N` registrations and lightweight tags count toward the counter, as in GTO."""
    for repo in (twins.ours, twins.theirs):
        git(
            repo,
            "tag",
            "-a",
            "churn@v0.2.0#7",
            "-m",
            "Registering artifact churn version v0.2.0",
            base.c,
        )
        git(repo, "tag", "churn#qa#9", base.c)  # lightweight: GTO ignores it, but counts it
    _, new = twins.both(
        ["assign", "churn", "--stage", "prod", "--commit", base.c], stage="prod", ref=base.c
    )
    assert new == {"churn#prod#10": base.c}


def test_allowed_stages_from_gto_config(twins: Twins, base: Base) -> None:
    for repo in (twins.ours, twins.theirs):
        (repo / ".gto").write_text("stages: [dev, staging, prod]\n")
        git(repo, "add", ".gto")
        git(repo, "commit", "-q", "-m", "Allowed stages")
    err = twins.both_refuse(
        ["assign", "churn", "--stage", "canary", "--version", "v0.0.1"],
        "add the stage to .gto at",
        stage="canary",
        version="v0.0.1",
    )
    assert "allowed stages: dev, staging, prod" in err
    twins.both(
        ["assign", "churn", "--stage", "staging", "--version", "v0.0.1"],
        stage="staging",
        version="v0.0.1",
    )
    # GTO checks unassignments against it too.
    twins.both_refuse(
        ["unassign", "churn", "--stage", "canary", "--version", "v0.0.1", "--force"],
        "Stage 'canary' is not one of the allowed stages",
        stage="canary",
        version="v0.0.1",
        force=True,
    )


def test_stage_names_follow_gto(twins: Twins) -> None:
    for stage in ("-prod", "prod-", "a b", "x..y", "p!"):
        twins.both_refuse(
            ["assign", "churn", f"--stage={stage}", "--version", "v0.0.1"],
            "is not valid",
            stage=stage,
            version="v0.0.1",
        )


def test_several_versions_on_a_commit_are_refused_like_gto(twins: Twins, base: Base) -> None:
    for repo in (twins.ours, twins.theirs):  # what `register --force` can leave behind
        git(
            repo,
            "tag",
            "-a",
            "churn@v0.0.5",
            "-m",
            "Registering artifact churn version v0.0.5",
            base.a,
        )
    twins.both_refuse(
        ["assign", "churn", "--stage", "prod", "--commit", base.a],
        f"Commit {base.a} holds several versions of churn (v0.0.1, v0.0.5)",
        stage="prod",
        ref=base.a,
    )
    # By version GTO writes the tag, and then cannot read the registry at all.
    copy = twins.theirs.parent / "broken"
    shutil.copytree(twins.theirs, copy)
    with pytest.raises(gto_errors.ManyVersions):
        gto.api.assign(str(copy), "churn", "prod", version="v0.0.1")  # after writing its tag
    assert "churn#prod#1" in tag_targets(copy)
    with pytest.raises(gto_errors.ManyVersions):
        gto.api.show(str(copy), "churn")
    err = twins.run_ours("assign", "churn", "--stage", "prod", "--version", "v0.0.1")
    assert isinstance(err, str) and "several versions" in err


# --- deregister and deprecate --------------------------------------------------------------


def test_deregister_and_deprecate_write_what_gto_writes(twins: Twins, base: Base) -> None:
    a, b = base.a, base.b
    twins.both(
        ["assign", "churn", "--stage", "prod", "--version", "v0.1.0"],
        stage="prod",
        version="v0.1.0",
    )
    out, new = twins.both(["deregister", "churn", "--version", "v0.1.0"], version="v0.1.0")
    assert new == {"churn@v0.1.0!": b}
    assert (out["event"], out["version"], out["is-latest"], out["latest-version"]) == (
        "deregistration",
        "v0.1.0",
        False,
        "v0.0.1",
    )
    # Deregistering again: GTO refuses; a re-run here is a no-op success.
    twins.we_rerun_gto_refuses(
        ["deregister", "churn", "--version", "v0.1.0"], "churn@v0.1.0!", version="v0.1.0"
    )
    # By commit.
    _, new = twins.both(["deregister", "churn", "--commit", a], ref=a)
    assert new == {"churn@v0.0.1!": a}
    twins.both_refuse(
        ["deregister", "churn", "--version", "v7.0.0"],
        "churn v7.0.0 is not registered",
        version="v7.0.0",
    )
    twins.both_refuse(
        ["deregister", "churn", "--commit", base.c],
        f"Commit {base.c} holds no registered version",
        ref=base.c,
    )

    # Deprecate: GTO tags the commit of the model's newest event (the last deregistration).
    out, new = twins.both(["deprecate", "churn"])
    assert new == {"churn@deprecated": a}
    assert (out["event"], out["version"], out["name"]) == ("deprecation", "", "churn")
    twins.we_rerun_gto_refuses(["deprecate", "churn"], "churn@deprecated")
    # --force deprecates again, with a counter, as GTO does.
    _, new = twins.both(["deprecate", "churn", "--force"], force=True)
    assert new == {"churn@deprecated#2": a}


def test_deprecating_again_after_new_activity(twins: Twins, base: Base) -> None:
    twins.both(["deprecate", "churn"])
    # A new assignment makes the model active again, for GTO as for us.
    twins.both(
        ["assign", "churn", "--stage", "prod", "--version", "v0.1.0"],
        stage="prod",
        version="v0.1.0",
    )
    assert our_view(twins.ours)["active"] and gto_view(twins.ours)["churn"]["active"]
    # GTO's plain `@deprecated` is taken now, so `gto deprecate` fails; we take the counted name.
    with pytest.raises(gto_errors.TagExists):
        twins.gto_on_a_copy("deprecate")
    out = twins.run_ours("deprecate", "churn")
    assert isinstance(out, dict) and out["tag"] == "churn@deprecated#2"
    assert out["commit"] == base.b and not gto_view(twins.ours)["churn"]["active"]


def test_deregistering_a_version_registered_again(twins: Twins, base: Base) -> None:
    """Deregistered, then registered again by Studio (`@vX#N`): GTO's plain `!` is taken."""
    twins.both(["deregister", "churn", "--version", "v0.0.1"], version="v0.0.1")
    date = f"{twins.our_clock()} +0000"
    twins.gto_clock()
    for repo in (twins.ours, twins.theirs):
        git(repo, "tag", "-a", "churn@v0.0.1#4", "-m", "re", base.a, GIT_COMMITTER_DATE=date)
    twins.same()
    assert our_view(twins.ours)["versions"]["v0.0.1"] == (base.a, True)
    with pytest.raises(gto_errors.TagExists):
        twins.gto_on_a_copy("deregister", version="v0.0.1")
    out = twins.run_ours("deregister", "churn", "--version", "v0.0.1")
    assert isinstance(out, dict) and out["tag"] == "churn@v0.0.1!#5"
    assert gto_view(twins.ours)["churn"]["versions"]["v0.0.1"] == (base.a, False)


def test_deprecating_a_model_without_tags(twins: Twins) -> None:
    twins.both_refuse(["deprecate", "cv:pool-segmentation"], "has no registry tags")
    # --force: GTO tags HEAD (its checkout); we tag the read commit, HEAD by default.
    _, new = twins.both(["deprecate", "cv:pool-segmentation", "--force"], force=True)
    assert new == {"cv=pool-segmentation@deprecated#1": git(twins.ours, "rev-parse", "HEAD")}


def test_model_in_a_folder(twins: Twins, base: Base) -> None:
    name = "cv:pool-segmentation"
    out, new = twins.both(
        ["assign", name, "--stage", "prod", "--commit", base.c], stage="prod", ref=base.c
    )
    assert new == {"cv=pool-segmentation@v0.0.1": base.c, "cv=pool-segmentation#prod#1": base.c}
    assert out["path"] == "cv/models/seg.pt"
    twins.both(
        ["unassign", name, "--stage", "prod", "--version", "v0.0.1"], stage="prod", version="v0.0.1"
    )
    twins.both(["deregister", name, "--version", "v0.0.1"], version="v0.0.1")
    twins.both(["deprecate", name])
    assert tag_targets(twins.ours)["cv=pool-segmentation@deprecated"] == base.c


# --- the gto command line itself ---------------------------------------------------------


def test_against_the_gto_command_line(
    base: Base, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same lifecycle through `gto`'s own command line, every tag in one tagger second.

    One second for every tag is where the tie-breaks decide (which event is the newest, so
    which commit `deprecate` tags; whether a stage holds): ours must be GTO's. Both tools
    get the same fixed date, so the test is deterministic.
    """
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    shutil.copytree(base.path, ours)
    shutil.copytree(base.path, theirs)
    second = int(time.time()) + 3600
    monkeypatch.setattr(git_backend, "time", SimpleNamespace(time=lambda: second))
    monkeypatch.setattr(dulwich_tag, "time", SimpleNamespace(time=lambda: second))
    monkeypatch.setenv("GIT_COMMITTER_DATE", "0 +0000")  # gto then tags through dulwich
    steps: list[tuple[list[str], list[str]]] = [
        (
            ["assign", "churn", "--stage", "prod", "--commit", base.c],
            ["assign", "churn", base.c, "--stage", "prod"],
        ),
        (
            ["assign", "churn", "--stage", "dev", "--version", "v0.0.1"],
            ["assign", "churn", "--version", "v0.0.1", "--stage", "dev"],
        ),
        (
            ["unassign", "churn", "--stage", "dev", "--version", "v0.0.1"],
            ["deprecate", "churn", "v0.0.1", "dev"],
        ),
        (["deregister", "churn", "--version", "v0.0.1"], ["deprecate", "churn", "v0.0.1"]),
        (["deprecate", "churn"], ["deprecate", "churn"]),
    ]
    for mine, theirs_argv in steps:
        capsys.readouterr()
        assert main([*mine, "--repo", str(ours), "--json"]) == 0, capsys.readouterr().err
        done = CliRunner().invoke(gto_app, [*theirs_argv, "--repo", str(theirs)])
        assert done.exit_code == 0, done.output
        assert tag_targets(ours) == tag_targets(theirs)
    assert tag_targets(ours) == {
        "churn@v0.0.1": base.a,
        "churn@v0.1.0": base.b,
        "churn@v0.1.1": base.c,
        "churn#prod#1": base.c,
        "churn#dev#2": base.a,
        "churn#dev!#3": base.a,
        "churn@v0.0.1!": base.a,
        "churn@deprecated": base.c,
    }
    # GTO reads both repositories alike, event for event in the same order, and we read
    # ours as GTO does. (The taggers differ: the clone's identity, and gto's.)
    keep = ("timestamp", "artifact", "event", "version", "stage", "commit", "ref", "message")

    def history(repo: Path) -> list[dict[str, Any]]:
        return [{k: e[k] for k in keep} for e in gto.api.history(str(repo))]

    assert history(ours) == history(theirs)
    view, mine = gto_view(ours)["churn"], our_view(ours)
    assert mine["stages"] == view["stages"] and mine["active"] == view["active"]
    # Our event order is GTO's `Artifact.get_events()`, ties and all.
    with GitRegistry.from_url(str(ours)) as reg:
        events = reg.find_artifact("churn").get_events()
    gto_order = [e.tag for e in events if hasattr(e, "tag")]  # not its commit annotations
    model = ModelName.parse("churn")
    read = GitBackend(ours).read(model, "HEAD", stages=True)
    assert [r.tag.name for r in ModelView.of(model, read.tags).events] == gto_order
