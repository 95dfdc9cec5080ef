"""Reading a registry tag: what a pushed tag means, for the deploy job it started."""

from __future__ import annotations

from .annotations import annotation_for
from .errors import CommitNotFound
from .grammar import Event, RegistryTag, parse_tag
from .history import model_versions
from .outputs import Facts
from .registry import Backend, Snapshot
from .versions import Version


def tag_of(ref: str) -> RegistryTag | None:
    """The registry tag a ref names (`refs/tags/X` or `X`); None for branches and other tags."""
    ref = ref.strip()
    if ref.startswith("refs/"):
        if not ref.startswith("refs/tags/"):
            return None
        ref = ref[len("refs/tags/") :]
    return parse_tag(ref)


def describe(tag: RegistryTag, snapshot: Snapshot) -> Facts | None:
    """The facts of a registry tag as read; None when it is lightweight (GTO ignores those)."""
    if not snapshot.commit:
        raise CommitNotFound(
            f"Tag {tag.tag} was not found in the repository.",
            "It may have been deleted since the push; check the ref input.",
        )
    if not snapshot.tag_sha:
        return None
    return facts(tag, snapshot)


def facts(tag: RegistryTag, snapshot: Snapshot, *, created: bool = False) -> Facts:
    """What `tag` on `snapshot.commit` records, given the model's tags (which include it)."""
    model = tag.model
    versions = model_versions(model, snapshot.tags)
    history = tuple(sorted(versions.values(), key=lambda v: v.version, reverse=True))
    version: Version | None = None
    if tag.version:
        version = Version.parse(tag.version)
    elif tag.event in (Event.ASSIGNMENT, Event.UNASSIGNMENT):
        # A stage is assigned to a commit: the version is the one registered there.
        at_commit = [v for v in history if v.commit == snapshot.commit]
        active = [v for v in at_commit if v.active] or at_commit
        version = active[0].version if active else None
    folder = model.dir.strip("/")
    annotation = annotation_for(model.name, folder, snapshot.annotation, model.annotation_path)
    below = [v.version for v in history if v.active and version is not None and v.version < version]
    return Facts(
        event=tag.event,
        model=model,
        tag=tag.tag,
        version=version,
        commit=snapshot.commit,
        tag_sha=snapshot.tag_sha,
        created=created,
        history=history,
        previous=max(below, default=None),
        annotation=annotation,
        web_url=snapshot.web_url,
        stage=tag.stage,
    )


def parse(backend: Backend, tag: RegistryTag) -> Facts | None:
    """One read of the repository: the tag peeled to its commit, the model's versions, dvc.yaml."""
    return describe(tag, backend.read(tag.model, f"refs/tags/{tag.tag}"))
