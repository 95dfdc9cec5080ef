"""A write request: the command and its inputs, validated before any request is sent."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from registry_action.core.errors import InvalidInput, StageError
from registry_action.core.grammar import (
    Event,
    ModelName,
    check_ref_length,
    check_stage,
    format_tag,
    is_valid_ref,
)
from registry_action.core.gto_config import CONFIG_FILE
from registry_action.core.lists import split_list
from registry_action.core.repository import Tagger
from registry_action.core.versions import Bump, Version

# What a revision may not hold: whitespace and control characters, `REV:path` (a file, not a
# commit), ranges, `^{type}` peeling. Everything else git or GitHub resolves, or answers
# "not found" for.
_NOT_A_REVISION = re.compile(r"[\s\x00-\x1f\x7f:\\]|\.\.|\^\{")
_IDENT_FORBIDDEN = re.compile(r"[<>\x00-\x1f\x7f]")


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
    policy_override: str = ""  # assign: the reason to let a policy violation in (recorded)
    if_changed: bool = False  # register: only when the content changed (core/content.py)

    @classmethod
    def from_inputs(
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
        policy_override: str = "",
        if_changed: bool = False,
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
        parts = Bump.parse(bump or "patch")
        check_labels(kind, parts, version)
        parsed = Version.parse(version) if version else None
        if parsed and not is_valid_ref(
            "refs/tags/" + format_tag(Event.REGISTRATION, name, version=parsed.text)
        ):
            raise InvalidInput(f"Tag for {model} {version} is not a valid git ref.")
        if parsed:  # the longest tag a version names is its deregistration (`@v1.0.0!`)
            check_ref_length(format_tag(Event.DEREGISTRATION, name, version=parsed.text))
        else:  # every command needs a version tag at least as long as `NAME@v0.0.0`
            check_ref_length(format_tag(Event.REGISTRATION, name, version="v0.0.0"))
        if if_changed and kind is not Command.REGISTER:
            # Refused rather than ignored: the caller expects a write to be skipped.
            raise InvalidInput(f"{kind} takes no if-changed: it compares registrations only.")
        check_message(message, tagger)
        policy_override = check_override(kind, policy_override)
        allowed = parse_stages(stages) if stages.strip() and kind in STAGED else None
        request = cls(
            command=kind,
            model=name,
            commit=check_commit(commit),
            tagger=tagger,
            version=parsed,
            bump=parts,
            stage=check_stage(stage) if stage else "",
            message=message,
            force=force,
            stages=allowed,
            skip_registration=skip_registration,
            require_annotation=require_annotation,
            trusted=trusted,
            policy_override=policy_override,
            if_changed=if_changed,
        )
        if allowed is not None:
            check_allowed(request.stage, allowed)  # before any request
        return request


def check_labels(command: Command, bump: Bump, version: str) -> None:
    """`bump: labels` is for register without a version, refused before any request: the
    pull request lookup it pays for would decide nothing."""
    if bump is not Bump.LABELS:
        return
    if command is not Command.REGISTER:
        raise InvalidInput(
            f"bump labels is for register; {command} bumps no version by labels.",
            "Set bump to patch, minor or major, or register the version first.",
        )
    if version:
        # Refused rather than ignored: a label would say one version, the input another.
        raise InvalidInput(
            f"bump labels and version {version} both name the version to register.",
            "Leave version empty to take the bump from the pull request's labels, or leave "
            "bump to its default to register {version}.",
            values={"version": version},
        )


def parse_stages(text: str) -> tuple[str, ...]:
    """The `stages` input: names separated by commas or newlines."""
    return tuple(check_stage(name) for name in split_list(text))


def check_allowed(stage: str, allowed: tuple[str, ...], config: str = "") -> None:
    """Refuse a stage the allow-list does not name: the stages input's, or (`config`, e.g.
    `.gto at SHA`) the one GTO's config file sets."""
    if stage not in allowed:
        listing = ", ".join(allowed) if allowed else "none"
        raise StageError(
            f"Stage {stage!r} is not one of the allowed stages: {listing}.",
            "Use one of them, or add the stage to {config}."
            if config
            else "Use one of them, or add the stage to {stages}.",
            file=CONFIG_FILE if config else "",
            values={"config": config},
        )


def check_override(command: Command, reason: str) -> str:
    """A policy override's reason: one line of text (the tag message's last line records
    it), for assign only (the policy rules assignments)."""
    reason = reason.strip()
    if reason and command is not Command.ASSIGN:
        # Refused rather than ignored: an override that does nothing misleads its reader.
        raise InvalidInput(
            f"{command} takes no policy override: the promotion policy rules assignments."
        )
    if "\n" in reason or "\r" in reason or not _utf8(reason) or "\x00" in reason:
        raise InvalidInput(
            "The policy override is not one line of text.",
            "Give the reason on one line, e.g. {policy_override_example}.",
        )
    return reason


def check_message(message: str, tagger: Tagger) -> None:
    """A tag message and tagger git can write, and GitHub's JSON can carry."""
    if "\x00" in message:
        raise InvalidInput("The message holds a NUL character.", "Remove it.")
    if not _utf8(message):
        # The runner passes an input's bytes as they are; Python keeps invalid UTF-8 as
        # lone surrogates, which no JSON body (and no gto reading the tag) can take.
        raise InvalidInput(
            "The message is not valid UTF-8 text.",
            "Write the message in UTF-8 (check the encoding of the file or variable it comes "
            "from).",
        )
    for part in (tagger.name, tagger.email):
        if not _utf8(part):
            raise InvalidInput("The tagger is not valid UTF-8 text.", "Set {tagger} in UTF-8.")
        if not part or _IDENT_FORBIDDEN.search(part):
            raise InvalidInput(
                f"Tagger {tagger.name!r} <{tagger.email}> is not a valid git identity.",
                "Set {tagger} without '<', '>' or control characters.",
            )


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_commit(ref: str) -> str:
    """A commit input: a sha, a branch or tag, or a revision git understands (`HEAD~1`,
    `main^`), never one git could read as an option or as a path inside a commit."""
    if ref != ref.strip():
        # gto passes the revision to git as it is, and git finds no ` HEAD`: refused, not
        # trimmed into a commit the user did not type.
        raise InvalidInput(
            f"Commit {ref!r} has spaces around it.",
            "Give the sha, branch, tag or revision without them, e.g. {commit_example}.",
        )
    if ref and not ref.startswith("-") and not _NOT_A_REVISION.search(ref):
        return ref
    raise InvalidInput(
        f"Commit {ref!r} is not a commit sha, branch, tag or revision.",
        "Give a full or short sha, a branch, a tag or a revision, e.g. {commit_example}.",
    )
