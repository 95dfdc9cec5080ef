"""Errors that carry the message a user sees.

Every refusal is one of these: `title` is the annotation title, `render(words)` says what
is wrong and what to do in a shell's words. Anything else escaping the core is a bug.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Self

# A hint names what to change as `{key}`; each shell spells the keys in its own words
# (shells/spellings.py: the action's inputs, or the command line's flags). Values from the
# user go in `values`, never into the template text, so they are put in after the template
# is worded and are never read as keys.
_KEY = re.compile(r"\{(\w+)\}")


def fill(template: str, words: Mapping[str, str]) -> str:
    """`template` with each `{key}` that `words` names replaced, in one pass (what is put in
    is never scanned again; other braces stay as they are)."""
    return _KEY.sub(lambda m: words.get(m[1], m[0]), template)


class RegistryError(Exception):
    """Base class: a refusal with a user-facing message and a hint."""

    title = "Registration refused"

    def __init__(
        self,
        message: str,
        hint: str = "",
        *,
        file: str = "",
        line: int | None = None,
        values: Mapping[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message  # plain text: never worded by a shell
        self.hint = hint  # a template: `{key}`s for the shell's words and for `values`
        self.values = dict(values or {})
        self.file = file  # repository path the error is about, for the annotation
        self.line = line

    @classmethod
    def restating(cls, err: RegistryError, message: str, hint: str) -> Self:
        """`err` told another way (a warning of it, say): its file, line and hint values
        kept, under `message` and `hint`."""
        return cls(message, hint, file=err.file, line=err.line, values=err.values)

    def render(self, words: Mapping[str, str] | None = None) -> str:
        """What is wrong and what to do, the hint in a shell's `words`."""
        hint = fill(self.hint, {**(words or {}), **self.values})
        return f"{self.message} {hint}".strip()

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


class ModelDeprecated(ModelNotFound):
    """A read of a deprecated model: gto shows nothing of it."""

    title = "Model deprecated"


class VersionDeregistered(VersionNotFound):
    """A read of a deregistered version: it is not deployable."""

    title = "Version deregistered"


class SeveralVersions(RegistryError):
    """A commit holds more than one version: GTO cannot read a stage tag on it."""

    title = "Several versions on one commit"


class CommitNotFound(RegistryError):
    title = "Commit not found"


class TagNotFound(CommitNotFound):
    """A tag `parse` was given that the repository does not have (deleted since the push,
    or mistyped): the tag is what is missing, not a commit."""

    title = "Tag not found"


class CommitNotReachable(RegistryError):
    """A commit no branch or tag of the repository holds, e.g. one only a fork has."""

    title = "Commit not in the repository"


class VersionAlreadyRegistered(RegistryError):
    title = "Version already registered"


class VersionExistsForCommit(RegistryError):
    title = "Commit already has a version"


class AnnotationError(RegistryError):
    title = "Model annotation"


class AnnotationIgnored(AnnotationError):
    """A pushed tag read without its dvc.yaml annotation, which cannot be read: a warning,
    since `gto check-ref` never reads dvc.yaml and a deploy job needs the tag's facts."""

    title = "Model annotation not read"

    @classmethod
    def of(cls, err: AnnotationError, tag: str) -> AnnotationIgnored:
        return cls.restating(
            err,
            f"{err.message} {tag} is parsed without it: path, type, description, "
            "model-labels and the artifact outputs are empty.",
            err.hint,
        )


class RaceLost(RegistryError):
    title = "Tag created concurrently"


class BackendError(RegistryError):
    """The repository (GitHub or git) refused or failed."""

    title = "Repository error"


class TreeTruncated(BackendError):
    """GitHub cut a recursive tree listing short (its limit: 100,000 entries or 7 MB)."""

    title = "Tree too large"


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
