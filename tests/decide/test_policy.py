"""The policy's decisions, pure: `from` against a direct model over random histories, the
override, `force`, and the registry just before a tag."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry_action.core.grammar import Event, ModelName, format_tag
from registry_action.core.model_view import ModelView
from registry_action.core.policy import PolicyError, PolicyViolation, parse_policy
from registry_action.core.repository import Snapshot, Tagger, TagInfo
from registry_action.decide import policy
from registry_action.decide.dispatch import decide
from registry_action.decide.plan import Plan
from registry_action.decide.request import Request

CHURN = ModelName.parse("churn")
STAGES = ("dev", "staging", "prod")
DVC = "artifacts:\n  churn:\n    path: m.pkl\n"
ME = Tagger("Me", "me@example.com")


def commit_of(version: int) -> str:
    return f"{version:040x}"


def date(second: int) -> str:
    return f"2026-01-01T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"


class History:
    """Tags made one a second, as a test writes them; `#N` as GTO counts."""

    def __init__(self) -> None:
        self.tags: list[TagInfo] = []

    def add(self, event: Event, version: int, stage: str = "") -> TagInfo:
        counter = len(self.tags) + 1 if event is not Event.REGISTRATION else None
        name = format_tag(event, CHURN, version=f"v0.0.{version}", stage=stage, counter=counter)
        made = TagInfo(
            name, commit_of(version), annotated=True, sha=f"{len(self.tags):040x}",
            date=date(len(self.tags) * 7), message=name,
        )  # fmt: skip
        self.tags.append(made)
        return made


def holder_model(events: list[tuple[str, int, str]]) -> dict[str, int]:
    """Which version holds each stage, straight from the events (distinct seconds): among
    versions whose last event for the stage assigns it, the one assigned last."""
    last: dict[tuple[int, str], tuple[int, str]] = {}  # (version, stage) -> (when, kind)
    for when, (kind, version, stage) in enumerate(events):
        if kind != "register":
            last[(version, stage)] = (when, kind)
    held: dict[str, tuple[int, int]] = {}
    for (version, stage), (when, kind) in last.items():
        if kind == "assign" and when > held.get(stage, (-1, 0))[0]:
            held[stage] = (when, version)
    return {stage: version for stage, (_, version) in held.items()}


histories = st.lists(
    st.tuples(st.sampled_from(["assign", "unassign"]), st.integers(1, 3), st.sampled_from(STAGES)),
    max_size=12,
)


def build(steps: list[tuple[str, int, str]]) -> tuple[History, list[tuple[str, int, str]]]:
    history = History()
    events: list[tuple[str, int, str]] = []
    for version in (1, 2, 3):
        history.add(Event.REGISTRATION, version)
        events.append(("register", version, ""))
    for kind, version, stage in steps:
        history.add(Event.ASSIGNMENT if kind == "assign" else Event.UNASSIGNMENT, version, stage)
        events.append((kind, version, stage))
    return history, events


# 150 under hypothesis's default of 100; the profile's share of it in `make test-fast`.
@settings(max_examples=settings.default.max_examples * 3 // 2, deadline=None)
@given(
    histories,
    st.integers(1, 3),
    st.sampled_from(STAGES),
    st.lists(st.sampled_from(STAGES), min_size=1, max_size=2, unique=True),
)
def test_from_is_what_the_version_holds_now(
    steps: list[tuple[str, int, str]], version: int, target: str, sources: list[str]
) -> None:
    history, events = build(steps)
    rules = parse_policy(f"stages:\n  {target}: {{from: [{', '.join(sources)}]}}\n")
    view = ModelView.of(CHURN, history.tags)
    holders = holder_model(events)
    allowed = any(holders.get(source) == version for source in sources)
    broken = policy.violation(rules, target, view, commit_of(version), None)
    assert (broken is None) == allowed, (holders, broken and broken.refusal().message)
    # The same assignment, made and then verified, is judged on the registry before it.
    made = history.add(Event.ASSIGNMENT, version, target)
    verdict = policy.verify(rules, ModelView.of(CHURN, history.tags), made, None)
    assert verdict.status is (policy.Status.OK if allowed else policy.Status.VIOLATED)
    # Overridden, the tag says so, and the judgement stays what it was.
    history.tags[-1] = replace(made, message=policy.with_override(made.message, "why not"))
    again = policy.verify(rules, ModelView.of(CHURN, history.tags), history.tags[-1], None)
    assert again.status is (policy.Status.OK if allowed else policy.Status.OVERRIDDEN)


def test_stages_not_listed_are_free_and_no_file_is_none() -> None:
    history, _ = build([])
    view = ModelView.of(CHURN, history.tags)
    rules = parse_policy("stages:\n  prod: {from: [staging]}\n")
    assert policy.violation(rules, "dev", view, commit_of(1), None) is None
    made = history.add(Event.ASSIGNMENT, 1, "dev")
    assert policy.verify(None, view.with_tag(made), made, None).status is policy.Status.NONE
    registration = history.tags[0]
    assert policy.verify(rules, view, registration, None).status is policy.Status.OK


def test_branches_need_a_branch_that_holds_the_commit() -> None:
    history, _ = build([])
    view = ModelView.of(CHURN, history.tags)
    rules = parse_policy("stages:\n  prod: {branches: [main, release]}\n")
    assert policy.branches_to_ask(rules, "prod") == ("main", "release")
    assert policy.branches_to_ask(rules, "dev") == ()
    assert policy.violation(rules, "prod", view, commit_of(1), "release") is None
    broken = policy.violation(rules, "prod", view, commit_of(1), "")
    assert broken is not None
    refusal = broken.refusal()
    assert "branches: [main, release]" in refusal.message and refusal.line == 2
    assert "Merge the commit to main" in refusal.render()


def test_a_branch_name_prints_as_the_policy_file_spells_it() -> None:
    """Git allows braces in a branch name: the remedy's template is worded by the shell first,
    so a branch `{force}` is not read as the shell's word for force."""
    history, _ = build([])
    rules = parse_policy("stages:\n  prod: {branches: ['{force}']}\n")
    broken = policy.violation(rules, "prod", ModelView.of(CHURN, history.tags), commit_of(1), "")
    assert broken is not None
    said = broken.refusal().render({"force": "set force: true"})  # as the action words it
    assert "Merge the commit to {force} (and" in said and "force: true" not in said


def test_within_one_second_the_counter_orders_the_tags() -> None:
    """assign writes dev, then staging, then prod in one second: `#N` says which came first
    (by name, `churn#prod#3` sorts before `churn#staging#2`)."""
    second = "2026-01-01T00:00:00Z"
    tags = [
        TagInfo("churn@v0.0.1", commit_of(1), annotated=True, date=second),
        TagInfo("churn#staging#2", commit_of(1), annotated=True, date=second),
        TagInfo("churn#prod#3", commit_of(1), annotated=True, date=second),
    ]
    view = ModelView.of(CHURN, tags)
    rules = parse_policy("stages:\n  prod: {from: [staging]}\n  staging: {from: [dev]}\n")
    assert [t.name for t in policy.before(view, tags[2]).tags] == [
        "churn@v0.0.1",
        "churn#staging#2",
    ]
    assert policy.verify(rules, view, tags[2], None).status is policy.Status.OK
    assert policy.verify(rules, view, tags[1], None).status is policy.Status.VIOLATED


def test_the_override_is_the_last_line() -> None:
    message = policy.with_override("Assigning stage prod to artifact churn version v0.0.1", "x y")
    assert message.splitlines()[-1] == "Policy-Override: x y"
    assert policy.override_of(message + "\n") == "x y"
    assert policy.override_of("Policy-Override: early\n\nthen more") == ""
    assert policy.override_of("") == ""


def plan_for(tags: list[TagInfo], *, force: bool = False, override: str = "") -> Plan:
    request = Request.from_inputs(
        "assign", model="churn", commit=commit_of(1), tagger=ME, stage="prod", force=force,
        policy_override=override,
    )  # fmt: skip
    snapshot = Snapshot(commit_of(1), DVC, tuple(tags), reachable=True)
    return decide(request, snapshot, "2026-06-01T00:00:00Z")


def test_assign_is_refused_force_or_not_and_an_override_lets_it_in() -> None:
    history, _ = build([])
    rules = parse_policy("stages:\n  prod: {from: [staging]}\n", ref="main (abc)")
    for force in (False, True):
        with pytest.raises(PolicyViolation) as caught:
            policy.enforce(plan_for(history.tags, force=force), rules, None)
        assert caught.value.file == ".github/registry-policy.yml" and caught.value.line == 2
        assert "from: [staging]" in caught.value.message and "main (abc)" in caught.value.message
        assert "Assign staging first" in caught.value.render()
    let_in = policy.enforce(plan_for(history.tags, override="incident 7"), rules, None)
    assert let_in.message.splitlines()[-1] == "Policy-Override: incident 7"
    assert let_in.message.startswith("Assigning stage prod to artifact churn version v0.0.1")
    history.add(Event.ASSIGNMENT, 1, "staging")
    kept = policy.enforce(plan_for(history.tags, override="not needed"), rules, None)
    assert "Policy-Override" not in kept.message  # nothing overridden, nothing recorded


def test_a_policy_that_cannot_be_read_judges_no_assignment() -> None:
    """Its rules are unknown: an assignment is `unreadable` (neither kept nor broken), on the
    file's line; any other event breaks no rule of any policy; the warning a command the
    policy does not rule gives names the same file and line."""
    with pytest.raises(PolicyError) as caught:
        parse_policy("stages:\n  prod:\n    form: [staging]\n")
    history = History()
    registered = history.add(Event.REGISTRATION, 1)
    assigned = history.add(Event.ASSIGNMENT, 1, "prod")
    assert policy.unverifiable(caught.value, registered) == policy.Verdict(policy.Status.NONE)
    verdict = policy.unverifiable(caught.value, assigned)
    assert verdict.status is policy.Status.UNREADABLE and verdict.violation is not None
    assert (verdict.violation.file, verdict.violation.line) == (".github/registry-policy.yml", 3)
    assert verdict.violation.message.startswith(f"{assigned.name} cannot be verified")
    assert "{verify_policy}" in verdict.violation.hint
    warning = policy.Found(error=caught.value).warning
    assert warning is not None and (warning.file, warning.line) == (verdict.violation.file, 3)
    assert "unknown key 'form'" in warning.message
    assert policy.Found().warning is None
