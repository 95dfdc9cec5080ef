"""The promotion policy against a backend: what a `branches:` rule asks of the repository,
and the policy's judgement of an assignment about to be written or already made."""

from __future__ import annotations

from registry_action.backends.base import Backend
from registry_action.core.grammar import Event, parse_tag
from registry_action.core.model_view import ModelView
from registry_action.core.policy import Policy, PolicyError, parse_policy
from registry_action.core.repository import Snapshot, TagInfo
from registry_action.decide import policy
from registry_action.decide.plan import Plan
from registry_action.decide.request import Command

# (commit, branches) -> the branch holding it: each question asked once a run.
Asked = dict[tuple[str, tuple[str, ...]], str]


def policy_of(snapshot: Snapshot) -> policy.Found:
    """The policy the read found at the default branch's head, or why it cannot be read."""
    try:
        text, config = snapshot.policy, snapshot.policy_config
        return policy.Found(parse_policy(text, config, ref=snapshot.policy_ref))
    except PolicyError as err:
        return policy.Found(error=err)


def guard(backend: Backend, plan: Plan, asked: Asked) -> tuple[Plan, policy.Status]:
    """The plan as the policy allows it: refused, or carrying an override
    (`decide.policy.enforce`), before anything is written; and the `policy` output.

    A policy file that cannot be read refuses an assignment (its rules are unknown: fail
    closed) and nothing else (the policy rules only assigning a stage)."""
    read = policy_of(plan.state.snapshot)
    assigns = plan.request.command is Command.ASSIGN
    if assigns and read.error is not None:
        raise read.error
    found = read.policy
    if not assigns or found is None:
        return plan, policy.Status.NONE if found is None else policy.Status.OK
    if not plan.create:  # a re-run: the tag there, as `parse` would judge it
        return plan, judge(backend, read, plan.state.view, plan.made, asked).status
    branch = _branch(backend, found, plan.request.stage, plan.commit, asked)
    allowed = policy.enforce(plan, found, branch)
    overridden = allowed.message != plan.message
    return allowed, policy.Status.OVERRIDDEN if overridden else policy.Status.OK


def judge(
    backend: Backend, read: policy.Found, view: ModelView, tag: TagInfo, asked: Asked
) -> policy.Verdict:
    """Whether the registry tag `tag` (in `view`) kept to the policy `read` found."""
    if read.error is not None:
        return policy.unverifiable(read.error, tag)
    found = read.policy
    parsed = parse_tag(tag.name)
    assigns = found is not None and parsed is not None and parsed.event is Event.ASSIGNMENT
    stage = parsed.stage if parsed and assigns else ""
    branch = _branch(backend, found, stage, tag.commit, asked) if stage else None
    return policy.verify(found, view, tag, branch)


def _branch(
    backend: Backend, found: Policy | None, stage: str, commit: str, asked: Asked
) -> str | None:
    """The rule's branch whose head holds `commit`; None when the rule names none."""
    names = policy.branches_to_ask(found, stage)
    if not names:
        return None
    key = (commit, names)
    if key not in asked:
        asked[key] = backend.on_branch(commit, names)
    return asked[key]
