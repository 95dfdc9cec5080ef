"""A tag GitHub refuses (a ref longer than 255 bytes) sends no write request (issue 19,
finding 7): refused from the inputs alone, or once the read names the tag."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def kinds(standin: Any) -> list[str]:
    return ["read" if r.graphql else "/".join(r.path.split("/")[-2:]) for r in standin.requests]


@pytest.mark.parametrize(
    "inputs",
    [
        {"version": f"v1.0.0-{'a' * 300}"},  # refused from the inputs alone
        {"command": "assign", "stage": "s" * 240},  # `churn#sss...#1`: known once read
    ],
)
def test_a_tag_github_would_refuse_sends_no_write(
    run_action: Any, standin: Any, git_repo: Path, inputs: dict[str, str]
) -> None:
    if "stage" in inputs:
        assert run_action(model="churn", version="v1.0.0").code == 0
    standin.reset_log()
    result = run_action(model="churn", **inputs)
    assert result.code == 1, result.stdout
    assert "GitHub refuses refs longer than 255 bytes" in result.errors()[0].message
    assert all(kind == "read" for kind in kinds(standin))
    assert result.outputs == {}
