"""The promotion policy against a backend: what a `branches:` rule asks of the repository,
and the policy's judgement of an assignment about to be written or already made."""

from __future__ import annotations

from registry_action.backends.base import Backend
from registry_action.core.grammar import Event, parse_tag
from registry_action.core.model_view import ModelView
from registry_action.core.policy import Policy, parse_policy
from registry_action.core.repository import Snapshot, TagInfo
from registry_action.decide import policy
from registry_action.decide.plan import Plan
from registry_action.decide.request import Command

# (commit, branches) -> the branch holding it: each question asked once a run.
Asked = dict[tuple[str, tuple[str, ...]], str]


def policy_of(snapshot: Snapshot) -> Policy | None:
    """The policy the read found at the default branch's head; None when it has none."""
    return parse_policy(snapshot.policy, snapshot.policy_config, ref=snapshot.policy_ref)


def guard(backend: Backend, plan: Plan, asked: Asked) -> tuple[Plan, policy.Status]:
    """The plan as the policy allows it: refused, or carrying an override
    (`decide.policy.enforce`), before anything is written; and the `policy` output."""
    found = policy_of(plan.state.snapshot)
    if plan.request.command is not Command.ASSIGN or found is None:
        return plan, policy.Status.NONE if found is None else policy.Status.OK
    if not plan.create:  # a re-run: the tag there, as `parse` would judge it
        return plan, judge(backend, found, plan.state.view, plan.made, asked).status
    branch = _branch(backend, found, plan.request.stage, plan.commit, asked)
    allowed = policy.enforce(plan, found, branch)
    overridden = allowed.message != plan.message
    return allowed, policy.Status.OVERRIDDEN if overridden else policy.Status.OK


def judge(
    backend: Backend, found: Policy | None, view: ModelView, tag: TagInfo, asked: Asked
) -> policy.Verdict:
    """Whether the registry tag `tag` (in `view`) kept to the policy `found`."""
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
