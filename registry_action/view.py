"""One model's registry as its tags record it: versions, stages, events, the counter.

Every command reads the model through this one view, built from one snapshot's tags, so
register, the lifecycle commands and `parse` agree on what "latest", "in a stage",
"deprecated" and "the newest event" mean. The rules are GTO 1.10's (`gto/base.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from .backend import TagInfo
from .grammar import Event, ModelName, RegistryTag, parse_tag
from .versions import Version


@dataclass(frozen=True)
class Record:
    """One event: an annotated registry tag of the model, parsed."""

    tag: TagInfo
    parsed: RegistryTag

    @property
    def event(self) -> Event:
        return self.parsed.event


@dataclass(frozen=True)
class RegisteredVersion:
    version: Version
    commit: str
    tag: TagInfo  # the tag that names the version
    active: bool


@dataclass(frozen=True)
class StageState:
    """One stage at one commit: its newest assignment or unassignment there."""

    commit: str
    stage: str
    tag: TagInfo
    assigned: bool


def _newest_first(records: Iterable[Record]) -> list[Record]:
    """GTO's `get_events()`: a stable sort by tagger date, reversed.

    So within one second the record that comes *last* in the input comes first; callers
    build the input in GTO's order for that to match its tie-breaks exactly.
    """
    return sorted(records, key=lambda r: r.tag.date)[::-1]


@dataclass(frozen=True)
class ModelView:
    model: ModelName
    tags: tuple[TagInfo, ...]  # the snapshot's tags (any model's, lightweight included)

    @classmethod
    def of(cls, model: ModelName, tags: Iterable[TagInfo]) -> ModelView:
        return cls(model, tuple(tags))

    def with_tag(self, tag: TagInfo) -> ModelView:
        """The view once `tag` exists (a tag this run created, or plans to)."""
        return ModelView(self.model, (*self.tags, tag))

    @cached_property
    def _parsed(self) -> list[tuple[TagInfo, RegistryTag]]:
        """The model's registry tags, lightweight ones included."""
        found = ((t, parse_tag(t.name)) for t in self.tags)
        return [(t, p) for t, p in found if p is not None and p.model == self.model]

    @cached_property
    def records(self) -> list[Record]:
        """The model's events in the order GTO indexes them: by tagger date, then by name
        (`gto.tag.find` sorts git's name-ordered tag list by time, stably)."""
        annotated = [Record(t, p) for t, p in self._parsed if t.annotated]
        return sorted(annotated, key=lambda r: (r.tag.date, r.tag.name))

    @cached_property
    def counter(self) -> int:
        """The greatest `#N` among the model's tags, 0 when none; GTO counts every tag."""
        return max((p.counter for _, p in self._parsed if p.counter is not None), default=0)

    def taken(self, name: str) -> bool:
        """Whether any tag (any kind, any model) already holds `name`."""
        return any(t.name == name for t in self.tags)

    # -- versions -------------------------------------------------------------------------

    @cached_property
    def versions(self) -> dict[str, RegisteredVersion]:
        """Every version name the model's tags use, by its text.

        A version is active when registered and not deregistered since (a deregistration
        in the same second wins, as in GTO); a deregistered version still holds its name.
        """
        registrations: dict[str, list[Record]] = {}
        deregistrations: dict[str, Record] = {}  # the newest
        for record in self.records:
            text = record.parsed.version
            if record.event is Event.REGISTRATION:
                registrations.setdefault(text, []).append(record)
            elif record.event is Event.DEREGISTRATION:
                deregistrations[text] = record
        result = {}
        for text in registrations.keys() | deregistrations.keys():
            spellings = registrations.get(text, [])
            gone = deregistrations.get(text)
            active = bool(spellings) and (gone is None or spellings[-1].tag.date > gone.tag.date)
            # The tag that names the version: GTO's plain spelling, else Studio's lowest `#N`;
            # with only a deregistration left, that tag still holds the name.
            counted = min(spellings, key=_counter, default=gone)
            assert counted is not None
            anchor = counted.tag
            result[text] = RegisteredVersion(Version.parse(text), anchor.commit, anchor, active)
        return result

    @cached_property
    def history(self) -> tuple[RegisteredVersion, ...]:
        """Every version, greatest first."""
        return tuple(sorted(self.versions.values(), key=lambda v: v.version, reverse=True))

    @cached_property
    def latest(self) -> Version | None:
        """The greatest active version by SemVer precedence, prereleases included."""
        return max((v.version for v in self.history if v.active), default=None)

    def previous(self, version: Version | None) -> Version | None:
        """The greatest active version lower than `version`: where a changelog starts."""
        lower = (v.version for v in self.history if v.active and version and v.version < version)
        return max(lower, default=None)

    def at_commit(self, commit: str) -> list[RegisteredVersion]:
        """The versions registered at `commit`, active or not, greatest first."""
        return [v for v in self.history if v.commit == commit]

    def version_at(self, commit: str) -> Version | None:
        """The version a stage tag on `commit` belongs to (an active one first), if any."""
        here = self.at_commit(commit)
        return next((v.version for v in here if v.active), here[0].version if here else None)

    def is_active(self, version: Version | None) -> bool:
        found = self.versions.get(version.text) if version else None
        return found is not None and found.active

    # -- stages ---------------------------------------------------------------------------

    @cached_property
    def stages(self) -> dict[tuple[str, str], StageState]:
        """Every (commit, stage) the model's stage tags name, with its state.

        GTO (`VStage.is_active`) takes the first of `assignments + unassignments` newest
        first: within one second an unassignment wins.
        """
        assignments: dict[tuple[str, str], list[Record]] = {}
        unassignments: dict[tuple[str, str], list[Record]] = {}
        for record in self.records:
            key = (record.tag.commit, record.parsed.stage)
            if record.event is Event.ASSIGNMENT:
                assignments.setdefault(key, []).append(record)
            elif record.event is Event.UNASSIGNMENT:
                unassignments.setdefault(key, []).append(record)
        states = {}
        for key in assignments.keys() | unassignments.keys():
            newest = _newest_first(assignments.get(key, []) + unassignments.get(key, []))[0]
            states[key] = StageState(*key, newest.tag, newest.event is Event.ASSIGNMENT)
        return states

    # -- events, as GTO's objects hold them ------------------------------------------------

    @cached_property
    def gto_versions(self) -> list[GtoVersion]:
        """GTO's `Artifact.versions`: one per version and commit, in the order GTO first
        meets them (it indexes registrations and deregistrations, then stage tags); a stage
        tag on a commit with no registered version is a version of its own, named by the
        commit (`gto.tag.index_tag`, `Artifact.find_version`)."""
        versions: dict[object, GtoVersion] = {}
        for record in self.records:
            if record.event in (Event.REGISTRATION, Event.DEREGISTRATION):
                key = (record.parsed.version, record.tag.commit)
                found = versions.setdefault(key, GtoVersion(*key))
                found.direct.append(record)
        for record in self.records:
            if record.event in (Event.ASSIGNMENT, Event.UNASSIGNMENT):
                commit = record.tag.commit
                owner = next((v for v in versions.values() if v.commit == commit), None)
                if owner is None:
                    owner = versions.setdefault(object(), GtoVersion(commit, commit))
                owner.staged.setdefault(record.parsed.stage, []).append(record)
        return list(versions.values())

    @cached_property
    def events(self) -> list[Record]:
        """Every event, newest first, tie-breaks included, as GTO's `Artifact.get_events()`:
        deprecations, then each version's events newest first, all sorted by date."""
        deprecations = [r for r in self.records if r.event is Event.DEPRECATION]
        return _newest_first(deprecations + [e for v in self.gto_versions for e in v.events])

    @property
    def newest(self) -> Record | None:
        return self.events[0] if self.events else None

    @property
    def deprecation(self) -> Record | None:
        """The deprecation in effect: one that is the newest event (GTO's `is_active`)."""
        newest = self.newest
        return newest if newest is not None and newest.event is Event.DEPRECATION else None

    def newest_of(self, event: Event, version: str = "") -> Record | None:
        """The newest `event` (of `version`, when given)."""
        match = (r for r in self.events if r.event is event)
        return next((r for r in match if not version or r.parsed.version == version), None)

    @cached_property
    def _owners(self) -> dict[Record, str]:
        return {record: v.name for v in self.gto_versions for record in v.events}

    def owner(self, record: Record) -> str:
        """The version an event belongs to, as GTO names it: its own, the one registered at a
        stage tag's commit, or a bare commit's sha."""
        return self._owners.get(record, record.tag.commit)

    @cached_property
    def holders(self) -> dict[str, GtoVersion]:
        """Which version each stage holds now, as `gto show` says (`Artifact.get_vstages`
        with one version a stage, newest first): among the active versions (newest first),
        their active stages (oldest first), the most recently assigned."""
        versions = sorted((v for v in self.gto_versions if v.active), key=lambda v: v.created)
        held = [(v, stage) for v in versions[::-1] for stage in v.active_stages]
        held = sorted(held, key=lambda pair: pair[0].stage_events(pair[1])[0].tag.date)[::-1]
        holders: dict[str, GtoVersion] = {}
        for version, stage in held:
            holders.setdefault(stage, version)
        return holders


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
        return _newest_first(assigned + [r for r in events if r.event is Event.UNASSIGNMENT])

    @property
    def events(self) -> list[Record]:
        """`Version.get_events()`: registrations, deregistrations, then each stage's events."""
        regs = [r for r in self.direct if r.event is Event.REGISTRATION]
        deregs = [r for r in self.direct if r.event is Event.DEREGISTRATION]
        return _newest_first(regs + deregs + [e for s in self.staged for e in self.stage_events(s)])

    @property
    def registered(self) -> bool:
        return any(r.event is Event.REGISTRATION for r in self.direct)

    @property
    def active(self) -> bool:
        """`Version.is_active`: the newest direct event registers; else any stage event."""
        regs = [r for r in self.direct if r.event is Event.REGISTRATION]
        deregs = [r for r in self.direct if r.event is Event.DEREGISTRATION]
        direct = _newest_first(regs + deregs)
        return direct[0].event is Event.REGISTRATION if direct else bool(self.staged)

    @property
    def created(self) -> str:
        """`created_at`: the newest registration, else the newest stage event."""
        regs = _newest_first(r for r in self.direct if r.event is Event.REGISTRATION)
        events = regs or _newest_first(e for st in self.staged for e in self.stage_events(st))
        return events[0].tag.date if events else ""

    @property
    def active_stages(self) -> list[str]:
        """`get_vstages(ascending=True)`: stages whose newest event assigns, oldest first."""
        active = [s for s in self.staged if self.stage_events(s)[0].event is Event.ASSIGNMENT]
        return sorted(active, key=lambda s: self.stage_events(s)[0].tag.date)


def _counter(record: Record) -> int:
    return -1 if record.parsed.counter is None else record.parsed.counter
