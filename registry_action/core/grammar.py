"""The registry's tag grammar: one table of regular expressions, as GTO 1.10 reads tags.

A model's full name is `[DIR:]NAME`; in a tag the `:` is written `=`. Every event is
one tag spelling, each with an optional `#N` counter (Studio writes it on registrations,
GTO on assignments).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

from registry_action.core.errors import InvalidInput, InvalidName, InvalidStage

NAME = r"[a-zA-Z0-9](?:[a-zA-Z0-9\-/_]*[a-zA-Z0-9])?"
DIRNAME = r"[a-zA-Z0-9\-_./]+"
SEMVER = (
    r"(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)\.(?:0|[1-9][0-9]*)"
    r"(?:-(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*)?"
    r"(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?"
)
VERSION = rf"v{SEMVER}"
FULLNAME = rf"(?:(?P<dir>{DIRNAME}):)?(?P<name>{NAME})"
_IN_TAG = rf"(?P<model>(?:{DIRNAME}=)?{NAME})"
_COUNTER = r"(?:#(?P<counter>[0-9]+))?"


class Event(StrEnum):
    REGISTRATION = "registration"
    DEREGISTRATION = "deregistration"
    ASSIGNMENT = "assignment"
    UNASSIGNMENT = "unassignment"
    DEPRECATION = "deprecation"


# One template per event: the regular expressions that read tags and `format_tag`, which
# writes them, both come from here. `{counter}` is the optional `#N`.
TEMPLATES: dict[Event, str] = {
    Event.REGISTRATION: "{model}@{version}{counter}",
    Event.DEREGISTRATION: "{model}@{version}!{counter}",
    Event.ASSIGNMENT: "{model}#{stage}{counter}",
    Event.UNASSIGNMENT: "{model}#{stage}!{counter}",
    Event.DEPRECATION: "{model}@deprecated{counter}",
}
_FIELDS = {
    "model": _IN_TAG,
    "version": rf"(?P<version>{VERSION})",
    "stage": rf"(?P<stage>{NAME})",
    "counter": _COUNTER,
}


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)  # literal, field, literal, field, ...
    return re.compile("".join(_FIELDS[p] if i % 2 else re.escape(p) for i, p in enumerate(parts)))


TAG_PATTERNS: dict[Event, re.Pattern[str]] = {e: _pattern(t) for e, t in TEMPLATES.items()}
FULLNAME_RE = re.compile(FULLNAME)
NAME_RE = re.compile(NAME)

# git check-ref-format: characters and sequences a ref may not hold.
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def is_valid_ref(ref: str) -> bool:
    """True when `ref` (e.g. `refs/tags/x@v1.0.0`) passes `git check-ref-format`."""
    if not ref or ref == "@" or _REF_FORBIDDEN.search(ref):
        return False
    if ref.startswith("/") or ref.endswith(("/", ".")):
        return False
    return not any(part.startswith(".") or part.endswith(".lock") for part in ref.split("/"))


# GitHub refuses a ref whose full name is longer than 255 bytes ("GH005: Sorry, refs longer
# than 255 bytes are not allowed", on a push and through the API alike; desktop/desktop#819).
# git has no limit of its own but stores a loose ref as a file, and 255 bytes is also the
# longest file name ext4, APFS and NTFS take (NAME_MAX), so no shorter git limit applies.
MAX_REF_BYTES = 255


def check_ref_length(tag: str) -> None:
    """Refuse a tag name GitHub would refuse, before anything is written.

    :raises InvalidInput: `refs/tags/TAG` is longer than MAX_REF_BYTES in UTF-8.
    """
    size = len(f"refs/tags/{tag}".encode())
    if size > MAX_REF_BYTES:
        raise InvalidInput(
            f"Tag {tag[:60]}... would be {size} bytes as refs/tags/..., and GitHub refuses "
            f"refs longer than {MAX_REF_BYTES} bytes.",
            "Use a shorter version, stage or model name.",
        )


@dataclass(frozen=True)
class ModelName:
    """A model's full name: `name`, or `dir:name` when its dvc.yaml is in folder `dir`."""

    dir: str
    name: str

    @classmethod
    def parse(cls, text: str) -> ModelName:
        match = FULLNAME_RE.fullmatch(text)
        if not match:
            raise InvalidName(
                f"Model name {text!r} is not valid.",
                "Use NAME or DIR:NAME; NAME holds letters, digits, '-', '_' and '/', "
                "and starts and ends with a letter or digit (e.g. churn, cv:pool-segmentation).",
            )
        model = cls(match["dir"] or "", match["name"])
        # The tag must be a git ref too: the name grammar lets `..` or `.x` through.
        probe = "refs/tags/" + format_tag(Event.REGISTRATION, model, version="v0.0.0")
        if not is_valid_ref(probe):
            raise InvalidName(
                f"Model name {text!r} cannot be a git tag.",
                "Avoid '..', '//', components starting with '.' or ending in '.lock'.",
            )
        return model

    @property
    def full(self) -> str:
        return f"{self.dir}:{self.name}" if self.dir else self.name

    @property
    def in_tag(self) -> str:
        return f"{self.dir}={self.name}" if self.dir else self.name

    @property
    def folder(self) -> str:
        """The folder of the model's dvc.yaml, relative to the repository root ('' for it)."""
        folder = self.dir.strip("/")
        return "" if folder == "." else folder

    @property
    def annotation_path(self) -> str:
        """Repository path of the dvc.yaml that declares this model."""
        return f"{self.folder}/dvc.yaml" if self.folder else "dvc.yaml"


@dataclass(frozen=True)
class RegistryTag:
    """A parsed registry tag."""

    tag: str
    event: Event
    model: ModelName
    version: str = ""
    stage: str = ""
    counter: int | None = None


def parse_tag(tag: str) -> RegistryTag | None:
    """Parse a tag name (no `refs/tags/`); None when it is not a registry tag."""
    for event, pattern in TAG_PATTERNS.items():
        match = pattern.fullmatch(tag)
        if match:
            groups = match.groupdict()
            model_dir, _, name = groups["model"].rpartition("=")
            counter = groups.get("counter")
            return RegistryTag(
                tag=tag,
                event=event,
                model=ModelName(model_dir, name),
                version=groups.get("version") or "",
                stage=groups.get("stage") or "",
                counter=int(counter) if counter is not None else None,
            )
    return None


def ref_tag(ref: str) -> RegistryTag | None:
    """The registry tag a ref names (`refs/tags/X` or `X`); None for branches and other tags."""
    ref = ref.strip()
    if ref.startswith("refs/"):
        if not ref.startswith("refs/tags/"):
            return None
        ref = ref[len("refs/tags/") :]
    return parse_tag(ref)


def quote_tag(tag: str) -> str:
    """A tag name as a URL path segment, as GitHub's own links spell it (`/`, `@`, `=` kept,
    `#` and `!` quoted)."""
    return quote(tag, safe="/@=")


def format_tag(
    event: Event,
    model: ModelName,
    *,
    version: str = "",
    stage: str = "",
    counter: int | None = None,
) -> str:
    """The tag for one event, spelled by its template (without `#N` when `counter` is None)."""
    count = "" if counter is None else f"#{counter}"
    return TEMPLATES[event].format(model=model.in_tag, version=version, stage=stage, counter=count)


def _prefix(model: ModelName, event: Event) -> str:
    """What every `event` tag of `model` starts with: its template up to the next field."""
    return model.in_tag + TEMPLATES[event].removeprefix("{model}").partition("{")[0]


def tag_prefix(model: ModelName) -> str:
    """Every version tag of `model` (registrations, deregistrations, deprecations) starts so."""
    return _prefix(model, Event.REGISTRATION)


def stage_prefix(model: ModelName) -> str:
    """Every stage tag of `model` starts with this."""
    return _prefix(model, Event.ASSIGNMENT)


def check_stage(stage: str) -> str:
    """A stage name: GTO's name grammar, and part of a valid git ref."""
    if not NAME_RE.fullmatch(stage) or not is_valid_ref(f"refs/tags/x#{stage}#1"):
        raise InvalidStage(
            f"Stage {stage!r} is not valid.",
            "A stage holds letters, digits, '-', '_' and '/', and starts and ends with a "
            "letter or digit (e.g. dev, staging, prod).",
        )
    return stage


# gto's naming shortcuts (`gto.constants.shortcut_re`), which `gto show` and the commands that
# pick a version take for a model: `NAME#STAGE`, `NAME@latest` (or `@greatest`), `NAME@vX.Y.Z`.
SHORTCUT_RE = re.compile(
    rf"(?P<model>{DIRNAME}:)?(?P<name>{NAME})"
    rf"(?:#(?P<stage>{NAME})|@(?P<version>latest|greatest|{VERSION}))?"
)


@dataclass(frozen=True)
class Shortcut:
    """A model, and the version a shortcut picks: a stage's, `latest`, or a version."""

    model: ModelName
    stage: str = ""
    version: str = ""  # `latest`, or `vX.Y.Z`; empty: none given

    @property
    def picks(self) -> bool:
        return bool(self.stage or self.version)


def parse_shortcut(text: str) -> Shortcut:
    """`NAME`, `DIR:NAME`, or either with gto's `#STAGE` / `@latest` / `@vX.Y.Z`."""
    match = SHORTCUT_RE.fullmatch(text)
    if match is None and ("@" in text or "#" in text):
        # Meant as a shortcut: say which forms there are, not only the name grammar.
        raise InvalidName(
            f"{text!r} is neither a model name nor one of gto's shortcuts.",
            "Give NAME or DIR:NAME, alone or with #STAGE, @latest or @vX.Y.Z (e.g. "
            "churn#prod, churn@v1.2.0); a registry tag such as churn#prod#3 is read by parse.",
        )
    if match is None or not (match["stage"] or match["version"]):
        return Shortcut(ModelName.parse(text))  # a plain name, or ModelName's refusal
    model = ModelName.parse((match["model"] or "") + match["name"])
    stage = check_stage(match["stage"]) if match["stage"] else ""
    version = "latest" if match["version"] in ("latest", "greatest") else match["version"] or ""
    return Shortcut(model, stage, version)
