"""Reading a registry tag: what a pushed tag means, for the deploy job it started."""

from __future__ import annotations

from dataclasses import dataclass, replace

from registry_action.backends.base import Backend
from registry_action.commands.artifact import artifact, first_files
from registry_action.commands.policy import judge, policy_of
from registry_action.core.dvc_yaml import annotation_for
from registry_action.core.errors import AnnotationError, AnnotationIgnored, TagNotFound
from registry_action.core.grammar import RegistryTag
from registry_action.core.model_view import ModelView
from registry_action.core.outputs import Facts, facts
from registry_action.core.policy import PolicyError
from registry_action.core.repository import Snapshot, TagInfo
from registry_action.decide.policy import Verdict


@dataclass(frozen=True)
class Pushed:
    """A pushed tag's facts, and whether it kept to the promotion policy."""

    facts: Facts
    verdict: Verdict
    warning: PolicyError | None = None  # a policy file that cannot be read
    ignored: AnnotationIgnored | None = None  # dvc.yaml could not be read: no annotation


def describe(backend: Backend, tag: RegistryTag, *, remote_url: str = "") -> Facts | None:
    """One read: the tag peeled to its commit, the model's versions, dvc.yaml there.

    None when the tag is lightweight (GTO ignores those).
    """
    found = _read(backend, tag, remote_url)
    return found[1] if found else None


def verified(backend: Backend, tag: RegistryTag, *, remote_url: str = "") -> Pushed | None:
    """`describe`, and the tag judged by the promotion policy at the default branch's head
    on the registry as it stood just before the tag (`decide.policy.verify`)."""
    found = _read(backend, tag, remote_url)
    if found is None:
        return None
    snapshot, described, ignored = found
    read = policy_of(snapshot)
    verdict = judge(backend, read, described.view, described.tag, {})
    return Pushed(described, verdict, read.warning, ignored)


def _read(
    backend: Backend, tag: RegistryTag, remote_url: str
) -> tuple[Snapshot, Facts, AnnotationIgnored | None] | None:
    model = tag.model
    # With the stage tags: the registry before an assignment is what the policy judges.
    snapshot = backend.read(model, f"refs/tags/{tag.tag}", stages=True, files=first_files(model))
    if not snapshot.commit:
        raise TagNotFound(
            f"Tag {tag.tag} was not found in the repository.",
            "It may have been deleted since the push; check {ref}.",
        )
    if not snapshot.tag_sha:
        return None
    view = ModelView.of(model, snapshot.tags)
    # The read lists the model's version tags; a stage tag is this one, as the ref showed it.
    found = next((t for t in view.tags if t.name == tag.tag), None)
    info = found or TagInfo(tag.tag, snapshot.commit, annotated=True, sha=snapshot.tag_sha)
    # `gto check-ref` never reads dvc.yaml, so neither does a broken one stop a deploy job:
    # like `show` (read.annotation_of), the tag without its annotation, and a warning.
    ignored = None
    try:
        annotation = annotation_for(
            model.name, model.folder, snapshot.annotation, model.annotation_path
        )
    except AnnotationError as err:
        annotation, ignored = None, AnnotationIgnored.of(err, tag.tag)
    described = facts(view, info, annotation=annotation, web_url=snapshot.web_url)
    bytes_at = artifact(backend, model, snapshot, annotation, remote_url=remote_url)
    return snapshot, replace(described, artifact=bytes_at), ignored
