"""The reliability lane: each test hands its outcomes to `figures`; with RELIABILITY_FIGURES set
(`make ci-test`), the session writes them as the report's Markdown table, so CI prints the
figures of this run instead of running every scenario a second time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.reliability.report import figures as render
from harness.reliability.scenarios import Outcome

OUTCOMES: list[Outcome] = []


@pytest.fixture
def figures() -> list[Outcome]:
    """Where a test puts the outcomes of the scenarios it ran."""
    return OUTCOMES


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = os.environ.get("RELIABILITY_FIGURES")
    if path and OUTCOMES:
        Path(path).write_text(render(OUTCOMES) + f"\n{len(OUTCOMES)} scenarios, run by pytest.\n")
