"""The one write loop every write command shares: read, decide, create, and on a race again.

Each command's decision (`register.register`, `lifecycle.assign`, ...) is a pure function
from a request and one read (`State`) to a `Plan`: the tag to create, the tag that already
records the event (a re-run), or a refusal. `run` carries a plan out against a `Backend`;
when another writer takes the tag first it reads again and decides again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from importlib import import_module
from typing import cast

from .annotations import Annotation
from .backend import Backend, Snapshot, TagInfo
from .errors import CommitNotFound, CommitNotReachable, RaceLost, TagExists
from .outputs import Facts, facts, outputs
from .request import Command, Request
from .view import ModelView

ATTEMPTS = 5  # reads and writes one run may spend when racing other runs


@dataclass(frozen=True)
class State:
    """The repository as one read shows it, and the time a tag planned now would carry."""

    snapshot: Snapshot
    view: ModelView
    now: str  # `YYYY-MM-DDTHH:MM:SSZ`, from the shell

    def plan(
        self,
        request: Request,
        tag: str,
        commit: str,
        message: str = "",
        *,
        existing: TagInfo | None = None,
        annotation: Annotation | None = None,
        first: Plan | None = None,
    ) -> Plan:
        """A plan for `tag` on `commit`; `existing` on a re-run, `first` to create before it."""
        # A planned tag is the model's newest event, even past a skewed clock.
        date = max([self.now, *(t.date for t in self.view.tags)])
        made = existing or TagInfo(tag, commit, annotated=True, date=date)
        return Plan(
            request, made, request.message or message, existing is None, self, annotation, first
        )


@dataclass(frozen=True)
class Plan:
    """What a request means for the repository as read."""

    request: Request
    made: TagInfo  # the tag to create (as planned: no sha yet), or the one already there
    message: str
    create: bool  # False on a re-run: the tag is there, nothing to write
    state: State
    annotation: Annotation | None
    first: Plan | None = None  # create this first (assign registers an unregistered commit)

    @property
    def tag(self) -> str:
        return self.made.name

    @property
    def commit(self) -> str:
        return self.made.commit

    def facts(self, tag: TagInfo, *, created: bool) -> Facts:
        """The facts of the tag this plan made, planned or found."""
        view = self.state.view.with_tag(tag) if self.create else self.state.view
        web_url = self.state.snapshot.web_url
        return facts(view, tag, annotation=self.annotation, web_url=web_url, created=created)


@dataclass(frozen=True)
class Outcome:
    """The result of a run: the tag made (or planned, or found) and the step's outputs."""

    plan: Plan
    tag: TagInfo
    created: bool
    registration: Outcome | None = None  # the version assign registered first

    @cached_property
    def facts(self) -> Facts:
        return self.plan.facts(self.tag, created=self.created)

    @cached_property
    def outputs(self) -> dict[str, str]:
        return outputs(self.facts)


Decide = Callable[[Request, State], Plan]

# Each command's decision, imported only when that command runs.
DECISIONS = {
    Command.REGISTER: "register:register",
    Command.ASSIGN: "lifecycle:assign",
    Command.UNASSIGN: "lifecycle:unassign",
    Command.DEREGISTER: "lifecycle:deregister",
    Command.DEPRECATE: "lifecycle:deprecate",
}


def decide(request: Request, snapshot: Snapshot, now: str) -> Plan:
    """Decide what `request` means for `snapshot`, or raise the refusal that says why not."""
    if not snapshot.commit:
        raise CommitNotFound(
            f"Commit {request.commit!r} was not found in the repository.",
            "Give a full or short sha, a branch or a tag that exists there.",
        )
    if snapshot.reachable is False and not request.trusted:
        raise CommitNotReachable(
            f"Commit {snapshot.commit} is on no branch or tag of the repository. GitHub also "
            "resolves commits that only a fork has, so a tag on it could ship code that was "
            "never pushed here.",
            "Push the commit to a branch of this repository, then run again.",
        )
    module, _, name = DECISIONS[request.command].partition(":")
    decision = cast(Decide, getattr(import_module(f".{module}", __package__), name))
    return decision(request, State(snapshot, ModelView.of(request.model, snapshot.tags), now))


def run(backend: Backend, request: Request, *, now: str, dry_run: bool = False) -> Outcome:
    """Read, decide and (unless a dry run or a re-run) create the tag.

    One read answers every decision; assigning an unregistered commit registers it first
    from that same read. When another writer takes a tag first (the version, the counter,
    the name), read again and decide again.
    """
    registration: Outcome | None = None  # once made, it stays made across attempts
    stages = request.command is not Command.REGISTER
    reachable: dict[str, bool] = {}  # asked at most once a commit
    for _ in range(ATTEMPTS):
        snapshot = backend.read(request.model, request.commit, stages=stages)
        sha = snapshot.commit
        if sha and not request.trusted and snapshot.reachable is not True:
            if sha not in reachable:
                reachable[sha] = backend.reachable(sha)
            snapshot = replace(snapshot, reachable=reachable[sha])
        plan = decide(request, snapshot, now)
        try:
            if plan.first is not None and plan.first.create and not dry_run:
                made = _create(backend, plan.first)
                registration = Outcome(plan.first, made, True)
                # Now the commit holds that version; a failure from here on leaves it
                # registered, and a re-run assigns it.
                plan = decide(request, replace(snapshot, tags=(*snapshot.tags, made)), now)
            elif plan.first is not None:
                registration = Outcome(plan.first, plan.first.made, False)
            if not plan.create or dry_run:
                return Outcome(plan, plan.made, False, registration)
            return Outcome(plan, _create(backend, plan), True, registration)
        except TagExists:
            continue
    raise RaceLost(
        f"Other runs kept taking the tags of {request.model.full}: gave up after "
        f"{ATTEMPTS} attempts.",
        "{serialize}",
    )


def _create(backend: Backend, plan: Plan) -> TagInfo:
    return backend.create_tag(plan.tag, plan.commit, plan.message, plan.request.tagger)
