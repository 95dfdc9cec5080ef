"""Faults, timeouts and races against the GitHub stand-in.

Every registration under transient faults ends with exactly one correct tag; persistent
faults end, within the wait budget, in one clear error and no visible tag; racing runs never
make two tags for one version. The scenarios live in `harness/reliability/scenarios.py` and
also make the figures: `.venv/bin/python -m harness.reliability.report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from harness.reliability.lab import Lab
from harness.reliability.scenarios import (
    FAMILIES,
    FAULT_CASES,
    RACE_CASES,
    Outcome,
    RaceCase,
    fault_family,
    race_scenario,
)


def params(cases: Iterable[Any]) -> list[Any]:
    """One test per case; a case that shows a known bug is a strict xfail naming the fix."""
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [],
        )
        for case in cases
    ]


@pytest.mark.parametrize("family", [f for f in FAMILIES if any(c.family == f for c in FAULT_CASES)])
def test_faults(lab: Lab, family: str, figures: list[Outcome]) -> None:
    """Every case of a family in one repository, each registering its own model."""
    outcomes = fault_family(lab, [c for c in FAULT_CASES if c.family == family])
    figures.extend(outcomes)
    failed = [str(o) for o in outcomes if not o.ok]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("case", params(RACE_CASES))
def test_race(lab: Lab, case: RaceCase, figures: list[Outcome]) -> None:
    outcome = race_scenario(lab, case)
    figures.append(outcome)
    assert outcome.ok, outcome
