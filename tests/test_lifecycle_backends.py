"""Reading stage tags and `.gto`: the GitHub query's second tag connection, and local git."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import responses

from registry_action.backends.git import GitBackend
from registry_action.backends.github import GitHubBackend
from registry_action.grammar import ModelName
from tests.github_http import (
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
    versions: list[Any] | None,
    stages: list[dict[str, Any]] | None,
    *,
    version_cursor: str | None = None,
    stage_cursor: str | None = None,
    first: bool = True,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The answer with a `refs` page (None: not asked) and a `stageRefs` page (likewise)."""
    body = graphql_answer(versions or [], cursor=version_cursor, first=first)
    repository = body["data"]["repository"]
    if versions is None:
        del repository["refs"]
    if stages is not None:
        info = {"hasNextPage": stage_cursor is not None, "endCursor": stage_cursor}
        repository["stageRefs"] = {"pageInfo": info, "nodes": stages}
    if first:
        repository["config"] = config
    return body


def test_a_stage_read_asks_for_both_connections_and_gto_config(
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
        "prefix": PREFIX,
        "after": None,
        "first": True,
        "stages": True,
        "stagePrefix": STAGES,
        "stageAfter": None,
        "config": "main:.gto",
    }
    assert "stageRefs: refs(" in sent(call)["query"]
    names = [t.name for t in snapshot.tags]
    assert names == [f"{PREFIX}v0.0.1", f"{STAGES}prod#1", f"{STAGES}dev!#2"]
    assert snapshot.config == "stages: [dev, prod]\n"


def test_each_connection_pages_on_its_own(
    http: responses.RequestsMock, backend: GitHubBackend
) -> None:
    versions = [registered(f"v0.0.{i}") for i in range(103)]
    stages = [staged(f"{STAGES}s{i}#{i}") for i in range(1, 104)]
    http.post(
        GRAPHQL,
        json=answer(versions[:100], stages[:100], version_cursor="v100", stage_cursor="s100"),
    )
    http.post(GRAPHQL, json=answer(versions[100:], stages[100:], first=False))
    snapshot = backend.read(MODEL, COMMIT, stages=True)
    second = sent(http.calls[1])["variables"]
    assert (second["first"], second["after"], second["stageAfter"]) == (False, "v100", "s100")
    assert (second["versions"], second["stages"]) == (True, True)
    assert len(snapshot.tags) == 206


def test_versions_page_on_when_the_stages_are_done(
    http: responses.RequestsMock, backend: GitHubBackend
) -> None:
    versions = [registered(f"v0.0.{i}") for i in range(150)]
    http.post(GRAPHQL, json=answer(versions[:100], [staged(f"{STAGES}p#1")], version_cursor="v"))
    http.post(GRAPHQL, json=answer(versions[100:], None, first=False))
    snapshot = backend.read(MODEL, COMMIT, stages=True)
    second = sent(http.calls[1])["variables"]
    assert (second["versions"], second["stages"], second["after"]) == (True, False, "v")
    assert len(snapshot.tags) == 151
    assert snapshot.config is None  # no .gto at the commit


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
