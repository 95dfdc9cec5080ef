"""A model's content at a commit, and whether it changed since a registered version.

The content is what the registry can know from Git alone: the md5 DVC records for the
output holding the model's path (a `.dvc` file or `dvc.lock`, found as `dvc_files.resolve`
finds it), or, for a path Git tracks itself, its Git object id. The annotation (type,
description, labels) is not content: a change of it alone is reported apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from registry_action.core.dvc_files import ArtifactError, tracked
from registry_action.core.dvc_yaml import Annotation
from registry_action.core.grammar import ModelName
from registry_action.core.model_view import RegisteredVersion
from registry_action.core.repository import FileText, GitObject


class Kind(Enum):
    DVC = "md5"  # the md5 DVC records (a directory's ends in `.dir`)
    GIT = "Git object"  # the Git object id of a path Git tracks (as reasons name it)
    UNKNOWN = "unknown"  # not knowable from Git: counts as changed


@dataclass(frozen=True)
class Content:
    """What the model's path holds at one commit, as far as Git tells."""

    kind: Kind
    hash: str = ""  # the md5 or the object id; empty when unknown
    annotation: Annotation | None = None
    output: str = ""  # DVC: the output holding the path (the path, or a directory above it)
    inner: str = ""  # DVC: the path inside that directory; empty when the output is the path
    reason: str = ""  # UNKNOWN: why


@dataclass(frozen=True)
class Change:
    changed: bool
    annotation_changed: bool
    reason: str


def content_of(
    annotation: Annotation | None, files: Mapping[str, FileText], obj: GitObject | None
) -> Content:
    """The content of `annotation`'s path in `files` (DVC's files at the commit, as
    `dvc_files.needed_files` names them), or `obj`, the path's own Git object there."""
    path = annotation.path if annotation else ""
    if annotation is None:
        return Content(Kind.UNKNOWN, reason="the model is not declared in its dvc.yaml")
    if not path:
        return Content(Kind.UNKNOWN, annotation=annotation, reason="the model declares no path")
    if "://" in path:
        return Content(
            Kind.UNKNOWN, annotation=annotation, reason=f"its path {path} is outside Git"
        )
    try:
        found = tracked(path, files)
    except ArtifactError as err:
        return Content(Kind.UNKNOWN, annotation=annotation, reason=err.message)
    if found is not None:
        # DVC 3 adds `hash: md5` to an output it migrates; the value is the same md5, so
        # the content is compared by value alone (dvc.org/doc/user-guide/upgrade).
        return Content(Kind.DVC, found.md5, annotation, found.output, found.inner)
    if obj is None or obj.kind not in ("blob", "tree"):
        return Content(
            Kind.UNKNOWN,
            annotation=annotation,
            reason=f"{path} is neither in Git nor tracked by DVC",
        )
    return Content(Kind.GIT, obj.oid, annotation)


def compare(old: Content | None, new: Content, version: str = "") -> Change:
    """Whether `new` differs from `old`, the content at `version`'s commit (None: the model
    has no active version). Unknown content counts as changed: a real change is never
    skipped."""
    if old is None:
        return Change(True, new.annotation is not None, "no active version")
    annotation = old.annotation != new.annotation
    since = f" since {version}" if version else ""
    if new.kind is Kind.UNKNOWN or old.kind is Kind.UNKNOWN:
        which = new if new.kind is Kind.UNKNOWN else old
        where = "now" if which is new else f"at {version or 'the version'}"
        return Change(True, annotation, f"content unknown {where}: {which.reason}")
    if new.kind is not old.kind:
        return Change(True, annotation, f"{_tracker(old)} then, {_tracker(new)} now")
    if new.hash == old.hash:
        return Change(False, annotation, f"same {new.kind.value} {new.hash}{since}")
    if new.inner and new.output == old.output:
        # The directory's `.dir` manifest, which lists each file's md5, is in storage only.
        return Change(
            True,
            annotation,
            f"{new.annotation.path if new.annotation else new.inner} is inside the DVC "
            f"directory {new.output}, which changed{since}; its own hash is in the "
            "directory's manifest, which is not in Git",
        )
    return Change(True, annotation, f"{new.kind.value} {old.hash} -> {new.hash}{since}")


def _tracker(content: Content) -> str:
    return "tracked by DVC" if content.kind is Kind.DVC else "tracked by Git"


@dataclass(frozen=True)
class ModelChange:
    """One model's content at a commit against its greatest active version's."""

    model: ModelName
    change: Change
    new: Content
    version: RegisteredVersion | None = None  # the greatest active version; None: none
    old: Content | None = None  # the content at that version's commit

    def row(self) -> dict[str, Any]:
        """The model's entry in the `changes` command's `json` output."""
        version, old = self.version, self.old
        return {
            "name": self.model.full,
            "changed": self.change.changed,
            "annotation-changed": self.change.annotation_changed,
            "reason": self.change.reason,
            "version": version.version.text if version else "",
            "version-commit": version.commit if version else "",
            "old-hash": old.hash if old and version else "",
            "new-hash": self.new.hash,
        }


def changed_names(models: Iterable[ModelChange]) -> list[str]:
    """The changed models' names, as `model` takes them (the `changes` command's `models`)."""
    return [m.model.full for m in models if m.change.changed]
