"""The action run in-process with the inputs and environment the runner would give it, and a
write command run as a shell would at a fixed clock.

``step_runner`` is what the ``run_action`` fixture (``tests/conftest.py``) and a reliability
Lab (``harness/reliability/lab.py``) both call, so the two run the action identically.
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest

from registry_action.backends.base import Backend
from registry_action.commands.write import Outcome, run
from registry_action.decide.request import Request
from registry_action.shells import action

from .runner import WorkflowCommand, parse_file_command, parse_workflow_commands, step_env
from .standin import WRITE_TOKEN

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-06-01T12:00:00Z"  # the shell's clock, for runs the tests call directly
TOKEN = WRITE_TOKEN  # the token a step is given


def register(backend: Backend, request: Request, *, dry_run: bool = False) -> Outcome:
    """Run one write command as a shell would, at `NOW`."""
    return run(backend, request, now=NOW, dry_run=dry_run)


def error_text(err: BaseException) -> str:
    """Everything a user or a log could see of an error: message, hint and traceback."""
    return str(err) + "".join(traceback.format_exception(err))


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


class Captured(Protocol):
    """What the step's stdout and stderr are read from (pytest's `capsys`, or the like)."""

    def readouterr(self) -> Any: ...


def _in_process(capture: Captured) -> tuple[int, str]:
    capture.readouterr()
    code = action.run_step(os.environ)
    out = capture.readouterr()
    return code, out.out + out.err


def _as_a_process(cwd: Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py")],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        cwd=cwd,
    )
    return done.returncode, done.stdout + done.stderr


def _set_step_env(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    """The step's environment alone: no INPUT_*, GITHUB_* or RUNNER_* of an earlier step."""
    for key in [k for k in os.environ if k.startswith(("INPUT_", "GITHUB_", "RUNNER_"))]:
        monkeypatch.delenv(key)
    for key, value in values.items():
        monkeypatch.setenv(key, value)


def step_runner(
    standin: Any,
    git_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capture: Captured,
) -> Callable[..., Run]:
    """A function that runs the action as one step of a job on `git_repo`'s HEAD, served by
    `standin`: `run(env=None, process=False, github=None, **inputs)`.

    Inputs as keyword arguments (`dry_run` for `dry-run`); `process` runs entrypoint.py;
    `github` overrides the context (e.g. `ref` for a tag push)."""
    counter = iter(range(1000))

    def run_step(
        env: dict[str, str] | None = None,
        process: bool = False,
        github: dict[str, str] | None = None,
        **with_: str,
    ) -> Run:
        n = next(counter)
        head = subprocess.run(
            ["git", "-C", str(git_repo), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        output, summary = tmp_path / f"set_output_{n}", tmp_path / f"step_summary_{n}"
        output.write_text("")
        summary.write_text("")
        values = step_env(standin, head, output, summary, with_, github) | (env or {})
        _set_step_env(monkeypatch, values)
        code, stdout = _as_a_process(tmp_path) if process else _in_process(capture)
        return Run(
            code,
            stdout,
            parse_file_command(output.read_bytes()),
            summary.read_text(),
            parse_workflow_commands(stdout),
        )

    return run_step
