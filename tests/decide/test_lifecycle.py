"""assign, unassign, deregister and deprecate decided on snapshots built by hand: no I/O.

Each of GTO's rules, the re-runs this project chooses instead of GTO's refusals, the
counter, the stage order, `.gto`, and `run`'s races with a backend that loses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest

from registry_action.commands.write import ATTEMPTS
from registry_action.core.errors import (
    CommitNotFound,
    InvalidInput,
    InvalidStage,
    ModelNotFound,
    RaceLost,
    SeveralVersions,
    StageError,
    StageNotAssigned,
    TagExists,
    VersionNotFound,
)
from registry_action.core.grammar import Event, ModelName
from registry_action.core.gto_config import config_stages
from registry_action.core.model_view import ModelView
from registry_action.core.repository import Snapshot, Tagger, TagInfo
from registry_action.decide.plan import Plan
from registry_action.decide.request import Request, parse_stages
from tests.helpers import NOW, SHA, TAGGER, A, B, C, at, decide, snap, tag
from tests.helpers import register as run

CHURN = ModelName.parse("churn")


REGISTERED = (tag("churn@v1.0.0", A, at(1)), tag("churn@v1.1.0", B, at(2)))


def req(command: str, **kw: object) -> Request:
    kw.setdefault("model", "churn")
    kw.setdefault("commit", A)
    kw.setdefault("tagger", TAGGER)
    return Request.from_inputs(command, **kw)  # type: ignore[arg-type]


def plan(command: str, *tags: TagInfo, config: str | None = None, **kw: object) -> Plan:
    """Decide on a snapshot read at the request's commit (A unless given)."""
    commit = str(kw.get("commit", A))
    return decide(req(command, **kw), snap(*tags, commit=commit, config=config))


# -- inputs --------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["-prod", "prod-", "p od", "a..b", "p#1", "p!", "ü", "a//b"])
def test_stage_names_follow_gtos_name_grammar(stage: str) -> None:
    with pytest.raises(InvalidStage, match="is not valid"):
        req("assign", stage=stage)


@pytest.mark.parametrize("stage", ["prod", "p", "team/prod", "Pre_Prod-2"])
def test_valid_stage_names(stage: str) -> None:
    assert req("assign", stage=stage).stage == stage


@pytest.mark.parametrize(
    ("command", "kw", "error", "text"),
    [
        ("assign", {}, InvalidInput, "assign needs a stage"),
        ("unassign", {"stage": " "}, InvalidInput, "unassign needs a stage"),
        ("deregister", {"stage": "prod"}, InvalidInput, "deregister takes no stage"),
        ("deprecate", {"stage": "prod"}, InvalidInput, "deprecate takes no stage"),
        ("deprecate", {"version": "v1.0.0"}, InvalidInput, "takes no version"),
        ("assign", {"stage": "qa", "stages": "dev, prod"}, StageError, "allowed stages: dev, prod"),
        ("assign", {"stage": "qa", "stages": "dev,bad name"}, InvalidStage, "'bad name'"),
        ("assign", {"stage": "prod", "message": "a\x00b"}, InvalidInput, "NUL"),
        ("assign", {"stage": "prod", "version": "1.0"}, InvalidInput, "not valid"),
    ],
)
def test_inputs_are_checked_before_any_read(
    command: str, kw: dict[str, str], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=text):
        req(command, **kw)


def test_stages_input_separators() -> None:
    assert parse_stages("dev, staging\nprod,,\n") == ("dev", "staging", "prod")


# -- assign --------------------------------------------------------------------------------


def test_assign_a_version_takes_the_next_counter_of_all_the_models_tags() -> None:
    studio = tag("churn@v0.9.0#7", C, at(0))
    other_model = tag("fraud#prod#40", A, at(0))
    folder_model = tag("cv=churn#prod#41", A, at(0))
    lightweight = tag("churn#qa#9", C, annotated=False)  # GTO counts it too
    chosen = plan(
        "assign", *REGISTERED, studio, other_model, folder_model, lightweight,
        stage="prod", version="v1.0.0",
    )  # fmt: skip
    assert (chosen.tag, chosen.commit, chosen.create) == ("churn#prod#10", A, True)
    assert chosen.message == "Assigning stage prod to artifact churn version v1.0.0"


def test_assign_by_commit_and_a_message() -> None:
    chosen = plan("assign", *REGISTERED, stage="dev", commit=B, message="Ship it")
    assert (chosen.tag, chosen.commit, chosen.message) == ("churn#dev#1", B, "Ship it")


def test_assign_when_already_in_the_stage_is_a_rerun_unless_forced() -> None:
    assigned = tag("churn#prod#3", A, at(5))
    again = plan("assign", *REGISTERED, assigned, stage="prod", version="v1.0.0")
    assert (again.create, again.tag, again.made) == (False, "churn#prod#3", assigned)
    forced = plan("assign", *REGISTERED, assigned, stage="prod", version="v1.0.0", force=True)
    assert (forced.create, forced.tag) == (True, "churn#prod#4")


def test_assign_after_an_unassignment_writes() -> None:
    history = (tag("churn#prod#3", A, at(5)), tag("churn#prod!#4", A, at(6)))
    assert plan("assign", *REGISTERED, *history, stage="prod", version="v1.0.0").tag == (
        "churn#prod#5"
    )


def test_assign_of_an_unregistered_commit_plans_a_registration() -> None:
    chosen = plan("assign", *REGISTERED, stage="prod", commit=C, bump="minor")
    assert chosen.first is not None and (chosen.first.tag, chosen.first.commit) == (
        "churn@v1.2.0",
        C,
    )
    assert (chosen.tag, chosen.commit) == ("churn#prod#1", C)
    assert chosen.message == "Assigning stage prod to artifact churn version v1.2.0"
    skipped = plan("assign", *REGISTERED, stage="prod", commit=C, skip_registration=True)
    assert (skipped.first, skipped.tag, skipped.commit) == (None, "churn#prod#1", C)
    assert skipped.message == f"Assigning stage prod to artifact churn version {C}"


def test_assign_to_a_deregistered_version_is_allowed_as_in_gto() -> None:
    gone = tag("churn@v1.0.0!", A, at(3))
    assert plan("assign", *REGISTERED, gone, stage="prod", commit=A).tag == "churn#prod#1"
    assert plan("assign", *REGISTERED, gone, stage="prod", version="v1.0.0").commit == A


def test_assign_refusals() -> None:
    with pytest.raises(VersionNotFound, match=r"churn v2\.0\.0 is not registered"):
        plan("assign", *REGISTERED, stage="prod", version="v2.0.0")
    with pytest.raises(CommitNotFound):
        decide(req("assign", stage="prod"), replace(snap(*REGISTERED), commit=""))
    both = (*REGISTERED, tag("churn@v1.0.5", A, at(3)))
    for kw in ({"commit": A}, {"version": "v1.0.0"}):
        with pytest.raises(SeveralVersions, match=r"v1\.0\.0, v1\.0\.5"):
            plan("assign", *both, stage="prod", **kw)


# -- allowed stages ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "allowed"),
    [
        ("stages: [dev, prod]\n", ("dev", "prod")),
        ("stages:\n  - dev\n  - team/prod\n", ("dev", "team/prod")),
        ("stages: []\n", ()),  # GTO: every stage refused
        ("stages:\n", None),
        ("stages: null\n", None),
        ("types: [model]\n", None),
        ("", None),
    ],
)
def test_gto_config_stages(text: str, allowed: tuple[str, ...] | None) -> None:
    assert config_stages(text) == allowed


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("stages: [dev\n", "not valid YAML at line"),
        ("- dev\n", "not a YAML mapping"),
        ("stages: dev\n", "not a list of names"),
        ("stages: [[dev]]\n", "not a list of names"),
        ("stages: [bad name]\n", "Stage 'bad name' is not valid"),
        ("stages: &a [dev, *a]\n", "refers to a node that contains it"),
        ("\x00", "not a text file"),
    ],
)
def test_gto_config_errors_point_at_the_file(text: str, problem: str) -> None:
    with pytest.raises(StageError, match=problem) as err:
        config_stages(text)
    assert err.value.file == ".gto"


def test_the_allow_list_applies_to_assign_and_unassign_only() -> None:
    config = "stages: [dev, prod]\n"
    with pytest.raises(
        StageError,
        match=f"Stage 'qa' is not one of the allowed stages: .*add the stage to .gto at {A}",
    ):
        plan("assign", *REGISTERED, stage="qa", version="v1.0.0", config=config)
    with pytest.raises(StageError):
        plan("unassign", *REGISTERED, stage="qa", version="v1.0.0", force=True, config=config)
    assert plan("assign", *REGISTERED, stage="dev", version="v1.0.0", config=config).create
    # The input wins over the file.
    chosen = plan("assign", *REGISTERED, stage="qa", version="v1.0.0", stages="qa", config=config)
    assert chosen.tag == "churn#qa#1"
    assert plan("deregister", *REGISTERED, version="v1.0.0", config="stages: [\n").create


# -- unassign ------------------------------------------------------------------------------


def test_unassign_rules() -> None:
    assigned = tag("churn#prod#1", A, at(5))
    chosen = plan("unassign", *REGISTERED, assigned, stage="prod", version="v1.0.0")
    assert (chosen.tag, chosen.commit) == ("churn#prod!#2", A)
    assert chosen.message == "Unassigning stage 'prod' to artifact 'churn' version 'v1.0.0'"
    # Already unassigned: a re-run (GTO writes another unassignment); force writes one.
    undone = tag("churn#prod!#2", A, at(6))
    again = plan("unassign", *REGISTERED, assigned, undone, stage="prod", commit=A)
    assert (again.create, again.tag) == (False, "churn#prod!#2")
    forced = plan("unassign", *REGISTERED, assigned, undone, stage="prod", commit=A, force=True)
    assert forced.tag == "churn#prod!#3"
    # Never in the stage: refused, as GTO does, unless forced.
    with pytest.raises(StageNotAssigned, match=r"'dev' was never assigned to churn v1\.0\.0"):
        plan("unassign", *REGISTERED, assigned, stage="dev", version="v1.0.0")
    assert plan("unassign", *REGISTERED, stage="dev", version="v1.0.0", force=True).create
    # A stage of another version is not this one's.
    with pytest.raises(StageNotAssigned):
        plan("unassign", *REGISTERED, assigned, stage="prod", version="v1.1.0")


def test_unassign_a_bare_commit_is_refused_as_in_gto() -> None:
    bare = tag("churn#prod#1", C, at(5))
    with pytest.raises(VersionNotFound, match=f"Commit {C} holds no registered version"):
        plan("unassign", *REGISTERED, bare, stage="prod", commit=C)


# -- deregister ----------------------------------------------------------------------------


def test_deregister_rules() -> None:
    chosen = plan("deregister", *REGISTERED, version="v1.1.0")
    assert (chosen.tag, chosen.commit) == ("churn@v1.1.0!", B)
    assert chosen.message == "Deregistering artifact churn version v1.1.0"
    assert plan("deregister", *REGISTERED, commit=A).tag == "churn@v1.0.0!"
    gone = tag("churn@v1.1.0!", B, at(9))
    again = plan("deregister", *REGISTERED, gone, version="v1.1.0")
    assert (again.create, again.made) == (False, gone)
    # Studio registered it again after that: GTO's plain spelling is taken, count instead.
    back = tag("churn@v1.1.0#4", B, at(10))
    assert plan("deregister", *REGISTERED, gone, back, version="v1.1.0").tag == "churn@v1.1.0!#5"
    with pytest.raises(VersionNotFound, match=f"Commit {C} holds no registered version"):
        plan("deregister", *REGISTERED, commit=C)
    several = (*REGISTERED, tag("churn@v1.0.5", A, at(3)))
    with pytest.raises(SeveralVersions, match="Give the version"):
        plan("deregister", *several, commit=A)
    assert plan("deregister", *several, version="v1.0.5").tag == "churn@v1.0.5!"


# -- deprecate -----------------------------------------------------------------------------


def test_deprecate_tags_the_commit_of_the_newest_event() -> None:
    events = (*REGISTERED, tag("churn#prod#1", A, at(30)))
    chosen = plan("deprecate", *events, commit=C)
    assert (chosen.tag, chosen.commit, chosen.message) == (
        "churn@deprecated",
        A,
        "Deprecating artifact 'churn'",
    )
    done = tag("churn@deprecated", A, at(40))
    again = plan("deprecate", *events, done)
    assert (again.create, again.tag) == (False, "churn@deprecated")
    assert plan("deprecate", *events, done, force=True).tag == "churn@deprecated#2"
    # Used again after the deprecation: deprecate again, under the counted name.
    later = tag("churn#dev#2", B, at(50))
    chosen = plan("deprecate", *events, done, later)
    assert (chosen.tag, chosen.commit) == ("churn@deprecated#3", B)


def test_deprecate_a_model_with_no_tags() -> None:
    with pytest.raises(ModelNotFound, match="churn has no registry tags"):
        plan("deprecate", tag("churn@v1.0.0", A, annotated=False))
    forced = plan("deprecate", force=True, commit=C)
    assert (forced.tag, forced.commit) == ("churn@deprecated#1", C)


# -- history -------------------------------------------------------------------------------


def view(*tags: TagInfo) -> ModelView:
    return ModelView.of(CHURN, tags)


def test_stage_state_is_the_newest_event_with_gtos_tie_break() -> None:
    # GTO (VStage.is_active) takes the first of `assignments + unassignments` newest first:
    # within one second an unassignment wins, whatever the counters say.
    same_second = (
        tag("churn#prod#1", A, at(5)),
        tag("churn#prod!#2", A, at(5)),
        tag("churn#prod#3", A, at(5)),
    )
    states = view(*same_second).stages
    assert not states[(A, "prod")].assigned and states[(A, "prod")].tag.name == "churn#prod!#2"
    assigned = view(tag("churn#prod#1", A, at(5)), tag("churn#prod#3", A, at(5))).stages[
        (A, "prod")
    ]
    assert assigned.assigned and assigned.tag.name == "churn#prod#3"  # the last by name
    later = (tag("churn#prod#9", A, at(5)), tag("churn#prod!#2", A, at(6)))
    assert not view(*later).stages[(A, "prod")].assigned
    assert (
        view(tag("churn#prod!#2", A, at(5)), tag("churn#prod#9", A, at(6)))
        .stages[(A, "prod")]
        .assigned
    )
    ignored = (tag("churn#prod#1", A, annotated=False), tag("fraud#prod#2", A, at(9)))
    assert view(*ignored).stages == {}


def test_counter_and_newest_event() -> None:
    tags = (
        tag("churn@v1.0.0", A, at(9)),
        tag("churn#prod#4", A, at(1)),
        tag("churn@v0.1.0#12", B, at(0)),
    )
    assert view(*tags).counter == 12
    assert view().counter == 0
    newest = view(*tags).newest
    assert newest is not None and newest.tag.name == "churn@v1.0.0"
    assert view(*tags).newest_of(Event.ASSIGNMENT) is not None


def test_a_deprecation_in_the_same_second_as_another_event_does_not_hold_as_in_gto() -> None:
    # GTO lists deprecations before the versions' events, so a tie goes to the version.
    tags = (tag("churn#prod!#2", A, at(5)), tag("churn@deprecated", A, at(5)))
    assert view(*tags).deprecation is None
    assert (
        view(tag("churn#prod!#2", A, at(4)), tag("churn@deprecated", A, at(5))).deprecation
        is not None
    )
    assert view(*tags, tag("churn@deprecated#3", A, at(6))).deprecation is not None


# -- run: races ------------------------------------------------------------------------------


@dataclass
class Racing:
    """A backend whose writes lose `losses` races: someone takes the tag just before."""

    snapshot: Snapshot
    losses: int = 0
    reads: int = 0
    created: list[str] = field(default_factory=list)

    def read(self, model: ModelName, commit: str, stages: bool = False) -> Snapshot:
        assert stages
        self.reads += 1
        return self.snapshot

    def reachable(self, commit: str) -> bool:
        return True

    def create_tag(self, name: str, commit: str, message: str, tagger: Tagger) -> TagInfo:
        if self.losses:
            self.losses -= 1
            self.snapshot = replace(self.snapshot, tags=(*self.snapshot.tags, tag(name, B, at(59))))
            raise TagExists(name)
        self.created.append(name)
        return TagInfo(name, commit, annotated=True, sha=SHA, date=NOW)


def test_a_lost_counter_is_read_again_and_the_next_one_taken() -> None:
    backend = Racing(snap(*REGISTERED), losses=2)
    outcome = run(backend, req("assign", stage="prod", version="v1.0.0"))
    assert (outcome.created, backend.reads) == (True, 3)
    assert backend.created == ["churn#prod#3"] and outcome.outputs["tag"] == "churn#prod#3"


def test_endless_races_give_up() -> None:
    backend = Racing(snap(*REGISTERED), losses=99)
    with pytest.raises(RaceLost, match=r"\{serialize\}"):
        run(backend, req("assign", stage="prod", force=True))
    assert backend.reads == ATTEMPTS


def test_run_registers_then_assigns_from_one_read() -> None:
    backend = Racing(snap(*REGISTERED, commit=C))
    outcome = run(backend, req("assign", stage="prod", commit=C))
    assert backend.reads == 1 and backend.created == ["churn@v1.1.1", "churn#prod#1"]
    assert outcome.registration is not None and outcome.registration.created
    out = outcome.outputs
    assert (out["version"], out["commit"], out["is-latest"], out["previous-version"]) == (
        "v1.1.1",
        C,
        "true",
        "v1.1.0",
    )


def test_dry_run_plans_both_tags_and_writes_none() -> None:
    backend = Racing(snap(*REGISTERED, commit=C))
    outcome = run(backend, req("assign", stage="prod", commit=C), dry_run=True)
    assert backend.created == [] and not outcome.created
    assert (outcome.outputs["tag"], outcome.outputs["version"], outcome.outputs["tag-sha"]) == (
        "churn#prod#1",
        "v1.1.1",
        "",
    )


def test_several_versions_on_a_commit_count_deregistered_ones_for_stages() -> None:
    # v1.0.0 deregistered on A, then v1.0.5 registered there (an older tool's --force):
    # GTO still counts v1.0.0 (ManyVersions on any stage tag at A), so no stage goes there.
    history = (*REGISTERED, tag("churn@v1.0.0!", A, at(3)), tag("churn@v1.0.5", A, at(4)))
    for kw in ({"commit": A}, {"version": "v1.0.5"}):
        with pytest.raises(SeveralVersions, match="GTO counts deregistered versions too"):
            plan("assign", *history, stage="prod", **kw)
    # Deregistering by commit means the active one (no stage tag: GTO still reads it).
    assert plan("deregister", *history, commit=A).tag == "churn@v1.0.5!"
    both = (*REGISTERED, tag("churn@v1.0.5", A, at(4)))  # two active ones: which is meant?
    with pytest.raises(SeveralVersions, match=r"v1\.0\.0, v1\.0\.5"):
        plan("assign", *both, stage="prod", commit=A)
