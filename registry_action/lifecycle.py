"""The rest of the registry lifecycle: assign and unassign stages, deregister versions,
deprecate models, with GTO 1.10's rules and tag spellings.

`decide` turns a request and one read of the repository (with the model's stage tags and
`.gto`) into a `Plan`: the tag to create, the tag that already records the event (a
re-run), a registration to make first (assigning an unregistered commit), or a refusal.
`run` carries it out against a `Backend` with the same race rules as `registry.register`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum

from .annotations import load_yaml
from .errors import (
    AnnotationError,
    CommitNotFound,
    ConfigError,
    InvalidInput,
    ModelNotFound,
    RaceLost,
    SeveralVersions,
    StageError,
    StageNotAssigned,
    TagExists,
    VersionNotFound,
)
from .grammar import (
    Event,
    ModelName,
    assignment_tag,
    check_stage,
    deprecation_tag,
    deregistration_tag,
    parse_tag,
    unassignment_tag,
)
from .history import (
    RegisteredVersion,
    StageState,
    TagInfo,
    deprecation,
    greatest_counter,
    model_stages,
    model_versions,
    newest_event,
)
from .outputs import Facts, outputs
from .parse import facts
from .registry import (
    ATTEMPTS,
    CONFIG_FILE,
    Backend,
    Registration,
    Request,
    Snapshot,
    Tagger,
    check_commit,
    check_message,
    register,
)
from .versions import Bump, Version

PLANNED = "planned"  # stands in for the sha of a tag a dry run did not create
_NULLS = ("", "~", "null", "Null", "NULL")  # YAML 1.2 nulls; the bounded loader keeps strings


class Command(StrEnum):
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    DEREGISTER = "deregister"
    DEPRECATE = "deprecate"


_STAGED = (Command.ASSIGN, Command.UNASSIGN)


@dataclass(frozen=True)
class LifecycleRequest:
    command: Command
    model: ModelName
    commit: str  # where the repository is read (dvc.yaml, .gto); the target without a version
    tagger: Tagger
    version: Version | None = None  # the version to act on; None: the version at `commit`
    stage: str = ""
    message: str = ""
    force: bool = False
    stages: tuple[str, ...] | None = None  # the allow-list input; None: `.gto` decides
    skip_registration: bool = False  # assign: do not register an unregistered commit
    bump: Bump = Bump.PATCH  # assign: the version an unregistered commit gets
    require_annotation: bool = True  # assign: for that registration

    @classmethod
    def parse(
        cls,
        command: str,
        *,
        model: str,
        commit: str,
        tagger: Tagger,
        version: str = "",
        stage: str = "",
        message: str = "",
        force: bool = False,
        stages: str = "",
        skip_registration: bool = False,
        bump: str = "patch",
        require_annotation: bool = True,
    ) -> LifecycleRequest:
        """Validate raw inputs before any request is sent."""
        kind = Command(command)
        stage, version = stage.strip(), version.strip()
        if kind in _STAGED and not stage:
            raise InvalidInput(f"{kind} needs a stage.", "Set stage, e.g. stage: prod.")
        if kind not in _STAGED and stage:
            # Refused rather than ignored: `gto deprecate NAME VERSION STAGE` unassigns.
            raise InvalidInput(
                f"{kind} takes no stage.", "To take a stage back from a version use unassign."
            )
        if kind is Command.DEPRECATE and version:
            # Refused rather than ignored: deprecating the whole model by mistake is costly.
            raise InvalidInput(
                "deprecate deprecates the whole model and takes no version.",
                "To withdraw one version use deregister.",
            )
        check_message(message, tagger)
        allowed = parse_stages(stages) if stages.strip() else None
        request = cls(
            command=kind,
            model=ModelName.parse(model.strip()),
            commit=check_commit(commit),
            tagger=tagger,
            version=Version.parse(version) if version else None,
            stage=check_stage(stage) if stage else "",
            message=message,
            force=force,
            stages=allowed,
            skip_registration=skip_registration,
            bump=Bump.parse(bump or "patch"),
            require_annotation=require_annotation,
        )
        if allowed is not None:
            _check_allowed(request, allowed, "the stages input")  # before any request
        return request


def parse_stages(text: str) -> tuple[str, ...]:
    """The `stages` input: names separated by commas or newlines."""
    names = [part.strip() for line in text.splitlines() for part in line.split(",")]
    return tuple(check_stage(name) for name in names if name)


@dataclass(frozen=True)
class Plan:
    """What a request means for the repository as read."""

    request: LifecycleRequest
    tag: str  # the tag to create, or the one that already records the event
    commit: str  # the commit that tag points at
    message: str
    existing: TagInfo | None  # set on a re-run: nothing to write
    snapshot: Snapshot
    registration: Request | None = None  # register this first (assign of an unregistered commit)

    @property
    def create(self) -> bool:
        return self.existing is None


def decide(request: LifecycleRequest, snapshot: Snapshot) -> Plan:
    """Decide the tag to write, or raise the refusal that says why not."""
    if not snapshot.commit:
        raise CommitNotFound(
            f"Commit {request.commit!r} was not found in the repository.",
            "Give a full or short sha, a branch or a tag that exists there.",
        )
    if request.command in _STAGED:
        allowed = request.stages
        source = "the stages input"
        if allowed is None and snapshot.config is not None:
            allowed, source = config_stages(snapshot.config), f"{CONFIG_FILE} at {snapshot.commit}"
        if allowed is not None:
            _check_allowed(request, allowed, source)
    view = _View(request, snapshot)
    if request.command is Command.ASSIGN:
        return view.assign()
    if request.command is Command.UNASSIGN:
        return view.unassign()
    if request.command is Command.DEREGISTER:
        return view.deregister()
    return view.deprecate()


def config_stages(text: str) -> tuple[str, ...] | None:
    """The `stages:` list of GTO's `.gto` (YAML); None when it sets none (any stage goes)."""
    try:
        document = load_yaml(text, CONFIG_FILE)
    except AnnotationError as err:
        raise ConfigError(
            err.message, "Fix .gto, or list the stages in the stages input.", file=CONFIG_FILE
        ) from None
    if document is None or document in _NULLS:
        return None
    if not isinstance(document, dict):
        raise ConfigError(f"{CONFIG_FILE} is not a YAML mapping.", "Fix it.", file=CONFIG_FILE)
    stages = document.get("stages")
    if stages is None or stages in _NULLS:
        return None
    if not isinstance(stages, list) or not all(isinstance(s, str) for s in stages):
        raise ConfigError(
            f"'stages' in {CONFIG_FILE} is not a list of names.",
            "Write it as a YAML list, e.g. stages: [dev, staging, prod].",
            file=CONFIG_FILE,
        )
    try:
        return tuple(check_stage(stage) for stage in stages)
    except InvalidInput as err:
        raise ConfigError(f"{CONFIG_FILE}: {err.message}", err.hint, file=CONFIG_FILE) from None


def _check_allowed(request: LifecycleRequest, allowed: tuple[str, ...], source: str) -> None:
    if request.stage not in allowed:
        listing = ", ".join(allowed) if allowed else "none"
        raise StageError(
            f"Stage {request.stage!r} is not one of the stages {source} allows: {listing}.",
            "Use one of them, or add the stage there.",
            file=CONFIG_FILE if source.startswith(CONFIG_FILE) else "",
        )


@dataclass
class _View:
    """The model's registry as one read shows it, and GTO's rule for each command."""

    request: LifecycleRequest
    snapshot: Snapshot
    versions: dict[str, RegisteredVersion] = field(init=False)
    stages: dict[tuple[str, str], StageState] = field(init=False)

    def __post_init__(self) -> None:
        model, tags = self.request.model, self.snapshot.tags
        self.versions = model_versions(model, tags)
        self.stages = model_stages(model, tags)

    # -- the four commands -----------------------------------------------------------------

    def assign(self) -> Plan:
        request, model = self.request, self.request.model
        commit, version = self._target()
        if version is None and not request.skip_registration:
            # GTO registers an unregistered commit first (even one a stage tag names already).
            return self._plan("", commit, "", registration=self._registration())
        state = self.stages.get((commit, request.stage))
        if state is not None and state.assigned and not request.force:
            return self._plan(state.tag.name, commit, "", existing=state.tag)  # a re-run
        what = version.version.text if version else commit
        message = f"Assigning stage {request.stage} to artifact {model.full} version {what}"
        return self._plan(assignment_tag(model, request.stage, self._counter()), commit, message)

    def unassign(self) -> Plan:
        request, model = self.request, self.request.model
        commit, version = self._target()
        if version is None:
            # Nor does GTO unassign a bare commit: it reads each stage tag there as a version
            # of its own, so an unassignment would not take the stage back for it.
            raise VersionNotFound(
                f"Commit {commit} holds no registered version of {model.full}.",
                "Give the version, or the commit of a version that is in the stage.",
            )
        what = version.version.text
        state = self.stages.get((commit, request.stage))
        if not request.force:
            if state is None:
                raise StageNotAssigned(
                    f"Stage {request.stage!r} was never assigned to {model.full} {what}, "
                    "so there is nothing to unassign.",
                    "Check the stage and the version, or set force: true to record the "
                    "unassignment anyway.",
                )
            if not state.assigned:
                return self._plan(state.tag.name, commit, "", existing=state.tag)  # a re-run
        message = f"Unassigning stage '{request.stage}' to artifact '{model.full}' version '{what}'"
        return self._plan(unassignment_tag(model, request.stage, self._counter()), commit, message)

    def deregister(self) -> Plan:
        request, model = self.request, self.request.model
        commit, version = self._target()
        if version is None:
            raise VersionNotFound(
                f"Commit {commit} holds no registered version of {model.full}.",
                "Give the version to deregister, or the commit it is registered at.",
            )
        text = version.version.text
        if not version.active and not request.force:
            gone = newest_event(
                model,
                self.snapshot.tags,
                lambda t: t.event is Event.DEREGISTRATION and t.version == text,
            )
            if gone is not None:
                return self._plan(gone[0].name, commit, "", existing=gone[0])  # a re-run
        # GTO's spelling has no counter; when that name is taken (a version deregistered,
        # then registered again by Studio) GTO fails, so take the counted spelling.
        tag = deregistration_tag(model, text)
        if self._taken(tag):
            tag = deregistration_tag(model, text, self._counter())
        message = f"Deregistering artifact {model.full} version {text}"
        return self._plan(tag, commit, message)

    def deprecate(self) -> Plan:
        request, model = self.request, self.request.model
        newest = newest_event(model, self.snapshot.tags)
        if newest is None and not request.force:
            raise ModelNotFound(
                f"{model.full} has no registry tags in this repository: nothing to deprecate.",
                "Check the model name (DIR:NAME for a model whose dvc.yaml is in a folder).",
            )
        done = deprecation(model, self.snapshot.tags)
        if done is not None and not request.force:
            return self._plan(done.name, done.commit, "", existing=done)  # a re-run
        # GTO tags the commit of the model's newest event (the read commit when none).
        commit = newest[0].commit if newest else self.snapshot.commit
        # GTO writes `@deprecated` without a counter, and with one under --force; when the
        # plain name is taken (deprecated, then used again) GTO fails: take the counted one.
        tag = deprecation_tag(model)
        if request.force or self._taken(tag):
            tag = deprecation_tag(model, self._counter())
        return self._plan(tag, commit, f"Deprecating artifact '{model.full}'")

    # -- helpers ---------------------------------------------------------------------------

    def _target(self) -> tuple[str, RegisteredVersion | None]:
        """The commit the request is about, and the version registered there (if any)."""
        request, model = self.request, self.request.model
        if request.version is not None:
            found = self.versions.get(request.version.text)
            if found is None:
                raise VersionNotFound(
                    f"{model.full} {request.version} is not registered.",
                    "Register it first, or give the commit instead of a version.",
                )
            commit = found.commit
        else:
            commit = self.snapshot.commit
        at_commit = [v for v in self.versions.values() if v.commit == commit]
        staged = request.command in _STAGED
        # GTO cannot read a stage tag on a commit with several versions (ManyVersions), and
        # cannot tell which one a commit means.
        if len(at_commit) > 1 and (staged or request.version is None):
            names = ", ".join(sorted(v.version.text for v in at_commit))
            raise SeveralVersions(
                f"Commit {commit} holds several versions of {model.full} ({names}).",
                "Deregister all but one of them, then try again."
                if staged
                else "Give the version to deregister instead of the commit.",
            )
        if request.version is not None:
            return commit, self.versions[request.version.text]
        return commit, at_commit[0] if at_commit else None

    def _counter(self) -> int:
        return greatest_counter(self.request.model, self.snapshot.tags) + 1

    def _taken(self, tag: str) -> bool:
        return any(t.name == tag for t in self.snapshot.tags)

    def _registration(self) -> Request:
        request = self.request
        return Request(
            model=request.model,
            version=None,
            bump=request.bump,
            commit=request.commit,
            message="",
            force=False,
            require_annotation=request.require_annotation,
            tagger=request.tagger,
        )

    def _plan(
        self,
        tag: str,
        commit: str,
        message: str,
        *,
        existing: TagInfo | None = None,
        registration: Request | None = None,
    ) -> Plan:
        message = self.request.message or message
        return Plan(self.request, tag, commit, message, existing, self.snapshot, registration)


@dataclass(frozen=True)
class Outcome:
    """The result of a lifecycle run."""

    plan: Plan
    created: bool
    tag_sha: str
    registration: Registration | None = None  # the version registered first, by assign
    attempts: int = 1
    facts: Facts = field(init=False)
    outputs: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        # The same facts `parse` gives for the tag, read back from what this run wrote.
        plan = self.plan
        if plan.existing is not None:
            seen = replace(plan.snapshot, commit=plan.existing.commit, tag_sha=self.tag_sha)
        else:
            seen = replace(
                with_tag(plan.snapshot, plan.tag, plan.commit, self.tag_sha),
                commit=plan.commit,
                tag_sha=self.tag_sha,
            )
        parsed = parse_tag(plan.tag)
        assert parsed is not None, plan.tag
        found = facts(parsed, seen, created=self.created)
        object.__setattr__(self, "facts", found)
        object.__setattr__(self, "outputs", outputs(found))


def with_tag(snapshot: Snapshot, name: str, commit: str, sha: str) -> Snapshot:
    """The snapshot as it is after creating tag `name` (on a dry run: as it would be)."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    date = max([now, *(t.date for t in snapshot.tags)])  # newest, even past a skewed clock
    return replace(snapshot, tags=(*snapshot.tags, TagInfo(name, commit, sha or PLANNED, date)))


def run(backend: Backend, request: LifecycleRequest, *, dry_run: bool = False) -> Outcome:
    """Read, decide and (unless a dry run or a re-run) create the tag.

    One read answers every decision; assigning an unregistered commit registers it first
    from that same read. When another run takes the tag first (the counter, or the
    name), read again and decide again.
    """
    registration: Registration | None = None
    for attempt in range(1, ATTEMPTS + 1):
        snapshot = backend.read(request.model, request.commit, stages=True)
        plan = decide(request, snapshot)
        if plan.registration is not None:
            registration = register(backend, plan.registration, dry_run=dry_run, snapshot=snapshot)
            done = registration.plan
            if not any(t.name == done.tag for t in snapshot.tags):
                snapshot = with_tag(snapshot, done.tag, done.commit, registration.tag_sha)
            plan = decide(request, snapshot)  # now the commit holds that version
            # A failure from here on leaves the version registered; a re-run then assigns it.
        if not plan.create or dry_run:
            existing = plan.existing
            return Outcome(plan, False, existing.sha if existing else "", registration, attempt)
        try:
            sha = backend.create_tag(plan.tag, plan.commit, plan.message, request.tagger)
        except TagExists:
            continue
        return Outcome(plan, True, sha, registration, attempt)
    raise RaceLost(
        f"Other runs kept taking the tags of {request.model.full}: gave up after "
        f"{ATTEMPTS} attempts.",
        "Serialize registry changes of one model with a `concurrency:` group, then re-run.",
    )
