"""Tag names GitHub refuses (refs longer than 255 bytes) are refused before any write
(issue 19, finding 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from registry_action.core.errors import InvalidInput
from registry_action.core.grammar import MAX_REF_BYTES, check_ref_length
from registry_action.core.repository import BOT
from registry_action.decide.request import Request

# `refs/tags/churn@v1.0.0-` is 23 bytes, and a deregistration adds `!`.
LONGEST = MAX_REF_BYTES - len("refs/tags/churn@v1.0.0-!")


def request(command: str = "register", **inputs: str) -> Request:
    return Request.from_inputs(command, model="churn", commit="HEAD", tagger=BOT, **inputs)


def test_a_version_is_refused_when_its_tags_would_pass_255_bytes() -> None:
    request(version=f"v1.0.0-{'a' * LONGEST}")  # its deregistration tag is 255 bytes
    with pytest.raises(InvalidInput, match=r"would be 256 bytes .* longer than 255 bytes"):
        request(version=f"v1.0.0-{'a' * (LONGEST + 1)}")
    with pytest.raises(InvalidInput, match="would be 324 bytes"):
        request("deregister", version=f"v1.0.0-{'a' * 300}")


def test_bytes_not_characters_are_counted() -> None:
    check_ref_length("x" * (MAX_REF_BYTES - len("refs/tags/")))
    with pytest.raises(InvalidInput):
        check_ref_length("é" * 123)  # 246 bytes, 123 characters


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
