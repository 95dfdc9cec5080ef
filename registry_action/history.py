"""A model's versions as its annotated tags record them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .grammar import Event, ModelName, RegistryTag, parse_tag
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


@dataclass(frozen=True)
class StageState:
    """One stage of the version at one commit: the newest assignment or unassignment of it."""

    commit: str
    stage: str
    tag: TagInfo
    assigned: bool


def _newest_first(info: TagInfo, counter: int | None) -> tuple[str, int]:
    """Event order: tagger date, then the `#N` counter for events tagged in the same second.

    GTO sorts by date alone, so a same-second unassign-then-reassign reads as unassigned
    there; the counter says which came last, as GTO meant it.
    """
    return (info.date, -1 if counter is None else counter)


def model_stages(model: ModelName, tags: Iterable[TagInfo]) -> dict[tuple[str, str], StageState]:
    """Every (commit, stage) the model's annotated stage tags name, with its state.

    GTO attaches a stage tag to the version registered at the tag's commit (or to the bare
    commit), and a version is in a stage when the newest event of that stage is an
    assignment (`VStage.is_active`).
    """
    newest: dict[tuple[str, str], tuple[tuple[str, int], StageState]] = {}
    for info in tags:
        parsed = parse_tag(info.name)
        if not info.annotated or parsed is None or parsed.model != model:
            continue
        if parsed.event not in (Event.ASSIGNMENT, Event.UNASSIGNMENT):
            continue
        key = (info.commit, parsed.stage)
        order = _newest_first(info, parsed.counter)
        if key not in newest or order > newest[key][0]:
            state = StageState(info.commit, parsed.stage, info, parsed.event is Event.ASSIGNMENT)
            newest[key] = (order, state)
    return {key: state for key, (_, state) in newest.items()}


def newest_event(
    model: ModelName,
    tags: Iterable[TagInfo],
    accept: Callable[[RegistryTag], bool] = lambda _: True,
) -> tuple[TagInfo, RegistryTag] | None:
    """The model's newest annotated registry tag that `accept` takes (any, by default)."""
    found: tuple[tuple[str, int], TagInfo, RegistryTag] | None = None
    for info in tags:
        parsed = parse_tag(info.name)
        if not info.annotated or parsed is None or parsed.model != model or not accept(parsed):
            continue
        order = _newest_first(info, parsed.counter)
        if found is None or order > found[0]:
            found = (order, info, parsed)
    return (found[1], found[2]) if found else None


def deprecation(model: ModelName, tags: Iterable[TagInfo]) -> TagInfo | None:
    """The deprecation in effect: the newest one, when no other event is newer; else None.

    A tie in the second goes to the deprecation: uncounted tags cannot be ordered within
    it, and a re-run must not deprecate twice.
    """
    tags = tuple(tags)
    newest = newest_event(model, tags, lambda t: t.event is Event.DEPRECATION)
    other = newest_event(model, tags, lambda t: t.event is not Event.DEPRECATION)
    if newest is None or (other is not None and other[0].date > newest[0].date):
        return None
    return newest[0]


def greatest_counter(model: ModelName, tags: Iterable[TagInfo]) -> int:
    """The greatest `#N` among the model's tags, 0 when none: the next tag GTO counts takes N+1.

    GTO counts every tag of the model whatever its event, lightweight ones included.
    """
    counters = (parse_tag(info.name) for info in tags)
    return max(
        (p.counter for p in counters if p and p.model == model and p.counter is not None),
        default=0,
    )
