"""The GitHub Action adapter: inputs from the runner, outputs, annotations and a job summary.

A thin shell over the registry core. Every refusal exits 1 with an `::error` annotation
and a summary, and writes no output.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import github_action_utils as gha

from . import lifecycle
from .backends.github import GitHubBackend
from .errors import BackendError, InvalidInput, RegistryError
from .lifecycle import Command, LifecycleRequest
from .outputs import OUTPUT_KEYS, Facts, outputs
from .parse import parse, tag_of
from .registry import Request, Tagger, register

BOT = Tagger("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")
_WORKFLOW = re.compile(r"[0-9]+|[A-Za-z0-9._-]+\.ya?ml")
HISTORY_ROWS = 20


class Inputs:
    """The step's inputs as the runner passes them: `INPUT_<NAME>`, hyphens kept, untrimmed."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def get(self, name: str) -> str:
        key = name.upper().replace(" ", "_")
        value = self.env.get(f"INPUT_{key}", self.env.get(f"INPUT_{key.replace('-', '_')}", ""))
        return value.strip()

    def flag(self, name: str) -> bool:
        value = self.get(name)
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidInput(
            f"Input {name} is {value!r}, not a boolean.", f"Set {name} to true or false."
        )


@dataclass
class Report:
    """What a command hands back to the shell: outputs, a log line, a summary."""

    outputs: dict[str, str]
    notice: str
    summary: str = ""
    failure: RegistryError | None = None  # after a success that must still fail the step


def run(env: Mapping[str, str]) -> int:
    """Run the action; returns the exit code."""
    inputs = Inputs(env)
    token = inputs.get("token")
    if token:
        gha.add_mask(token)  # before anything else is printed
    try:
        command = COMMANDS.get(inputs.get("command") or "register")
        if command is None:
            raise InvalidInput(
                f"Command {inputs.get('command')!r} is not supported.",
                f"Set command to one of: {', '.join(COMMANDS)}.",
            )
        report = command(inputs, env)
        for value in report.outputs.values():
            value.encode("utf-8")  # all writable before any is written
    except RegistryError as err:
        _refuse(err, token)
        return 1
    except Exception as err:  # a bug: still say so clearly, never with the token in it
        _refuse(RegistryError(f"{type(err).__name__}: {err}"), token, "Internal error")
        return 1
    if os.environ.get("GITHUB_OUTPUT"):
        for name, value in report.outputs.items():
            gha.set_output(name, value)
    gha.notice(report.notice)
    if report.summary and os.environ.get("GITHUB_STEP_SUMMARY"):
        gha.append_job_summary(report.summary)
    if report.failure:
        _refuse(report.failure, token, note="")
        return 1
    return 0


def _backend(inputs: Inputs, env: Mapping[str, str]) -> GitHubBackend:
    repository = inputs.get("repository") or env.get("GITHUB_REPOSITORY", "")
    if not _REPOSITORY.fullmatch(repository):
        raise InvalidInput(
            f"Repository {repository!r} is not owner/name.",
            "Set repository: owner/name, or leave it to default to the workflow's repository.",
        )
    token = inputs.get("token")
    if not token:
        raise InvalidInput("No token was given.", "Set token: ${{ github.token }} (the default).")
    return GitHubBackend(
        repository,
        token,
        env.get("GITHUB_API_URL") or "https://api.github.com",
        env.get("GITHUB_GRAPHQL_URL", ""),
    )


# -- register --------------------------------------------------------------------------------


def _register(inputs: Inputs, env: Mapping[str, str]) -> Report:
    request = Request.parse(
        model=inputs.get("model"),
        version=inputs.get("version"),
        bump=inputs.get("bump"),
        commit=inputs.get("commit") or env.get("GITHUB_SHA", ""),
        message=inputs.get("message"),
        force=inputs.flag("force"),
        require_annotation=inputs.flag("require-annotation"),
        tagger=_tagger(inputs, env),
    )
    dry_run = inputs.flag("dry-run")
    workflow = inputs.get("dispatch-workflow")
    if workflow and not _WORKFLOW.fullmatch(workflow):
        raise InvalidInput(
            f"dispatch-workflow {workflow!r} is not a workflow file name or id.",
            "Give the file name (deploy.yml) or the numeric id of a workflow, or leave it empty.",
        )
    backend = _backend(inputs, env)
    result = register(backend, request, dry_run=dry_run)
    out = result.outputs
    if dry_run:
        notice, state = f"Dry run: would register {out['tag']} on {out['commit']}.", "Dry run"
    elif result.created:
        notice, state = f"Registered {out['tag']} on {out['commit']}.", "Registered"
    else:
        notice = f"{out['tag']} is already registered on {out['commit']}; nothing to do."
        state = "Already registered"
    report = Report(out, notice, summary(result.facts, out, state))
    if workflow and result.created:
        ref = inputs.get("dispatch-ref") or result.plan.default_branch
        fields = {"model": out["name"], "version": out["version"], "tag": out["tag"]}
        try:
            backend.dispatch(workflow, ref, fields | {"commit": out["commit"]})
            report.notice += f" Started workflow {workflow} on {ref}."
        except BackendError as err:
            report.failure = BackendError(
                f"{out['tag']} was created, but starting workflow {workflow} failed: {err}",
                "Start it from the Actions tab, or give the job `actions: write`.",
            )
    return report


def _tagger(inputs: Inputs, env: Mapping[str, str]) -> Tagger:
    actor, actor_id = env.get("GITHUB_ACTOR", ""), env.get("GITHUB_ACTOR_ID", "")
    default = BOT
    if actor:
        prefix = f"{actor_id}+" if actor_id else ""
        default = Tagger(actor, f"{prefix}{actor}@users.noreply.github.com")
    return Tagger(
        inputs.get("tagger-name") or default.name, inputs.get("tagger-email") or default.email
    )


# -- parse -----------------------------------------------------------------------------------


def _parse(inputs: Inputs, env: Mapping[str, str]) -> Report:
    ref = inputs.get("ref") or env.get("GITHUB_REF", "")
    tag = tag_of(ref)
    backend = _backend(inputs, env)
    if tag is None:
        return Report(_empty(), f"{ref or 'The ref'} is not a registry tag; nothing to do.")
    facts = parse(backend, tag)
    if facts is None:
        return Report(
            _empty(), f"{tag.tag} is a lightweight tag, which GTO ignores; nothing to do."
        )
    out = outputs(facts)
    what = f" {out['version']}" if out["version"] else ""
    stage = f" to {facts.stage}" if facts.stage else ""
    notice = f"{tag.tag}: {facts.event.value} of {out['name']}{what}{stage} on {facts.commit}."
    return Report(out, notice, summary(facts, out, f"Parsed {facts.event.value}"))


def _empty() -> dict[str, str]:
    """Every output key, empty: a foreign ref is no error, and `event` is ''."""
    return dict.fromkeys(OUTPUT_KEYS, "") | {"labels": "[]", "json": "{}"}


# -- assign, unassign, deregister, deprecate -------------------------------------------------

# Per command: the summary's state when the tag was written and when it was there already,
# and the notice for each ({what}: the model and version; {stage}: the stage).
_WORDS = {
    Command.ASSIGN: (
        ("Assigned", "Already assigned"),
        ("Assigned stage {stage} to {what}", "{what} is already in stage {stage}"),
    ),
    Command.UNASSIGN: (
        ("Unassigned", "Already unassigned"),
        ("Unassigned stage {stage} from {what}", "Stage {stage} is already unassigned from {what}"),
    ),
    Command.DEREGISTER: (
        ("Deregistered", "Already deregistered"),
        ("Deregistered {what}", "{what} is already deregistered"),
    ),
    Command.DEPRECATE: (
        ("Deprecated", "Already deprecated"),
        ("Deprecated {what}", "{what} is already deprecated"),
    ),
}


def _lifecycle(command: Command) -> Callable[[Inputs, Mapping[str, str]], Report]:
    def handle(inputs: Inputs, env: Mapping[str, str]) -> Report:
        request = LifecycleRequest.parse(
            command,
            model=inputs.get("model"),
            commit=inputs.get("commit") or env.get("GITHUB_SHA", ""),
            tagger=_tagger(inputs, env),
            version=inputs.get("version"),
            stage=inputs.get("stage"),
            message=inputs.get("message"),
            force=inputs.flag("force"),
            stages=inputs.get("stages"),
            skip_registration=inputs.flag("skip-registration"),
            bump=inputs.get("bump"),
            require_annotation=inputs.flag("require-annotation"),
        )
        dry_run = inputs.flag("dry-run")
        result = lifecycle.run(_backend(inputs, env), request, dry_run=dry_run)
        out, facts = result.outputs, result.facts
        # A stage on an unregistered commit has no version: name the commit instead.
        what = out["name"] + (f" {out['version']}" if out["version"] else "")
        if facts.stage and not out["version"]:
            what += f" at {facts.commit[:12]}"
        (done, already), (did, was) = _WORDS[command]
        if dry_run and result.plan.create:
            notice, state = f"Dry run: would create {out['tag']} on {out['commit']}.", "Dry run"
        elif result.created:
            did = did.format(what=what, stage=facts.stage)
            notice, state = f"{did}: created {out['tag']} on {out['commit']}.", done
        else:
            was = was.format(what=what, stage=facts.stage)
            notice, state = f"{was} ({out['tag']}); nothing to do.", already
        registered = result.registration
        if registered is not None and (registered.created or dry_run):
            first = "would register" if dry_run else "registered"
            notice += f" First {first} {registered.plan.tag} on {registered.plan.commit}."
        return Report(out, notice, summary(facts, out, state))

    return handle


COMMANDS: dict[str, Callable[[Inputs, Mapping[str, str]], Report]] = {
    "register": _register,
    "parse": _parse,
    **{command.value: _lifecycle(command) for command in Command},
}


# -- presentation ----------------------------------------------------------------------------


def summary(facts: Facts, out: dict[str, str], state: str) -> str:
    """The job summary: what the tag records (`out`: its outputs), and the version history."""
    web = facts.web_url
    version = (
        f"`{out['version']}`{' (latest)' if facts.is_latest else ''}" if out["version"] else "-"
    )
    rows = [
        f"### {state}: `{facts.tag}`",
        "",
        "| | |",
        "|---|---|",
        f"| Model | `{facts.model.full}` |",
        f"| Version | {version} |",
        *([f"| Stage | `{facts.stage}` |"] if facts.stage else []),
        f"| Commit | {_commit_link(facts.commit, web)} |",
        f"| Tag | {_link(facts.tag, out['tag-url'])} |",
        f"| Latest version | `{out['latest-version'] or '-'}` |",
        "",
        "| Version | Commit | Date | |",
        "|---|---|---|---|",
    ]
    history = facts.history
    for v in history[:HISTORY_ROWS]:
        mark = "latest" if v.version.text == out["latest-version"] else ""
        mark = mark if v.active else "deregistered"
        date = v.tag.date or ("this run" if v.version == facts.version else "")
        rows.append(f"| `{v.version}` | {_commit_link(v.commit, web)} | {date} | {mark} |")
    if len(history) > HISTORY_ROWS:
        rows.append(f"\n… and {len(history) - HISTORY_ROWS} older versions.")
    return "\n".join(rows) + "\n"


def _commit_link(sha: str, web: str) -> str:
    return _link(sha[:12], f"{web}/commit/{sha}" if web else "")


def _link(text: str, url: str) -> str:
    return f"[`{text}`]({url})" if url else f"`{text}`"


def _redact(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _refuse(
    err: RegistryError, token: str, title: str = "", note: str = "Nothing was created."
) -> None:
    title, message = title or err.title, _redact(str(err), token)
    gha.error(message, title=title, file=err.file or None, line=err.line)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        text = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        gha.append_job_summary(f"### {title}\n\n{text}\n\n{note}\n")


def main() -> int:
    return run(os.environ)
