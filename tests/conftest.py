"""Fixtures every lane may use, and the lanes themselves.

Fixtures: the GitHub stand-in (`git_repo`, `standin`: harness/standin/pytest_plugin.py),
`run_action` (the action run in-process as the runner would: harness/inprocess.py) and `lab`
(the reliability lab over them). Shared helpers live in `tests/helpers.py`: import them from
there, never from this file.

Lanes: every test carries exactly one of the markers `core`, `standin`, `referee` and
`container` (`pytest -m core` is `make test-fast`). A folder gives its lane to its tests
(`FOLDER_LANES`); a module or a test may set another with its own marker. In the folders
marked `AUTO` (backends and commands, tested both on canned HTTP answers and against the
stand-in) a test is `core` unless it asks for a repository or the stand-in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from harness.inprocess import Run, step_runner
from tests.reliability import figures

# `make test-fast` is the edit-and-run loop: fewer examples a property there
# (`--hypothesis-profile fast`); `make test` and CI keep hypothesis's default of 100.
settings.register_profile("fast", max_examples=15)

pytest_plugins = ["harness.standin.pytest_plugin", "tests.backends.github_http"]

LANES = ("core", "standin", "referee", "container")
AUTO = "core unless it needs a repository"
FOLDER_LANES = {
    "core": "core",  # pure rules
    "decide": "core",  # pure decisions, and the write loop over in-memory backends
    "commands": AUTO,  # the commands over canned HTTP answers or the stand-in
    "backends": AUTO,  # the backends over canned HTTP answers or the stand-in
    "shells": "standin",  # the shells over the stand-in or a local clone
    "referee": "referee",  # compared with gto
    "reliability": "standin",
    "harness": "standin",  # the harness's own tests
    "container": "container",
    "contracts": "standin",  # layer contracts (import-linter on a copy); cited files exist
    "ci": "standin",  # the release and live workflows, linted and checked
    "storage": "standin",  # download against DVC-made repositories and real storage servers
}
# A `core` test runs in-process on values: none of these fixtures.
NOT_CORE = frozenset({"standin", "git_repo", "run_action", "lab", "tmp_path", "tmp_path_factory"})


@pytest.fixture
def run_action(
    standin: Any,
    git_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., Run]:
    """Run the action in-process with the inputs and environment the runner would give it:
    `run_action(env=None, process=False, github=None, **inputs)` (see `step_runner`)."""
    return step_runner(standin, git_repo, tmp_path, monkeypatch, capsys)


@pytest.fixture
def lab(
    standin: Any,
    git_repo: Path,
    run_action: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """The reliability suites' runner (harness/reliability/lab.py) over these fixtures."""
    # Imported here: the lab imports the stand-in's pytest plugin, which pytest must import
    # first (to rewrite its asserts).
    from harness.reliability.lab import lab_from_fixtures

    return lab_from_fixtures(standin, git_repo, run_action, monkeypatch)


def _lane(item: pytest.Item) -> str:
    own = [m.name for m in item.iter_markers() if m.name in LANES]
    if own:
        return own[0]  # the closest: the test's, then its class's, then its module's
    folder = Path(item.path).relative_to(Path(__file__).parent).parts[0]
    lane = FOLDER_LANES.get(folder)
    if lane is None:
        raise pytest.UsageError(f"{item.nodeid}: put the test in a lane folder ({FOLDER_LANES})")
    if lane == AUTO:
        return "standin" if NOT_CORE.intersection(getattr(item, "fixturenames", ())) else "core"
    return lane


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give every test its lane; refuse a `core` test that needs a repository or the stand-in."""
    misplaced = []
    for item in items:
        lane = _lane(item)
        if not any(m.name == lane for m in item.iter_markers()):
            item.add_marker(lane)
        used = NOT_CORE.intersection(getattr(item, "fixturenames", ()))
        if lane == "core" and used:
            misplaced.append(f"{item.nodeid} uses {sorted(used)}")
    if misplaced:
        raise pytest.UsageError(
            "core tests run on values alone; mark these `standin` (or move them):\n"
            + "\n".join(misplaced)
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The reliability figures: a worker hands them over, the session that ran alone or the
    xdist controller writes them."""
    figures.worker_done(session.config)
    figures.write(session.config)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: only with `-n`
def pytest_testnodedown(node: Any, error: Any) -> None:
    figures.gather(getattr(node, "workeroutput", {}))
