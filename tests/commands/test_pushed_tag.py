"""`parse` through the GitHub backend against canned answers: one request, the right variables."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses

from registry_action.backends.github.backend import GitHubBackend
from registry_action.commands.pushed_tag import describe
from registry_action.core.errors import CommitNotFound
from registry_action.core.grammar import Event, ref_tag
from registry_action.core.outputs import outputs
from tests.backends.github_http import COMMIT, GRAPHQL, OTHER, THEIRS, graphql_answer, registered

TAG_NODE: dict[str, Any] = {
    "__typename": "Tag",
    "oid": THEIRS,
    "target": {"__typename": "Commit", "oid": COMMIT},
}


def read(http: responses.RequestsMock, backend: GitHubBackend, ref: str, **answer: Any) -> Any:
    http.post(GRAPHQL, json=graphql_answer(answer.pop("rows", []), **answer))
    tag = ref_tag(ref)
    assert tag is not None
    facts = describe(backend, tag)
    [call] = http.calls
    return facts, json.loads(call.request.body)["variables"]


def test_registration_tag_is_one_request_peeling_the_tag(http, backend):
    rows = [registered("v1.0.0"), registered("v2.0.0", OTHER)]
    facts, variables = read(
        http, backend, "refs/tags/cv=pool-segmentation@v1.0.0", rows=rows, commit=TAG_NODE
    )
    assert variables["commit"] == "refs/tags/cv=pool-segmentation@v1.0.0"
    assert variables["annotation"] == "refs/tags/cv=pool-segmentation@v1.0.0:cv/dvc.yaml"
    assert variables["query"] == "cv"
    out = outputs(facts)
    assert (out["event"], out["version"], out["commit"], out["tag-sha"]) == (
        "registration",
        "v1.0.0",
        COMMIT,
        THEIRS,
    )
    assert (out["is-latest"], out["latest-version"], out["path"]) == (
        "false",
        "v2.0.0",
        "cv/models/seg.pt",
    )
    assert out["docker-tags"] == "1.0.0\n1.0\n1"


def test_studio_assignment_reads_the_version_at_its_commit(http, backend):
    rows = [registered("v1.0.0#2"), registered("v0.9.0", OTHER)]
    facts, _ = read(http, backend, "cv=pool-segmentation#prod#3", rows=rows, commit=TAG_NODE)
    assert (facts.event, facts.stage, facts.version.text) == (Event.ASSIGNMENT, "prod", "v1.0.0")


def test_lightweight_tag_is_not_a_registration(http, backend):
    facts, _ = read(http, backend, "refs/tags/cv=pool-segmentation@v1.0.0")
    assert facts is None


def test_missing_tag_is_a_clear_error(http, backend):
    with pytest.raises(CommitNotFound, match="was not found"):
        read(http, backend, "refs/tags/cv=pool-segmentation@v1.0.0", commit=None)


@pytest.mark.parametrize("ref", ["refs/heads/main", "refs/tags/v1", "refs/pull/1/merge", "x"])
def test_foreign_refs_need_no_request(ref):
    assert ref_tag(ref) is None
