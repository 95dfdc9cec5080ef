"""The read side's answers: the whole registry and its history as `gto show` and `gto history`
give them, and the version of one model a deploy job asked for, with its rollback target.
Pure: it reads tags a backend handed over.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from registry_action.core.errors import (
    InvalidInput,
    ModelDeprecated,
    ModelNotFound,
    VersionDeregistered,
    VersionNotFound,
)
from registry_action.core.grammar import Event, ModelName, check_stage, parse_shortcut, parse_tag
from registry_action.core.gto_order import GtoVersion, Record
from registry_action.core.model_view import ModelView
from registry_action.core.repository import TagInfo
from registry_action.core.versions import Version

# GTO's event priorities (`gto.base`), which `gto history` sorts ties by.
PRIORITY = {
    Event.DEPRECATION: 2,
    Event.REGISTRATION: 3,
    Event.DEREGISTRATION: 4,
    Event.ASSIGNMENT: 5,
    Event.UNASSIGNMENT: 6,
}
_MANAGERS = (  # GTO indexes artifacts, then versions, then stages: the models' order
    (Event.DEPRECATION,),
    (Event.REGISTRATION, Event.DEREGISTRATION),
    (Event.ASSIGNMENT, Event.UNASSIGNMENT),
)


def model_views(tags: Iterable[TagInfo]) -> dict[str, ModelView]:
    """Every model the annotated registry tags name, by full name, in GTO's order."""
    tags = tuple(tags)
    parsed = [(t, p) for t in tags if t.annotated and (p := parse_tag(t.name)) is not None]
    ordered = sorted(parsed, key=lambda tp: (tp[0].date, tp[0].name))
    names: dict[str, ModelName] = {}
    for events in _MANAGERS:
        for _, p in ordered:
            if p.event in events:
                names.setdefault(p.model.full, p.model)
    return {full: ModelView.of(model, tags) for full, model in names.items()}


def used_stages(views: Iterable[ModelView]) -> list[str]:
    """The stages some version holds now, sorted (gto's columns without a `.gto` list)."""
    return sorted({stage for view in views for stage in view.holders})


def show_answer(views: dict[str, ModelView], stages: list[str]) -> dict[str, Any]:
    """`gto show --json`: each active model's latest version and what each stage holds."""
    return {
        name: {
            "version": view.latest.text if view.latest else None,
            "stage": {s: view.holders[s].name if s in view.holders else None for s in stages},
            "registered": bool(view.records),
            "active": view.deprecation is None,
        }
        for name, view in views.items()
        if view.deprecation is None
    }


def history_answer(views: dict[str, ModelView], model: str = "") -> list[dict[str, Any]]:
    """`gto history [MODEL] --json`: every event, newest first, ties by GTO's priority."""
    events = [
        (record, _event(name, view, record))
        for name, view in views.items()
        for record in view.events
    ]
    ordered = sorted(events, key=lambda e: (e[0].tag.date, PRIORITY[e[0].event]))[::-1]
    return [event for _, event in ordered if not model or event["artifact"] == model]


def _event(name: str, view: ModelView, record: Record) -> dict[str, Any]:
    tag, parsed = record.tag, record.parsed
    return {
        "timestamp": datetime.fromisoformat(tag.stamp or tag.date).isoformat(),
        "artifact": name,
        "event": record.event.value,
        "priority": PRIORITY[record.event],
        "version": None if record.event is Event.DEPRECATION else view.owner(record),
        "stage": parsed.stage or None,
        "commit": tag.commit,
        "author": tag.tagger,
        "author_email": tag.email,
        "message": tag.message.strip(),
        "ref": tag.name,
    }


def gto_json(value: Any) -> str:
    """As gto prints `--json` (`json.dumps(..., indent=4)`)."""
    return json.dumps(value, indent=4)


# -- one model, for a deploy job ---------------------------------------------------------------


def pick(text: str, *, stage: str = "", version: str = "") -> tuple[ModelName, str, str]:
    """The model, stage and version a read asks for: `text` may be one of gto's shortcuts
    (`NAME#STAGE`, `NAME@latest`, `NAME@vX.Y.Z`), which then names the stage or version."""
    shortcut = parse_shortcut(text.strip())
    if shortcut.picks and (stage or version):
        raise InvalidInput(
            f"{text} names a {'stage' if shortcut.stage else 'version'} already.",
            "Give the stage or version once: in the shortcut, or besides a plain name.",
        )
    if stage and version:
        raise InvalidInput("A read takes a stage or a version, not both.", "Give one of them.")
    stage = check_stage(stage) if stage else shortcut.stage
    return shortcut.model, stage, version or shortcut.version


def chosen_version(
    view: ModelView, *, stage: str = "", version: str = "", declared: bool = False
) -> tuple[TagInfo | None, GtoVersion | None]:
    """The registration tag of the version a deploy job asked for (None when there is none:
    nothing in that stage), and the GTO version holding the stage.

    With `stage`, the version that stage holds now; with `version`, that version (`latest`
    allowed); otherwise the latest. A model with no tags at all that its dvc.yaml does not
    declare is an error: it does not exist.
    """
    if not view.records and not declared:
        raise ModelNotFound(
            f"{view.model.full} has no registry tags and its dvc.yaml does not declare it.",
            "Check the model name (DIR:NAME for a model whose dvc.yaml is in a folder).",
        )
    if stage:
        holder = view.holders.get(stage)
        found = view.versions.get(holder.name) if holder else None
        return (found.tag if found else None), holder
    done = view.deprecation
    if done is not None:
        # gto lists a deprecated model nowhere (`gto show` skips it): nothing to deploy.
        raise ModelDeprecated(
            f"{view.model.full} was deprecated at {done.tag.date} (tag {done.tag.name}); "
            "no version of it is deployable.",
            "Register a new version to bring the model back.",
        )
    if version and version != "latest":
        found = view.versions.get(Version.parse(version).text)
        if found is None:
            raise VersionNotFound(
                f"{view.model.full} {version} is not registered.",
                "Give a registered version, `latest`, or a stage.",
            )
        if not found.active:
            gone = view.newest_of(Event.DEREGISTRATION, found.version.text)
            when = f" at {gone.tag.date} (tag {gone.tag.name})" if gone else ""
            raise VersionDeregistered(
                f"{view.model.full} {found.version} was deregistered{when}; it is not deployable.",
                "Give an active version, `latest`, or a stage.",
            )
        return found.tag, None
    latest = view.versions.get(view.latest.text) if view.latest else None
    return (latest.tag if latest else None), None


def stage_previous(view: ModelView, stage: str, holder: GtoVersion | None) -> str:
    """The version that held `stage` before the one holding it now (a rollback target)."""
    if holder is None:
        return ""
    assigned: list[str] = []  # versions the stage went to, oldest first, repeats folded
    for record in view.events[::-1]:
        if record.event is Event.ASSIGNMENT and record.parsed.stage == stage:
            name = view.owner(record)
            if not assigned or assigned[-1] != name:
                assigned.append(name)
    while assigned and assigned[-1] != holder.name:
        assigned.pop()
    before = [name for name in assigned[:-1] if name != holder.name]
    return before[-1] if before else ""
