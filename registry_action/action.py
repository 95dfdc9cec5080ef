"""The GitHub Action adapter: inputs from the runner, outputs, annotations and a job summary.

A thin shell over `registry.register`; every refusal exits 1 with an `::error`
annotation and a summary, and writes no output.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

import github_action_utils as gha

from .backends.github import GitHubBackend
from .errors import InvalidInput, RegistryError
from .registry import Registration, Request, Tagger, register

BOT = Tagger("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
_REPOSITORY = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+")
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


@dataclass(frozen=True)
class Settings:
    command: str
    request: Request
    dry_run: bool
    repository: str
    token: str


def read_settings(env: Mapping[str, str]) -> Settings:
    inputs = Inputs(env)
    token = inputs.get("token")
    if token:
        gha.add_mask(token)  # before anything else is printed
    command = inputs.get("command") or "register"
    if command != "register":
        raise InvalidInput(f"Command {command!r} is not supported.", "Set command: register.")
    repository = inputs.get("repository") or env.get("GITHUB_REPOSITORY", "")
    if not _REPOSITORY.fullmatch(repository):
        raise InvalidInput(
            f"Repository {repository!r} is not owner/name.",
            "Set repository: owner/name, or leave it to default to the workflow's repository.",
        )
    if not token:
        raise InvalidInput("No token was given.", "Set token: ${{ github.token }} (the default).")
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
    return Settings(command, request, inputs.flag("dry-run"), repository, token)


def _tagger(inputs: Inputs, env: Mapping[str, str]) -> Tagger:
    actor, actor_id = env.get("GITHUB_ACTOR", ""), env.get("GITHUB_ACTOR_ID", "")
    default = BOT
    if actor:
        email = (
            f"{actor_id}+{actor}@users.noreply.github.com"
            if actor_id
            else f"{actor}@users.noreply.github.com"
        )
        default = Tagger(actor, email)
    return Tagger(
        inputs.get("tagger-name") or default.name, inputs.get("tagger-email") or default.email
    )


def run(env: Mapping[str, str]) -> int:
    """Run the action; returns the exit code."""
    token = ""
    try:
        settings = read_settings(env)
        token = settings.token
        backend = GitHubBackend(
            settings.repository,
            settings.token,
            env.get("GITHUB_API_URL") or "https://api.github.com",
            env.get("GITHUB_GRAPHQL_URL", ""),
        )
        result = register(backend, settings.request, dry_run=settings.dry_run)
    except RegistryError as err:
        _refuse(err.title, _redact(str(err), token), err.file, err.line)
        return 1
    except Exception as err:  # a bug: still say so clearly, never with the token in it
        _refuse("Internal error", _redact(f"{type(err).__name__}: {err}", token), "", None)
        return 1
    _report(result, settings.dry_run)
    return 0


def _redact(text: str, token: str) -> str:
    return text.replace(token, "***") if token else text


def _refuse(title: str, message: str, file: str, line: int | None) -> None:
    gha.error(message, title=title, file=file or None, line=line)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        gha.append_job_summary(f"### {title}\n\n{_md(message)}\n\nNothing was created.\n")


def _report(result: Registration, dry_run: bool) -> None:
    out = result.outputs
    if os.environ.get("GITHUB_OUTPUT"):
        for name, value in out.items():
            gha.set_output(name, value)
    if dry_run:
        gha.notice(f"Dry run: would register {out['tag']} on {out['commit']}.")
    elif result.created:
        gha.notice(
            f"Registered {out['name']} {out['version']}: tag {out['tag']} on {out['commit']}."
        )
    else:
        gha.notice(
            f"{out['name']} {out['version']} is already registered on {out['commit']} "
            f"(tag {out['tag']}); nothing to do."
        )
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        gha.append_job_summary(summary(result, dry_run))


def summary(result: Registration, dry_run: bool) -> str:
    """The job summary: what was registered, and the model's version history."""
    plan, out = result.plan, result.outputs
    web = plan.web_url
    state = "Dry run" if dry_run else ("Registered" if result.created else "Already registered")
    latest = " (latest)" if result.is_latest else ""
    rows = [
        f"### {state}: `{plan.model.full}` {plan.version}",
        "",
        "| | |",
        "|---|---|",
        f"| Model | `{plan.model.full}` |",
        f"| Version | `{plan.version}`{latest} |",
        f"| Commit | {_commit_link(plan.commit, web)} |",
        f"| Tag | {_link(plan.tag, out['tag-url'])} |",
        f"| Latest version | `{out['latest-version']}` |",
        "",
        "| Version | Commit | Date | |",
        "|---|---|---|---|",
    ]
    history = result.history
    for v in history[:HISTORY_ROWS]:
        mark = "latest" if v.version.text == out["latest-version"] else ""
        mark = mark if v.active else "deregistered"
        date = v.tag.date or ("this run" if v.version == plan.version else "")
        rows.append(f"| `{v.version}` | {_commit_link(v.commit, web)} | {date} | {mark} |")
    if len(history) > HISTORY_ROWS:
        rows.append(f"\n… and {len(history) - HISTORY_ROWS} older versions.")
    return "\n".join(rows) + "\n"


def _commit_link(sha: str, web: str) -> str:
    return _link(sha[:12], f"{web}/commit/{sha}" if web else "")


def _link(text: str, url: str) -> str:
    return f"[`{text}`]({url})" if url else f"`{text}`"


def _md(text: str) -> str:
    """Plain text for Markdown: no HTML, no table breaks."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main() -> int:
    return run(os.environ)
