"""The registry core: what a register request means for a repository, decided without I/O.

`decide` turns a request and one read of the repository (a `Snapshot`) into a `Plan`:
create a tag, report the version that is already there (a workflow re-run), or refuse.
`register` runs that against a `Backend` with the retry rules for racing writers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

from .annotations import Annotation, annotation_for, declared_models
from .errors import (
    AnnotationError,
    CommitNotFound,
    InvalidInput,
    RaceLost,
    TagExists,
    VersionAlreadyRegistered,
    VersionExistsForCommit,
)
from .grammar import Event, ModelName, is_valid_ref, registration_tag
from .history import RegisteredVersion, TagInfo, greatest_active, model_versions
from .outputs import Facts, outputs
from .versions import Bump, Version, next_version

ATTEMPTS = 5  # reads and writes an auto-bump may spend when racing other runs
CONFIG_FILE = ".gto"  # GTO's registry config; its `stages:` list is the allowed stages
_HEX = re.compile(r"[0-9a-fA-F]{4,40}")
_IDENT_FORBIDDEN = re.compile(r"[<>\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Tagger:
    name: str
    email: str


@dataclass(frozen=True)
class Snapshot:
    """One read of the repository for one model at one commit."""

    commit: str  # the full sha the requested ref resolves to; empty when it does not
    annotation: str | None  # the model's dvc.yaml at that commit; None when absent
    tags: tuple[TagInfo, ...]  # at least every tag that starts with the model's prefix
    web_url: str = ""  # the repository's web page, for links
    tag_sha: str = ""  # the tag object, when the ref read was an annotated tag
    default_branch: str = ""
    config: str | None = None  # GTO's `.gto` at that commit, when stages were read and it exists


class Backend(Protocol):
    """The two things the registry needs from a repository."""

    def read(self, model: ModelName, commit: str, stages: bool = False) -> Snapshot:
        """The repository for `model` at `commit`: the commit, its dvc.yaml, the model's tags.

        With `stages`, also the model's stage tags (`NAME#...`) and `.gto` at that commit.
        """
        ...

    def create_tag(self, tag: str, commit: str, message: str, tagger: Tagger) -> str:
        """Create annotated `tag` on `commit`; return the tag object's sha.

        Raises TagExists when the name is taken (by anyone, including a lost earlier try
        of ours that the backend could not prove was ours).
        """
        ...


@dataclass(frozen=True)
class Request:
    model: ModelName
    version: Version | None
    bump: Bump
    commit: str
    message: str
    force: bool
    require_annotation: bool
    tagger: Tagger

    @classmethod
    def parse(
        cls,
        *,
        model: str,
        version: str = "",
        bump: str = "patch",
        commit: str,
        message: str = "",
        force: bool = False,
        require_annotation: bool = True,
        tagger: Tagger,
    ) -> Request:
        """Validate raw inputs before any request is sent."""
        model_name = ModelName.parse(model.strip())
        parsed_version = Version.parse(version.strip()) if version.strip() else None
        if parsed_version and not is_valid_ref(
            "refs/tags/" + registration_tag(model_name, parsed_version.text)
        ):
            raise InvalidInput(f"Tag for {model} {version} is not a valid git ref.")
        check_message(message, tagger)
        return cls(
            model=model_name,
            version=parsed_version,
            bump=Bump.parse(bump or "patch"),
            commit=check_commit(commit),
            message=message,
            force=force,
            require_annotation=require_annotation,
            tagger=tagger,
        )


def check_message(message: str, tagger: Tagger) -> None:
    """A tag message and tagger git can write."""
    if "\x00" in message:
        raise InvalidInput("The message holds a NUL character.", "Remove it.")
    for part in (tagger.name, tagger.email):
        if not part or _IDENT_FORBIDDEN.search(part):
            raise InvalidInput(
                f"Tagger {tagger.name!r} <{tagger.email}> is not a valid git identity.",
                "Set tagger-name and tagger-email without '<', '>' or control characters.",
            )


def check_commit(ref: str) -> str:
    """A commit input: a sha (4 to 40 hex digits), HEAD, or a branch or tag name."""
    ref = ref.strip()
    if ref == "HEAD" or _HEX.fullmatch(ref):
        return ref
    if ref and not ref.startswith("-") and is_valid_ref(f"refs/heads/{ref}"):
        return ref
    raise InvalidInput(
        f"Commit {ref!r} is not a commit sha, branch or tag name.",
        "Give a full or short sha, a branch or a tag (e.g. ${{ github.sha }} or main).",
    )


@dataclass(frozen=True)
class Plan:
    """What a request means for the repository as read."""

    model: ModelName
    version: Version
    tag: str
    commit: str
    message: str
    existing: RegisteredVersion | None  # set when the version is already there: nothing to write
    history: tuple[RegisteredVersion, ...]  # the model's versions as read, greatest first
    annotation: Annotation | None
    web_url: str = ""
    default_branch: str = ""

    @property
    def create(self) -> bool:
        return self.existing is None

    @property
    def previous(self) -> Version | None:
        """The greatest active version before this run."""
        return greatest_active(self.history)


def decide(request: Request, snapshot: Snapshot) -> Plan:
    """Decide what to register, or raise the refusal that says why not."""
    model = request.model
    if not snapshot.commit:
        raise CommitNotFound(
            f"Commit {request.commit!r} was not found in the repository.",
            "Give a full or short sha, a branch or a tag that exists there.",
        )
    annotation = _annotation(request, snapshot)
    versions = model_versions(model, snapshot.tags)
    history = tuple(sorted(versions.values(), key=lambda v: v.version, reverse=True))
    at_commit = [v for v in history if v.active and v.commit == snapshot.commit]

    def plan(version: Version, existing: RegisteredVersion | None = None) -> Plan:
        return Plan(
            model=model,
            version=version,
            tag=existing.tag.name if existing else registration_tag(model, version.text),
            commit=snapshot.commit,
            message=request.message or f"Registering artifact {model.full} version {version}",
            existing=existing,
            history=history,
            annotation=annotation,
            web_url=snapshot.web_url,
            default_branch=snapshot.default_branch,
        )

    if request.version is not None:
        taken = versions.get(request.version.text)
        if taken and taken.active and taken.commit == snapshot.commit:
            return plan(taken.version, taken)  # a re-run: same model, version and commit
        if taken:
            state = "registered" if taken.active else "registered and later deregistered"
            raise VersionAlreadyRegistered(
                f"{model.full} {request.version} is already {state} at commit "
                f"{taken.commit} (tag {taken.tag.name}).",
                "A version name is used once per model: choose another version, "
                "or leave version empty to bump.",
            )
        if at_commit and not request.force:
            raise VersionExistsForCommit(
                f"Commit {snapshot.commit} already holds {model.full} {at_commit[0].version} "
                f"(tag {at_commit[0].tag.name}).",
                "Register another commit, or set force: true to add another version to it.",
            )
        version = request.version
    else:
        if at_commit and not request.force:
            return plan(at_commit[0].version, at_commit[0])  # a re-run of a bump
        version = next_version(greatest_active(history), request.bump)
        while version.text in versions:  # skip names that deregistered versions keep
            version = version.bump(Bump.PATCH)
    tag = registration_tag(model, version.text)
    clash = next((t for t in snapshot.tags if t.name == tag), None)
    if clash is not None:
        raise VersionAlreadyRegistered(
            f"A lightweight tag {tag} already exists at commit {clash.commit}; GTO ignores it, "
            "but it holds the name.",
            "Delete that tag, or choose another version.",
        )
    return plan(version)


def _annotation(request: Request, snapshot: Snapshot) -> Annotation | None:
    model = request.model
    source = model.annotation_path
    try:
        annotation = annotation_for(model.name, model.dir.strip("/"), snapshot.annotation, source)
    except AnnotationError:
        if request.require_annotation:
            raise
        return None  # not required: an unreadable dvc.yaml only means no annotation outputs
    if annotation is None and request.require_annotation:
        if snapshot.annotation is None:
            raise AnnotationError(
                f"{source} does not exist at commit {snapshot.commit}, so {model.full} is not "
                "declared there.",
                f"Declare it under 'artifacts:' in {source}, or set require-annotation: false.",
                file=source,
            )
        declared = sorted(declared_models(snapshot.annotation, source))
        listing = ", ".join(declared) if declared else "none"
        raise AnnotationError(
            f"Model {model.name!r} is not declared under 'artifacts:' in {source} at commit "
            f"{snapshot.commit}. Declared there: {listing}.",
            f"Fix the name, declare the model in {source}, or set require-annotation: false.",
            file=source,
        )
    return annotation


@dataclass(frozen=True)
class Registration:
    """The outcome of a register run."""

    plan: Plan
    created: bool
    tag_sha: str
    attempts: int = 1
    outputs: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outputs", outputs(self.facts))

    @property
    def facts(self) -> Facts:
        plan = self.plan
        return Facts(
            event=Event.REGISTRATION,
            model=plan.model,
            tag=plan.tag,
            version=plan.version,
            commit=plan.commit,
            tag_sha=self.tag_sha,
            created=self.created,
            history=self.history,
            previous=plan.previous,
            annotation=plan.annotation,
            web_url=plan.web_url,
        )

    @property
    def history(self) -> tuple[RegisteredVersion, ...]:
        """The model's versions after this run (as planned, on a dry run), greatest first."""
        plan = self.plan
        if not plan.create:
            return plan.history
        new = RegisteredVersion(
            plan.version, plan.commit, TagInfo(plan.tag, plan.commit, self.tag_sha), True
        )
        return tuple(sorted((*plan.history, new), key=lambda v: v.version, reverse=True))


def register(
    backend: Backend,
    request: Request,
    *,
    dry_run: bool = False,
    snapshot: Snapshot | None = None,
) -> Registration:
    """Read, decide and (unless a dry run or a re-run) create the tag.

    One read answers every decision (`snapshot`, when the caller has just read it). When
    another run takes the tag first, read again: an auto-bump then takes the next free
    version; an explicit version becomes a re-run (the winner tagged our commit) or a
    refusal naming the winner's commit.
    """
    for attempt in range(1, ATTEMPTS + 1):
        if snapshot is None or attempt > 1:
            snapshot = backend.read(request.model, request.commit)
        plan = decide(request, snapshot)
        if not plan.create or dry_run:
            existing = plan.existing
            return Registration(plan, False, existing.tag.sha if existing else "", attempt)
        try:
            sha = backend.create_tag(plan.tag, plan.commit, plan.message, request.tagger)
        except TagExists:
            continue
        return Registration(plan, True, sha, attempt)
    raise RaceLost(
        f"Other runs kept taking the version tags of {request.model.full}: gave up after "
        f"{ATTEMPTS} attempts.",
        "Serialize registrations of one model with a `concurrency:` group, then re-run.",
    )
