"""Docker names for a model version: Docker's reference grammar, valid tags, tags that follow
release lines, and image paths.

A release moves its minor line (`X.Y`), major line (`X`, not for 0) and `latest` only when
it is the greatest release there, so a patch to an old line moves neither `latest` nor a
newer line's tags (docker/metadata-action moves `latest` on any release). Prereleases and
build metadata get only their full tag; Docker tags cannot hold `+`, so it becomes `_`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

from registry_action.core.grammar import ModelName
from registry_action.core.versions import Version

# Docker's reference grammar, from distribution/reference (reference.go and regexp.go at
# github.com/distribution/reference/blob/00a09fa3799203fc887e667b0d82142ee831939a):
#   reference := name [ ":" tag ] [ "@" digest ];  name := [ domain "/" ] path
# Go's `\w` is ASCII only, so the tag is spelled out. The grammar alone reads the first
# component of `acme/churn` as a domain; it accepts the same strings either way.
PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
REFERENCE = re.compile(
    rf"""
    (?P<name>
      (?:(?P<domain>
        (?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})* | \[[a-fA-F0-9:]+\])  # host or [IPv6]
        (?::[0-9]+)?                                                          # port
      )/)?
      {PATH_COMPONENT}(?:/{PATH_COMPONENT})*                                  # path
    )
    (?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}))?
    (?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{{32,}}))?
    """,
    re.VERBOSE,
)
NAME_MAX = 255  # reference.go: RepositoryNameTotalLengthMax (we hold the whole name to it)
TAG_MAX = 128

_COMPONENT = re.compile(PATH_COMPONENT)
_NOT_IN_TAG = re.compile(r"[^A-Za-z0-9_.-]")


def is_reference(text: str) -> bool:
    """Whether Docker parses `text` as an image reference (`name[:tag][@digest]`)."""
    match = REFERENCE.fullmatch(text)
    return match is not None and len(match["name"]) <= NAME_MAX


def docker_tag(text: str) -> str:
    """`text` as a valid Docker tag: a character a tag cannot hold becomes `_`
    (`1.0.0+b.5` → `1.0.0_b.5`, stage `prod/eu` → `prod_eu`). One longer than 128 keeps its
    first 119 characters and a hash of the whole, so two long names never share a tag."""
    tag = _NOT_IN_TAG.sub("_", text)
    if not tag[:1] or tag[0] in ".-":  # a tag starts with a letter, digit or `_`
        tag = f"_{tag}"
    if len(tag) > TAG_MAX:
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        tag = f"{tag[: TAG_MAX - 9]}-{digest[:8]}"
    return tag


def docker_tags(version: Version, registered: Iterable[Version]) -> list[str]:
    """Tags for `version`'s image, given the model's active versions (with it or without)."""
    sv = version.semver
    if sv.prerelease or sv.build:
        return [docker_tag(str(sv))]
    releases = [v.semver for v in registered if not (v.semver.prerelease or v.semver.build)]

    tags = [str(sv)]
    if not any(r > sv for r in releases if (r.major, r.minor) == (sv.major, sv.minor)):
        tags.append(f"{sv.major}.{sv.minor}")
    if sv.major > 0 and not any(r > sv for r in releases if r.major == sv.major):
        tags.append(f"{sv.major}")
    if not any(r > sv for r in releases):
        tags.append("latest")
    return [docker_tag(tag) for tag in tags]  # numbers are unbounded: keep each under 128


def image_name(model: ModelName) -> str:
    """A valid lowercase image path: `cv:pool-segmentation` → `cv/pool-segmentation`."""
    parts = [_component(p.lower()) for p in (*model.dir.split("/"), *model.name.split("/"))]
    return "/".join(p for p in parts if p)


def _component(part: str) -> str:
    """One path component as is when Docker accepts it, else its alphanumeric runs joined by -."""
    if _COMPONENT.fullmatch(part):
        return part
    return "-".join(re.findall(r"[a-z0-9]+", part))
