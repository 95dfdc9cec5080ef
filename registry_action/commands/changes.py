"""`changes`: every model any dvc.yaml declares at a commit, and whether its content changed
since its greatest active version.

Its cost does not grow with the registry's unrelated tags beyond their paging: the listing
(one request), DVC's files at the commit (one), every tag (`read_registry`, 100 a page), and
the files at all the versions' commits (one; `commands/content.py`). A commit named by a
branch or a short sha costs one request more, to know its sha.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from registry_action.backends.base import Backend
from registry_action.commands.content import versions_then
from registry_action.core.content import ModelChange, changed_names, compare, content_of
from registry_action.core.dvc_files import CONFIG, needed_files
from registry_action.core.dvc_yaml import Annotation, annotation_for, declared_models
from registry_action.core.errors import CommitNotFound, RegistryError
from registry_action.core.grammar import ModelName
from registry_action.core.model_view import ModelView, by_model
from registry_action.core.repository import FileText, GitObject, TreeEntry

# What DVC records in Git: which of a listing's files a model's content may be read from.
DVC_NAMES = ("dvc.yaml", "dvc.lock")
_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Changes:
    commit: str  # the full sha read
    models: tuple[ModelChange, ...]  # sorted by name
    web_url: str = ""

    @property
    def changed(self) -> list[str]:
        """The changed models' names, as `model` takes them: the `models` output."""
        return changed_names(self.models)

    @property
    def rows(self) -> list[dict[str, object]]:
        return [m.row() for m in self.models]


def is_dvc_file(path: str) -> bool:
    name = posixpath.basename(path)
    return name in DVC_NAMES or name.endswith(".dvc") or path == CONFIG


def changes(backend: Backend, commit: str) -> Changes:
    """Every declared model at `commit` and its change; a malformed dvc.yaml refuses (its
    file and line), before anything is compared."""
    sha = resolved(backend, commit)
    listing = {e.path: e for e in _listing(backend, sha, commit)}
    wanted = [(sha, p) for p, e in listing.items() if e.kind == "blob" and is_dvc_file(p)]
    got = backend.objects(wanted)
    files = {p: (o.text if o else None) for (_, p), o in got.items()}
    declared = sorted(declared_at(files), key=lambda pair: pair[0].full)
    registry = backend.read_registry()
    tags = by_model(registry.tags)
    versions = {
        model: ModelView.of(model, tags.get(model.full, ())).greatest_active()
        for model, _ in declared
    }
    asked = [(m, a, v) for m, a in declared if (v := versions[m]) is not None]
    then = versions_then(backend, asked)
    found = []
    for model, annotation in declared:
        new = content_of(
            annotation, _needed(model, annotation, files), _object(annotation, listing)
        )
        version = versions[model]
        old = then[model].content if model in then else None
        change = compare(old, new, version.version.text if version else "")
        found.append(ModelChange(model, change, new, version, old))
    return Changes(sha, tuple(found), registry.web_url)


def resolved(backend: Backend, commit: str) -> str:
    """`commit`'s full sha: a full sha as it is (the listing proves it), else one read."""
    if _SHA.fullmatch(commit):
        return commit
    obj = backend.objects([(commit, "")]).get((commit, ""))
    if obj is None:
        raise _not_found(commit)
    return obj.oid


def _listing(backend: Backend, sha: str, commit: str) -> tuple[TreeEntry, ...]:
    try:
        return backend.tree(sha)
    except RegistryError:
        # Say "no such commit" rather than the listing's refusal, when that is why.
        if backend.objects([(sha, "")]).get((sha, "")) is None:
            raise _not_found(commit) from None
        raise


def _not_found(commit: str) -> CommitNotFound:
    return CommitNotFound(
        f"Commit {commit!r} was not found in the repository.",
        "Give a full or short sha, a branch or a tag that exists there.",
    )


def declared_at(files: Mapping[str, FileText]) -> Iterable[tuple[ModelName, Annotation]]:
    """Every model each dvc.yaml in `files` declares (`cv/dvc.yaml`'s `seg` is `cv:seg`)."""
    for source, text in sorted(files.items()):
        if posixpath.basename(source) != "dvc.yaml" or text is None:
            continue
        folder = posixpath.dirname(source)
        for name in declared_models(text, source):
            model = ModelName.parse(f"{folder}:{name}" if folder else name)
            annotation = annotation_for(name, folder, text, source)
            if annotation is not None:
                yield model, annotation


def _needed(
    model: ModelName, annotation: Annotation, files: Mapping[str, FileText]
) -> dict[str, FileText]:
    """The files a registration of `model` would read: the same inputs, the same content."""
    paths = (model.annotation_path, *needed_files(model.folder, annotation.path))
    return {p: files.get(p) for p in paths}


def _object(annotation: Annotation, listing: Mapping[str, TreeEntry]) -> GitObject | None:
    entry = listing.get(annotation.path)
    return GitObject(entry.oid, entry.kind) if entry is not None else None
