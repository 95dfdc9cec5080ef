"""The step outputs: one flat mapping of strings, the same for every command."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote

from .annotations import Annotation
from .docker import docker_tags, image_name
from .grammar import Event, ModelName
from .history import RegisteredVersion, greatest_active
from .versions import Version


@dataclass(frozen=True)
class Facts:
    """What a run established about one registry event."""

    event: Event
    model: ModelName
    tag: str
    version: Version | None  # the version the event is about; None for a deprecation
    commit: str
    tag_sha: str
    created: bool
    history: tuple[RegisteredVersion, ...]  # the model's versions after this run
    previous: Version | None  # for register: the greatest active version before the run
    annotation: Annotation | None
    web_url: str = ""
    stage: str = ""

    @property
    def latest(self) -> Version | None:
        return greatest_active(self.history)

    @property
    def is_latest(self) -> bool:
        """The version is active and none is greater (a deregistered one never is latest)."""
        version, latest = self.version, self.latest
        active = any(v.active and v.version == version for v in self.history)
        return version is not None and latest is not None and active and not latest > version


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
    latest = facts.latest
    web = facts.web_url
    releases = [v.version for v in facts.history if v.active]
    builds = facts.event in (Event.REGISTRATION, Event.ASSIGNMENT) and version is not None
    values = {
        "event": facts.event.value,
        "name": facts.model.full,
        "tag": facts.tag,
        "version": version.text if version else "",
        "semver": str(sv) if sv else "",
        "major": str(sv.major) if sv else "",
        "minor": str(sv.minor) if sv else "",
        "patch": str(sv.patch) if sv else "",
        "prerelease": (sv.prerelease or "") if sv else "",
        "build": (sv.build or "") if sv else "",
        "stage": facts.stage,
        "commit": facts.commit,
        "tag-sha": facts.tag_sha,
        "created": _bool(facts.created),
        "is-latest": _bool(facts.is_latest),
        "latest-version": latest.text if latest else "",
        "previous-version": facts.previous.text if facts.previous else "",
        "path": annotation.path,
        "type": annotation.type,
        "description": annotation.description,
        "labels": annotation.labels_json,
        "image-name": image_name(facts.model),
        "docker-tags": "\n".join(docker_tags(version, releases)) if builds and version else "",
        "tag-url": f"{web}/releases/tag/{quote(facts.tag, safe='/@=')}" if web else "",
    }
    values["json"] = json.dumps(values, ensure_ascii=False, sort_keys=True)
    return values


def _bool(value: bool) -> str:
    return "true" if value else "false"
