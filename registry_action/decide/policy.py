"""What the promotion policy says of one assignment: allowed, refused, or let in by an
override; and, for a deploy job, whether an assignment tag kept to it.

Pure: the policy (`core.policy`), the model's registry as it stood just before the
assignment, and the answer a backend gave to "which of these branches holds the commit".

"Holds a stage" means what `gto show` shows: the version a stage holds now
(`ModelView.holders`, GTO's `Artifact.get_vstages`), one version a stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from registry_action.core.errors import RegistryError
from registry_action.core.grammar import Event, parse_tag
from registry_action.core.model_view import ModelView
from registry_action.core.policy import POLICY_FILE, Policy, PolicyError, PolicyViolation, StageRule
from registry_action.core.repository import TagInfo
from registry_action.decide.plan import Plan
from registry_action.decide.request import Command

# The tag message's last line when an assignment went in against the policy; a git trailer,
# so `git interpret-trailers` and `history` show who overrode what, and why.
OVERRIDE = "Policy-Override:"


class Status(StrEnum):
    """The `policy` output."""

    OK = "ok"  # a policy file, and the tag breaks none of its rules
    VIOLATED = "violated"
    OVERRIDDEN = "overridden"  # it breaks a rule, and its message records an override
    NONE = "none"  # no policy file at the default branch's head
    # A policy file that cannot be read: the assignment was not judged, its rules unknown.
    UNREADABLE = "unreadable"


# What a deploy job's read will not vouch for: it fails (or, with verification off, warns).
# `parse` of an assignment that broke the policy or that it could not judge; `show --stage`
# gives a broken rule in its `policy` output, and stops only on what could not be judged.
PARSE_STOPS = (Status.VIOLATED, Status.UNREADABLE)
SHOW_STOPS = (Status.UNREADABLE,)


@dataclass(frozen=True)
class Verdict:
    status: Status
    # The broken rule (a PolicyViolation), or why the tag could not be judged (a PolicyError)
    violation: RegistryError | None = None
    override: str = ""  # the reason recorded in the tag


@dataclass(frozen=True)
class Found:
    """The policy a read found at the default branch's head: `policy` (None: no file), or
    `error` when the file is there and cannot be read."""

    policy: Policy | None = None
    error: PolicyError | None = None

    @property
    def warning(self) -> PolicyError | None:
        """What a command the policy does not rule says of a file it cannot read (it goes
        on as without a policy: the file only rules assigning a stage)."""
        if self.error is None:
            return None
        return PolicyError.restating(
            self.error,
            self.error.message,
            self.error.hint + " Until it is fixed, assign refuses and an assignment cannot "
            "be verified; this command went on as without a policy.",
        )


def held_stages(view: ModelView, commit: str) -> list[str]:
    """The stages the version at `commit` holds now, as `gto show` says, sorted."""
    return sorted(stage for stage, holder in view.holders.items() if holder.commit == commit)


def branches_to_ask(policy: Policy | None, stage: str) -> tuple[str, ...]:
    """The branches whose heads must be asked about the commit; none when no rule says."""
    rule = policy.rule(stage) if policy else None
    return rule.branches or () if rule else ()


@dataclass(frozen=True)
class Broken:
    """A rule an assignment breaks, in words for the refusal and for the verification."""

    policy: Policy
    rule: StageRule
    said: str  # the rule as the file writes it: `from: [staging]`
    needs: str  # what the version had to do: `hold staging`
    found: str  # what it did instead, in the present: `it holds dev`
    found_then: str  # and in the past, for a tag already made
    remedy: str  # a hint template: `Assign {policy_stage} first`
    what: str  # the model and its version
    # The policy file's names the remedy names, filled in after the shell's words: a branch
    # may be called `{force}` (git allows braces), and must print as it is.
    values: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        at = f" at {self.policy.ref}" if self.policy.ref else ""
        line = f", line {self.rule.line}" if self.rule.line else ""
        return f"{POLICY_FILE}{at}{line}: {self.rule.stage}: {{{self.said}}}"

    def refusal(self) -> PolicyViolation:
        stage = self.rule.stage
        return PolicyViolation(
            f"Refused by the promotion policy ({self.where}): {self.what} must {self.needs} "
            f"before it enters {stage}; {self.found}.",
            self.remedy + ", or {policy_override}.",
            file=POLICY_FILE,
            line=self.rule.line,
            values=self.values,
        )

    def broken_by(self, tag: str) -> PolicyViolation:
        stage = self.rule.stage
        return PolicyViolation(
            f"{tag} breaks the promotion policy ({self.where}): {self.what} had to "
            f"{self.needs} before it entered {stage}; {self.found_then}.",
            "Do not deploy it: unassign the stage and promote through the registry workflow "
            "(which records an override, when one is needed), or {verify_policy} to only warn.",
            file=POLICY_FILE,
            line=self.rule.line,
        )


def violation(
    policy: Policy | None, stage: str, view: ModelView, commit: str, branch: str | None
) -> Broken | None:
    """The rule assigning `stage` to the version at `commit` breaks; None when it breaks
    none. `view`: the registry before the assignment. `branch`: the rule's branch whose
    head holds the commit, "" when none does (None when not asked: the rule has none)."""
    rule = policy.rule(stage) if policy else None
    if policy is None or rule is None:
        return None
    what = _what(view, commit)
    held = held_stages(view, commit)
    if rule.sources is not None and not set(rule.sources) & set(held):
        now = ", ".join(held) if held else "no stage"
        return Broken(
            policy, rule, f"from: [{', '.join(rule.sources)}]",
            f"hold {_one_of(rule.sources)}", f"it holds {now}", f"it held {now}",
            "Assign {policy_stage} first", what, {"policy_stage": rule.sources[0]},
        )  # fmt: skip
    if rule.branches is not None and not branch:
        return Broken(
            policy, rule, f"branches: [{', '.join(rule.branches)}]",
            f"be on {_one_of(rule.branches)}",
            f"no such branch head holds its commit {commit}",
            f"no such branch head holds its commit {commit} now",
            "Merge the commit to {policy_branch} (and register the version there)", what,
            {"policy_branch": rule.branches[0]},
        )  # fmt: skip
    return None


def enforce(plan: Plan, policy: Policy | None, branch: str | None) -> Plan:
    """An assignment the policy allows, as planned; one it does not, refused, unless the
    request overrides the policy: then its message records why, on its last line.

    `force` does not bypass the policy: it only rewrites a tag the registry has already.
    """
    request = plan.request
    if request.command is not Command.ASSIGN or not plan.create:
        return plan  # a re-run writes nothing: the assignment was judged when it was made
    state = plan.state
    view = state.view.with_tag(plan.first.made) if plan.first else state.view
    broken = violation(policy, request.stage, view, plan.commit, branch)
    if broken is None:
        return plan
    if not request.policy_override:
        raise broken.refusal()
    return replace(plan, message=with_override(plan.message, request.policy_override))


def with_override(message: str, reason: str) -> str:
    """`message` with `Policy-Override: REASON` as its last line (after a blank line, as git
    trailers are)."""
    return f"{message.rstrip()}\n\n{OVERRIDE} {reason}"


def override_of(message: str) -> str:
    """The reason a tag message's last line records; empty when it records none."""
    lines = message.rstrip().splitlines()
    last = lines[-1] if lines else ""
    return last[len(OVERRIDE) :].strip() if last.startswith(OVERRIDE) else ""


def before(view: ModelView, tag: TagInfo) -> ModelView:
    """The model's registry just before `tag` was made: every tag older than it.

    Tagger dates have one-second steps and a run writes several tags in one second, so
    within a second the counter (`#N`, one more than the greatest before it: GTO's
    `_get_max_counter`) tells the order; a tag without one (a registration as gto writes
    it) is taken as made before (assign registers first).
    """
    mine = parse_tag(tag.name)
    counter = mine.counter if mine and mine.counter is not None else None

    def older(other: TagInfo) -> bool:
        if other.name == tag.name:
            return False
        if other.date != tag.date:
            return other.date < tag.date
        theirs = parse_tag(other.name)
        if counter is None or theirs is None or theirs.counter is None:
            return True
        return theirs.counter < counter

    return ModelView.of(view.model, [t for t in view.tags if older(t)])


def unverifiable(error: PolicyError, tag: TagInfo) -> Verdict:
    """An assignment `tag` judged by a policy file that cannot be read: not judged, and a
    deploy job must not take it as kept (fail closed); any other event breaks no rule of any
    policy, as without one."""
    parsed = parse_tag(tag.name)
    if parsed is None or parsed.event is not Event.ASSIGNMENT:
        return Verdict(Status.NONE)
    return Verdict(
        Status.UNREADABLE,
        PolicyError.restating(
            error,
            f"{tag.name} cannot be verified against the promotion policy: {error.message}",
            error.hint + " Fix the file on the default branch, or {verify_policy} to only warn.",
        ),
    )


def verify(policy: Policy | None, view: ModelView, tag: TagInfo, branch: str | None) -> Verdict:
    """Whether assignment `tag` (in `view`) kept to the policy, judged on the registry just
    before it; any other event breaks no rule."""
    if policy is None:
        return Verdict(Status.NONE)
    parsed = parse_tag(tag.name)
    if parsed is None or parsed.event is not Event.ASSIGNMENT:
        return Verdict(Status.OK)
    broken = violation(policy, parsed.stage, before(view, tag), tag.commit, branch)
    if broken is None:
        return Verdict(Status.OK)
    reason = override_of(tag.message)
    if reason:
        return Verdict(Status.OVERRIDDEN, broken.broken_by(tag.name), reason)
    return Verdict(Status.VIOLATED, broken.broken_by(tag.name))


def _what(view: ModelView, commit: str) -> str:
    version = view.version_at(commit)
    return f"{view.model.full} {version.text}" if version else f"{view.model.full} at {commit}"


def _one_of(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else "one of " + ", ".join(names)
