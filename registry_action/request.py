"""A write request: the command and its inputs, validated before any request is sent."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .backend import Tagger, check_commit, check_message
from .errors import InvalidInput, StageError
from .grammar import Event, ModelName, check_stage, format_tag, is_valid_ref
from .versions import Bump, Version


class Command(StrEnum):
    REGISTER = "register"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    DEREGISTER = "deregister"
    DEPRECATE = "deprecate"


STAGED = (Command.ASSIGN, Command.UNASSIGN)


@dataclass(frozen=True)
class Request:
    command: Command
    model: ModelName
    commit: str  # where the repository is read (dvc.yaml, .gto); the target without a version
    tagger: Tagger
    version: Version | None = None  # register: the name to give; else the version to act on
    bump: Bump = Bump.PATCH  # register and assign: how an unregistered commit's version is named
    stage: str = ""
    message: str = ""  # empty: GTO's message for the event
    force: bool = False
    stages: tuple[str, ...] | None = None  # the allow-list input; None: `.gto` decides
    skip_registration: bool = False  # assign: do not register an unregistered commit
    require_annotation: bool = True  # register, and assign when it registers first
    trusted: bool = False  # the commit is the workflow's own (GITHUB_SHA): no reachability check

    @classmethod
    def parse(
        cls,
        command: str = Command.REGISTER,
        *,
        model: str,
        commit: str,
        tagger: Tagger,
        version: str = "",
        bump: str = "patch",
        stage: str = "",
        message: str = "",
        force: bool = False,
        stages: str = "",
        skip_registration: bool = False,
        require_annotation: bool = True,
        trusted: bool = False,
    ) -> Request:
        """Validate raw inputs (as the runner passes them) before any request is sent."""
        kind = Command(command)
        stage, version = stage.strip(), version.strip()
        if kind in STAGED and not stage:
            raise InvalidInput(f"{kind} needs a stage.", "{stage_example}.")
        if kind not in STAGED and stage:
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
        name = ModelName.parse(model.strip())
        parsed = Version.parse(version) if version else None
        if parsed and not is_valid_ref(
            "refs/tags/" + format_tag(Event.REGISTRATION, name, version=parsed.text)
        ):
            raise InvalidInput(f"Tag for {model} {version} is not a valid git ref.")
        check_message(message, tagger)
        allowed = parse_stages(stages) if stages.strip() and kind in STAGED else None
        request = cls(
            command=kind,
            model=name,
            commit=check_commit(commit),
            tagger=tagger,
            version=parsed,
            bump=Bump.parse(bump or "patch"),
            stage=check_stage(stage) if stage else "",
            message=message,
            force=force,
            stages=allowed,
            skip_registration=skip_registration,
            require_annotation=require_annotation,
            trusted=trusted,
        )
        if allowed is not None:
            check_allowed(request.stage, allowed, "{stages}")  # before any request
        return request


def parse_stages(text: str) -> tuple[str, ...]:
    """The `stages` input: names separated by commas or newlines."""
    names = [part.strip() for line in text.splitlines() for part in line.split(",")]
    return tuple(check_stage(name) for name in names if name)


def check_allowed(stage: str, allowed: tuple[str, ...], source: str, file: str = "") -> None:
    """Refuse a stage the allow-list (`source`: the stages input, or `.gto`) does not name."""
    if stage not in allowed:
        listing = ", ".join(allowed) if allowed else "none"
        raise StageError(
            f"Stage {stage!r} is not one of the stages {source} allows: {listing}.",
            "Use one of them, or add the stage there.",
            file=file,
        )
