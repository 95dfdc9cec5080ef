"""Tag names GitHub refuses (refs longer than 255 bytes) are refused before any write
(issue 19, finding 7)."""

from __future__ import annotations

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


def test_a_model_name_too_long_for_any_version_tag_is_refused_before_any_read() -> None:
    # `refs/tags/NAME@v0.0.0` is the shortest tag a model's first version can have.
    fits = "m" * (MAX_REF_BYTES - len("refs/tags/@v0.0.0"))
    Request.from_inputs("register", model=fits, commit="HEAD", tagger=BOT)
    for command, stage in (("register", ""), ("assign", "prod"), ("deprecate", "")):
        with pytest.raises(InvalidInput, match="would be 256 bytes"):
            Request.from_inputs(command, model=fits + "m", commit="HEAD", tagger=BOT, stage=stage)
