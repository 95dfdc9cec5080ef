"""Each shell's words for the `{keys}` of the core's hints: the action names its inputs and a
workflow's remedies, the command line its flags."""

from __future__ import annotations

from registry_action.core.errors import fill

ACTION = {
    "force": "set force: true",
    "no_annotation": "set require-annotation: false",
    "stage_example": "set stage, e.g. stage: prod",
    "stages": "the stages input",
    "tagger": "tagger-name and tagger-email",
    "commit_example": "${{ github.sha }}, main or v1.0.0",
    "commit_input": "the commit input",
    "serialize": "Serialize registry changes of one model with a `concurrency:` group, "
    "then re-run the job.",
    "later": "re-run the job later",
    "token": "the default ${{ github.token }}, or a GitHub App token",
    "repository": "the repository input (owner/name)",
    "images": "the images input",
    "ref": "the ref input",
    "remote_url": "the remote-url input",
    "policy_override": "set policy-override: REASON (recorded in the tag)",
    "policy_override_example": "policy-override: hotfix for incident 42",
    "verify_policy": "set verify-policy: false",
    "pulls_permission": "Give the job `permissions: pull-requests: read` (beside contents: write).",
}
CLI = {
    "force": "pass --force",
    "no_annotation": "pass --no-require-annotation",
    "stage_example": "pass --stage, e.g. --stage prod",
    "stages": "--stages",
    "tagger": "the clone's user.name and user.email (git config)",
    "commit_example": "HEAD~1, main or v1.0.0",
    "commit_input": "--commit",
    "serialize": "Run it again once the other writers are done.",
    "later": "try again later",
    "token": "a valid GITHUB_TOKEN (e.g. from `gh auth token`)",
    "repository": "--github OWNER/REPO",
    "images": "--images",
    "ref": "the tag name",
    "remote_url": "--remote-url",
    "policy_override": "pass --policy-override REASON (recorded in the tag)",
    "policy_override_example": "--policy-override 'hotfix for incident 42'",
    "verify_policy": "pass --no-verify-policy",
    "pulls_permission": "Use a token that may read its pull requests (a fine-grained token "
    "with Pull requests: read), or give --version or --bump instead of --bump labels.",
}
SPELLINGS: dict[str, dict[str, str]] = {"action": ACTION, "cli": CLI}


def spell(template: str, shell: str) -> str:
    """`template`'s keys in `shell`'s words."""
    return fill(template, SPELLINGS[shell])
