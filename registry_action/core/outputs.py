"""The step outputs: one flat mapping of strings, built the same way for every command."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from registry_action.core.content import Change, ModelChange, changed_names
from registry_action.core.docker import docker_tag, docker_tags, image_name
from registry_action.core.dvc_files import Artifact
from registry_action.core.dvc_yaml import Annotation
from registry_action.core.grammar import Event, ModelName, RegistryTag, parse_tag, quote_tag
from registry_action.core.images import (
    annotation_lines,
    image_names,
    label_lines,
    oci_labels,
    references,
)
from registry_action.core.model_view import ModelView, RegisteredVersion
from registry_action.core.repository import TagInfo
from registry_action.core.versions import Version


@dataclass(frozen=True)
class Facts:
    """What one registry tag records, read against the model's tags (which include it)."""

    view: ModelView
    tag: TagInfo
    parsed: RegistryTag
    version: Version | None  # the version the event is about; None for a deprecation
    annotation: Annotation | None
    web_url: str
    created: bool
    artifact: Artifact | None = None  # the DVC output of the annotation's path, if any
    change: Change | None = None  # a registration's content against the latest version's

    @property
    def event(self) -> Event:
        return self.parsed.event

    @property
    def model(self) -> ModelName:
        return self.parsed.model

    @property
    def stage(self) -> str:
        return self.parsed.stage

    @property
    def history(self) -> tuple[RegisteredVersion, ...]:
        return self.view.history

    @property
    def latest(self) -> Version | None:
        return self.view.latest

    @property
    def previous(self) -> Version | None:
        return self.view.previous(self.version)

    @property
    def built(self) -> str:
        """When the version's image was made: the date of the tag that names the version
        (an assignment retags that image); empty without a version. `parse` reads no date
        for a stage tag, so the tag's own date would differ between the two commands."""
        named = self.view.versions.get(self.version.text) if self.version else None
        return named.tag.date if named else ""

    @property
    def is_latest(self) -> bool:
        """The version is active and none is greater (a deregistered one never is latest)."""
        version, latest = self.version, self.latest
        if version is None or latest is None:
            return False
        return self.view.is_active(version) and not latest > version


def facts(
    view: ModelView,
    tag: TagInfo,
    *,
    annotation: Annotation | None,
    web_url: str = "",
    created: bool = False,
) -> Facts:
    """The facts of `tag`, whichever command made or read it."""
    parsed = parse_tag(tag.name)
    if parsed is None or parsed.model != view.model:  # a caller's bug, never a user's input
        raise ValueError(f"{tag.name} is not a registry tag of {view.model.full}")
    version = Version.parse(parsed.version) if parsed.version else None
    if parsed.stage:  # a stage tag names a commit: its version is the one registered there
        version = view.version_at(tag.commit)
    return Facts(view, tag, parsed, version, annotation, web_url, created)


OUTPUT_KEYS = (
    "event", "name", "tag", "version", "semver", "major", "minor", "patch", "prerelease",
    "build", "stage", "stage-previous-version", "commit", "tag-sha", "created", "is-latest",
    "latest-version", "previous-version", "path", "type", "description", "model-labels",
    "image-name", "docker-tags", "tags", "source-tags", "labels", "annotations", "tag-url",
    "artifact-url", "artifact-md5", "artifact-size", "artifact-files", "artifact-remote",
    "policy", "changed", "annotation-changed", "json",
)  # fmt: skip
# One item a line in a step's outputs, the form docker/build-push-action takes; lists in the
# `json` output and in `typed`.
LISTS = ("tags", "source-tags", "labels", "annotations")


def outputs(
    facts: Facts,
    *,
    images: Sequence[str] = (),
    stage: str | None = None,
    stage_previous: str = "",
    policy: str = "",
) -> dict[str, str]:
    """The outputs of `facts`; `images` are the image names `images.parse_images` gave.

    `stage` and `stage_previous`: `show` of the version a stage holds (the facts are of
    its registration tag), and the version that held the stage before. `policy`: what the
    promotion policy says of the tag (`decide.policy.Status`).
    """
    version = facts.version
    sv = version.semver if version else None
    annotation = facts.annotation or Annotation()
    latest, previous = facts.latest, facts.previous
    web = facts.web_url
    releases = [v.version for v in facts.history if v.active]
    builds = facts.event in (Event.REGISTRATION, Event.ASSIGNMENT)
    docker = docker_tags(version, releases) if builds and version else []
    tag_url = release_url(web, facts.tag.name)
    values = {
        "event": facts.event.value,
        "name": facts.model.full,
        "tag": facts.tag.name,
        "version": version.text if version else "",
        "semver": str(sv) if sv else "",
        "major": str(sv.major) if sv else "",
        "minor": str(sv.minor) if sv else "",
        "patch": str(sv.patch) if sv else "",
        "prerelease": (sv.prerelease or "") if sv else "",
        "build": (sv.build or "") if sv else "",
        "stage": facts.stage if stage is None else stage,
        "stage-previous-version": stage_previous,
        "commit": facts.tag.commit,
        "tag-sha": facts.tag.sha,
        "created": _bool(facts.created),
        "is-latest": _bool(facts.is_latest),
        "latest-version": latest.text if latest else "",
        "previous-version": previous.text if previous else "",
        "path": annotation.path,
        "type": annotation.type,
        "description": annotation.description,
        "model-labels": annotation.labels_json,
        "image-name": image_name(facts.model),
        "docker-tags": "\n".join(docker),
        **_image(facts, docker, image_names(images, facts.model), tag_url),
        "tag-url": tag_url,
        **artifact_outputs(facts.artifact),
        "policy": policy,
        "changed": _bool(facts.change.changed) if facts.change else "",
        "annotation-changed": _bool(facts.change.annotation_changed) if facts.change else "",
    }
    return _with_json(values)


def _with_json(values: dict[str, str]) -> dict[str, str]:
    """`values` and `json`, all of them in one object (lists as lists)."""
    shown = {key: value for key, value in values.items() if key != "json"}
    listed = {key: _lines(shown[key]) for key in LISTS}
    return shown | {"json": json.dumps(shown | listed, ensure_ascii=False, sort_keys=True)}


def artifact_outputs(artifact: Artifact | None) -> dict[str, str]:
    """Where the version's bytes are: empty for no path or a path Git tracks itself."""
    if artifact is None:
        return dict.fromkeys(ARTIFACT_KEYS, "")
    size = artifact.size
    return {
        "artifact-url": artifact.url,
        "artifact-md5": artifact.md5,
        "artifact-size": "" if size is None else str(size),
        "artifact-files": str(artifact.files),
        "artifact-remote": artifact.remote.name,
    }


ARTIFACT_KEYS = tuple(key for key in OUTPUT_KEYS if key.startswith("artifact-"))


def release_url(web_url: str, tag: str) -> str:
    """The page GitHub shows for `tag` in the repository at `web_url` (empty without one)."""
    return f"{web_url}/releases/tag/{quote_tag(tag)}" if web_url and tag else ""


def _image(facts: Facts, docker: list[str], names: list[str], url: str) -> dict[str, str]:
    """What build-push-action takes: references, the version's own, labels, annotations.

    A registration pushes its Docker tags; an assignment puts its stage on the image the
    version was pushed as (`source-tags`), so a deploy job retags it without a rebuild.
    """
    own = docker[:1]
    push = [docker_tag(facts.stage)] if facts.event is Event.ASSIGNMENT and own else docker
    sv = facts.version.semver if facts.version else None
    labels = oci_labels(
        title=facts.model.full,
        description=(facts.annotation or Annotation()).description,
        version=str(sv) if sv else "",
        revision=facts.tag.commit,
        source=facts.web_url,
        url=url,
        created=facts.built,
    )
    return {
        "tags": "\n".join(references(names, push)),
        "source-tags": "\n".join(references(names, own)),
        "labels": label_lines(labels),
        "annotations": annotation_lines(labels),
    }


def typed(values: dict[str, str]) -> dict[str, Any]:
    """The outputs as JSON values for a program: booleans, and lists for `model-labels`,
    `docker-tags` and the image outputs (a step receives every output as text)."""
    result: dict[str, Any] = {k: v for k, v in values.items() if k != "json"}
    for key in ("created", "is-latest"):
        if key in result:
            result[key] = result[key] == "true"
    for key in ("changed", "annotation-changed"):  # empty: not a registration
        if key in result:
            result[key] = result[key] == "true" if result[key] else None
    if "model-labels" in result:
        result["model-labels"] = json.loads(result["model-labels"] or "[]")
    for key in ("docker-tags", *LISTS):
        if key in result:
            result[key] = _lines(result[key])
    return result


def empty_outputs() -> dict[str, str]:
    """Every output key, empty: what a step gets when there is no registry event to report."""
    return dict.fromkeys(OUTPUT_KEYS, "") | {"model-labels": "[]", "json": "{}"}


def nothing_outputs(model: ModelName, commit: str, latest: Version | None) -> dict[str, str]:
    """A registration that wrote nothing and names no version (`bump:none`): the model, the
    commit, `created` false, the latest version; the rest empty."""
    return _with_json(
        empty_outputs()
        | {
            "name": model.full,
            "commit": commit,
            "created": "false",
            "is-latest": "false",
            "latest-version": latest.text if latest else "",
            "image-name": image_name(model),
        }
    )


def _lines(text: str) -> list[str]:
    return text.split("\n") if text else []


def _bool(value: bool) -> str:
    return "true" if value else "false"


CHANGES_KEYS = ("models", "json")  # the `changes` command's outputs


def changes_outputs(models: Sequence[ModelChange]) -> dict[str, str]:
    """`changes`' outputs: `models`, the changed models' names as `model` takes them (for
    `strategy.matrix` through `fromJSON`), and `json`, one object a model."""
    return {
        "models": json.dumps(changed_names(models), ensure_ascii=False),
        "json": json.dumps([m.row() for m in models], ensure_ascii=False),
    }
