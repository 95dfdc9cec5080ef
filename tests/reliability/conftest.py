"""The reliability lane: each test hands its outcomes to `figures` (tests/reliability/figures.py
writes them as the report's table; tests/conftest.py calls it at the session's end)."""

from __future__ import annotations

import pytest

from harness.reliability.scenarios import Outcome
from tests.reliability.figures import OUTCOMES


@pytest.fixture
def figures() -> list[Outcome]:
    """Where a test puts the outcomes of the scenarios it ran."""
    return OUTCOMES
