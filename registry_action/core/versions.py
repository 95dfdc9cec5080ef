"""Version names: a lowercase `v` then strict SemVer 2.0.0, ordered by SemVer precedence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import total_ordering

import semver

from registry_action.core.errors import InvalidInput, InvalidVersion
from registry_action.core.grammar import VERSION

_VERSION_RE = re.compile(VERSION)


class Bump(StrEnum):
    PATCH = "patch"
    MINOR = "minor"
    MAJOR = "major"
    # Not a part of a version: the part comes from the labels of the pull request that
    # brought the commit in (decide/labels.py), chosen before any version is named.
    LABELS = "labels"

    @classmethod
    def parse(cls, text: str) -> Bump:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InvalidInput(
                f"Bump {text!r} is not one of patch, minor, major, labels.",
                "Set bump to patch, minor, major or labels, or give an explicit version.",
            ) from None


# The parts a version can be bumped by, least first.
PARTS = (Bump.PATCH, Bump.MINOR, Bump.MAJOR)
# The first version of a model, by the bump asked for.
FIRST = {Bump.PATCH: "v0.0.1", Bump.MINOR: "v0.1.0", Bump.MAJOR: "v1.0.0"}


@total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A registry version; `text` keeps the exact spelling, e.g. `v2.0.0-rc.1`."""

    text: str
    semver: semver.Version

    @classmethod
    def parse(cls, text: str) -> Version:
        if _VERSION_RE.fullmatch(text):
            return cls(text, semver.Version.parse(text[1:]))
        raise InvalidVersion(f"Version {text!r} is not valid.", _hint(text))

    def bump(self, part: Bump) -> Version:
        if part is Bump.LABELS:  # a caller's bug: labels are read into a part first
            raise ValueError("bump labels names no part of a version")
        bumped = getattr(self.semver, f"bump_{part.value}")()
        return Version(f"v{bumped}", bumped)

    # Precedence ignores build metadata; equality of version *names* is by text.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)

    def __lt__(self, other: Version) -> bool:
        return self.semver.compare(other.semver) < 0

    def __str__(self) -> str:
        return self.text


def _hint(text: str) -> str:
    usage = "Use 'v' followed by SemVer 2.0.0: vMAJOR.MINOR.PATCH, e.g. v1.2.3 or v2.0.0-rc.1."
    rest = text[1:] if text[:1] in "vV" else text
    if _VERSION_RE.fullmatch(f"v{rest}") and not text.startswith("v"):
        return f"Did you mean 'v{rest}'? {usage}"
    return usage


def next_version(greatest: Version | None, part: Bump) -> Version:
    """The version a bump registers: GTO's bump of the greatest, or the first version."""
    if part is Bump.LABELS:  # a caller's bug: labels are read into a part first
        raise ValueError("bump labels names no part of a version")
    return greatest.bump(part) if greatest else Version.parse(FIRST[part])
