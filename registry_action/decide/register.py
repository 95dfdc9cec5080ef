"""Registering a version: GTO 1.10's rules for `gto register`, decided on one read."""

from __future__ import annotations

from registry_action.core.dvc_yaml import Annotation, model_annotation
from registry_action.core.errors import (
    SeveralVersions,
    VersionAlreadyRegistered,
    VersionExistsForCommit,
)
from registry_action.core.grammar import Event, format_tag
from registry_action.core.model_view import RegisteredVersion
from registry_action.core.versions import Bump, Version, next_version
from registry_action.decide.plan import Plan, State
from registry_action.decide.request import Request

# What to do about a commit that holds more than one version: GTO counts deregistered
# versions too (`Artifact.find_version` by commit raises ManyVersions), so deregistering
# does not mend it; deleting the extra registration tags does (`gto deregister --delete`).
SEVERAL_HINT = (
    "Deregistering does not help (GTO counts deregistered versions too): delete the tags of "
    "all but one of them (git tag -d, git push --delete), or use another commit."
)


def register(request: Request, state: State) -> Plan:
    """Create a version, report the one already there (a re-run), or refuse.

    One version a commit, as GTO keeps it (`GitRegistry.register`): a commit that holds a
    version, active or deregistered, takes no other; `force` re-registers that commit's
    own version, which is all `gto register --force` does.
    """
    model, view, commit = request.model, state.view, state.snapshot.commit
    annotation = model_annotation(
        model, state.snapshot.annotation, commit, required=request.require_annotation
    )
    held = view.at_commit(commit)
    if len(held) > 1:
        names = ", ".join(v.version.text for v in held)
        rerun = _rerun(request, held)
        if rerun is not None:
            return state.plan(
                request, rerun.tag.name, commit, existing=rerun.tag, annotation=annotation
            )
        raise SeveralVersions(
            f"Commit {commit} already holds several versions of {model.full} ({names}), "
            "which GTO cannot tell apart.",
            SEVERAL_HINT,
        )
    own = held[0] if held else None
    if request.version is not None:
        version = request.version
        taken = view.versions.get(version.text)
        if own is not None and own.version != version:
            gone = "" if own.active else ", deregistered since"
            raise VersionExistsForCommit(
                f"Commit {commit} already holds {model.full} {own.version} (tag "
                f"{own.tag.name}{gone}). GTO keeps one version a commit, deregistered ones "
                f"included, and registers only {own.version} there.",
                "Register {version} on another commit (a new commit, even an empty one, will do).",
                values={"version": version.text},
            )
        if taken is not None and own is None:
            what = "registered" if taken.active else "registered and later deregistered"
            raise VersionAlreadyRegistered(
                f"{model.full} {version} is already {what} at commit "
                f"{taken.commit} (tag {taken.tag.name}).",
                "A version name is used once per model: choose another version, "
                "or give none to bump.",
            )
    elif own is not None:
        version = own.version
    else:
        version = next_version(view.latest, request.bump)
        while version.text in view.versions:  # skip names that deregistered versions keep
            version = version.bump(Bump.PATCH)
    if own is not None:
        if own.active:  # a re-run, forced or not: the commit holds this version already
            return state.plan(
                request, own.tag.name, commit, existing=own.tag, annotation=annotation
            )
        if not request.force:
            raise VersionExistsForCommit(
                f"Commit {commit} held {model.full} {own.version} (tag {own.tag.name}), "
                f"deregistered since. GTO keeps one version a commit, deregistered ones "
                f"included: the only version it registers there is {own.version} again.",
                "Register another commit, or {force} to register {version} again on it.",
                values={"version": own.version.text},
            )
    return _create(request, state, version, annotation)


def _rerun(request: Request, held: list[RegisteredVersion]) -> RegisteredVersion | None:
    """On a commit that holds several versions, the active one a re-run asks for."""
    wanted = request.version
    return next((v for v in held if v.active and wanted == v.version), None)


def _create(
    request: Request, state: State, version: Version, annotation: Annotation | None
) -> Plan:
    model, view = request.model, state.view
    tag = format_tag(Event.REGISTRATION, model, version=version.text)
    if version.text in view.versions:
        # Registering a deregistered version again: its plain tag is taken, so take the
        # counted spelling Studio writes (GTO reads both, GTO issue #455).
        tag = format_tag(Event.REGISTRATION, model, version=version.text, counter=view.counter + 1)
    clash = next((t for t in view.tags if t.name == tag), None)
    if clash is not None:
        raise VersionAlreadyRegistered(
            f"A lightweight tag {tag} already exists at commit {clash.commit}; GTO ignores it, "
            "but it holds the name.",
            "Delete that tag, or choose another version.",
        )
    message = f"Registering artifact {model.full} version {version}"
    return state.plan(request, tag, state.snapshot.commit, message, annotation=annotation)
