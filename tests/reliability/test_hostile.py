"""Hostile input: inputs, tag messages and dvc.yaml contents that try to break the registry,
forge workflow commands or outputs, exhaust time or memory, or leak the token.

Refusals come before any request, with exit 1 and exactly one ::error; what is accepted
round-trips through gto's tag parser; outputs parse exactly as the runner parses them and
stdout holds only the commands the action emits. The scenarios live in
`harness/reliability/scenarios.py` and also make the figures
(`python -m harness.reliability.report`).
"""

from __future__ import annotations

import pytest

from harness.reliability.lab import Lab
from harness.reliability.scenarios import (
    DVC_CASES,
    DvcCase,
    Outcome,
    boolean_inputs,
    dvc_yaml_scenario,
    forged_annotations,
    forged_inputs,
    forged_messages,
    hostile_inputs,
    nul_inputs,
    token_scenario,
)

SIZE = 8 * 1024  # the scalable dvc.yaml cases; the report runs them larger


def test_register_inputs_are_refused_before_any_request_or_round_trip_through_gto(
    lab: Lab,
    figures: list[Outcome],
) -> None:
    outcome = hostile_inputs(lab, examples=60)
    figures.append(outcome)
    assert outcome.ok, outcome


def test_booleans_accept_true_and_false_in_any_case_and_refuse_anything_else(
    lab: Lab, figures: list[Outcome]
) -> None:
    outcome = boolean_inputs(lab, examples=30)
    figures.append(outcome)
    assert outcome.ok, outcome


def test_tag_messages_that_forge_commands_or_outputs_are_stored_exactly(
    lab: Lab, figures: list[Outcome]
) -> None:
    outcome = forged_messages(lab)
    figures.append(outcome)
    assert outcome.ok, outcome


def test_inputs_that_forge_commands_or_outputs_stay_data(lab: Lab, figures: list[Outcome]) -> None:
    outcome = forged_inputs(lab)
    figures.append(outcome)
    assert outcome.ok, outcome


def test_dvc_yaml_fields_that_forge_outputs_become_exactly_those_outputs(
    lab: Lab, figures: list[Outcome]
) -> None:
    outcome = forged_annotations(lab)
    figures.append(outcome)
    assert outcome.ok, outcome


def test_nul_in_any_input_is_refused_before_any_request(lab: Lab, figures: list[Outcome]) -> None:
    outcome = nul_inputs(lab)
    figures.append(outcome)
    assert outcome.ok, outcome


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [],
        )
        for case in DVC_CASES
    ],
)
def test_hostile_dvc_yaml_is_a_clear_error_in_bounded_time_and_memory(
    lab: Lab, figures: list[Outcome], case: DvcCase
) -> None:
    outcome = dvc_yaml_scenario(lab, case, SIZE)
    figures.append(outcome)
    assert outcome.ok, outcome


def test_the_token_is_never_printed_nor_in_outputs_summary_requests_or_errors(
    lab: Lab, figures: list[Outcome]
) -> None:
    outcome = token_scenario(lab)
    figures.append(outcome)
    assert outcome.ok, outcome
