"""Docker image tags for a model version that follow release lines.

A release moves its minor line (`X.Y`), major line (`X`, not for 0) and `latest` only when
it is the greatest release there, so a patch to an old line moves neither `latest` nor a
newer line's tags (docker/metadata-action moves `latest` on any release). Prereleases and
build metadata get only their full tag; Docker tags cannot hold `+`, so it becomes `_`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .grammar import ModelName
from .versions import Version

_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")


def docker_tags(version: Version, registered: Iterable[Version]) -> list[str]:
    """Tags for `version`'s image, given the model's active versions (with it or without)."""
    sv = version.semver
    full = str(sv).replace("+", "_")
    if sv.prerelease or sv.build:
        return [full]
    releases = [v.semver for v in registered if not (v.semver.prerelease or v.semver.build)]

    tags = [full]
    if not any(r > sv for r in releases if (r.major, r.minor) == (sv.major, sv.minor)):
        tags.append(f"{sv.major}.{sv.minor}")
    if sv.major > 0 and not any(r > sv for r in releases if r.major == sv.major):
        tags.append(f"{sv.major}")
    if not any(r > sv for r in releases):
        tags.append("latest")
    return tags


def image_name(model: ModelName) -> str:
    """A valid lowercase image path: `cv:pool-segmentation` → `cv/pool-segmentation`."""
    parts = [_component(p.lower()) for p in (*model.dir.split("/"), *model.name.split("/"))]
    return "/".join(p for p in parts if p)


def _component(part: str) -> str:
    """One path component as is when Docker accepts it, else its alphanumeric runs joined by -."""
    if _COMPONENT.fullmatch(part):
        return part
    return "-".join(re.findall(r"[a-z0-9]+", part))
