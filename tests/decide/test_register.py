"""The registry's decisions, on snapshots built by hand: no I/O, every rule of the issue."""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial

import pytest

from registry_action.commands.write import ATTEMPTS
from registry_action.core.errors import (
    AnnotationError,
    CommitNotFound,
    CommitNotReachable,
    InvalidInput,
    InvalidName,
    InvalidVersion,
    RaceLost,
    SeveralVersions,
    TagExists,
    VersionAlreadyRegistered,
    VersionExistsForCommit,
)
from registry_action.core.grammar import ModelName, parse_tag
from registry_action.core.outputs import LISTS
from registry_action.core.repository import Snapshot, Tagger, TagInfo
from registry_action.decide.plan import Plan
from registry_action.decide.request import Request, check_commit
from tests.helpers import NOW, TAGGER, A, B, C, decide, register, snap, tag

DVC = """\
artifacts:
  churn:
    path: models/churn.pkl
    type: model
    desc: Churn
    labels: [tabular]
  fraud: {}
"""
snap = partial(snap, annotation=DVC)  # this file's dvc.yaml: two models, one described


def version_of(plan: Plan) -> str:
    parsed = parse_tag(plan.tag)
    assert parsed is not None
    return parsed.version


def req(model: str = "churn", **kw: object) -> Request:
    kw.setdefault("commit", A)
    kw.setdefault("tagger", TAGGER)
    return Request.from_inputs(model=model, **kw)  # type: ignore[arg-type]


# -- input validation ------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["0.0.1", "v1.0", "v1.0.new", "V1.0.0", "v01.0.0", "v1.0.0.0"])
def test_invalid_versions_are_refused_before_any_read(version: str) -> None:
    with pytest.raises(InvalidVersion):
        req(version=version)


@pytest.mark.parametrize(
    "model", ["", "-churn", "churn-", "a b", "cv:", "c@v", "x:..y", "a..b:c", "a#b"]
)
def test_invalid_names_are_refused(model: str) -> None:
    with pytest.raises(InvalidName):
        req(model)


@pytest.mark.parametrize("commit", ["", " ", "main:secret.txt", "-n", "a b", "HEAD^{tree}", "x..y"])
def test_invalid_commit_inputs_are_refused(commit: str) -> None:
    with pytest.raises(InvalidInput):
        check_commit(commit)


@pytest.mark.parametrize("commit", ["HEAD", "main", "feature/x", "v1.0.0", "abc1234", A])
def test_commit_inputs_accepted(commit: str) -> None:
    assert check_commit(commit) == commit
    # gto hands a revision to git as typed, and git resolves no ` HEAD`: refused, not
    # trimmed (the action's inputs are trimmed before they get here).
    with pytest.raises(InvalidInput, match="spaces around it"):
        check_commit(f" {commit}\n")


def test_bump_must_be_known() -> None:
    with pytest.raises(InvalidInput, match="patch, minor, major"):
        req(bump="huge")


def test_nul_in_message_is_refused() -> None:
    with pytest.raises(InvalidInput):
        req(message="a\x00b")


# -- first versions and bumps ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("bump", "first"), [("patch", "v0.0.1"), ("minor", "v0.1.0"), ("major", "v1.0.0")]
)
def test_first_version_by_bump(bump: str, first: str) -> None:
    plan = decide(req(bump=bump), snap())
    assert (plan.create, plan.tag, version_of(plan)) == (True, f"churn@{first}", first)


def test_bump_from_greatest_active_version_by_semver_not_date() -> None:
    tags = (
        tag("churn@v1.2.0", B, "2026-01-01T00:00:00Z"),
        tag("churn@v1.10.0", B, "2026-01-02T00:00:00Z"),
        tag("churn@v1.9.0", B, "2026-01-03T00:00:00Z"),
        tag("fraud@v9.0.0", B),
    )
    assert version_of(decide(req(), snap(*tags))) == "v1.10.1"
    assert version_of(decide(req(bump="minor"), snap(*tags))) == "v1.11.0"
    assert version_of(decide(req(bump="major"), snap(*tags))) == "v2.0.0"


def test_prereleases_count_for_greatest() -> None:
    tags = (tag("churn@v1.0.0", B), tag("churn@v2.0.0-rc.1", C))
    plan = decide(req(), snap(*tags))
    assert plan.state.view.latest is not None and plan.state.view.latest.text == "v2.0.0-rc.1"
    assert version_of(plan) == "v2.0.1"  # GTO bumps with semver, which drops the prerelease


def test_deregistered_versions_are_not_bumped_from_and_their_names_are_skipped() -> None:
    tags = (
        tag("churn@v1.0.0", B, "2026-01-01T00:00:00Z"),
        tag("churn@v1.0.1", C, "2026-01-01T00:00:00Z"),
        tag("churn@v1.0.1!", C, "2026-01-02T00:00:00Z"),
    )
    plan = decide(req(), snap(*tags))
    assert plan.state.view.latest is not None and plan.state.view.latest.text == "v1.0.0"
    assert version_of(plan) == "v1.0.2"


def test_studio_counter_spelling_is_read() -> None:
    plan = decide(req(), snap(tag("churn@v0.3.0#7", B)))
    assert version_of(plan) == "v0.3.1"
    with pytest.raises(VersionAlreadyRegistered, match=B):
        decide(req(version="v0.3.0"), snap(tag("churn@v0.3.0#7", B)))


def test_lightweight_tags_are_ignored_like_gto_does() -> None:
    assert version_of(decide(req(), snap(tag("churn@v5.0.0", B, annotated=False)))) == "v0.0.1"


def test_lightweight_tag_holding_the_exact_name_is_a_clear_refusal() -> None:
    with pytest.raises(VersionAlreadyRegistered, match="lightweight"):
        decide(req(version="v5.0.0"), snap(tag("churn@v5.0.0", B, annotated=False)))


def test_tags_of_other_models_and_folders_do_not_count() -> None:
    tags = (tag("churn-v2@v3.0.0", B), tag("cv=churn@v4.0.0", B), tag("churn#prod#3", B))
    assert version_of(decide(req(), snap(*tags))) == "v0.0.1"
    cv = decide(req("cv:churn", require_annotation=False), snap(*tags))
    assert (cv.tag, version_of(cv)) == ("cv=churn@v4.0.1", "v4.0.1")


# -- explicit versions -----------------------------------------------------------------------


def test_explicit_version_taken_on_another_commit_names_that_commit() -> None:
    with pytest.raises(VersionAlreadyRegistered) as err:
        decide(req(version="v1.0.0"), snap(tag("churn@v1.0.0", B)))
    assert B in str(err.value) and "choose another version" in str(err.value)


def test_explicit_version_that_was_deregistered_is_refused() -> None:
    tags = (
        tag("churn@v1.0.0", A, "2026-01-01T00:00:00Z"),
        tag("churn@v1.0.0!", A, "2026-01-02T00:00:00Z"),
    )
    with pytest.raises(VersionExistsForCommit, match="deregistered since"):
        decide(req(version="v1.0.0"), snap(*tags))  # on its own commit: force re-registers it
    with pytest.raises(VersionAlreadyRegistered, match="deregistered"):
        decide(req(version="v1.0.0"), snap(*tags, commit=B))


def test_lower_versions_may_be_registered_and_are_not_latest() -> None:
    tags = (tag("churn@v0.5.0", C), tag("churn@v1.0.0", B))
    plan = decide(req(version="v0.9.0"), snap(*tags))
    assert plan.create
    result = register(_Fixed(snap(*tags)), req(version="v0.9.0"), dry_run=True)
    assert result.outputs["is-latest"] == "false"
    assert result.outputs["latest-version"] == "v1.0.0"
    # The greatest active version lower than this one, not the latest before the run.
    assert result.outputs["previous-version"] == "v0.5.0"
    alone = register(_Fixed(snap(tags[1])), req(version="v0.9.0"), dry_run=True)
    assert alone.outputs["previous-version"] == ""


def test_commit_with_an_active_version_takes_no_other_even_forced() -> None:
    # GTO: "For this REF you can only register v1.0.0", --force or not; a second version
    # on the commit would leave GTO unable to read a stage tag there (ManyVersions).
    for force in (False, True):
        with pytest.raises(VersionExistsForCommit, match=r"registers only v1\.0\.0 there"):
            decide(req(version="v2.0.0", force=force), snap(tag("churn@v1.0.0", A)))


def test_a_commit_whose_version_was_deregistered_takes_only_that_version_again() -> None:
    # GTO counts the deregistered version: that commit can hold v1.0.0 alone.
    tags = (
        tag("churn@v1.0.0", A, "2026-01-01T00:00:00Z"),
        tag("churn@v1.0.0!", A, "2026-01-02T00:00:00Z"),
    )
    for kw in ({"version": "v2.0.0"}, {}):
        with pytest.raises(VersionExistsForCommit, match="deregistered since"):
            decide(req(**kw), snap(*tags))
    with pytest.raises(VersionExistsForCommit, match=r"registers only v1\.0\.0"):
        decide(req(version="v2.0.0", force=True), snap(*tags))
    # --force registers the commit's own version again, in the counted spelling (its plain
    # tag is taken), as `gto register --force` would if that name were free.
    for kw in ({"version": "v1.0.0"}, {}):
        again = decide(req(force=True, **kw), snap(*tags))
        assert again.create and again.tag == "churn@v1.0.0#1" and again.commit == A


def test_a_commit_holding_several_versions_takes_none() -> None:
    # Made by hand or by an older tool: read, and a re-run of either is reported, but
    # nothing more is registered there.
    tags = (tag("churn@v1.0.0", A), tag("churn@v1.0.5", A))
    rerun = decide(req(version="v1.0.5"), snap(*tags))
    assert not rerun.create and rerun.tag == "churn@v1.0.5"
    for kw in ({}, {"force": True}, {"version": "v2.0.0", "force": True}):
        with pytest.raises(SeveralVersions, match="GTO counts deregistered versions too"):
            decide(req(**kw), snap(*tags))


def test_reregistered_after_deregistration_by_date_is_active() -> None:
    tags = (
        tag("churn@v1.0.0!", A, "2026-01-01T00:00:00Z"),
        tag("churn@v1.0.0#3", A, "2026-01-02T00:00:00Z"),
    )
    assert version_of(decide(req(), snap(*tags, commit=B))) == "v1.0.1"


# -- re-runs ---------------------------------------------------------------------------------


def test_rerun_of_explicit_version_on_same_commit_creates_nothing() -> None:
    plan = decide(req(version="v1.0.0"), snap(tag("churn@v1.0.0", A)))
    assert not plan.create and plan.made == tag("churn@v1.0.0", A)


def test_rerun_of_bump_on_commit_that_holds_a_version_reports_it() -> None:
    plan = decide(req(), snap(tag("churn@v1.0.0", A), tag("churn@v1.1.0", B)))
    assert not plan.create and version_of(plan) == "v1.0.0"


def test_forced_bump_on_commit_that_holds_a_version_reports_it() -> None:
    # `gto register --force` re-registers the commit's own version; it is there already.
    plan = decide(req(force=True), snap(tag("churn@v1.0.0", A)))
    assert not plan.create and version_of(plan) == "v1.0.0"


# -- commit and annotation -------------------------------------------------------------------


def test_unknown_commit() -> None:
    with pytest.raises(CommitNotFound, match="nope"):
        decide(req(commit="nope"), snap(commit=""))


def test_model_missing_from_dvc_yaml_lists_the_declared_models() -> None:
    with pytest.raises(AnnotationError) as err:
        decide(req("chrun"), snap())
    assert "dvc.yaml" in str(err.value) and "churn, fraud" in str(err.value)
    assert err.value.file == "dvc.yaml"


def test_missing_dvc_yaml_names_the_file_of_the_folder() -> None:
    with pytest.raises(AnnotationError, match=r"cv/dvc\.yaml"):
        decide(req("cv:seg"), snap(annotation=None))


def test_annotation_not_required() -> None:
    plan = decide(req("cv:seg", require_annotation=False), snap(annotation=None))
    assert plan.annotation is None and plan.tag == "cv=seg@v0.0.1"


def test_outputs_on_a_dry_run() -> None:
    result = register(
        _Fixed(snap(tag("churn@v1.2.3", B))), req(version="v2.0.0-rc.1+b.5"), dry_run=True
    )
    out = result.outputs
    assert not result.created
    assert {k: out[k] for k in ("event", "name", "tag", "semver", "major", "minor", "patch")} == {
        "event": "registration",
        "name": "churn",
        "tag": "churn@v2.0.0-rc.1+b.5",
        "semver": "2.0.0-rc.1+b.5",
        "major": "2",
        "minor": "0",
        "patch": "0",
    }
    assert (out["prerelease"], out["build"], out["commit"], out["created"]) == (
        "rc.1",
        "b.5",
        A,
        "false",
    )
    assert (out["is-latest"], out["latest-version"], out["previous-version"]) == (
        "true",
        "v2.0.0-rc.1+b.5",
        "v1.2.3",
    )
    assert (out["path"], out["type"], out["description"], out["model-labels"]) == (
        "models/churn.pkl",
        "model",
        "Churn",
        '["tabular"]',
    )
    assert out["tag-url"] == "https://github.test/acme/models/releases/tag/churn@v2.0.0-rc.1%2Bb.5"
    lists = {k: out[k].split("\n") if out[k] else [] for k in LISTS}  # one a line, as text
    assert json.loads(out["json"]) == {k: v for k, v in out.items() if k != "json"} | lists


def test_default_message_is_gtos() -> None:
    plan = decide(req("cv:seg", require_annotation=False), snap())
    assert plan.message == "Registering artifact cv:seg version v0.0.1"


def test_model_labels_output_is_empty_json_list_without_annotation() -> None:
    out = register(
        _Fixed(snap(annotation=None)), req(require_annotation=False), dry_run=True
    ).outputs
    assert out["model-labels"] == "[]" and out["path"] == ""


# -- races -----------------------------------------------------------------------------------


class _Fixed:
    """A backend whose reads return queued snapshots and whose creates succeed or lose."""

    def __init__(self, *reads: Snapshot, lose: int = 0) -> None:
        self.reads = list(reads)
        self.lose = lose
        self.count = 0  # reads
        self.asked: list[str] = []  # reachability questions
        self.created: list[str] = []

    def read(self, model: ModelName, commit: str, stages: bool = False) -> Snapshot:
        self.count += 1
        return self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]

    def reachable(self, commit: str) -> bool:
        self.asked.append(commit)
        return commit != C  # C stands for a commit only a fork has

    def create_tag(self, tag_name: str, commit: str, message: str, tagger: Tagger) -> TagInfo:
        if self.lose:
            self.lose -= 1
            raise TagExists(tag_name)
        self.created.append(tag_name)
        return TagInfo(tag_name, commit, annotated=True, sha="e" * 40, date=NOW)


def test_auto_bump_that_loses_a_race_rereads_and_takes_the_next_version() -> None:
    backend = _Fixed(snap(), snap(tag("churn@v0.0.1", B)), lose=1)
    result = register(backend, req())
    assert backend.created == ["churn@v0.0.2"] and backend.count == 2 and result.created


def test_explicit_version_that_loses_a_race_names_the_winner() -> None:
    backend = _Fixed(snap(), snap(tag("churn@v1.0.0", B)), lose=1)
    with pytest.raises(VersionAlreadyRegistered, match=B):
        register(backend, req(version="v1.0.0"))
    assert backend.created == []


def test_explicit_version_race_won_by_the_same_commit_is_a_rerun() -> None:
    backend = _Fixed(snap(), snap(tag("churn@v1.0.0", A)), lose=1)
    result = register(backend, req(version="v1.0.0"))
    assert not result.created and result.outputs["tag"] == "churn@v1.0.0"


def test_a_commit_on_no_branch_or_tag_is_refused_before_any_write() -> None:
    backend = _Fixed(snap(commit=C))
    with pytest.raises(CommitNotReachable, match="Push the commit to a branch"):
        register(backend, req(commit=C))
    assert backend.created == [] and backend.asked == [C]
    with pytest.raises(CommitNotReachable):
        register(backend, req(commit=C), dry_run=True)


def test_the_workflows_own_commit_is_trusted_and_a_known_reachable_one_not_asked() -> None:
    backend = _Fixed(snap(commit=C))
    assert register(backend, req(commit=C, trusted=True)).created and backend.asked == []
    known = _Fixed(replace(snap(), reachable=True))
    assert register(known, req()).created and known.asked == []
    asked = _Fixed(snap())
    assert register(asked, req()).created and asked.asked == [A]


def test_gives_up_after_the_attempt_budget() -> None:
    backend = _Fixed(snap(), lose=ATTEMPTS)
    with pytest.raises(RaceLost, match=r"\{serialize\}"):
        register(backend, req())


@pytest.mark.parametrize(
    ("name", "email"), [("", "a@b.c"), ("a\nb", "a@b.c"), ("x", "<a@b.c>"), ("x", "")]
)
def test_tagger_must_be_a_git_identity(name: str, email: str) -> None:
    with pytest.raises(InvalidInput, match=r"\{tagger\}"):
        req(tagger=Tagger(name, email))
