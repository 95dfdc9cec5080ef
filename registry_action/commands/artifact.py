"""A version's artifact: the DVC output its path names, read from the version's commit.

The files it takes come in the read a command makes anyway (`first_files`, asked for before
dvc.yaml is known); what the annotation's path needs beyond them (the `.dvc` files along the
path) is one more read, of files only.
"""

from __future__ import annotations

from registry_action.backends.base import Backend
from registry_action.core.dvc_files import (
    CONFIG,
    Artifact,
    ArtifactError,
    missing_files,
    needed_files,
    resolve,
)
from registry_action.core.dvc_yaml import Annotation
from registry_action.core.grammar import ModelName
from registry_action.core.repository import FileText, Snapshot


def first_files(model: ModelName) -> tuple[str, ...]:
    """What any resolution needs whatever the path: `.dvc/config` and the `dvc.lock` beside
    the model's dvc.yaml (where `dvc stage add` outputs are recorded)."""
    folder = model.folder
    return (f"{folder}/dvc.lock" if folder else "dvc.lock", CONFIG)


def likely_files(model: ModelName, annotation: Annotation | None) -> tuple[str, ...]:
    """What to ask for when reading another commit of a model whose annotation is known at
    one commit: the same path's files there too (an artifact's path seldom moves), so that
    read needs no second one."""
    path = annotation.path if annotation else ""
    needed = needed_files(model.folder, path) if path else ()
    return tuple(dict.fromkeys((*first_files(model), *needed)))


def uses_dvc(snapshot: Snapshot, remote_url: str = "") -> bool:
    """Whether the repository uses DVC at the commit read: without `.dvc/config` in Git it
    declares no remote, and unless the caller names one nothing can resolve, so a repository
    that does not use DVC pays no read for it."""
    return snapshot.files.get(CONFIG) is not None or bool(remote_url)


def artifact(
    backend: Backend,
    model: ModelName,
    snapshot: Snapshot,
    annotation: Annotation | None,
    *,
    remote_url: str = "",
    strict: bool = False,
) -> Artifact | None:
    """The artifact of `annotation` at `snapshot.commit`; None for no path, a path Git tracks,
    or (unless `strict`) one that cannot be resolved: a registration never fails on it."""
    if annotation is None or not annotation.path or not snapshot.commit:
        return None
    have: dict[str, FileText] = {model.annotation_path: snapshot.annotation, **snapshot.files}
    missing = missing_files(model.folder, annotation.path, have)
    if missing and uses_dvc(snapshot, remote_url):
        have |= backend.read(model, snapshot.commit, tags=False, files=missing).files
    try:
        return resolve(annotation.path, have, remote_url=remote_url)
    except ArtifactError:
        if strict:
            raise
        return None
