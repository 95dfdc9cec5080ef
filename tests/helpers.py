"""What tests share, in one copy: import it (`from tests.helpers import tag, snap`); nothing
imports `conftest`.

* Running the registry: `register` (a write command at the shell's clock `NOW`), `Run` and
  `RunAction` (a step as the runner sees it: the `run_action` fixture), `TOKEN`, `race`.
* Values for the pure decisions: commits `A`, `B`, `C`, `TAGGER`, `tag()`, `snap()`, `decide()`.
* The referee: `GTO`, `gto_json()`; repositories: `head()`, `CHURN_DVC`.
* Downloads: `same_tree()` (two folders hold the same files), `nothing_at()` (no target and
  no temporary name beside it).
* Hypothesis: `PROPERTY`, the settings of the long property tests.
"""

from __future__ import annotations

import filecmp
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from harness.inprocess import NOW, TOKEN, Run, error_text, register
from harness.referee import GTO, gto_json
from harness.standin.gitrepo import run_git
from registry_action.core.repository import Snapshot, Tagger, TagInfo
from registry_action.decide.dispatch import decide as decide_at
from registry_action.decide.plan import Plan
from registry_action.decide.request import Request

__all__ = [
    "CHURN_DVC",
    "GTO",
    "NOW",
    "PROPERTY",
    "ROOT",
    "SHA",
    "TAGGER",
    "TOKEN",
    "A",
    "B",
    "C",
    "Run",
    "RunAction",
    "at",
    "decide",
    "error_text",
    "gto_json",
    "head",
    "nothing_at",
    "race",
    "register",
    "same_tree",
    "snap",
    "tag",
]

ROOT = Path(__file__).resolve().parent.parent
RunAction = Callable[..., Run]  # the `run_action` fixture: run(env=None, **inputs)

A, B, C = "a" * 40, "b" * 40, "c" * 40  # commits
SHA = "f" * 40  # a tag object
TAGGER = Tagger("Octo Cat", "1+octocat@users.noreply.github.com")
CHURN_DVC = "artifacts:\n  churn:\n    path: models/churn.pkl\n    type: model\n"
WEB = "https://github.test/acme/models"

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def at(second: int) -> str:
    """A tag date `second` seconds into 2026 (under a minute)."""
    return f"2026-01-01T00:00:{second:02d}Z"


def tag(name: str, commit: str = A, date: str = at(0), annotated: bool = True) -> TagInfo:
    """A tag as a backend reads it: annotated (by tag object `SHA`, at `date`) unless not."""
    sha, date = (SHA, date) if annotated else ("", "")
    return TagInfo(name, commit, annotated=annotated, sha=sha, date=date)


def snap(
    *tags: TagInfo, commit: str = A, annotation: str | None = CHURN_DVC, config: str | None = None
) -> Snapshot:
    """One read of the repository at `commit`: its dvc.yaml, its tags, its `.gto`."""
    return Snapshot(commit, annotation, tags, WEB, config=config)


def decide(request: Request, snapshot: Snapshot) -> Plan:
    """Decide at the shell's clock `NOW`."""
    return decide_at(request, snapshot, NOW)


def head(repo: Path) -> str:
    return run_git(repo, "rev-parse", "HEAD")


def race(one: Callable[[str], None], args: list[str]) -> None:
    """Run `one(arg)` for every arg in threads started together; wait for all."""
    threads = [threading.Thread(target=one, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def isolate_git(patch: pytest.MonkeyPatch, home: Path) -> None:
    """No global or system git config and no inherited git variables: a test's repositories
    configure themselves, whatever the machine's git setup is."""
    (home / "gitconfig").write_text("")
    patch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    patch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key in ("GIT_COMMITTER_DATE", "GIT_AUTHOR_DATE", "GIT_DIR", "GIT_WORK_TREE"):
        patch.delenv(key, raising=False)


# -- downloads -----------------------------------------------------------------------------


def same_tree(one: Path, other: Path) -> bool:
    compared = filecmp.dircmp(one, other)
    if compared.left_only or compared.right_only or compared.diff_files or compared.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(one, other, compared.common_files, shallow=False)
    if mismatch or errors:
        return False
    return all(same_tree(one / sub, other / sub) for sub in compared.common_dirs)


def nothing_at(path: Path) -> bool:
    """Neither the target nor a temporary name beside it."""
    leftovers = list(path.parent.glob(f".{path.name}.download-*")) if path.parent.exists() else []
    return not path.exists() and not leftovers
