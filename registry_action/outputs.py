"""The step outputs: one flat mapping of strings, built the same way for every command."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .annotations import Annotation
from .backend import TagInfo
from .docker import docker_tags, image_name
from .grammar import Event, ModelName, RegistryTag, parse_tag
from .versions import Version
from .view import ModelView, RegisteredVersion


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
    assert parsed is not None and parsed.model == view.model, tag.name
    version = Version.parse(parsed.version) if parsed.version else None
    if parsed.stage:  # a stage tag names a commit: its version is the one registered there
        version = view.version_at(tag.commit)
    return Facts(view, tag, parsed, version, annotation, web_url, created)


OUTPUT_KEYS = (
    "event", "name", "tag", "version", "semver", "major", "minor", "patch", "prerelease",
    "build", "stage", "commit", "tag-sha", "created", "is-latest", "latest-version",
    "previous-version", "path", "type", "description", "labels", "image-name", "docker-tags",
    "tag-url", "json",
)  # fmt: skip


def outputs(facts: Facts) -> dict[str, str]:
    version = facts.version
    sv = version.semver if version else None
    annotation = facts.annotation or Annotation()
    latest, previous = facts.latest, facts.previous
    web = facts.web_url
    releases = [v.version for v in facts.history if v.active]
    builds = facts.event in (Event.REGISTRATION, Event.ASSIGNMENT)
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
        "stage": facts.stage,
        "commit": facts.tag.commit,
        "tag-sha": facts.tag.sha,
        "created": _bool(facts.created),
        "is-latest": _bool(facts.is_latest),
        "latest-version": latest.text if latest else "",
        "previous-version": previous.text if previous else "",
        "path": annotation.path,
        "type": annotation.type,
        "description": annotation.description,
        "labels": annotation.labels_json,
        "image-name": image_name(facts.model),
        "docker-tags": "\n".join(docker_tags(version, releases)) if builds and version else "",
        "tag-url": f"{web}/releases/tag/{quote(facts.tag.name, safe='/@=')}" if web else "",
    }
    values["json"] = json.dumps(values, ensure_ascii=False, sort_keys=True)
    return values


def typed(values: dict[str, str]) -> dict[str, Any]:
    """The outputs as JSON values for a program: booleans, and lists for `labels` and
    `docker-tags` (a step receives every output as text)."""
    result: dict[str, Any] = {k: v for k, v in values.items() if k != "json"}
    for key in ("created", "is-latest"):
        if key in result:
            result[key] = result[key] == "true"
    if "labels" in result:
        result["labels"] = json.loads(result["labels"] or "[]")
    if "docker-tags" in result:
        result["docker-tags"] = result["docker-tags"].split("\n") if result["docker-tags"] else []
    return result


def empty_outputs() -> dict[str, str]:
    """Every output key, empty: what a step gets when there is no registry event to report."""
    return dict.fromkeys(OUTPUT_KEYS, "") | {"labels": "[]", "json": "{}"}


def _bool(value: bool) -> str:
    return "true" if value else "false"
