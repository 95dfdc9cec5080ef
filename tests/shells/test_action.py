"""The action end to end in-process, against the git-backed GitHub stand-in and gto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.standin import Fault
from harness.standin.gitrepo import commit, run_git, tag
from tests.helpers import TOKEN, RunAction, gto_json, head, race


def annotated_tags(repo: Path) -> dict[str, str]:
    """Tag name -> object type, as git sees them."""
    out = run_git(repo, "for-each-ref", "--format=%(refname:strip=2) %(objecttype)", "refs/tags")
    return dict(line.split(" ") for line in out.splitlines())


def gto_show(repo: Path, name: str) -> Any:
    return gto_json(repo, "show", name)


def test_registers_first_version_with_three_requests(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    result = run_action(model="churn")
    assert result.code == 0, result.stdout
    out = result.outputs
    sha = head(git_repo)
    assert (out["tag"], out["version"], out["commit"], out["created"]) == (
        "churn@v0.0.1",
        "v0.0.1",
        sha,
        "true",
    )
    assert (out["is-latest"], out["latest-version"], out["previous-version"]) == (
        "true",
        "v0.0.1",
        "",
    )
    assert (out["path"], out["type"], out["model-labels"]) == (
        "models/churn.pkl",
        "model",
        '["tabular", "churn"]',
    )
    assert out["tag-url"].endswith("/acme/models/releases/tag/churn@v0.0.1")
    assert annotated_tags(git_repo) == {"churn@v0.0.1": "tag"}
    assert out["tag-sha"] == run_git(git_repo, "rev-parse", "refs/tags/churn@v0.0.1").strip()
    body = run_git(git_repo, "cat-file", "-p", out["tag-sha"])
    assert (
        f"object {sha}" in body
        and "tagger octocat <583231+octocat@users.noreply.github.com>" in body
    )
    assert body.rstrip().endswith("Registering artifact churn version v0.0.1")
    assert [(r.method, r.graphql) for r in standin.requests] == [
        ("POST", True),
        ("POST", False),
        ("POST", False),
    ]
    assert standin.invalid_bodies == []
    # gto, the referee, reads it as the intended registration.
    assert gto_show(git_repo, "churn")[0]["version"] == "v0.0.1"
    assert "### Registered: `churn@v0.0.1`" in result.summary


def test_model_in_a_folder(run_action: RunAction, git_repo: Path) -> None:
    result = run_action(model="cv:pool-segmentation", version="v1.0.0", message="First model")
    assert result.code == 0, result.stdout
    assert result.outputs["tag"] == "cv=pool-segmentation@v1.0.0"
    assert result.outputs["path"] == "cv/models/seg.pt"
    assert (
        run_git(
            git_repo, "tag", "-l", "--format=%(contents)", "cv=pool-segmentation@v1.0.0"
        ).strip()
        == "First model"
    )
    assert gto_show(git_repo, "cv:pool-segmentation")[0]["version"] == "v1.0.0"


def test_rerun_is_a_success_with_one_request_and_no_write(
    run_action: RunAction, standin: Any
) -> None:
    first = run_action(model="churn", version="v1.0.0")
    standin.reset_log()
    again = run_action(model="churn", version="v1.0.0")
    assert again.code == 0 and again.outputs["created"] == "false"
    assert again.outputs["tag-sha"] == first.outputs["tag-sha"]
    assert len(standin.requests) == 1 and standin.writes == []
    standin.reset_log()
    bump = run_action(model="churn")  # a bump on a commit that already holds a version
    assert bump.code == 0 and (bump.outputs["version"], bump.outputs["created"]) == (
        "v1.0.0",
        "false",
    )
    assert len(standin.requests) == 1 and standin.writes == []


def test_dry_run_decides_everything_and_writes_nothing(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    result = run_action(model="churn", bump="minor", dry_run="true")
    assert result.code == 0
    assert (result.outputs["version"], result.outputs["created"], result.outputs["tag-sha"]) == (
        "v0.1.0",
        "false",
        "",
    )
    assert len(standin.requests) == 1 and standin.writes == []
    assert annotated_tags(git_repo) == {}
    assert "Dry run" in result.summary


def test_commit_input_resolves_branch_and_short_sha(run_action: RunAction, git_repo: Path) -> None:
    first = head(git_repo)
    second = commit(git_repo, {"train.log": "more\n"}, "Retrain")
    result = run_action(model="churn", commit=first[:7])
    assert result.code == 0 and result.outputs["commit"] == first
    result = run_action(model="churn", commit="main")
    assert result.code == 0 and result.outputs["commit"] == second
    assert result.outputs["version"] == "v0.0.2" and result.outputs["previous-version"] == "v0.0.1"


def test_version_taken_on_another_commit_is_refused_without_writing(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    old = head(git_repo)
    tag(git_repo, "churn@v1.0.0", old, "Registering artifact churn version v1.0.0")
    commit(git_repo, {"train.log": "more\n"}, "Retrain")
    result = run_action(model="churn", version="v1.0.0")
    assert result.code == 1
    [error] = result.errors()
    assert error.prop("title") == "Version already registered" and old in error.message
    assert result.outputs == {}
    assert len(standin.requests) == 1 and standin.writes == []
    assert "Nothing was created" in result.summary


def test_invalid_input_sends_no_request(run_action: RunAction, standin: Any) -> None:
    for inputs in (
        {"model": "churn", "version": "1.0.0"},
        {"model": "-x"},
        {"model": "churn", "force": "yes"},
    ):
        result = run_action(**inputs)
        assert result.code == 1 and len(result.errors()) == 1
        assert result.outputs == {}
    assert standin.requests == []


@pytest.mark.parametrize("value", ["TRUE", "True", "true"])
def test_booleans_in_any_case(run_action: RunAction, value: str) -> None:
    assert run_action(model="churn", dry_run=value).outputs["created"] == "false"


def test_model_missing_from_dvc_yaml(run_action: RunAction, standin: Any) -> None:
    result = run_action(model="fraud")
    assert result.code == 1
    [error] = result.errors()
    assert error.prop("file") == "dvc.yaml" and "churn" in error.message
    assert standin.writes == []
    assert run_action(model="fraud", require_annotation="false").code == 0


def test_read_only_token_is_told_to_add_contents_write(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    result = run_action(model="churn", token="test-read-token")
    assert result.code == 1
    [error] = result.errors()
    assert "contents: write" in error.message
    assert annotated_tags(git_repo) == {}


def test_bad_token(run_action: RunAction) -> None:
    result = run_action(model="churn", token="nope")
    assert result.code == 1 and "401" in result.errors()[0].message


def test_unknown_repository(run_action: RunAction) -> None:
    result = run_action(model="churn", repository="acme/other")
    assert result.code == 1 and result.errors()[0].prop("title") == "Repository not found"


def test_unknown_commit(run_action: RunAction, standin: Any) -> None:
    result = run_action(model="churn", commit="no-such-branch")
    assert result.code == 1 and result.errors()[0].prop("title") == "Commit not found"
    assert standin.writes == []


def test_token_is_masked_and_never_printed(run_action: RunAction) -> None:
    for inputs in (
        {"model": "churn"},
        {"model": "churn", "repository": "acme/other"},
        {"model": "x y"},
    ):
        result = run_action(env={"RUNNER_DEBUG": "1"}, **inputs)
        assert result.commands[0].command == "add-mask" and result.commands[0].message == TOKEN
        rest = [line for line in result.stdout.splitlines() if not line.startswith("::add-mask")]
        assert not any(TOKEN in line for line in rest) and TOKEN not in result.summary
        assert all(TOKEN not in value for value in result.outputs.values())


def test_forged_outputs_and_commands_in_a_message_stay_data(
    run_action: RunAction, git_repo: Path
) -> None:
    message = "line\nghadelimiter_x\nversion=v9.9.9\n::error::forged\nEOF\n%0A::warning::x"
    result = run_action(model="churn", message=message)
    assert result.code == 0
    assert result.outputs["version"] == "v0.0.1"
    assert [c.command for c in result.commands] == ["add-mask", "notice"]
    contents = run_git(git_repo, "tag", "-l", "--format=%(contents)", "churn@v0.0.1")
    assert contents.rstrip("\n") == message


# -- images: references, labels, annotations -------------------------------------------------

OCI = "org.opencontainers.image."


def test_images_give_what_build_push_action_takes(run_action: RunAction, git_repo: Path) -> None:
    images = "ghcr.io/Acme/{image-name}\nquay.io/acme/models-{image-name}"
    result = run_action(model="churn", version="v1.4.0", images=images)
    assert result.code == 0, result.stdout
    out = result.outputs
    assert out["tags"].split("\n") == [
        *(f"ghcr.io/acme/churn:{t}" for t in ("1.4.0", "1.4", "1", "latest")),
        *(f"quay.io/acme/models-churn:{t}" for t in ("1.4.0", "1.4", "1", "latest")),
    ]
    assert out["source-tags"] == "ghcr.io/acme/churn:1.4.0\nquay.io/acme/models-churn:1.4.0"
    date = run_git(git_repo, "tag", "-l", "--format=%(taggerdate:iso-strict)", "churn@v1.4.0")
    labels = dict(line.split("=", 1) for line in out["labels"].split("\n"))
    assert labels == {
        f"{OCI}title": "churn",
        f"{OCI}description": "Churn model",
        f"{OCI}version": "1.4.0",
        f"{OCI}revision": head(git_repo),
        f"{OCI}source": out["tag-url"].partition("/releases/")[0],  # the repository's page
        f"{OCI}url": out["tag-url"],
        f"{OCI}created": date.strip().replace("+00:00", "Z"),
    }
    assert out["annotations"].split("\n") == [
        f"manifest:{line}" for line in out["labels"].split("\n")
    ]
    whole = json.loads(out["json"])
    assert whole["tags"] == out["tags"].split("\n") and whole["docker-tags"] == out["docker-tags"]
    assert whole["model-labels"] == '["tabular", "churn"]'  # every other value stays text


def test_invalid_images_are_refused_before_any_request(run_action: RunAction, standin: Any) -> None:
    for inputs in (
        {"model": "churn", "images": "ghcr.io/acme/{image-name}:latest"},
        {"command": "assign", "model": "churn", "stage": "prod", "images": "{image-name}"},
        {"command": "parse", "ref": "refs/tags/churn@v1.0.0", "images": "ghcr.io/a b/c"},
        {"command": "parse", "ref": "refs/heads/main", "images": "ghcr.io/acme/{model}"},
    ):
        result = run_action(**inputs)
        assert result.code == 1 and result.outputs == {}
        [error] = result.errors()
        assert error.prop("title") == "Invalid input" and "the images input" in error.message
    assert standin.requests == []


def test_a_forged_description_stays_one_label(run_action: RunAction, git_repo: Path) -> None:
    forged = "Churn\nghadelimiter_x\nversion=v9.9.9\nEOF\n::error::forged"
    dvc = f"artifacts:\n  churn:\n    desc: {json.dumps(forged)}\n"
    commit(git_repo, {"dvc.yaml": dvc}, "A description of many lines")
    result = run_action(model="churn", images="ghcr.io/acme/{image-name}")
    assert result.code == 0 and result.outputs["version"] == "v0.0.1"
    assert [c.command for c in result.commands] == ["add-mask", "notice"]
    assert result.outputs["description"] == forged  # as dvc.yaml says, whole
    lines = result.outputs["labels"].split("\n")
    assert f"{OCI}description=Churn ghadelimiter_x version=v9.9.9 EOF ::error::forged" in lines
    keys = ["title", "description", "version", "revision", "source", "url", "created"]
    assert [line.partition("=")[0] for line in lines] == [OCI + key for key in keys]


def test_lost_answer_to_the_ref_post_still_makes_one_tag(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    standin.inject(
        Fault(method="POST", path=r"/git/refs$", status=502, apply_then_fail=True, times=1)
    )
    result = run_action(model="churn")
    assert result.code == 0 and result.outputs["created"] == "true"
    assert annotated_tags(git_repo) == {"churn@v0.0.1": "tag"}
    ref_posts = [r for r in standin.requests if r.method == "POST" and r.path.endswith("/git/refs")]
    assert len(ref_posts) == 1


def test_ghes_prefix(tmp_path: Path, git_repo: Path, run_action_factory: Any = None) -> None:
    from harness.standin import StandIn
    from registry_action.backends.github.backend import GitHubBackend
    from registry_action.core.repository import Tagger
    from registry_action.decide.request import Request
    from tests.helpers import register

    with StandIn(git_repo, prefix="/api/v3") as ghes:
        backend = GitHubBackend("acme/models", TOKEN, ghes.api_url, ghes.graphql_url)
        request = Request.from_inputs(model="churn", commit="main", tagger=Tagger("a", "a@b.c"))
        result = register(backend, request)
        assert result.created and all(r.raw_path.startswith("/api/") for r in ghes.requests)


def test_racing_runs_for_one_version_on_different_commits(standin: Any, git_repo: Path) -> None:
    from registry_action.backends.github.backend import GitHubBackend
    from registry_action.core.errors import RegistryError
    from registry_action.core.repository import Tagger
    from registry_action.decide.request import Request
    from tests.helpers import register

    commits = [commit(git_repo, {f"f{i}": str(i)}, f"c{i}") for i in range(6)]
    outcomes: list[str] = []

    def one(sha: str) -> None:
        backend = GitHubBackend("acme/models", TOKEN, standin.api_url, standin.graphql_url)
        request = Request.from_inputs(
            model="churn", version="v1.0.0", commit=sha, tagger=Tagger("a", "a@b.c")
        )
        try:
            outcomes.append("created" if register(backend, request).created else "rerun")
        except RegistryError as err:
            outcomes.append(err.title)

    race(one, commits)
    assert outcomes.count("created") == 1
    assert set(outcomes) - {"created"} <= {"Version already registered"}
    assert annotated_tags(git_repo) == {"churn@v1.0.0": "tag"}


def test_racing_auto_bumps_end_with_distinct_versions(standin: Any, git_repo: Path) -> None:
    from registry_action.backends.github.backend import GitHubBackend
    from registry_action.core.errors import RegistryError
    from registry_action.core.repository import Tagger
    from registry_action.decide.request import Request
    from tests.helpers import register

    commits = [commit(git_repo, {f"f{i}": str(i)}, f"c{i}") for i in range(4)]
    versions: list[str] = []

    def one(sha: str) -> None:
        backend = GitHubBackend("acme/models", TOKEN, standin.api_url, standin.graphql_url)
        request = Request.from_inputs(model="churn", commit=sha, tagger=Tagger("a", "a@b.c"))
        try:
            versions.append(register(backend, request).outputs["version"])
        except RegistryError as err:
            versions.append(err.title)

    race(one, commits)
    created = [v for v in versions if v.startswith("v")]
    assert len(created) == len(set(created))
    tags = annotated_tags(git_repo)
    assert sorted(tags) == sorted(f"churn@{v}" for v in created)


def test_entrypoint_as_its_own_process(run_action: RunAction, standin: Any, git_repo: Path) -> None:
    result = run_action(process=True, model="churn", dry_run="false")
    assert result.code == 0, result.stdout
    assert result.outputs["tag"] == "churn@v0.0.1" and result.outputs["created"] == "true"
    refused = run_action(process=True, model="churn", version="v0.0.1", commit="no-such-branch")
    assert refused.code == 1 and refused.errors()[0].prop("title") == "Commit not found"


def bulk_tags(repo: Path, names: list[str], sha: str) -> None:
    """Many annotated tags in one `git fast-import` run."""
    stream = "".join(
        f"tag {name}\nfrom {sha}\ntagger T <t@e.st> 1700000000 +0000\ndata 1\nm\n" for name in names
    )
    run_git(repo, "fast-import", "--quiet", input=stream)


def test_cost_does_not_grow_with_unrelated_tags_and_pages_past_100_versions(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    base = head(git_repo)
    bulk_tags(
        git_repo,
        [f"other-{i}@v1.0.{i}" for i in range(500)] + [f"rel-{i}" for i in range(500)],
        base,
    )
    assert run_action(model="churn").code == 0
    assert len(standin.requests) == 3  # 1 read + 2 writes, 1,000 unrelated tags or not
    commit(git_repo, {"x": "1"}, "next")
    bulk_tags(git_repo, [f"churn@v0.1.{i}" for i in range(150)], base)
    standin.reset_log()
    result = run_action(model="churn")
    assert (
        result.outputs["version"] == "v0.1.150" and result.outputs["previous-version"] == "v0.1.149"
    )
    assert [r.graphql for r in standin.requests] == [True, True, False, False]  # 2 pages, 2 writes
