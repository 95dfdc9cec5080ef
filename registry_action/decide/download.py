"""What `download` fetches: the version `show MODEL` chose, refused when withdrawn, and the
objects of its artifact (one file, or a directory's files from its manifest). Pure."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from registry_action.core.dvc_files import Artifact, ArtifactError, manifest_entries, object_key
from registry_action.core.errors import ModelDeprecated, StageNotAssigned, VersionDeregistered
from registry_action.core.outputs import Facts


@dataclass(frozen=True)
class Fetch:
    """One object to fetch and where it goes under the target ('' for the target itself)."""

    relpath: str
    key: str  # under the remote's URL
    md5: str  # what DVC records for it
    legacy: bool  # the md5-dos2unix rule


def downloadable(facts: Facts | None, *, name: str, stage: str) -> Artifact:
    """The artifact of the chosen version; refuse what a deploy must not ship."""
    if facts is None:
        raise StageNotAssigned(
            f"No version of {name} is in stage {stage}." if stage else f"{name} has no version.",
            "Assign a version first, or give a version.",
        )
    # `reading.chosen_version` refuses these for a version or the latest; a stage's holder
    # is checked here too, since bytes must never ship from a withdrawn model or version.
    if facts.view.deprecation is not None:
        raise ModelDeprecated(f"{name} is deprecated: no version of it is deployable.")
    if not facts.view.is_active(facts.version):
        version = facts.version.text if facts.version else ""
        raise VersionDeregistered(f"{name} {version} is deregistered: it is not deployable.")
    annotation = facts.annotation
    if annotation is None or not annotation.path:
        raise ArtifactError(
            f"{name} declares no path in its dvc.yaml at {facts.tag.commit[:7]}: nothing to "
            "download."
        )
    if facts.artifact is None:
        raise ArtifactError(
            f"DVC tracks nothing at {annotation.path} at commit {facts.tag.commit[:7]} (no "
            "`.dvc` file or dvc.lock output holds it): Git tracks it, so check out the commit.",
        )
    return facts.artifact


def single(artifact: Artifact) -> Fetch:
    """A file output: its own object."""
    key = object_key(artifact.md5, legacy=artifact.legacy)
    return Fetch("", key, artifact.md5, artifact.legacy)


def from_manifest(artifact: Artifact, text: str) -> list[Fetch]:
    """A directory's files (or the part of it under the artifact's path) from its manifest.

    A path inside a tracked directory has no entry of its own (dvc.md section 2): it is the
    one file whose relpath it is, or the files under it.
    """
    source = object_key(artifact.md5, legacy=artifact.legacy)
    entries = manifest_entries(text, source)
    inner = artifact.inner
    fetches = []
    for relpath, md5 in entries:
        if inner and relpath == inner:
            return [Fetch("", object_key(md5, legacy=artifact.legacy), md5, artifact.legacy)]
        if inner and not relpath.startswith(f"{inner}/"):
            continue
        rel = posixpath.relpath(relpath, inner) if inner else relpath
        fetches.append(Fetch(rel, object_key(md5, legacy=artifact.legacy), md5, artifact.legacy))
    if not fetches:
        raise ArtifactError(
            f"{artifact.path} is not in the manifest of {artifact.output} ({artifact.md5})."
        )
    return fetches
