"""One model's registry as its tags record it: versions, stages, events, the counter.

Every command reads the model through this one view, built from one snapshot's tags, so
register, the lifecycle commands and `parse` agree on what "latest", "in a stage",
"deprecated" and "the newest event" mean. The rules are GTO 1.10's (`gto/base.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from registry_action.core import gto_order
from registry_action.core.grammar import Event, ModelName, RegistryTag, parse_tag
from registry_action.core.gto_order import GtoVersion, Record, newest_first
from registry_action.core.repository import TagInfo
from registry_action.core.versions import Version


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
            anchor = (min(spellings, key=_counter) if spellings else deregistrations[text]).tag
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

    def greatest_active(self, besides: str = "") -> RegisteredVersion | None:
        """The greatest active version (not one registered at commit `besides`); None for
        a deprecated model, whose versions GTO shows as inactive."""
        if self.deprecation is not None:
            return None
        return next((v for v in self.history if v.active and v.commit != besides), None)

    def at_commit(self, commit: str) -> list[RegisteredVersion]:
        """The versions registered at `commit`, active or not, greatest first."""
        return [v for v in self.history if v.commit == commit]

    def version_at(self, commit: str) -> Version | None:
        """The version a stage tag on `commit` belongs to, if any: the one `gto_versions`
        files that commit's stage tags under, so `parse` of a stage tag names the version
        `show NAME#STAGE` gives, even on a commit that holds several (made by hand)."""
        owner = next((v for v in self.gto_versions if v.commit == commit), None)
        if owner is None or owner.name == commit:  # none, or a bare commit's own
            return None
        return Version.parse(owner.name)

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
            newest = newest_first(assignments.get(key, []) + unassignments.get(key, []))[0]
            states[key] = StageState(*key, newest.tag, newest.event is Event.ASSIGNMENT)
        return states

    # -- events, as GTO's objects hold them (core.gto_order) --------------------------------

    @cached_property
    def gto_versions(self) -> list[GtoVersion]:
        """GTO's `Artifact.versions` of this model."""
        return gto_order.gto_versions(self.records)

    @cached_property
    def events(self) -> list[Record]:
        """Every event, newest first, as GTO's `Artifact.get_events()`."""
        return gto_order.events(self.records, self.gto_versions)

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
        """Which version each stage holds now, as `gto show` says."""
        return gto_order.holders(self.gto_versions)

    @cached_property
    def held_by(self) -> dict[str, TagInfo]:
        """Each stage's holder's assignment: the tag that put the holder there."""
        found = {}
        for stage, holder in self.holders.items():
            state = self.stages.get((holder.commit, stage))
            if state is not None and state.assigned:
                found[stage] = state.tag
        return found


def by_model(tags: Iterable[TagInfo]) -> dict[str, tuple[TagInfo, ...]]:
    """The registry tags of each model, by full name, each tag parsed once: many models'
    views over one registry read (`ModelView.of` a model over every tag parses them all)."""
    found: dict[str, list[TagInfo]] = {}
    for tag in tags:
        parsed = parse_tag(tag.name)
        if parsed is not None:
            found.setdefault(parsed.model.full, []).append(tag)
    return {name: tuple(listed) for name, listed in found.items()}


def _counter(record: Record) -> int:
    return -1 if record.parsed.counter is None else record.parsed.counter
