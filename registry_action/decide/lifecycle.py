"""The rest of the registry lifecycle, with GTO 1.10's rules and tag spellings: assign and
unassign stages, deregister versions, deprecate models. One function per command, each
deciding on one read; `write.run` carries the plan out.
"""

from __future__ import annotations

from dataclasses import replace

from registry_action.core.dvc_yaml import model_annotation
from registry_action.core.errors import (
    ModelNotFound,
    SeveralVersions,
    StageNotAssigned,
    VersionNotFound,
)
from registry_action.core.grammar import Event, format_tag
from registry_action.core.gto_config import CONFIG_FILE, config_stages
from registry_action.core.model_view import RegisteredVersion
from registry_action.core.repository import TagInfo
from registry_action.decide.plan import Plan, State
from registry_action.decide.register import SEVERAL_HINT, register
from registry_action.decide.request import STAGED, Command, Request, check_allowed


def assign(request: Request, state: State) -> Plan:
    _check_stage(request, state)
    model, view = request.model, state.view
    commit, version = _target(request, state)
    if version is None and not request.skip_registration:
        # GTO registers an unregistered commit first (even one a stage tag names already).
        first = register(_registration(request), state)
        after = replace(state, view=view.with_tag(first.made))  # now the commit holds it
        return replace(assign(request, after), first=first)
    found = view.stages.get((commit, request.stage))
    if found is not None and found.assigned and not request.force:
        return _plan(request, state, found.tag.name, commit, existing=found.tag)  # a re-run
    what = version.version.text if version else commit
    message = f"Assigning stage {request.stage} to artifact {model.full} version {what}"
    tag = format_tag(Event.ASSIGNMENT, model, stage=request.stage, counter=view.counter + 1)
    return _plan(request, state, tag, commit, message)


def unassign(request: Request, state: State) -> Plan:
    _check_stage(request, state)
    model, view = request.model, state.view
    # Nor does GTO unassign a bare commit: it reads each stage tag there as a version of its
    # own, so an unassignment would not take the stage back for it.
    hint = "Give the version, or the commit of a version that is in the stage."
    commit, version = _registered(request, state, hint)
    what = version.version.text
    found = view.stages.get((commit, request.stage))
    if not request.force:
        if found is None:
            raise StageNotAssigned(
                f"Stage {request.stage!r} was never assigned to {model.full} {what}, "
                "so there is nothing to unassign.",
                "Check the stage and the version, or {force} to record the unassignment anyway.",
            )
        if not found.assigned:
            return _plan(request, state, found.tag.name, commit, existing=found.tag)  # a re-run
    message = f"Unassigning stage '{request.stage}' to artifact '{model.full}' version '{what}'"
    tag = format_tag(Event.UNASSIGNMENT, model, stage=request.stage, counter=view.counter + 1)
    return _plan(request, state, tag, commit, message)


def deregister(request: Request, state: State) -> Plan:
    model, view = request.model, state.view
    hint = "Give the version to deregister, or the commit it is registered at."
    commit, version = _registered(request, state, hint)
    text = version.version.text
    if not version.active and not request.force:
        gone = view.newest_of(Event.DEREGISTRATION, text)
        if gone is not None:
            return _plan(request, state, gone.tag.name, commit, existing=gone.tag)  # a re-run
    # GTO's spelling has no counter; when that name is taken (a version deregistered,
    # then registered again by Studio) GTO fails, so take the counted spelling.
    tag = format_tag(Event.DEREGISTRATION, model, version=text)
    if view.taken(tag):
        tag = format_tag(Event.DEREGISTRATION, model, version=text, counter=view.counter + 1)
    return _plan(request, state, tag, commit, f"Deregistering artifact {model.full} version {text}")


def deprecate(request: Request, state: State) -> Plan:
    model, view = request.model, state.view
    newest = view.newest
    if newest is None and not request.force:
        raise ModelNotFound(
            f"{model.full} has no registry tags in this repository: nothing to deprecate.",
            "Check the model name (DIR:NAME for a model whose dvc.yaml is in a folder), or "
            "{force} to deprecate it anyway, as gto --force does.",
        )
    done = view.deprecation
    if done is not None and not request.force:
        return _plan(request, state, done.tag.name, done.tag.commit, existing=done.tag)  # re-run
    # GTO tags the commit of the model's newest event (the read commit when none).
    commit = newest.tag.commit if newest else state.snapshot.commit
    # GTO writes `@deprecated` without a counter, and with one under --force; when the
    # plain name is taken (deprecated, then used again) GTO fails: take the counted one.
    tag = format_tag(Event.DEPRECATION, model)
    if request.force or view.taken(tag):
        tag = format_tag(Event.DEPRECATION, model, counter=view.counter + 1)
    return _plan(request, state, tag, commit, f"Deprecating artifact '{model.full}'")


# -- shared by the commands ------------------------------------------------------------------


def _check_stage(request: Request, state: State) -> None:
    """The stages input decides (checked when parsed); without it, `.gto` at the commit."""
    config = state.snapshot.config
    if request.stages is None and config is not None:
        allowed = config_stages(config)
        if allowed is not None:
            where = f"{CONFIG_FILE} at {state.snapshot.commit}"
            check_allowed(request.stage, allowed, where)


def _target(request: Request, state: State) -> tuple[str, RegisteredVersion | None]:
    """The commit the request is about, and the version registered there (if any)."""
    model, view = request.model, state.view
    if request.version is not None:
        found = view.versions.get(request.version.text)
        if found is None:
            hint = (
                "Check the version (history lists every one), or give its commit instead."
                if request.command is Command.DEREGISTER
                else "Register it first, or give the commit instead of a version."
            )
            raise VersionNotFound(f"{model.full} {request.version} is not registered.", hint)
        commit = found.commit
    else:
        commit = state.snapshot.commit
    held = view.at_commit(commit)
    staged = request.command in STAGED
    if staged and len(held) > 1:
        # GTO files a stage tag under the one version its commit holds, deregistered ones
        # counted (`Artifact.find_version`): with two there it raises ManyVersions and reads
        # no model of the repository at all.
        names = ", ".join(sorted(v.version.text for v in held))
        raise SeveralVersions(
            f"Commit {commit} holds several versions of {model.full} ({names}); GTO could "
            "not read a stage tag on it.",
            SEVERAL_HINT,
        )
    # A commit means its active version; a deregistered one only when it is alone there.
    at_commit = [v for v in held if v.active] or held
    if len(at_commit) > 1 and request.version is None:
        names = ", ".join(sorted(v.version.text for v in at_commit))
        raise SeveralVersions(
            f"Commit {commit} holds several versions of {model.full} ({names}).",
            "Give the version to deregister instead of the commit.",
        )
    if request.version is not None:
        return commit, view.versions[request.version.text]
    return commit, at_commit[0] if at_commit else None


def _registered(request: Request, state: State, hint: str) -> tuple[str, RegisteredVersion]:
    """The target, which must hold a registered version."""
    commit, version = _target(request, state)
    if version is None:
        message = f"Commit {commit} holds no registered version of {request.model.full}."
        raise VersionNotFound(message, hint)
    return commit, version


def _registration(request: Request) -> Request:
    """What assign registers first: the next version, GTO's message, no force."""
    return Request(
        Command.REGISTER,
        request.model,
        request.commit,
        request.tagger,
        bump=request.bump,
        require_annotation=request.require_annotation,
    )


def _plan(
    request: Request,
    state: State,
    tag: str,
    commit: str,
    message: str = "",
    *,
    existing: TagInfo | None = None,
) -> Plan:
    snapshot = state.snapshot
    annotation = model_annotation(
        request.model, snapshot.annotation, snapshot.commit, required=False
    )
    return state.plan(request, tag, commit, message, existing=existing, annotation=annotation)
