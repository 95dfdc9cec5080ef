"""What `download` fetches: the version `show MODEL` chose, refused when withdrawn, and the
objects of its artifact (one file, or a directory's files from its manifest), or, for a
path Git tracks itself, the Git blobs at the version's commit. Pure."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from registry_action.core.dvc_files import Artifact, ArtifactError, manifest_entries, object_key
from registry_action.core.errors import (
    BackendError,
    ModelDeprecated,
    StageNotAssigned,
    VersionDeregistered,
)
from registry_action.core.outputs import Facts
from registry_action.core.repository import SHORT_SHA, TreeEntry, blob_id


@dataclass(frozen=True)
class Fetch:
    """One object to fetch and where it goes under the target ('' for the target itself)."""

    relpath: str
    key: str  # under the remote's URL
    md5: str  # what DVC records for it
    legacy: bool  # the md5-dos2unix rule


@dataclass(frozen=True)
class Source:
    """Where a chosen version's bytes come from."""

    path: str  # the model's path, repository-relative
    commit: str  # the version's commit
    artifact: Artifact | None  # its DVC output; None when DVC tracks nothing there (Git may)


def downloadable(facts: Facts | None, *, name: str, stage: str) -> Source:
    """Where the chosen version's bytes are (then Git may hold them when DVC does not:
    `from_git`); refuse what a deploy must not ship."""
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
            f"{name} declares no path in its dvc.yaml at {facts.tag.commit[:SHORT_SHA]}: "
            "nothing to download."
        )
    return Source(annotation.path, facts.tag.commit, facts.artifact)


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


# A Git LFS pointer: "version https://git-lfs.github.com/spec/v1" as its first line (git-lfs
# docs/spec.md, "The Pointer"), under 1024 bytes (git-lfs scans no larger blob for one: its
# `blobSizeCutoff`).
_LFS = b"version https://git-lfs.github.com/spec/v1\n"


def from_git(path: str, commit: str, entries: tuple[TreeEntry, ...]) -> list[tuple[str, TreeEntry]]:
    """The blobs to write for `path`, which DVC does not track, from Git's listing of it at
    `commit` (`Backend.tree`): the file itself (relpath ''), or a folder's files by their
    paths under it (its folders are made as its files need them)."""
    path = path.strip("/")
    if not entries:
        raise ArtifactError(
            f"Neither DVC nor Git holds {path} at commit {commit}: no `.dvc` file or dvc.lock "
            "output tracks it, and the commit has no such file or folder.",
            "Check the model's path in its dvc.yaml at that commit, or register a commit "
            "that has it.",
        )
    files = []
    for entry in entries:
        if entry.kind != "blob":
            continue
        rel = "" if entry.path == path else posixpath.relpath(entry.path, path)
        # The listing comes from a server: no entry may write outside the target.
        if rel.startswith("/") or ".." in rel.split("/"):
            raise ArtifactError(f"Git's listing of {path} holds an entry this action refuses.")
        files.append((rel, entry))
    if not files:
        raise ArtifactError(f"The folder {path} at commit {commit} holds no file Git tracks.")
    return files


def check_blob(entry: TreeEntry, data: bytes) -> None:
    """Refuse bytes that are not the blob `entry` names, and an LFS pointer's (the file's
    bytes are in LFS storage, which this action does not read: shipping the pointer would
    pass for the model)."""
    got = blob_id(data, entry.oid)
    if got != entry.oid:
        raise BackendError(
            f"Git blob {entry.oid} ({entry.path}) came back corrupted: its bytes hash to {got}.",
            "The repository's server answered wrong bytes; {later}.",
        )
    if len(data) < 1024 and data.startswith(_LFS):
        raise ArtifactError(
            f"{entry.path} is a Git LFS pointer: its bytes are in LFS storage, which download "
            "does not read.",
            "Fetch it with git lfs, or track the model with DVC.",
        )
