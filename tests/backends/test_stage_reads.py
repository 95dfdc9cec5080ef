"""Reading stage tags and `.gto`: through the GitHub query's one tag connection, and local git."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import responses

from registry_action.backends.git import GitBackend
from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.grammar import ModelName
from tests.backends.github_http import (
    COMMIT,
    GRAPHQL,
    MODEL,
    PREFIX,
    THEIRS,
    graphql_answer,
    registered,
    sent,
)

STAGES = "cv=pool-segmentation#"


def staged(name: str, commit: str = COMMIT) -> dict[str, Any]:
    target = {
        "__typename": "Tag",
        "oid": THEIRS,
        "message": name,
        "tagger": {"date": "2024-05-01T12:00:00Z"},
        "target": {"__typename": "Commit", "oid": commit},
    }
    return {"name": name, "target": target}


def answer(
    versions: list[Any],
    stages: list[dict[str, Any]],
    *,
    cursor: str | None = None,
    first: bool = True,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A page of the one tag connection: version and stage tags alike match its query."""
    body = graphql_answer(versions, cursor=cursor, first=first)
    repository = body["data"]["repository"]
    repository["refs"]["nodes"] += stages
    if first:
        repository["config"] = config
    return body


def test_a_stage_read_asks_for_the_tags_and_gto_config_in_one_request(
    http: responses.RequestsMock, backend: GitHubBackend
) -> None:
    config = {"text": "stages: [dev, prod]\n", "isBinary": False, "isTruncated": False}
    stages = [staged(f"{STAGES}prod#1"), staged(f"{STAGES}dev!#2"), staged("x=cv=pool#prod#3")]
    http.post(GRAPHQL, json=answer([registered("v0.0.1")], stages, config=config))
    snapshot = backend.read(MODEL, "main", stages=True)

    [call] = http.calls
    variables = sent(call)["variables"]
    assert variables == {
        "owner": "acme",
        "name": "models",
        "commit": "main",
        "annotation": "main:cv/dvc.yaml",
        "named": True,  # `main` names a branch: its ref proves the commit reachable
        "branch": "refs/heads/main",
        "tag": "refs/tags/main",
        "refPrefix": "refs/tags/",
        "query": "cv",  # one query finds the version and the stage tags alike
        "after": None,
        "first": True,
        "stages": True,
        "config": "main:.gto",
    }
    names = [t.name for t in snapshot.tags]  # the other model's tag is filtered out
    assert names == [f"{PREFIX}v0.0.1", f"{STAGES}prod#1", f"{STAGES}dev!#2"]
    assert snapshot.config == "stages: [dev, prod]\n"


def test_the_tags_page_on_and_later_pages_ask_for_the_tags_alone(
    http: responses.RequestsMock, backend: GitHubBackend
) -> None:
    versions = [registered(f"v0.0.{i}") for i in range(103)]
    stages = [staged(f"{STAGES}s{i}#{i}") for i in range(1, 104)]
    http.post(GRAPHQL, json=answer(versions[:100], [], cursor="c100"))
    http.post(GRAPHQL, json=answer(versions[100:], stages[:97], cursor="c200", first=False))
    http.post(GRAPHQL, json=answer([], stages[97:], first=False))
    snapshot = backend.read(MODEL, COMMIT, stages=True)
    second, third = (sent(c)["variables"] for c in http.calls[1:])
    assert (second["first"], second["stages"], second["after"]) == (False, False, "c100")
    assert third["after"] == "c200"
    assert len(snapshot.tags) == 206
    assert snapshot.config is None  # no .gto at the commit


@pytest.mark.standin
def test_git_backend_reads_stage_tags_with_slashes_and_gto_config(tmp_path: Path) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(tmp_path), *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    git("config", "user.name", "T")
    git("config", "user.email", "t@example.com")
    (tmp_path / ".gto").write_text("stages: [dev]\n")
    git("add", ".gto")
    git("commit", "-q", "-m", "init")
    for name in (
        "churn@v1.0.0",
        "churn#prod#1",
        "churn#team/prod#2",
        "churn#a/b/c!#3",
        "churnx#p#4",
    ):
        git("tag", "-a", name, "-m", name)
    model = ModelName.parse("churn")
    backend = GitBackend(tmp_path)
    with_stages = backend.read(model, "HEAD", stages=True)
    assert sorted(t.name for t in with_stages.tags) == [
        "churn#a/b/c!#3",
        "churn#prod#1",
        "churn#team/prod#2",
        "churn@v1.0.0",
    ]
    assert with_stages.config == "stages: [dev]\n"
    plain = backend.read(model, "HEAD")
    assert [t.name for t in plain.tags] == ["churn@v1.0.0"] and plain.config is None
