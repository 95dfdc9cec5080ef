"""`command: parse` for deploy jobs started by tag pushes, and dispatching a deploy workflow."""

from __future__ import annotations

import json
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from harness.standin import Fault
from harness.standin.gitrepo import commit, run_git, tag
from tests.helpers import GTO, Run, RunAction

SHARED = (
    "name", "tag", "version", "commit", "tag-sha", "path", "type", "model-labels", "image-name",
    "labels",
)  # fmt: skip


def gto(repo: Path, *args: str) -> None:
    subprocess.run([GTO, *args], cwd=repo, check=True, capture_output=True)


def parsed(run_action: RunAction, standin: Any, ref: str) -> Run:
    standin.reset_log()
    result = run_action(command="parse", ref=ref)
    assert result.code == 0, result.stdout
    assert len(standin.requests) <= 1 and standin.writes == []
    return result


def test_parse_gives_what_register_gave(run_action: RunAction, standin: Any) -> None:
    registered = run_action(model="churn", version="v1.2.0")
    result = parsed(run_action, standin, "refs/tags/churn@v1.2.0")
    assert len(standin.requests) == 1
    out = result.outputs
    assert out["event"] == "registration"
    assert {k: out[k] for k in SHARED} == {k: registered.outputs[k] for k in SHARED}
    assert (out["is-latest"], out["latest-version"], out["created"]) == ("true", "v1.2.0", "false")
    assert out["docker-tags"].split("\n") == ["1.2.0", "1.2", "1", "latest"]
    assert json.loads(out["json"])["event"] == "registration"


def test_previous_version_is_one_rule_for_register_and_parse(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    """A patch below the latest: previous-version is the greatest active version lower than
    it (where its changelog starts), whichever command made or read the tag."""
    for version in ("v1.0.0", "v1.1.0"):
        commit(git_repo, {"train.log": version}, f"train {version}")
        assert run_action(model="churn", version=version).code == 0
    commit(git_repo, {"train.log": "fix"}, "hotfix on the 1.0 line")
    registered = run_action(model="churn", version="v1.0.1")
    read = parsed(run_action, standin, "refs/tags/churn@v1.0.1")
    for out in (registered.outputs, read.outputs):
        assert (out["previous-version"], out["latest-version"], out["is-latest"]) == (
            "v1.0.0",
            "v1.1.0",
            "false",
        )
    mine, theirs = json.loads(registered.outputs["json"]), json.loads(read.outputs["json"])
    # A registration's own: its content against the versions before it (`parse` reads none).
    own = ("changed", "annotation-changed")
    assert [mine.pop(k) for k in own] == ["true", "true"] and [theirs.pop(k) for k in own] == [
        "",
        "",
    ]
    assert mine == theirs | {"created": "true"}


def test_commit_is_peeled_through_the_api_not_taken_from_the_checkout(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    first = run_git(git_repo, "rev-parse", "HEAD").strip()
    tag(git_repo, "churn@v0.1.0", first, "Registering artifact churn version v0.1.0")
    other = commit(git_repo, {"x": "1"}, "later")
    result = run_action(command="parse", ref="refs/tags/churn@v0.1.0", env={"GITHUB_SHA": other})
    assert result.outputs["commit"] == first
    assert result.outputs["tag-sha"] == run_git(git_repo, "rev-parse", "churn@v0.1.0").strip()


def test_studio_spelling_and_an_older_line(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    head = run_git(git_repo, "rev-parse", "HEAD").strip()
    tag(git_repo, "churn@v2.0.0#4", head, "Registering artifact churn version v2.0.0")
    second = commit(git_repo, {"x": "1"}, "fix")
    tag(git_repo, "churn@v1.3.1#5", second, "Registering artifact churn version v1.3.1")
    out = parsed(run_action, standin, "churn@v1.3.1#5").outputs
    assert (out["event"], out["version"], out["commit"]) == ("registration", "v1.3.1", second)
    assert (out["is-latest"], out["latest-version"]) == ("false", "v2.0.0")
    assert out["docker-tags"].split("\n") == ["1.3.1", "1.3", "1"]  # `latest` stays on v2.0.0


def test_gto_assignment_deregistration_and_deprecation(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    head = run_git(git_repo, "rev-parse", "HEAD").strip()
    assert run_action(model="churn", version="v1.0.0").code == 0
    gto(git_repo, "assign", "churn", "--version", "v1.0.0", "--stage", "prod")
    assign = next(t for t in run_git(git_repo, "tag").split() if t.startswith("churn#prod"))
    out = parsed(run_action, standin, f"refs/tags/{assign}").outputs
    assert (out["event"], out["stage"], out["version"], out["commit"]) == (
        "assignment",
        "prod",
        "v1.0.0",
        head,
    )
    assert out["docker-tags"] == "1.0.0\n1.0\n1\nlatest"

    gto(git_repo, "deprecate", "churn", "v1.0.0", "prod")  # unassign the stage
    unassign = next(t for t in run_git(git_repo, "tag").split() if t.startswith("churn#prod!"))
    out = parsed(run_action, standin, unassign).outputs
    assert (out["event"], out["stage"], out["version"]) == ("unassignment", "prod", "v1.0.0")
    assert out["docker-tags"] == ""

    gto(git_repo, "deprecate", "churn", "v1.0.0")  # deregister the version
    out = parsed(run_action, standin, "churn@v1.0.0!").outputs
    assert (out["event"], out["version"], out["is-latest"], out["latest-version"]) == (
        "deregistration",
        "v1.0.0",
        "false",
        "",
    )

    gto(git_repo, "deprecate", "churn")  # deprecate the model
    out = parsed(run_action, standin, "refs/tags/churn@deprecated").outputs
    assert (out["event"], out["version"], out["name"]) == ("deprecation", "", "churn")


IMAGES = "ghcr.io/Acme/{image-name}"
IMAGE_OUTPUTS = ("tags", "source-tags", "labels", "annotations")


def test_a_stage_assignment_retags_the_tested_image(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    built = run_action(model="churn", version="v1.2.0", images=IMAGES).outputs
    result = run_action(
        command="assign", model="churn", version="v1.2.0", stage="prod", images=IMAGES
    )
    assert result.code == 0, result.stdout
    out = result.outputs
    assert (out["tags"], out["source-tags"]) == ("ghcr.io/acme/churn:prod", built["source-tags"])
    assert built["source-tags"] == "ghcr.io/acme/churn:1.2.0"  # pushed by the build
    assert built["source-tags"] in built["tags"].split("\n")
    # The deploy job started by the tag push reads the same from the tag.
    read = run_action(command="parse", ref=f"refs/tags/{out['tag']}", images=IMAGES)
    assert {k: read.outputs[k] for k in IMAGE_OUTPUTS} == {k: out[k] for k in IMAGE_OUTPUTS}
    assert json.loads(read.outputs["json"])["source-tags"] == ["ghcr.io/acme/churn:1.2.0"]

    for command, stage in (("unassign", "prod"), ("deregister", "")):
        taken = run_action(
            command=command, model="churn", version="v1.2.0", stage=stage, images=IMAGES
        )
        assert taken.code == 0, taken.stdout
        assert (taken.outputs["tags"], taken.outputs["source-tags"]) == ("", "")
        assert "org.opencontainers.image.title=churn" in taken.outputs["labels"]
    gto(git_repo, "deprecate", "churn")
    gone = run_action(command="parse", ref="refs/tags/churn@deprecated", images=IMAGES)
    assert (gone.outputs["event"], gone.outputs["tags"], gone.outputs["source-tags"]) == (
        "deprecation",
        "",
        "",
    )


@pytest.mark.parametrize(
    "ref", ["refs/heads/main", "refs/tags/v1.0.0", "refs/pull/7/merge", "release-3"]
)
def test_foreign_refs_are_no_error(run_action: RunAction, standin: Any, ref: str) -> None:
    result = parsed(run_action, standin, ref)
    assert standin.requests == []
    assert result.outputs["event"] == "" and result.outputs["model-labels"] == "[]"
    assert [c.command for c in result.commands] == ["add-mask", "notice"]
    assert "not a registry tag" in result.commands[1].message


def test_lightweight_registry_tag_is_ignored_like_gto(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    tag(git_repo, "churn@v9.0.0", run_git(git_repo, "rev-parse", "HEAD").strip(), annotated=False)
    result = parsed(run_action, standin, "refs/tags/churn@v9.0.0")
    assert result.outputs["event"] == "" and "lightweight" in result.commands[-1].message


def test_deleted_tag_is_a_clear_error(run_action: RunAction, standin: Any) -> None:
    result = run_action(command="parse", ref="refs/tags/churn@v3.0.0")
    [error] = result.errors()
    assert result.code == 1 and "churn@v3.0.0 was not found" in error.message
    assert error.prop("title") == "Tag not found"  # the tag is missing, not a commit


def test_parse_defaults_to_the_workflow_ref(run_action: RunAction, standin: Any) -> None:
    run_action(model="churn")
    result = run_action(command="parse", github={"ref": "refs/tags/churn@v0.0.1"})
    assert result.outputs["tag"] == "churn@v0.0.1"


def test_unknown_command(run_action: RunAction, standin: Any) -> None:
    result = run_action(command="promote", model="churn")
    assert result.code == 1 and "register, parse" in result.errors()[0].message
    assert standin.requests == []


# -- dispatch --------------------------------------------------------------------------------


DEPLOY = """\
on:
  workflow_dispatch:
    inputs:
      model: {required: true, type: string}
      version: {required: true, type: string}
      tag: {required: true, type: string}
      commit: {required: true, type: string}
jobs: {}
"""


def with_deploy(git_repo: Path, text: str = DEPLOY, name: str = "deploy.yml") -> None:
    commit(git_repo, {f".github/workflows/{name}": text}, f"Add {name}")


def test_new_registration_dispatches_the_deploy_workflow(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    with_deploy(git_repo)
    result = run_action(model="cv:pool-segmentation", dispatch_workflow="deploy.yml")
    assert result.code == 0, result.stdout
    [sent] = standin.dispatches
    assert (sent.workflow, sent.ref) == ("deploy.yml", "main")
    assert sent.inputs == {
        "model": "cv:pool-segmentation",
        "version": "v0.0.1",
        "tag": "cv=pool-segmentation@v0.0.1",
        "commit": result.outputs["commit"],
    }
    assert len(standin.requests) == 4 and standin.invalid_bodies == []
    again = run_action(model="cv:pool-segmentation", dispatch_workflow="deploy.yml")
    assert again.outputs["created"] == "false" and len(standin.dispatches) == 1


def test_dispatch_ref_and_failure(run_action: RunAction, standin: Any, git_repo: Path) -> None:
    with_deploy(git_repo)
    run_git(git_repo, "branch", "release")
    numeric = str(zlib.crc32(b"deploy.yml") & 0x7FFFFFFF)  # the stand-in's id for deploy.yml
    assert run_action(model="churn", dispatch_workflow=numeric, dispatch_ref="release").code == 0
    assert standin.dispatches[-1].ref == "release"
    commit(git_repo, {"y": "2"}, "next")
    standin.inject(Fault(method="POST", path=r"/dispatches$", status=403, times=1))
    failed = run_action(model="churn", dispatch_workflow="deploy.yml")
    assert failed.code == 1 and "was created" in failed.errors()[0].message
    assert failed.outputs["created"] == "true"  # the registration stands; its outputs too


def test_dispatch_workflow_input_is_checked_before_any_request(
    run_action: RunAction, standin: Any
) -> None:
    result = run_action(model="churn", dispatch_workflow="../x")
    assert result.code == 1 and standin.requests == []
