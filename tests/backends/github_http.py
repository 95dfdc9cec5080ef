"""Canned GitHub answers for the backend's HTTP-layer tests (`responses`), shared by them.

PyGithub always writes the port into the URL, so the mocks carry `:443`. Registered as a
pytest plugin in tests/conftest.py, so the fixtures `sleeps`, `backend` and `http` are everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses

from harness.inprocess import TOKEN
from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.grammar import ModelName
from registry_action.core.repository import Tagger

NOW = 1000.0
GHES_API = "https://ghe.example.test/api/v3"
GHES_GRAPHQL = "https://ghe.example.test/api/graphql"
HOST = "https://ghe.example.test:443"
GRAPHQL = f"{HOST}/api/graphql"
REPO = f"{HOST}/api/v3/repos/acme/models"
DOTCOM = "https://api.example.test"

MODEL = ModelName.parse("cv:pool-segmentation")
PREFIX = "cv=pool-segmentation@"
TAG = "cv=pool-segmentation@v0.0.1"
COMMIT = "1" * 40
OTHER = "2" * 40
OURS = "3" * 40  # the tag object create_tag makes
THEIRS = "4" * 40  # a tag object someone else made
TAGGER = Tagger("Model Bot", "bot@example.test")
DVC_YAML = "artifacts:\n  pool-segmentation:\n    path: models/seg.pt\n    type: model\n"
COMMIT_NODE: dict[str, Any] = {"__typename": "Commit", "oid": COMMIT}
BLOB: dict[str, Any] = {"text": DVC_YAML, "isBinary": False, "isTruncated": False}

Row = tuple[str, str, str, str, str]  # (name, "annotated" | "lightweight", tag sha, commit, date)


# -- helpers ----------------------------------------------------------------------------


def graphql_answer(
    rows: list[Row],
    *,
    commit: dict[str, Any] | None = COMMIT_NODE,
    annotation: dict[str, Any] | None = BLOB,
    cursor: str | None = None,
    first: bool = True,
) -> dict[str, Any]:
    """GitHub's answer to the backend's query; `cursor` set means another page follows."""
    nodes = []
    for name, kind, sha, target, date in rows:
        if kind == "lightweight":
            nodes.append({"name": name, "target": {"__typename": "Commit", "oid": target}})
        else:
            obj = {
                "__typename": "Tag",
                "oid": sha,
                "message": f"Registering {name}",
                "tagger": {"date": date},
                "target": {"__typename": "Commit", "oid": target},
            }
            nodes.append({"name": name, "target": obj})
    refs = {"pageInfo": {"hasNextPage": cursor is not None, "endCursor": cursor}, "nodes": nodes}
    repository: dict[str, Any] = {"url": "https://ghe.example.test/acme/models", "refs": refs}
    if first:
        # The default branch holds the commit: no further reachability read.
        default = {"name": "main", "compare": {"status": "BEHIND"}}
        repository |= {"commit": commit, "annotation": annotation, "defaultBranchRef": default}
    return {"data": {"repository": repository}}


def registered(version: str, commit: str = COMMIT, sha: str = THEIRS) -> Row:
    return (f"{PREFIX}{version}", "annotated", sha, commit, "2024-05-01T12:00:00Z")


def sent(call: Any) -> Any:
    return json.loads(call.request.body)


def posts(http: responses.RequestsMock, url: str) -> list[Any]:
    return [c for c in http.calls if c.request.method == "POST" and c.request.url == url]


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def backend(sleeps: list[float]) -> GitHubBackend:
    return GitHubBackend(
        "acme/models", TOKEN, GHES_API, GHES_GRAPHQL, sleep=sleeps.append, clock=lambda: NOW
    )


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock
        # The backend retries connection errors, so an unmatched request could pass for an
        # expected failure: refuse any.
        stray = [
            c.request.url
            for c in mock.calls
            if isinstance(c.response, requests.ConnectionError)
            and "doesn't match any registered mock" in str(c.response)
        ]
        assert not stray, f"unmatched requests: {stray}"
