"""The GitHub Action adapter: inputs from the runner, outputs, annotations and a job summary.

A thin shell over the registry core. Every refusal exits 1 with an `::error` annotation
and a summary, and writes no output.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import github_action_utils as gha

from registry_action.backends.github.backend import GitHubBackend
from registry_action.commands import read, write
from registry_action.commands.pushed_tag import verified
from registry_action.core.errors import BackendError, InvalidInput, RegistryError
from registry_action.core.grammar import ModelName, ref_tag
from registry_action.core.images import parse_images
from registry_action.core.outputs import changes_outputs, empty_outputs, outputs
from registry_action.core.repository import BOT, SHORT_SHA, Tagger, utc_iso
from registry_action.decide import reading
from registry_action.decide.policy import PARSE_STOPS, SHOW_STOPS, Status, Verdict
from registry_action.decide.request import Command, Request, check_commit
from registry_action.shells import messages as wording
from registry_action.shells import spellings

_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+")
_WORKFLOW = re.compile(r"[0-9]+|[A-Za-z0-9._-]+\.ya?ml")


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
    warnings: list[RegistryError] = field(default_factory=list)  # `::warning`s after it


def run_step(env: Mapping[str, str]) -> int:
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
    for warned in report.warnings:
        gha.warning(
            _redact(warned.render(spellings.ACTION), token),
            title=warned.title,
            file=warned.file or None,
            line=warned.line,
        )
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
    return GitHubBackend.from_env(repository, token, env, log=wait_notice)


def wait_notice(text: str) -> None:
    """A long wait for GitHub (a rate limit's minute) as a notice: the runner shows it in the
    run's annotations, where a plain line would hide in the log; the toolkit's escaping
    (`%`, CR, LF) keeps it one command."""
    gha.notice(text, title="Waiting for GitHub")


# -- register, assign, unassign, deregister, deprecate ---------------------------------------


def _write(command: Command) -> Callable[[Inputs, Mapping[str, str]], Report]:
    def handle(inputs: Inputs, env: Mapping[str, str]) -> Report:

        own = env.get("GITHUB_SHA", "")  # the workflow's own commit is trusted as it is
        commit = inputs.get("commit") or own
        request = Request.from_inputs(
            command,
            model=inputs.get("model"),
            commit=commit,
            trusted=bool(own) and commit == own,
            tagger=_tagger(inputs, env),
            version=inputs.get("version"),
            bump=inputs.get("bump"),
            stage=inputs.get("stage"),
            message=inputs.get("message"),
            force=inputs.flag("force"),
            stages=inputs.get("stages"),
            skip_registration=inputs.flag("skip-registration"),
            require_annotation=inputs.flag("require-annotation"),
            policy_override=inputs.get("policy-override"),
            if_changed=inputs.flag("if-changed"),
        )
        images = parse_images(inputs.get("images"), request.model)
        dry_run = inputs.flag("dry-run")
        workflow = inputs.get("dispatch-workflow") if command is Command.REGISTER else ""
        if workflow and not _WORKFLOW.fullmatch(workflow):
            raise InvalidInput(
                f"dispatch-workflow {workflow!r} is not a workflow file name or id.",
                "Give the file name (deploy.yml) or the numeric id of a workflow, or leave it "
                "empty.",
            )
        backend = _backend(inputs, env)
        try:
            result = write.run(
                backend,
                request,
                now=utc_iso(time.time()),
                dry_run=dry_run,
                remote_url=inputs.get("remote-url"),
            )
        except write.NotRegistered as nothing:  # `bump:none`: exit 0, created false
            summary = wording.not_registered(nothing.outputs["name"], str(nothing))
            return Report(nothing.outputs, str(nothing), summary)
        facts = result.facts
        out = outputs(facts, images=images, policy=result.policy.value)
        planned = dry_run and result.plan.create
        notice, state = wording.written(command, facts, created=result.created, planned=planned)
        if result.plan.unchanged and result.change is not None:
            notice, state = wording.unchanged(facts, result.change.change.reason)
        else:
            notice += wording.labelled(result.labelled)
        if result.registration is not None:
            notice += wording.registered_first(result.registration.facts, dry_run=dry_run)
        report = Report(
            out, notice, wording.summary(facts, out, state), warnings=_listed(result.warning)
        )
        if workflow and result.created:
            ref = inputs.get("dispatch-ref") or result.plan.state.snapshot.default_branch
            fields = {"model": out["name"], "version": out["version"], "tag": out["tag"]}
            try:
                backend.dispatch(workflow, ref, fields | {"commit": out["commit"]})
                report.notice += f" Started workflow {workflow} on {ref}."
            except BackendError as err:
                report.failure = BackendError(
                    f"{out['tag']} was created, but starting workflow {workflow} failed: "
                    f"{err.message}",
                    err.hint
                    or "Start it from the Actions tab, then re-run nothing: the "
                    "registration stands.",
                    values=err.values,
                )
        return report

    return handle


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
    tag = ref_tag(ref)
    images = parse_images(inputs.get("images"), tag.model if tag else None)
    backend = _backend(inputs, env)
    if tag is None:
        return Report(empty_outputs(), f"{ref or 'The ref'} is not a registry tag; nothing to do.")
    verify = inputs.flag("verify-policy")
    pushed = verified(backend, tag, remote_url=inputs.get("remote-url"))
    if pushed is None:
        return Report(
            empty_outputs(), f"{tag.tag} is a lightweight tag, which GTO ignores; nothing to do."
        )
    facts, verdict = pushed.facts, pushed.verdict
    out = outputs(facts, images=images, policy=verdict.status.value)
    summary = wording.summary(facts, out, f"Parsed {facts.event.value}")
    report = Report(out, wording.parsed(facts) + wording.policy_note(verdict), summary)
    if pushed.ignored:
        report.warnings.append(pushed.ignored)
    return _verified(report, verdict, verify, pushed.warning)


def _listed(warning: RegistryError | None) -> list[RegistryError]:
    return [warning] if warning else []


def _verified(
    report: Report,
    verdict: Verdict,
    verify: bool,
    warning: RegistryError | None,
    fails: tuple[Status, ...] = PARSE_STOPS,
) -> Report:
    """The report failing (`verify`) or warning for an assignment that broke the policy, or
    that a policy file that cannot be read could not judge (`fails`); else warning of such a
    file, when there is one."""
    if verdict.status in fails:
        # A deploy job must not ship a hand-made tag that skipped the policy's gates, nor one
        # whose gates are unknown.
        if verify:
            report.failure = verdict.violation
        elif verdict.violation:
            report.warnings.append(verdict.violation)
    elif warning:
        report.warnings.append(warning)
    return report


# -- show, history (read only: no write request ever) ---------------------------------------


def _show(inputs: Inputs, env: Mapping[str, str]) -> Report:

    name, backend = inputs.get("model"), _backend(inputs, env)
    if not name:
        found = read.registry(backend)
        rows = found.json
        events = reading.history_answer(found.views)
        summary = wording.registry_summary(rows, found.stages, events, found.web_url, found.policy)
        registry = {"registry": reading.gto_json(rows)}
        return Report(registry, f"{len(rows)} models.", summary, warnings=_listed(found.warning))
    model, stage, version = reading.pick(
        name, stage=inputs.get("stage"), version=inputs.get("version")
    )
    images = parse_images(inputs.get("images"), model)
    commit = _read_at(inputs, env)
    remote_url = inputs.get("remote-url")
    chosen = read.deployable(
        backend, model, commit, stage=stage, version=version, remote_url=remote_url
    )
    out = chosen.outputs(images)
    report = Report(out, wording.shown(model.full, out))
    if chosen.facts is not None:
        state = f"Show in stage {stage}" if stage else "Show"
        report.summary = wording.summary(chosen.facts, out, state)
    # A stage's holder is what a deploy job ships: an assignment a policy file that cannot be
    # read could not judge fails as in `parse`; a `violated` one is said in `policy` only.
    verify = inputs.flag("verify-policy")
    return _verified(report, chosen.verdict, verify, chosen.warning, fails=SHOW_STOPS)


def _download(inputs: Inputs, env: Mapping[str, str]) -> Report:
    from registry_action.commands.download import download  # loads the object-store client

    model, stage, version = reading.pick(
        inputs.get("model"), stage=inputs.get("stage"), version=inputs.get("version")
    )
    backend = _backend(inputs, env)
    done = download(
        backend,
        model,
        _read_at(inputs, env),
        root=Path(env.get("GITHUB_WORKSPACE") or "."),
        stage=stage,
        version=version,
        target=inputs.get("path"),
        remote_url=inputs.get("remote-url"),
    )
    out = done.outputs()
    notice = f"Downloaded {out['name']} {out['version']} to {done.path} ({done.bytes} bytes)."
    facts = done.chosen.facts
    summary = wording.summary(facts, out, "Downloaded") if facts else ""
    return Report(out, notice, summary, warnings=_listed(done.chosen.warning))


def _read_at(inputs: Inputs, env: Mapping[str, str]) -> str:
    """The commit a read command reads dvc.yaml at: the input, else the workflow's own."""
    return check_commit(inputs.get("commit") or env.get("GITHUB_SHA", "") or "HEAD")


def _history(inputs: Inputs, env: Mapping[str, str]) -> Report:

    name, backend = inputs.get("model"), _backend(inputs, env)
    model = ModelName.parse(name) if name else None
    commit = _read_at(inputs, env)
    found = read.history(backend, model, commit)
    events = found.events
    summary = wording.history_summary(events, name)
    out = {"history": reading.gto_json(events)}
    return Report(out, f"{len(events)} events.", summary, warnings=_listed(found.warning))


def _changes(inputs: Inputs, env: Mapping[str, str]) -> Report:
    from registry_action.commands.changes import changes

    found = changes(_backend(inputs, env), _read_at(inputs, env))
    names = found.changed
    listed = f": {', '.join(names)}" if names else ""
    notice = (
        f"{len(names)} of {len(found.models)} models changed at {found.commit[:SHORT_SHA]}{listed}."
    )
    summary = wording.changes_summary(found.rows, found.commit, found.web_url)
    return Report(changes_outputs(found.models), notice, summary)


COMMANDS: dict[str, Callable[[Inputs, Mapping[str, str]], Report]] = {
    "register": _write(Command.REGISTER),
    "parse": _parse,
    "show": _show,
    "history": _history,
    "download": _download,
    **{command.value: _write(command) for command in Command if command != "register"},
    "changes": _changes,
}


# -- annotations -----------------------------------------------------------------------------


def _redact(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _refuse(
    err: RegistryError, token: str, title: str = "", note: str = "Nothing was created."
) -> None:
    title, message = title or err.title, _redact(err.render(spellings.ACTION), token)
    gha.error(message, title=title, file=err.file or None, line=err.line)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        gha.append_job_summary(wording.refusal_summary(title, message, note))


def main() -> int:
    return run_step(os.environ)
