"""assign, unassign, deregister and deprecate through the action, against the GitHub stand-in.

Every run is counted (one GraphQL read, two REST writes a tag), its outputs are compared
with what `command: parse` says about the tag it wrote, and gto reads the repository.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dulwich.porcelain.tag as dulwich_tag
import gto.api
import pytest

from harness.standin.gitrepo import commit, run_git, tag, tag_targets
from registry_action.backends.github import http as github_http
from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.errors import RegistryError
from registry_action.core.repository import Tagger
from registry_action.decide.request import Request
from tests.helpers import TOKEN, Run, RunAction, head, race, register

ACTOR = ("octocat", "583231+octocat@users.noreply.github.com")


def kinds(standin: Any) -> list[str]:
    """The requests of a run: `read` (GraphQL), or the REST endpoint (`git/tags`, `git/refs`)."""
    return ["read" if r.graphql else "/".join(r.path.split("/")[-2:]) for r in standin.requests]


ONE_TAG = ["read", "git/tags", "git/refs"]


@pytest.fixture(autouse=True)
def clocks(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Tagger dates an hour ahead, 10 s a tag, for the action's tags and for gto's (through
    dulwich, in-process) alike: GTO orders events by the second, and so does this project
    for events of different kinds."""
    start = int(time.time()) + 3600
    ours, theirs = [start], [start]

    def ticker(now: list[int]) -> Callable[[], int]:
        def tick() -> int:
            now[0] += 10
            return now[0]

        return tick

    tick = ticker(ours)

    clock = SimpleNamespace(time=lambda: float(tick()), sleep=time.sleep, monotonic=time.monotonic)
    monkeypatch.setattr(github_http, "time", clock)
    monkeypatch.setattr(dulwich_tag, "time", SimpleNamespace(time=ticker(theirs)))
    return tick  # the action's clock, for tags a test makes between its runs


def step(run_action: RunAction, standin: Any, **with_: str) -> Run:
    standin.reset_log()
    result = run_action(**with_)
    assert result.code == 0, result.stdout
    assert standin.invalid_bodies == []
    return result


def same_as_parse(run_action: RunAction, result: Run) -> None:
    """`parse` of the written tag gives the same outputs (but `created`)."""
    parsed = run_action(command="parse", ref=f"refs/tags/{result.outputs['tag']}")
    assert parsed.code == 0, parsed.stdout
    mine = {k: v for k, v in result.outputs.items() if k not in ("created", "json")}
    theirs = {k: v for k, v in parsed.outputs.items() if k not in ("created", "json")}
    assert mine == theirs


# --- one read, two writes, and the outputs parse gives -----------------------------------


def test_the_lifecycle_costs_one_read_and_two_writes_a_tag(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    a = head(git_repo)
    assert run_action(model="churn", version="v1.0.0").code == 0
    b = commit(git_repo, {"x": "1"}, "retrain")
    assert run_action(model="churn", version="v1.1.0").code == 0

    assigned = step(
        run_action, standin, command="assign", model="churn", version="v1.0.0", stage="prod"
    )
    # v1.0.0 is on another commit than the workflow's: its dvc.yaml is read there too.
    assert kinds(standin) == ["read", *ONE_TAG]
    out = assigned.outputs
    assert (out["event"], out["tag"], out["version"], out["stage"], out["commit"]) == (
        "assignment",
        "churn#prod#1",
        "v1.0.0",
        "prod",
        a,
    )
    assert (out["created"], out["is-latest"], out["latest-version"]) == ("true", "false", "v1.1.0")
    assert out["tag-sha"] == run_git(git_repo, "rev-parse", "refs/tags/churn#prod#1")
    assert out["docker-tags"] == "1.0.0\n1.0"  # v1.1.0 holds `1` and `latest`
    assert (out["path"], out["model-labels"]) == ("models/churn.pkl", '["tabular", "churn"]')
    assert (
        "### Assigned: `churn#prod#1`" in assigned.summary
        and "| Stage | `prod` |" in assigned.summary
    )
    same_as_parse(run_action, assigned)
    notice = assigned.commands[-1]
    assert (notice.command, notice.message) == (
        "notice",
        f"Assigned stage prod to churn v1.0.0: created churn#prod#1 on {a}.",
    )
    body = run_git(git_repo, "cat-file", "-p", out["tag-sha"])
    assert f"tagger {ACTOR[0]} <{ACTOR[1]}>" in body
    assert body.rstrip().endswith("Assigning stage prod to artifact churn version v1.0.0")

    unassigned = step(
        run_action, standin, command="unassign", model="churn", commit=a, stage="prod"
    )
    assert kinds(standin) == ONE_TAG
    assert (unassigned.outputs["tag"], unassigned.outputs["event"]) == (
        "churn#prod!#2",
        "unassignment",
    )
    assert unassigned.outputs["docker-tags"] == ""
    same_as_parse(run_action, unassigned)

    deregistered = step(run_action, standin, command="deregister", model="churn", version="v1.1.0")
    assert kinds(standin) == ONE_TAG
    out = deregistered.outputs
    assert (out["tag"], out["commit"], out["is-latest"], out["latest-version"]) == (
        "churn@v1.1.0!",
        b,
        "false",
        "v1.0.0",
    )
    same_as_parse(run_action, deregistered)

    deprecated = step(run_action, standin, command="deprecate", model="churn")
    assert kinds(standin) == ONE_TAG
    out = deprecated.outputs
    assert (out["tag"], out["event"], out["version"], out["commit"]) == (
        "churn@deprecated",
        "deprecation",
        "",
        b,  # the commit of the model's newest event, as gto picks it
    )
    same_as_parse(run_action, deprecated)

    # gto, the referee, reads all of it.
    history = gto.api.history(str(git_repo), "churn")
    assert [(e["event"], e["ref"]) for e in history] == [
        ("deprecation", "churn@deprecated"),
        ("deregistration", "churn@v1.1.0!"),
        ("unassignment", "churn#prod!#2"),
        ("assignment", "churn#prod#1"),
        ("registration", "churn@v1.1.0"),
        ("registration", "churn@v1.0.0"),
    ]
    assert not gto.api.show(str(git_repo), deprecated=True)["churn"]["active"]


def test_assigning_an_unregistered_commit_registers_it_first_with_four_writes(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    a = head(git_repo)
    assert run_action(model="churn", version="v1.0.0").code == 0
    b = commit(git_repo, {"x": "1"}, "retrain")
    result = step(
        run_action, standin, command="assign", model="churn", stage="staging", bump="minor"
    )
    assert kinds(standin) == ["read", "git/tags", "git/refs", "git/tags", "git/refs"]
    out = result.outputs
    assert (out["tag"], out["version"], out["commit"], out["created"], out["is-latest"]) == (
        "churn#staging#1",
        "v1.1.0",
        b,
        "true",
        "true",
    )
    assert "First registered churn@v1.1.0" in result.commands[-1].message
    assert tag_targets(git_repo) == {"churn@v1.0.0": a, "churn@v1.1.0": b, "churn#staging#1": b}
    same_as_parse(run_action, result)
    # A re-run: one read, nothing written, the same outputs (created=false).
    again = step(run_action, standin, command="assign", model="churn", stage="staging")
    assert kinds(standin) == ["read"]
    assert again.outputs["created"] == "false"
    assert {k: v for k, v in again.outputs.items() if k not in ("created", "json")} == {
        k: v for k, v in out.items() if k not in ("created", "json")
    }
    assert "### Already assigned: `churn#staging#1`" in again.summary


def test_skip_registration_assigns_the_bare_commit(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    result = step(
        run_action, standin, command="assign", model="churn", stage="dev", skip_registration="true"
    )
    assert kinds(standin) == ONE_TAG
    assert (result.outputs["tag"], result.outputs["version"]) == ("churn#dev#1", "")
    assert tag_targets(git_repo) == {"churn#dev#1": head(git_repo)}
    assert f"Assigned stage dev to churn at {head(git_repo)[:12]}" in result.commands[-1].message
    same_as_parse(run_action, result)


def test_reruns_are_one_read_and_no_write(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    assert run_action(model="churn", version="v1.0.0").code == 0
    for with_ in (
        {"command": "assign", "stage": "prod"},
        {"command": "unassign", "stage": "prod"},
        {"command": "deregister"},
        {"command": "deprecate"},
    ):
        first = step(run_action, standin, model="churn", **with_)
        assert first.outputs["created"] == "true"
        again = step(run_action, standin, model="churn", **with_)
        assert kinds(standin) == ["read"]
        assert (again.outputs["created"], again.outputs["tag"], again.outputs["tag-sha"]) == (
            "false",
            first.outputs["tag"],
            first.outputs["tag-sha"],
        )
        assert again.commands[-1].message.endswith(f"({first.outputs['tag']}); nothing to do.")
    assert again.commands[-1].message.startswith("churn is already deprecated")
    assert sorted(tag_targets(git_repo)) == [
        "churn#prod!#2",
        "churn#prod#1",
        "churn@deprecated",
        "churn@v1.0.0",
        "churn@v1.0.0!",
    ]


def test_force_writes_again(run_action: RunAction, standin: Any) -> None:
    assert run_action(model="churn", version="v1.0.0").code == 0
    step(run_action, standin, command="assign", model="churn", stage="prod")
    forced = step(run_action, standin, command="assign", model="churn", stage="prod", force="true")
    assert kinds(standin) == ONE_TAG and forced.outputs["tag"] == "churn#prod#2"
    step(run_action, standin, command="deprecate", model="churn")
    forced = step(run_action, standin, command="deprecate", model="churn", force="true")
    assert forced.outputs["tag"] == "churn@deprecated#3"
    same_as_parse(run_action, forced)


def test_deregistering_a_version_studio_registered_again(
    run_action: RunAction, standin: Any, git_repo: Path, clocks: Callable[[], int]
) -> None:
    sha = head(git_repo)
    tag(git_repo, "churn@v1.0.0", sha, "Registering artifact churn version v1.0.0")
    assert run_action(command="deregister", model="churn", version="v1.0.0").code == 0
    run_git(
        git_repo, "tag", "-a", "churn@v1.0.0#7", "-m", "Registering artifact churn version v1.0.0",
        sha, env={"GIT_COMMITTER_DATE": f"{clocks()} +0000"},
    )  # fmt: skip
    again = step(run_action, standin, command="deregister", model="churn", version="v1.0.0")
    assert (again.outputs["tag"], again.outputs["created"]) == ("churn@v1.0.0!#8", "true")
    same_as_parse(run_action, again)
    assert not gto.api.show(str(git_repo), "churn", deprecated=True)[0]["is_active"]


def test_dry_run_writes_nothing_and_says_what_it_would(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    result = step(
        run_action, standin, command="assign", model="churn", stage="prod", dry_run="true"
    )
    assert kinds(standin) == ["read"] and tag_targets(git_repo) == {}
    out = result.outputs
    assert (out["tag"], out["version"], out["created"], out["tag-sha"]) == (
        "churn#prod#1",
        "v0.0.1",
        "false",
        "",
    )
    assert "would create churn#prod#1" in result.commands[-1].message
    assert "would register churn@v0.0.1" in result.commands[-1].message


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("with_", "text"),
    [
        ({"command": "assign"}, "assign needs a stage"),
        ({"command": "unassign", "stage": "pr od"}, "Stage 'pr od' is not valid"),
        ({"command": "assign", "stage": "prod", "version": "1.0.0"}, "Did you mean 'v1.0.0'"),
        ({"command": "assign", "stage": "qa", "stages": "dev,\nprod"}, "allowed stages: dev, prod"),
        ({"command": "deprecate", "version": "v1.0.0"}, "takes no version"),
        ({"command": "deregister", "stage": "prod"}, "deregister takes no stage"),
        ({"command": "assign", "stage": "prod", "skip_registration": "maybe"}, "not a boolean"),
    ],
)
def test_invalid_input_sends_no_request(
    run_action: RunAction, standin: Any, with_: dict[str, str], text: str
) -> None:
    result = run_action(model="churn", **with_)
    assert result.code == 1 and text in result.errors()[0].message
    assert standin.requests == [] and result.outputs == {}


@pytest.mark.parametrize(
    ("with_", "title", "text"),
    [
        (
            {"command": "assign", "stage": "prod", "version": "v9.0.0"},
            "Version not found",
            "churn v9.0.0 is not registered",
        ),
        (
            {"command": "unassign", "stage": "prod", "version": "v1.0.0"},
            "Stage not assigned",
            "Stage 'prod' was never assigned to churn v1.0.0",
        ),
        ({"command": "deregister", "version": "v2.0.0"}, "Version not found", "not registered"),
        (
            {"command": "deprecate", "model": "cv:pool-segmentation"},
            "Model not found",
            "no registry tags",
        ),
        ({"command": "assign", "stage": "prod", "commit": "nope"}, "Commit not found", "'nope'"),
    ],
)
def test_refusals_cost_one_read_and_write_nothing(
    run_action: RunAction, standin: Any, with_: dict[str, str], title: str, text: str
) -> None:
    assert run_action(model="churn", version="v1.0.0").code == 0
    standin.reset_log()
    result = run_action(**{"model": "churn", **with_})
    assert result.code == 1, result.stdout
    [error] = result.errors()
    assert error.prop("title") == title and text in error.message
    assert kinds(standin) == ["read"] and result.outputs == {}
    assert f"### {title}" in result.summary and "Nothing was created." in result.summary


def test_gto_config_at_the_commit_limits_stages(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    commit(git_repo, {".gto": "stages: [dev, staging, prod]\n"}, "Allowed stages")
    refused = run_action(command="assign", model="churn", stage="canary")
    assert refused.code == 1
    [error] = refused.errors()
    assert "add the stage to .gto at" in error.message and "dev, staging, prod" in error.message
    assert error.prop("file") == ".gto"
    assert len(standin.requests) == 1 and standin.writes == []
    # The input overrides the file.
    allowed = run_action(command="assign", model="churn", stage="canary", stages="canary")
    assert allowed.code == 0 and allowed.outputs["tag"] == "churn#canary#1"
    # An unreadable .gto is a clear error, not a crash.
    commit(git_repo, {".gto": "stages: [dev\n"}, "Broken")
    broken = run_action(command="assign", model="churn", stage="dev")
    assert broken.code == 1 and ".gto is not valid YAML" in broken.errors()[0].message


def test_stage_tags_page_on_their_own(run_action: RunAction, standin: Any, git_repo: Path) -> None:
    sha = head(git_repo)
    tag(git_repo, "churn@v1.0.0", sha, "Registering artifact churn version v1.0.0")
    for n in range(1, 131):
        run_git(git_repo, "tag", f"churn#s{n}#{n}", sha)  # lightweight: cheap, and counted
    result = step(run_action, standin, command="assign", model="churn", stage="prod")
    assert kinds(standin) == ["read", "read", "git/tags", "git/refs"]
    assert result.outputs["tag"] == "churn#prod#131"
    second = standin.requests[1].body["variables"]
    assert (second["first"], second["stages"]) == (False, False) and second["after"]


def test_register_reads_no_stage_tags(run_action: RunAction, standin: Any) -> None:
    standin.reset_log()
    assert run_action(model="churn").code == 0
    variables = standin.requests[0].body["variables"]
    assert set(variables) == {
        "owner", "name", "commit", "annotation", "refPrefix", "query", "after", "first",
    }  # fmt: skip
    assert "config" not in (standin.requests[0].response or {}).get("data", {}).get(
        "repository", {}
    )


# --- races -------------------------------------------------------------------------------


def test_racing_assignments_of_one_stage_take_distinct_counters(
    standin: Any, git_repo: Path
) -> None:
    commits = [commit(git_repo, {f"f{i}": str(i)}, f"c{i}") for i in range(4)]
    for n, sha in enumerate(commits):
        tag(git_repo, f"churn@v1.{n}.0", sha, f"Registering artifact churn version v1.{n}.0")
    outcomes: list[str] = []

    def one(sha: str) -> None:
        backend = GitHubBackend("acme/models", TOKEN, standin.api_url, standin.graphql_url)
        request = Request.from_inputs(
            "assign", model="churn", stage="prod", commit=sha, tagger=Tagger("a", "a@b.c")
        )
        try:
            outcomes.append(register(backend, request).outputs["tag"])
        except RegistryError as err:
            outcomes.append(err.title)

    race(one, commits)
    # Each loser of a counter re-read and took the next one.
    assert sorted(outcomes) == [f"churn#prod#{n}" for n in range(1, 5)], outcomes
    assert {tag_targets(git_repo)[t] for t in outcomes} == set(commits)


# --- the action against gto on a copy of the same repository ------------------------------


def test_the_action_writes_what_gto_writes(
    run_action: RunAction, standin: Any, git_repo: Path, tmp_path: Path
) -> None:
    """The action on one repository, gto on a copy: the same tags, the same history."""
    a = head(git_repo)
    tag(git_repo, "churn@v1.0.0", a, "Registering artifact churn version v1.0.0")
    b = commit(git_repo, {"x": "1"}, "retrain")
    twin = tmp_path / "twin"
    shutil.copytree(git_repo, twin)
    steps: list[tuple[dict[str, str], str, dict[str, Any]]] = [
        ({"command": "assign", "stage": "prod"}, "assign", {"stage": "prod", "ref": b}),
        (
            {"command": "assign", "stage": "dev", "version": "v1.0.0"},
            "assign",
            {"stage": "dev", "version": "v1.0.0"},
        ),
        (
            {"command": "unassign", "stage": "dev", "version": "v1.0.0"},
            "unassign",
            {"stage": "dev", "version": "v1.0.0"},
        ),
        ({"command": "assign", "stage": "dev", "commit": a}, "assign", {"stage": "dev", "ref": a}),
        ({"command": "deregister", "commit": a}, "deregister", {"ref": a}),
        ({"command": "deprecate"}, "deprecate", {}),
        ({"command": "deprecate", "force": "true"}, "deprecate", {"force": True}),
    ]
    for with_, command, kw in steps:
        assert run_action(model="churn", **with_).code == 0
        author = {"author": ACTOR[0], "author_email": ACTOR[1]}
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("GIT_COMMITTER_DATE", "0 +0000")  # pygit2 declines; dulwich tags
            getattr(gto.api, command)(str(twin), "churn", **kw, **author)
        assert tag_targets(git_repo) == tag_targets(twin)
    assert tag_targets(git_repo) == {
        "churn@v1.0.0": a,
        "churn@v1.0.1": b,
        "churn#prod#1": b,
        "churn#dev#2": a,
        "churn#dev!#3": a,
        "churn#dev#4": a,
        "churn@v1.0.0!": a,
        "churn@deprecated": a,
        "churn@deprecated#5": a,
    }

    # Equal to the second, tagger included; but gto's assign does not hand its author to
    # the registration it makes first, which takes the clone's git identity.
    def history(repo: Path) -> list[dict[str, Any]]:
        events = [dict(e) for e in gto.api.history(str(repo))]
        for e in events:
            if e["ref"] == "churn@v1.0.1":
                del e["author"], e["author_email"]
        return events

    assert history(git_repo) == history(twin)
    assert gto.api.show(str(git_repo), deprecated=True) == gto.api.show(str(twin), deprecated=True)
