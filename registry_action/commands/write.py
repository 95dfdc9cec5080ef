"""The one write loop every write command shares: read, decide, create, and on a race again.

`run` carries a decision's plan out against a `Backend`; when another writer takes the tag
first it reads again and decides again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from registry_action.backends.base import Backend
from registry_action.commands import content
from registry_action.commands.artifact import artifact, first_files, uses_dvc
from registry_action.commands.policy import Asked, guard, policy_of
from registry_action.commands.read import annotation_of, snapshot_at
from registry_action.core.content import ModelChange
from registry_action.core.dvc_files import Artifact
from registry_action.core.errors import RaceLost, TagExists
from registry_action.core.grammar import Event, parse_tag
from registry_action.core.model_view import ModelView
from registry_action.core.outputs import Facts, nothing_outputs, outputs
from registry_action.core.policy import PolicyError
from registry_action.core.repository import Snapshot, TagInfo
from registry_action.core.versions import Bump
from registry_action.decide.changes import if_changed
from registry_action.decide.dispatch import decide
from registry_action.decide.labels import Labelled, from_labels
from registry_action.decide.plan import Plan
from registry_action.decide.policy import Status
from registry_action.decide.request import Command, Request

ATTEMPTS = 5  # reads and writes one run may spend when racing other runs


@dataclass(frozen=True)
class Outcome:
    """The result of a run: the tag made (or planned, or found) and the step's outputs."""

    plan: Plan
    tag: TagInfo
    created: bool
    registration: Outcome | None = None  # the version assign registered first
    artifact: Artifact | None = None  # the version's DVC output, at its commit
    policy: Status = Status.NONE  # what the promotion policy says of the tag
    labelled: Labelled | None = None  # what `bump: labels` read; None: no lookup was made
    change: ModelChange | None = None  # a registration's content against the latest version's

    @cached_property
    def facts(self) -> Facts:
        found = self.plan.facts(self.tag, created=self.created)
        change = self.change.change if self.change else None
        return replace(found, artifact=self.artifact, change=change)

    @cached_property
    def outputs(self) -> dict[str, str]:
        return outputs(self.facts, policy=self.policy.value)

    @cached_property
    def warning(self) -> PolicyError | None:
        """A policy file that cannot be read, for a command it does not rule (`guard` has
        refused an assignment under one)."""
        return policy_of(self.plan.state.snapshot).warning


class NotRegistered(Exception):
    """`bump: labels` read `bump:none`: nothing was (or would be) written.

    Raised out of `run` rather than returned, as no tag is there to report; the shells
    turn it into exit 0, `created=false` and a notice of which pull request said so."""

    def __init__(self, request: Request, snapshot: Snapshot, labelled: Labelled) -> None:
        pr = labelled.pull_request
        which = f"#{pr.number}" if pr else ""
        which += f" ({pr.html_url})" if pr and pr.html_url else ""
        super().__init__(
            f"Registered nothing for {request.model.full} at commit {snapshot.commit}: "
            f"pull request {which} has label {labelled.label}."
        )
        self.labelled = labelled
        latest = ModelView.of(request.model, snapshot.tags).latest
        self.outputs = nothing_outputs(request.model, snapshot.commit, latest)


def run(
    backend: Backend, request: Request, *, now: str, dry_run: bool = False, remote_url: str = ""
) -> Outcome:
    """Read, decide and (unless a dry run or a re-run) create the tag.

    One read answers every decision; assigning an unregistered commit registers it first
    from that same read. When another writer takes a tag first (the version, the counter,
    the name), read again and decide again.
    """
    registration: Outcome | None = None  # once made, it stays made across attempts
    stages = request.command is not Command.REGISTER
    reachable: dict[str, bool] = {}  # asked at most once a commit
    tagged: dict[str, Snapshot] = {}  # the commits tags go on, read at most once each
    branches: Asked = {}  # the policy's questions, each asked once
    asked: list[Labelled] = []  # `bump: labels`: the pull requests, asked at most once
    original = request
    if request.bump is Bump.LABELS:  # decided as patch until the labels are read
        request = replace(request, bump=Bump.PATCH)
    for _ in range(ATTEMPTS):
        snapshot = backend.read(
            request.model, request.commit, stages=stages, files=first_files(request.model)
        )
        sha = snapshot.commit
        if sha and not request.trusted and snapshot.reachable is not True:
            if sha not in reachable:
                reachable[sha] = backend.reachable(sha)
            snapshot = replace(snapshot, reachable=reachable[sha])
        planned, there = _at_tag(backend, decide(request, snapshot, now), snapshot, tagged)
        plan, verdict = guard(backend, planned, branches)  # before any write
        change = None
        if request.command is Command.REGISTER:
            plan, there, change = _compare(backend, plan, there, remote_url)
            plan = _by_labels(backend, original, plan, now, asked)
        labelled = asked[0] if asked else None
        try:
            if plan.first is not None and plan.first.create and not dry_run:
                made = _create(backend, plan.first)
                registration = Outcome(plan.first, made, True, policy=_breaks_none(verdict))
                # Now the commit holds that version; a failure from here on leaves it
                # registered, and a re-run assigns it.
                after = replace(snapshot, tags=(*snapshot.tags, made))
                plan, verdict = guard(backend, decide(request, after, now), branches)
            elif plan.first is not None:
                first = plan.first
                registration = Outcome(first, first.made, False, policy=_breaks_none(verdict))
            found = _artifact(backend, plan, there, remote_url) if plan.made.commit else None
            created = plan.create and not dry_run
            tag = _create(backend, plan) if created else plan.made
            return Outcome(plan, tag, created, registration, found, verdict, labelled, change)
        except TagExists:
            continue
    raise RaceLost(
        f"Other runs kept taking the tags of {request.model.full}: gave up after "
        f"{ATTEMPTS} attempts.",
        "{serialize}",
    )


def _by_labels(
    backend: Backend, request: Request, plan: Plan, now: str, asked: list[Labelled]
) -> Plan:
    """The registration with the part `bump: labels` reads from the pull request's labels.

    The lookup is paid only for a new version: every refusal is decided first (with patch,
    which no refusal depends on), and neither a re-run (the commit holds a version, which
    names it) nor an unchanged model under `if-changed` asks. Raises NotRegistered for
    `bump:none`.
    """
    snapshot = plan.state.snapshot
    if request.bump is not Bump.LABELS or not plan.create or plan.unchanged:
        return plan
    if plan.state.view.at_commit(snapshot.commit):
        return plan
    if not asked:
        pulls = backend.pull_requests(snapshot.commit)
        chosen = from_labels(pulls, snapshot.commit, snapshot.default_branch, local=snapshot.local)
        asked.append(chosen)
    if asked[0].bump is None:
        raise NotRegistered(request, snapshot, asked[0])
    return decide(replace(request, bump=asked[0].bump), snapshot, now)


def _breaks_none(verdict: Status) -> Status:
    """A registration's `policy`: it breaks no rule, when there is a policy."""
    return Status.NONE if verdict is Status.NONE else Status.OK


def _at_tag(
    backend: Backend, plan: Plan, snapshot: Snapshot, tagged: dict[str, Snapshot]
) -> tuple[Plan, Snapshot]:
    """The plan with the annotation as of the commit its tag goes on, and that commit's read.

    assign, unassign, deregister by `version` and deprecate tag a commit other than the one
    read: their outputs (path, description, labels, OCI metadata, the artifact) are then
    what `parse` and `show` give for the same tag. One more read, only when they differ.
    """
    if plan.commit == snapshot.commit or plan.request.command is Command.REGISTER:
        return plan, snapshot
    if plan.commit not in tagged:
        tagged[plan.commit] = snapshot_at(backend, plan.request.model, plan.commit, snapshot)
    there = tagged[plan.commit]
    return replace(plan, annotation=annotation_of(plan.request.model, there)), there


def _compare(
    backend: Backend, plan: Plan, there: Snapshot, remote_url: str
) -> tuple[Plan, Snapshot, ModelChange]:
    """A registration's content against its greatest active version's (one read of files,
    which also brings the artifact's), and with `if-changed` the plan that skips the write.
    A repository without DVC pays that read only with `if-changed`."""
    request = plan.request
    read = request.if_changed or uses_dvc(there, remote_url)
    view = plan.state.view
    found, there, then = content.registration(
        backend, request.model, there, plan.annotation, view, read=read
    )
    skip = if_changed(plan, found, then.annotation if then else None)
    if skip is plan or then is None or found.version is None:
        return plan, there, found
    # The outputs are the version's that holds the content, as `parse` of its tag gives.
    at = replace(there, commit=found.version.commit, files=then.files)
    return skip, at, found


def _artifact(backend: Backend, plan: Plan, there: Snapshot, remote_url: str) -> Artifact | None:
    """The artifact the tag's version names, read at the tag's commit (`there`)."""
    parsed = parse_tag(plan.tag)
    if parsed is None or parsed.event is Event.DEPRECATION:  # names no version: no bytes
        return None
    return artifact(backend, plan.request.model, there, plan.annotation, remote_url=remote_url)


def _create(backend: Backend, plan: Plan) -> TagInfo:
    return backend.create_tag(plan.tag, plan.commit, plan.message, plan.request.tagger)
