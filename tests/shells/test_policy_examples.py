"""The examples hold to the promotion policy: promote.yml assigns under it with an App
token, the deploy examples check the `policy` output."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((EXAMPLES / name).read_text())  # type: ignore[no-any-return]


def test_promote_assigns_under_the_policy_with_an_app_token() -> None:
    workflow = load("promote.yml")
    assert "workflow_dispatch" in workflow[True]  # `on:` is YAML 1.1's true
    steps = workflow["jobs"]["promote"]["steps"]
    assert steps[0]["uses"].startswith("actions/create-github-app-token@")
    assign = steps[1]["with"]
    assert assign["command"] == "assign"
    assert assign["policy-override"] == "${{ inputs.override }}"
    assert assign["token"] == "${{ steps.app-token.outputs.token }}"
    assert "force" not in assign


def test_the_deploy_examples_check_policy() -> None:
    for name in ("deploy-on-tag.yml", "deploy-dispatched.yml", "redeploy-stage.yml"):
        assert "outputs.policy" in (EXAMPLES / name).read_text(), name
    production = load("deploy-on-tag.yml")["jobs"]["production"]
    assert "needs.parse.outputs.policy != 'violated'" in production["if"]


def test_the_deploy_examples_use_the_environment_governance_sets_up() -> None:
    """docs/governance.md creates one environment for production deploys, its reviewers and
    tag policy; a copied example that names another would run ungated."""
    governance = (EXAMPLES.parent / "docs" / "governance.md").read_text()
    (named,) = set(re.findall(r"New environment `([^`]+)`", governance))
    assert load("deploy-on-tag.yml")["jobs"]["production"]["environment"] == named
    assert load("promote-on-stage.yml")["jobs"]["promote"]["environment"] == named
    # redeploy-stage.yml deploys to the environment named as the stage, prod by default.
    assert f"|| '{named}'" in load("redeploy-stage.yml")["jobs"]["redeploy"]["environment"]
