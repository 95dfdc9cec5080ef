"""GTO's object model, replayed: its versions, their events and its tie-breaks.

GTO 1.10 (`gto/base.py`, `gto/tag.py`) answers "which version holds a stage" and "which
event is newest" through its own objects and the order it builds them in; within one
tagger second that order decides. These functions rebuild those objects from the model's
events so that `show`, `history` and every decision break ties exactly as gto does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from registry_action.core.grammar import Event, RegistryTag
from registry_action.core.repository import TagInfo


@dataclass(frozen=True)
class Record:
    """One event: an annotated registry tag of the model, parsed."""

    tag: TagInfo
    parsed: RegistryTag

    @property
    def event(self) -> Event:
        return self.parsed.event


def newest_first(records: Iterable[Record]) -> list[Record]:
    """GTO's `get_events()`: a stable sort by tagger date, reversed.

    So within one second the record that comes *last* in the input comes first; callers
    build the input in GTO's order for that to match its tie-breaks exactly.
    """
    return sorted(records, key=lambda r: r.tag.date)[::-1]


@dataclass
class GtoVersion:
    """GTO's `Version` of a model: its direct events and, by stage, its stage events, each
    in the order GTO indexed them."""

    name: str  # the version, or the commit's sha for a bare commit's stage tag
    commit: str
    direct: list[Record] = field(default_factory=list)  # registrations, deregistrations
    staged: dict[str, list[Record]] = field(default_factory=dict)

    def stage_events(self, stage: str) -> list[Record]:
        """`VStage.get_events()`: assignments, then unassignments, newest first."""
        events = self.staged[stage]
        assigned = [r for r in events if r.event is Event.ASSIGNMENT]
        return newest_first(assigned + [r for r in events if r.event is Event.UNASSIGNMENT])

    @property
    def events(self) -> list[Record]:
        """`Version.get_events()`: registrations, deregistrations, then each stage's events."""
        regs = [r for r in self.direct if r.event is Event.REGISTRATION]
        deregs = [r for r in self.direct if r.event is Event.DEREGISTRATION]
        return newest_first(regs + deregs + [e for s in self.staged for e in self.stage_events(s)])

    @property
    def registered(self) -> bool:
        return any(r.event is Event.REGISTRATION for r in self.direct)

    @property
    def active(self) -> bool:
        """`Version.is_active`: the newest direct event registers; else any stage event."""
        regs = [r for r in self.direct if r.event is Event.REGISTRATION]
        deregs = [r for r in self.direct if r.event is Event.DEREGISTRATION]
        direct = newest_first(regs + deregs)
        return direct[0].event is Event.REGISTRATION if direct else bool(self.staged)

    @property
    def created(self) -> str:
        """`created_at`: the newest registration, else the newest stage event."""
        regs = newest_first(r for r in self.direct if r.event is Event.REGISTRATION)
        events = regs or newest_first(e for st in self.staged for e in self.stage_events(st))
        return events[0].tag.date if events else ""

    @property
    def active_stages(self) -> list[str]:
        """`get_vstages(ascending=True)`: stages whose newest event assigns, oldest first."""
        active = [s for s in self.staged if self.stage_events(s)[0].event is Event.ASSIGNMENT]
        return sorted(active, key=lambda s: self.stage_events(s)[0].tag.date)


def gto_versions(records: Sequence[Record]) -> list[GtoVersion]:
    """GTO's `Artifact.versions`: one per version and commit, in the order GTO first
    meets them (it indexes registrations and deregistrations, then stage tags); a stage
    tag on a commit with no registered version is a version of its own, named by the
    commit (`gto.tag.index_tag`, `Artifact.find_version`)."""
    versions: dict[object, GtoVersion] = {}
    for record in records:
        if record.event in (Event.REGISTRATION, Event.DEREGISTRATION):
            key = (record.parsed.version, record.tag.commit)
            found = versions.setdefault(key, GtoVersion(*key))
            found.direct.append(record)
    for record in records:
        if record.event in (Event.ASSIGNMENT, Event.UNASSIGNMENT):
            commit = record.tag.commit
            owner = next((v for v in versions.values() if v.commit == commit), None)
            if owner is None:
                owner = versions.setdefault(object(), GtoVersion(commit, commit))
            owner.staged.setdefault(record.parsed.stage, []).append(record)
    return list(versions.values())


def events(records: Sequence[Record], versions: Sequence[GtoVersion]) -> list[Record]:
    """Every event, newest first, tie-breaks included, as GTO's `Artifact.get_events()`:
    deprecations, then each version's events newest first, all sorted by date."""
    deprecations = [r for r in records if r.event is Event.DEPRECATION]
    return newest_first(deprecations + [e for v in versions for e in v.events])


def holders(versions: Sequence[GtoVersion]) -> dict[str, GtoVersion]:
    """Which version each stage holds now, as `gto show` says (`Artifact.get_vstages`
    with one version a stage, newest first): among the active versions (newest first),
    their active stages (oldest first), the most recently assigned."""
    active = sorted((v for v in versions if v.active), key=lambda v: v.created)
    held = [(v, stage) for v in active[::-1] for stage in v.active_stages]
    held = sorted(held, key=lambda pair: pair[0].stage_events(pair[1])[0].tag.date)[::-1]
    found: dict[str, GtoVersion] = {}
    for version, stage in held:
        found.setdefault(stage, version)
    return found
