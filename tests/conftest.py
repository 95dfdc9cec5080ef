"""Shared fixtures: the GitHub stand-in, and running the action in-process like the runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from registry_action.backends.base import Backend
from registry_action.commands.write import Outcome, run
from registry_action.decide.request import Request
from registry_action.shells import action
from tests.container.runner import (
    WorkflowCommand,
    parse_file_command,
    parse_workflow_commands,
    step_env,
)

pytest_plugins = ["tests.standin.pytest_plugin", "tests.github_http"]

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-06-01T12:00:00Z"  # the shell's clock, for runs the tests call directly
TOKEN = "test-write-token"
GTO = str(Path(sys.executable).with_name("gto"))  # the referee, from this environment


def register(backend: Backend, request: Request, *, dry_run: bool = False) -> Outcome:
    """Run one write command as a shell would, at `NOW`."""
    return run(backend, request, now=NOW, dry_run=dry_run)


def gto_json(repo: Path, *args: str) -> Any:
    """Run `gto ARGS --json` in `repo` and parse its answer."""
    done = subprocess.run(
        [GTO, *args, "--json"], cwd=repo, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@dataclass
class Run:
    """One step's result as the runner would see it."""

    code: int
    stdout: str
    outputs: dict[str, str]
    summary: str
    commands: list[WorkflowCommand] = field(default_factory=list)

    def errors(self) -> list[WorkflowCommand]:
        return [c for c in self.commands if c.command == "error"]


@pytest.fixture
def run_action(
    standin: Any,
    git_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., Run]:
    """Run the action in-process with the inputs and environment the runner would give it."""
    counter = iter(range(1000))

    def run(
        env: dict[str, str] | None = None,
        process: bool = False,
        github: dict[str, str] | None = None,
        **with_: str,
    ) -> Run:
        """Inputs as keyword arguments (`dry_run` for `dry-run`); `process` runs entrypoint.py."""
        n = next(counter)
        head = subprocess.run(
            ["git", "-C", str(git_repo), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        output, summary = tmp_path / f"set_output_{n}", tmp_path / f"step_summary_{n}"
        output.write_text("")
        summary.write_text("")
        for key in [k for k in os.environ if k.startswith(("INPUT_", "GITHUB_", "RUNNER_"))]:
            monkeypatch.delenv(key)
        values = step_env(standin, head, output, summary, with_, github)
        values |= env or {}
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        if process:
            done = subprocess.run(
                [sys.executable, str(ROOT / "entrypoint.py")],
                env=dict(os.environ),
                capture_output=True,
                text=True,
                cwd=tmp_path,
            )
            code, stdout = done.returncode, done.stdout + done.stderr
        else:
            capsys.readouterr()
            code = action.run_step(os.environ)
            out = capsys.readouterr()
            stdout = out.out + out.err
        return Run(
            code,
            stdout,
            parse_file_command(output.read_bytes()),
            summary.read_text(),
            parse_workflow_commands(stdout),
        )

    return run


@pytest.fixture
def lab(
    standin: Any,
    git_repo: Path,
    run_action: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """The reliability suites' runner (tests/reliability/harness.py) over these fixtures."""
    from tests.reliability.harness import lab_from_fixtures

    return lab_from_fixtures(standin, git_repo, run_action, monkeypatch)


def race(one: Callable[[str], None], args: list[str]) -> None:
    """Run `one(arg)` for every arg in threads started together; wait for all."""
    threads = [threading.Thread(target=one, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
