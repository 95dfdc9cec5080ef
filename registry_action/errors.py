"""Errors that carry the message a user sees.

Every refusal is one of these: `title` is the annotation title, `str(err)` says what
is wrong and what to do. Anything else escaping the core is a bug.
"""

from __future__ import annotations

import re

# One source of wording, two spellings: a message or hint names what to change as `{key}`,
# and each shell spells it in its own words (the action's inputs and a workflow's remedies,
# or the command line's flags).
SPELLINGS: dict[str, dict[str, str]] = {
    "action": {
        "force": "set force: true",
        "no_annotation": "set require-annotation: false",
        "stage_example": "set stage, e.g. stage: prod",
        "stages": "the stages input",
        "tagger": "tagger-name and tagger-email",
        "commit_example": "${{ github.sha }}, main or v1.0.0",
        "serialize": "Serialize registry changes of one model with a `concurrency:` group, "
        "then re-run the job.",
        "later": "re-run the job later",
        "token": "the default ${{ github.token }}, or a GitHub App token",
        "repository": "the repository input (owner/name)",
        "images": "the images input",
    },
    "cli": {
        "force": "pass --force",
        "no_annotation": "pass --no-require-annotation",
        "stage_example": "pass --stage, e.g. --stage prod",
        "stages": "--stages",
        "tagger": "the clone's user.name and user.email (git config)",
        "commit_example": "HEAD~1, main or v1.0.0",
        "serialize": "Run it again once the other writers are done.",
        "later": "try again later",
        "token": "a valid GITHUB_TOKEN (e.g. from `gh auth token`)",
        "repository": "--github OWNER/REPO",
        "images": "--images",
    },
}
_KEY = re.compile(r"\{(\w+)\}")


def spell(text: str, shell: str = "action") -> str:
    """`text` with each `{key}` of SPELLINGS in `shell`'s words (other braces untouched)."""
    words = SPELLINGS[shell]
    return _KEY.sub(lambda m: words.get(m[1], m[0]), text)


class RegistryError(Exception):
    """Base class: a refusal with a user-facing message and a hint."""

    title = "Registration refused"

    def __init__(self, message: str, hint: str = "", *, file: str = "", line: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = file  # repository path the error is about, for the annotation
        self.line = line

    def render(self, shell: str = "action") -> str:
        """What is wrong and what to do, in `shell`'s words."""
        return spell(f"{self.message} {self.hint}".strip(), shell)

    def __str__(self) -> str:
        return self.render()


class InvalidInput(RegistryError):
    title = "Invalid input"


class InvalidName(InvalidInput):
    title = "Invalid model name"


class InvalidVersion(InvalidInput):
    title = "Invalid version"


class InvalidStage(InvalidInput):
    title = "Invalid stage"


class StageError(RegistryError):
    """A stage the allow-list (input `stages` or `.gto`) refuses."""

    title = "Stage not allowed"


class ConfigError(StageError):
    """GTO's `.gto` at the commit cannot be read, so the allowed stages are unknown."""

    title = "Invalid .gto"


class StageNotAssigned(RegistryError):
    title = "Stage not assigned"


class VersionNotFound(RegistryError):
    title = "Version not found"


class ModelNotFound(RegistryError):
    title = "Model not found"


class SeveralVersions(RegistryError):
    """A commit holds more than one version: GTO cannot read a stage tag on it."""

    title = "Several versions on one commit"


class CommitNotFound(RegistryError):
    title = "Commit not found"


class CommitNotReachable(RegistryError):
    """A commit no branch or tag of the repository holds, e.g. one only a fork has."""

    title = "Commit not in the repository"


class VersionAlreadyRegistered(RegistryError):
    title = "Version already registered"


class VersionExistsForCommit(RegistryError):
    title = "Commit already has a version"


class AnnotationError(RegistryError):
    title = "Model annotation"


class RaceLost(RegistryError):
    title = "Tag created concurrently"


class BackendError(RegistryError):
    """The repository (GitHub or git) refused or failed."""

    title = "Repository error"


class AuthError(BackendError):
    title = "Authentication failed"


class PermissionDenied(BackendError):
    title = "Permission denied"


class RepositoryNotFound(BackendError):
    title = "Repository not found"


class TagExists(BackendError):
    """The tag name is taken; raised by a backend's create, settled by the registry."""

    title = "Tag already exists"

    def __init__(self, tag: str) -> None:
        super().__init__(f"Tag {tag} already exists.")
        self.tag = tag
