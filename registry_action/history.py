"""A model's versions as its annotated tags record them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .grammar import Event, ModelName, parse_tag
from .versions import Version


@dataclass(frozen=True)
class TagInfo:
    """A tag as a backend reports it, peeled to its commit."""

    name: str
    commit: str
    sha: str = ""  # the tag object; empty for a lightweight tag, which GTO ignores
    date: str = ""  # tagger date, ISO 8601
    message: str = ""

    @property
    def annotated(self) -> bool:
        return bool(self.sha)


@dataclass(frozen=True)
class RegisteredVersion:
    version: Version
    commit: str
    tag: TagInfo
    active: bool


def model_versions(model: ModelName, tags: Iterable[TagInfo]) -> dict[str, RegisteredVersion]:
    """Every version name of `model` that annotated tags use, by its text.

    A version is active when registered and not deregistered since (by tagger date);
    a deregistered version still holds its name.
    """
    registrations: dict[str, list[tuple[int, TagInfo]]] = {}
    deregistrations: dict[str, TagInfo] = {}  # the newest, by date
    for info in tags:
        parsed = parse_tag(info.name)
        if not info.annotated or parsed is None or parsed.model != model:
            continue
        if parsed.event is Event.REGISTRATION:
            counter = -1 if parsed.counter is None else parsed.counter
            registrations.setdefault(parsed.version, []).append((counter, info))
        elif parsed.event is Event.DEREGISTRATION:
            known = deregistrations.get(parsed.version)
            if known is None or info.date > known.date:
                deregistrations[parsed.version] = info
    result = {}
    for text in registrations.keys() | deregistrations.keys():
        spellings = registrations.get(text, [])
        newest = max((info.date for _, info in spellings), default="")
        gone = deregistrations.get(text)
        active = bool(spellings) and (gone is None or newest > gone.date > "")
        # The tag that names the version: GTO's plain spelling, else Studio's lowest `#N`;
        # with only a deregistration left, that tag still holds the name.
        anchor = min(spellings, key=lambda pair: pair[0])[1] if spellings else gone
        assert anchor is not None
        result[text] = RegisteredVersion(Version.parse(text), anchor.commit, anchor, active)
    return result


def greatest_active(history: Iterable[RegisteredVersion]) -> Version | None:
    """The latest version: the greatest active one by SemVer precedence, prereleases included."""
    return max((v.version for v in history if v.active), default=None)
