"""Which decision a write command takes, and the checks every write shares before it."""

from __future__ import annotations

from collections.abc import Callable

from registry_action.core.errors import CommitNotFound, CommitNotReachable
from registry_action.core.model_view import ModelView
from registry_action.core.repository import Snapshot
from registry_action.decide import lifecycle
from registry_action.decide.plan import Plan, State
from registry_action.decide.register import register
from registry_action.decide.request import Command, Request

Decide = Callable[[Request, State], Plan]

DECISIONS: dict[Command, Decide] = {
    Command.REGISTER: register,
    Command.ASSIGN: lifecycle.assign,
    Command.UNASSIGN: lifecycle.unassign,
    Command.DEREGISTER: lifecycle.deregister,
    Command.DEPRECATE: lifecycle.deprecate,
}


def decide(request: Request, snapshot: Snapshot, now: str) -> Plan:
    """Decide what `request` means for `snapshot`, or raise the refusal that says why not."""
    if not snapshot.commit:
        raise CommitNotFound(
            f"Commit {request.commit!r} was not found in the repository.",
            "Give a full or short sha, a branch or a tag that exists there.",
        )
    if snapshot.reachable is False and not request.trusted and snapshot.local:
        raise CommitNotReachable(
            f"Commit {snapshot.commit} is dangling: neither HEAD nor any branch or tag of the "
            "clone holds it (e.g. one a rebase or reset left behind).",
            "Check it out or put a branch on it (git branch NAME SHA), then run again.",
        )
    if snapshot.reachable is False and not request.trusted:
        raise CommitNotReachable(
            f"Commit {snapshot.commit} is on no branch or tag of the repository. GitHub also "
            "resolves commits that only a fork has, so a tag on it could ship code that was "
            "never pushed here.",
            "Push the commit to a branch of this repository, then run again.",
        )
    view = ModelView.of(request.model, snapshot.tags)
    return DECISIONS[request.command](request, State(snapshot, view, now))
