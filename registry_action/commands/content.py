"""Models' content at their greatest active versions' commits, read in one request.

What `register` compares (with `if-changed`, and for its `changed` output) and what the
`changes` command lists: the DVC files the model's path needs there (`likely_files`: the
same path's, as the annotation at the new commit names it) and the path's own Git object,
for every model at once. A version whose dvc.yaml names another path costs one read more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from registry_action.backends.base import Backend
from registry_action.commands.artifact import likely_files
from registry_action.core.content import Change, Content, ModelChange, compare, content_of
from registry_action.core.dvc_files import missing_files, needed_files
from registry_action.core.dvc_yaml import Annotation, model_annotation
from registry_action.core.grammar import ModelName
from registry_action.core.model_view import ModelView, RegisteredVersion
from registry_action.core.repository import At, FileText, GitObject, Snapshot

Read = Mapping[At, GitObject | None]


@dataclass(frozen=True)
class Then:
    """A model at its version's commit: its annotation there, and the files read."""

    annotation: Annotation | None
    content: Content
    files: Mapping[str, FileText]


def path_of(annotation: Annotation | None) -> str:
    """The model's path when Git could hold it (not a storage URL); else empty."""
    path = annotation.path if annotation else ""
    return path if "://" not in path else ""


def wanted_then(model: ModelName, annotation: Annotation | None, commit: str) -> list[At]:
    """What to read at a version's commit: its dvc.yaml, the DVC files the path at the new
    commit needs there, and that path's own object."""
    paths = [model.annotation_path, *likely_files(model, annotation)]
    if path := path_of(annotation):
        paths.append(path)
    return [(commit, p) for p in dict.fromkeys(paths)]


def texts(read: Read, commit: str) -> dict[str, FileText]:
    return {p: (o.text if o else None) for (c, p), o in read.items() if c == commit}


def then_of(
    backend: Backend, model: ModelName, annotation: Annotation | None, commit: str, read: Read
) -> Then:
    """The model at `commit` from `read` (which holds `wanted_then`'s paths); when its
    dvc.yaml names another path there, the files that one needs, read now."""
    files = texts(read, commit)
    then = model_annotation(model, files.get(model.annotation_path), commit, required=False)
    objects = dict(read)
    if then != annotation and (path := path_of(then)):
        more = [(commit, p) for p in (*needed_files(model.folder, path), path) if p not in files]
        if more:
            objects |= backend.objects(more)
            files = texts(objects, commit)
    obj = objects.get((commit, path_of(then))) if path_of(then) else None
    return Then(then, content_of(then, files, obj), files)


def registration(
    backend: Backend,
    model: ModelName,
    snapshot: Snapshot,
    annotation: Annotation | None,
    view: ModelView,
    *,
    read: bool,
) -> tuple[ModelChange, Snapshot, Then | None]:
    """What a registration at `snapshot.commit` changes, and the snapshot with the files the
    artifact needs there (read in the same request, so the artifact reads none).

    The version compared is the greatest active one not at this commit (a re-run compares
    as its first run did). Without `read` (a repository without DVC, no `if-changed`), no
    request: the content is not compared, and counts as changed.
    """
    sha = snapshot.commit
    version = view.greatest_active(besides=sha)
    have: dict[str, FileText] = {model.annotation_path: snapshot.annotation, **snapshot.files}
    if version is None or not read:
        new = content_of(annotation, have, None)
        if version is None:
            return ModelChange(model, compare(None, new), new), snapshot, None
        unread = Change(True, True, "not compared: the repository does not use DVC")
        return ModelChange(model, unread, new, version), snapshot, None
    path = path_of(annotation)
    here = list(missing_files(model.folder, path, have)) if path else []
    wanted = [(sha, p) for p in (*here, path) if p] + wanted_then(model, annotation, version.commit)
    got = backend.objects(wanted)
    files = {**snapshot.files, **{p: t for p, t in texts(got, sha).items() if p in here}}
    new = content_of(annotation, have | files, got.get((sha, path)) if path else None)
    then = then_of(backend, model, annotation, version.commit, got)
    change = compare(then.content, new, version.version.text)
    return (
        ModelChange(model, change, new, version, then.content),
        replace(snapshot, files=files),
        then,
    )


def versions_then(
    backend: Backend,
    models: Sequence[tuple[ModelName, Annotation | None, RegisteredVersion]],
) -> dict[ModelName, Then]:
    """Each model at its version's commit, every one in one read."""
    wanted = [at for m, a, v in models for at in wanted_then(m, a, v.commit)]
    got = backend.objects(wanted) if wanted else {}
    return {m: then_of(backend, m, a, v.commit, got) for m, a, v in models}
