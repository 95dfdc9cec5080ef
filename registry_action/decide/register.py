"""Registering a version: GTO 1.10's rules for `gto register`, decided on one read."""

from __future__ import annotations

from registry_action.core.dvc_yaml import model_annotation
from registry_action.core.errors import VersionAlreadyRegistered, VersionExistsForCommit
from registry_action.core.grammar import Event, format_tag
from registry_action.core.versions import Bump, next_version
from registry_action.decide.plan import Plan, State
from registry_action.decide.request import Request


def register(request: Request, state: State) -> Plan:
    """Create a version, report the one already there (a re-run), or refuse."""
    model, view, commit = request.model, state.view, state.snapshot.commit
    annotation = model_annotation(
        model, state.snapshot.annotation, commit, required=request.require_annotation
    )
    held = view.at_commit(commit)
    at_commit = [v for v in held if v.active]
    if request.version is not None:
        taken = view.versions.get(request.version.text)
        if taken and taken.active and taken.commit == commit:
            # A re-run: same model, version and commit.
            return state.plan(
                request, taken.tag.name, commit, existing=taken.tag, annotation=annotation
            )
        if taken:
            what = "registered" if taken.active else "registered and later deregistered"
            raise VersionAlreadyRegistered(
                f"{model.full} {request.version} is already {what} at commit "
                f"{taken.commit} (tag {taken.tag.name}).",
                "A version name is used once per model: choose another version, "
                "or leave version empty to bump.",
            )
        if at_commit and not request.force:
            raise VersionExistsForCommit(
                f"Commit {commit} already holds {model.full} {at_commit[0].version} "
                f"(tag {at_commit[0].tag.name}).",
                "Register another commit, or {force} to add another version to it.",
            )
        _check_deregistered(request, state)
        version = request.version
    else:
        if at_commit and not request.force:  # a re-run of a bump
            there = at_commit[0].tag
            return state.plan(request, there.name, commit, existing=there, annotation=annotation)
        _check_deregistered(request, state)
        version = next_version(view.latest, request.bump)
        while version.text in view.versions:  # skip names that deregistered versions keep
            version = version.bump(Bump.PATCH)
    tag = format_tag(Event.REGISTRATION, model, version=version.text)
    clash = next((t for t in view.tags if t.name == tag), None)
    if clash is not None:
        raise VersionAlreadyRegistered(
            f"A lightweight tag {tag} already exists at commit {clash.commit}; GTO ignores it, "
            "but it holds the name.",
            "Delete that tag, or choose another version.",
        )
    message = f"Registering artifact {model.full} version {version}"
    return state.plan(request, tag, commit, message, annotation=annotation)


def _check_deregistered(request: Request, state: State) -> None:
    """GTO finds a deregistered version at the commit and registers no other there ("For
    this REF you can only register ..."): the commit keeps its history, unless forced."""
    held = state.view.at_commit(state.snapshot.commit)
    gone = [v for v in held if not v.active]
    if gone and len(gone) == len(held) and not request.force:
        raise VersionExistsForCommit(
            f"Commit {state.snapshot.commit} held {request.model.full} {gone[0].version} (tag "
            f"{gone[0].tag.name}), deregistered since; GTO registers no other version on it.",
            "Register another commit, or {force} to register a new version on it anyway.",
        )
