"""The read commands against a repository: what `show` and `history` read, and nothing more.

Never a write. One model: its tags (100 a request) and, when the chosen version lives on
another commit, that commit's dvc.yaml. The whole registry: every tag (100 a request).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from registry_action.backends.base import Backend
from registry_action.commands.artifact import artifact, first_files, likely_files
from registry_action.commands.policy import Asked, judge, policy_of
from registry_action.core.dvc_yaml import Annotation, declares, model_annotation
from registry_action.core.grammar import ModelName
from registry_action.core.gto_config import config_stages
from registry_action.core.model_view import ModelView
from registry_action.core.outputs import Facts, empty_outputs, facts, outputs
from registry_action.core.policy import PolicyError
from registry_action.core.repository import Snapshot
from registry_action.decide import reading
from registry_action.decide.policy import Status, Verdict


@dataclass(frozen=True)
class Registry:
    views: dict[str, ModelView]
    stages: list[str]
    web_url: str
    # model -> stage -> what the promotion policy says of the assignment that put the holder
    # there (`decide.policy.Status`); empty without a policy file.
    policy: dict[str, dict[str, str]] = field(default_factory=dict)
    warning: PolicyError | None = None  # a policy file that cannot be read: no marks

    @property
    def json(self) -> dict[str, Any]:
        return reading.show_answer(self.views, self.stages)


def registry(backend: Backend) -> Registry:
    """Every model, and the stages `gto show` lists: `.gto`'s, else those in use."""
    snapshot = backend.read_registry()
    views = reading.model_views(snapshot.tags)
    stages = config_stages(snapshot.config) if snapshot.config is not None else None
    listed = list(stages) if stages is not None else reading.used_stages(views.values())
    found, asked = policy_of(snapshot), Asked()
    marks = {
        name: {stage: judge(backend, found, view, tag, asked).status.value for stage, tag in
               view.held_by.items()}
        for name, view in views.items()
    } if found.policy is not None else {}  # fmt: skip
    return Registry(views, listed, snapshot.web_url, marks, found.warning)


@dataclass(frozen=True)
class History:
    events: list[dict[str, Any]]  # as `gto history --json` lists them
    warning: PolicyError | None = None  # a policy file that cannot be read (it rules none)


def history(backend: Backend, model: ModelName | None, commit: str) -> History:
    """`gto history [MODEL]`: one model's tags are enough for one model's history."""
    if model is None:
        whole = registry(backend)
        return History(reading.history_answer(whole.views), whole.warning)
    snapshot = backend.read(model, commit, stages=True)
    events = reading.history_answer({model.full: ModelView.of(model, snapshot.tags)}, model.full)
    return History(events, policy_of(snapshot).warning)


@dataclass(frozen=True)
class Deployable:
    """The version a deploy job asked for, and the stage's story."""

    model: ModelName
    facts: Facts | None  # None: no such version (nothing in that stage)
    stage: str
    stage_previous: str
    verdict: Verdict  # the policy's, of the stage's assignment
    warning: PolicyError | None = None  # a policy file that cannot be read

    @property
    def policy(self) -> str:
        """The `policy` output: what the promotion policy says of the stage's assignment."""
        return self.verdict.status.value

    def outputs(self, images: Sequence[str] = ()) -> dict[str, str]:
        """The step's outputs; with no such version, empty but for the model and stage (a
        job gates on `version`)."""
        if self.facts is None:
            return empty_outputs() | {
                "name": self.model.full,
                "stage": self.stage,
                "stage-previous-version": self.stage_previous,
                "policy": self.policy,
            }
        return outputs(
            self.facts,
            images=images,
            stage=self.stage,
            stage_previous=self.stage_previous,
            policy=self.policy,
        )


def deployable(
    backend: Backend,
    model: ModelName,
    commit: str,
    *,
    stage: str = "",
    version: str = "",
    remote_url: str = "",
    strict: bool = False,
) -> Deployable:
    """The version `show MODEL` shows, with its artifact (`strict`: refuse one that cannot
    be resolved, as `download` must)."""
    snapshot = backend.read(model, commit, stages=True, files=first_files(model))
    view = ModelView.of(model, snapshot.tags)
    tag, holder = reading.chosen_version(
        view, stage=stage, version=version, declared=declares(model, snapshot.annotation)
    )
    previous = reading.stage_previous(view, stage, holder) if stage else ""
    rules = policy_of(snapshot)
    assigned = view.held_by.get(stage) if stage else None
    # The stage's assignment as `parse` judges it; a version asked by name breaks no rule.
    verdict = (
        judge(backend, rules, view, assigned, {})
        if assigned is not None
        else Verdict(Status.NONE if rules.policy is None else Status.OK)
    )
    if tag is None:
        return Deployable(model, None, stage, previous, verdict, rules.warning)
    there = snapshot_at(backend, model, tag.commit, snapshot)
    annotation = annotation_of(model, there)
    found = facts(view, tag, annotation=annotation, web_url=snapshot.web_url)
    bytes_at = artifact(backend, model, there, annotation, remote_url=remote_url, strict=strict)
    found = replace(found, artifact=bytes_at)
    return Deployable(model, found, stage, previous, verdict, rules.warning)


def snapshot_at(backend: Backend, model: ModelName, commit: str, snapshot: Snapshot) -> Snapshot:
    """The repository as of `commit` (a full sha), for a tag on it: `snapshot` when it was
    read there, else one more read (the commit alone, no tags) with the DVC files the
    artifact likely needs, guessed from the dvc.yaml read."""
    if commit == snapshot.commit:
        return snapshot
    guess = model_annotation(model, snapshot.annotation, snapshot.commit, required=False)
    return backend.read(model, commit, tags=False, files=likely_files(model, guess))


def annotation_of(model: ModelName, snapshot: Snapshot) -> Annotation | None:
    """The model's annotation as `parse` reads it for a tag on the snapshot's commit: a job
    needs the version, not a readable dvc.yaml, so one that cannot be read gives none."""
    return model_annotation(model, snapshot.annotation, snapshot.commit, required=False)
