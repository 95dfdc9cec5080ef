"""The command line: the registry core on a local clone, or through the GitHub API.

It speaks to a person: one line per outcome by default, `--json` for scripts, `--outputs`
for the `key=value` lines a workflow step receives. Same rules and decisions as the action.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from registry_action import __version__
from registry_action.backends.base import Backend
from registry_action.backends.git import GitBackend
from registry_action.commands import read
from registry_action.commands.pushed_tag import verified
from registry_action.commands.write import NotRegistered, run
from registry_action.core.errors import InvalidInput, RegistryError
from registry_action.core.grammar import ModelName, ref_tag
from registry_action.core.images import parse_images
from registry_action.core.outputs import Facts, changes_outputs, outputs, typed
from registry_action.core.repository import BOT, Tagger, utc_iso
from registry_action.decide import reading
from registry_action.decide.policy import PARSE_STOPS, SHOW_STOPS, Status, Verdict
from registry_action.decide.request import STAGED, Command, Request, check_commit
from registry_action.shells import demo, spellings, step_outputs
from registry_action.shells import messages as wording

HELP = {
    Command.REGISTER: "register a model version (bump the latest, or give --version)",
    Command.ASSIGN: "assign a stage to a version (registering the commit first if needed)",
    Command.UNASSIGN: "take a stage back from a version",
    Command.DEREGISTER: "deregister a version",
    Command.DEPRECATE: "deprecate a model",
}
BUMPS = ["patch", "minor", "major"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="registry-action",
        description="Register ML model versions as GTO/Studio Git tags, in a local clone or "
        "through the GitHub API.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command, text in HELP.items():
        _write_command(commands.add_parser(command.value, help=text, description=text), command)
    parse = commands.add_parser(
        "parse", help="what a registry tag records", description="What a registry tag records."
    )
    parse.add_argument("tag", help="a tag name, e.g. churn@v1.2.0 or churn#prod#3")
    _no_verify_policy(parse, "when the assignment broke the promotion policy, or ")
    _where(parse)
    _images(parse)
    show = _reader(
        commands,
        "show",
        "the registry, or the version of a model a stage holds",
        "Without MODEL: every model, its latest version and what each stage holds (as gto "
        "show). With MODEL: one version, for a deploy job.",
    )
    which = show.add_mutually_exclusive_group()
    which.add_argument("--stage", default="", help="the version this stage holds now")
    which.add_argument("--version", default="", help="this version (or latest)")
    _no_verify_policy(show, "with --stage, ")
    _images(show)
    _download_command(commands)
    _reader(
        commands,
        "history",
        "every registry event, newest first",
        "Every registration, deregistration, assignment, unassignment and deprecation, "
        "newest first (as gto history).",
    )
    _changes_command(commands)
    demo = commands.add_parser(
        "demo",
        help="register a model in a new local repository",
        description="Make a repository that declares a model, register two versions, show "
        "what a step would receive.",
    )
    demo.add_argument(
        "--dir", type=Path, help="a new or empty folder for it (default: a fresh temp folder)"
    )
    return parser


def _no_verify_policy(sub: argparse.ArgumentParser, when: str) -> None:
    sub.add_argument(
        "--no-verify-policy",
        dest="verify_policy",
        action="store_false",
        help=f"only warn (exit 0) {when}when the promotion policy file cannot be read to "
        "judge the assignment",
    )


def _changes_command(commands: Any) -> None:
    text = "which models' content changed since their latest versions"
    sub = commands.add_parser(
        "changes",
        help=text,
        description="Every model any dvc.yaml declares at COMMIT, and whether its content "
        "(DVC md5, or Git object id) changed since its greatest active version.",
    )
    sub.add_argument(
        "--commit", default="HEAD", help="the commit to compare (default HEAD): sha, branch or tag"
    )
    _where(sub)


def _download_command(commands: Any) -> None:
    text = "fetch a version's bytes from its DVC remote (no DVC needed), or from Git"
    sub = commands.add_parser(
        "download",
        help=text,
        description="Fetch the version `show MODEL` chooses (a stage's holder, a version, or "
        "the latest) from the DVC remote at its commit, each file checked against its md5; "
        "a path Git tracks itself comes from Git at that commit, checked against its object id.",
    )
    sub.add_argument("model", help="NAME, DIR:NAME, NAME@VERSION or NAME#STAGE")
    which = sub.add_mutually_exclusive_group()
    which.add_argument("--stage", default="", help="the version this stage holds now")
    which.add_argument("--version", default="", help="this version (or latest)")
    sub.add_argument(
        "-o", "--output", default="", help="where to write it (default: its path in the repo)"
    )
    sub.add_argument("--remote-url", default="", help="the remote's URL, overriding .dvc/config's")
    _where(sub)


def _reader(commands: Any, name: str, text: str, description: str) -> argparse.ArgumentParser:
    """A read command: an optional model (default: the whole registry), where to read."""
    sub: argparse.ArgumentParser = commands.add_parser(name, help=text, description=description)
    sub.add_argument("model", nargs="?", default="", help="NAME or DIR:NAME (default: all)")
    _where(sub)
    return sub


def _write_command(sub: argparse.ArgumentParser, command: Command) -> None:
    sub.add_argument("model", help="NAME, or DIR:NAME when its dvc.yaml is in folder DIR")
    if command in STAGED:
        sub.add_argument("--stage", required=True, help="the stage, e.g. prod")
        sub.add_argument(
            "--stages", default="", help="the allowed stages, comma-separated (default: .gto's)"
        )
    # register names a version for a commit; the others act on a version or on a commit.
    registers = command is Command.REGISTER
    which = sub.add_mutually_exclusive_group()
    if command is not Command.DEPRECATE:
        which.add_argument(
            "--version",
            default="",
            help="v + SemVer, e.g. v1.2.3" if registers else "a registered version, e.g. v1.2.3",
        )
    target = "the commit to register" if registers else "the commit to act on"
    (sub if registers else which).add_argument(
        "--commit",
        default="HEAD",
        help=f"{target}: a sha, branch, tag or revision such as HEAD~1 (default HEAD); "
        "dvc.yaml and .gto are read there",
    )
    if registers:
        sub.add_argument(
            "--if-changed",
            action="store_true",
            help="register only when the model's content changed since its latest version",
        )
    if command in (Command.REGISTER, Command.ASSIGN):
        (which if registers else sub).add_argument(
            "--bump",
            default="patch",
            choices=[*BUMPS, "labels"] if registers else BUMPS,
            help="how the next version is named (default patch)"
            + (
                "; labels: by the bump:major/minor/patch/none label of the pull request that "
                "brought the commit in (through --github)"
                if registers
                else ""
            ),
        )
        sub.add_argument(
            "--no-require-annotation",
            dest="require_annotation",
            action="store_false",
            help="register even when dvc.yaml does not declare the model",
        )
    if command is Command.ASSIGN:
        sub.add_argument(
            "--skip-registration",
            action="store_true",
            help="put the stage on an unregistered commit without registering it",
        )
        sub.add_argument(
            "--policy-override",
            metavar="REASON",
            default="",
            help="assign even where the promotion policy refuses; the tag message records "
            "'Policy-Override: REASON' as its last line",
        )
    sub.add_argument("--message", default="", help="the tag message (default: GTO's)")
    sub.add_argument(
        "--tagger-name", default="", help="the tagger's name (default: git's user.name)"
    )
    sub.add_argument(
        "--tagger-email", default="", help="the tagger's email (default: git's user.email)"
    )
    sub.add_argument(
        "--force",
        action="store_true",
        help="write the tag even where GTO would refuse or the registry has it (GTO's --force)",
    )
    sub.add_argument("--dry-run", action="store_true", help="decide and show, but write nothing")
    _where(sub)
    _images(sub)
    sub.add_argument(
        "--push",
        metavar="REMOTE",
        default="",
        help="push the tags to REMOTE when it lacks them (a local clone)",
    )


def _where(sub: argparse.ArgumentParser) -> None:
    where = sub.add_mutually_exclusive_group()
    where.add_argument("--repo", default=".", help="the local clone (default: .)")
    where.add_argument(
        "--github", metavar="OWNER/REPO", help="the repository on GitHub (token: $GITHUB_TOKEN)"
    )
    sub.add_argument(
        "--policy-ref",
        metavar="REF",
        default="",
        help="read .github/registry-policy.yml at REF of the clone (default: origin/HEAD, "
        "else the init.defaultBranch or main branch); on GitHub it is always the default "
        "branch's head",
    )
    shown = sub.add_mutually_exclusive_group()
    shown.add_argument(
        "--json", action="store_true", help="print the outputs as one JSON object, typed"
    )
    shown.add_argument(
        "--outputs", action="store_true", help="print the key=value lines a workflow step gets"
    )


def _images(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--images",
        metavar="NAMES",
        default="",
        help="image names, comma-separated, e.g. ghcr.io/OWNER/{image-name}: the outputs "
        "tags and source-tags are references on them",
    )


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`registry-action history | head`): stop, without a traceback
        # then or at exit (docs.python.org/3/library/signal.html, "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return demo.make_demo(args.dir, main)
        backend = _backend(args)
        if args.command == "parse":
            return _parse(args, backend)
        if args.command == "show":
            return _show_command(args, backend)
        if args.command == "history":
            return _history_command(args, backend)
        if args.command == "download":
            return _download(args, backend)
        if args.command == "changes":
            return _changes(args, backend)
        return _write(args, backend, _tagger(args))
    except RegistryError as err:
        print(f"error: {err.title}: {err.render(spellings.CLI)}", file=sys.stderr)
        return 1


def _backend(args: argparse.Namespace) -> Backend:
    if args.github:
        token = os.environ.get("GITHUB_TOKEN", "")
        if not token:
            raise InvalidInput(
                f"--github {args.github} needs a token, and GITHUB_TOKEN is not set.",
                "Set GITHUB_TOKEN, e.g. GITHUB_TOKEN=$(gh auth token).",
            )
        from registry_action.backends.github.backend import GitHubBackend

        if args.policy_ref:
            raise InvalidInput(
                "--policy-ref is for a local clone: on GitHub the promotion policy is read at "
                "the default branch's head."
            )
        return GitHubBackend.from_env(args.github, token, os.environ)

    return GitBackend(args.repo, policy_ref=args.policy_ref)


def _write(args: argparse.Namespace, backend: Backend, tagger: Tagger) -> int:

    request = Request.from_inputs(
        args.command,
        model=args.model,
        commit=args.commit or "HEAD",  # `--commit ''` is HEAD, as gto takes an empty REF
        tagger=tagger,
        version=getattr(args, "version", ""),
        bump=getattr(args, "bump", "patch"),
        stage=getattr(args, "stage", ""),
        message=args.message,
        force=args.force,
        stages=getattr(args, "stages", ""),
        skip_registration=getattr(args, "skip_registration", False),
        require_annotation=getattr(args, "require_annotation", True),
        policy_override=getattr(args, "policy_override", ""),
        if_changed=getattr(args, "if_changed", False),
    )
    images = parse_images(args.images, request.model)
    clone = backend if isinstance(backend, GitBackend) else None
    if args.push and clone is None:
        raise InvalidInput("--push is for a local clone; through --github tags are on GitHub.")
    try:
        outcome = run(backend, request, now=utc_iso(time.time()), dry_run=args.dry_run)
    except NotRegistered as nothing:  # `bump:none`: exit 0, nothing written
        if not _show(args, nothing.outputs):
            print(nothing)
        return 0
    made = [o for o in (outcome.registration, outcome) if o is not None]
    if not _show(args, outputs(outcome.facts, images=images, policy=outcome.policy.value)):
        for step in made:
            planned = args.dry_run and step.plan.create
            command = step.plan.request.command
            notice, _ = wording.written(
                command, step.facts, created=step.created, planned=planned, short=True
            )
            if step.plan.unchanged and step.change is not None:
                notice, _ = wording.unchanged(step.facts, step.change.change.reason, short=True)
            else:
                notice += wording.labelled(step.labelled)
            print(notice)
    _warn(outcome.warning)
    tags = [o.tag.name for o in made if not args.dry_run and not o.plan.unchanged]
    if args.push and clone is not None:
        return _push(args, clone, tags)
    made_now = [o.tag.name for o in made if o.created]
    if made_now and not args.github and not (args.json or args.outputs):
        # As gto says it, and as gto only for a tag it just made.
        print("To push the changes upstream, run:")
        print(f"    git push origin {' '.join(shlex.quote(t) for t in made_now)}")
    return 0


def _push(args: argparse.Namespace, clone: GitBackend, tags: list[str]) -> int:
    for tag in tags:
        pushed = clone.publish(tag, args.push)
        if not (args.json or args.outputs):
            print(f"Pushed {tag} to {args.push}." if pushed else f"{args.push} has {tag} already.")
    return 0


def _parse(args: argparse.Namespace, backend: Backend) -> int:

    tag = ref_tag(args.tag)
    if tag is None:
        raise InvalidInput(
            f"{args.tag!r} is not a registry tag.",
            "Give a tag such as churn@v1.2.0, churn#prod#3 or cv=churn@v1.0.0.",
        )
    images = parse_images(args.images, tag.model)
    pushed = verified(backend, tag)
    if pushed is None:
        print(f"{tag.tag} is a lightweight tag, which GTO ignores.")
        return 0
    facts: Facts = pushed.facts
    verdict = pushed.verdict
    values = outputs(facts, images=images, policy=verdict.status.value)
    if not _show(args, values):
        print(wording.parsed(facts, short=True) + wording.policy_note(verdict))
    if pushed.ignored:
        ignored = pushed.ignored
        where = f"{ignored.file}:{ignored.line}: " if ignored.line else f"{ignored.file}: "
        print(f"warning: {where}{ignored.render(spellings.CLI)}", file=sys.stderr)
    return _verified(verdict, args.verify_policy, pushed.warning)


def _verified(
    verdict: Verdict,
    verify: bool,
    warning: RegistryError | None,
    fails: tuple[Status, ...] = PARSE_STOPS,
) -> int:
    """Exit 1 (`verify`) or warn for an assignment that broke the policy, or that a policy
    file that cannot be read could not judge (`fails`); else warn of such a file."""
    if verdict.status in fails and verdict.violation is not None:
        broken = verdict.violation
        # A deploy script must not ship a hand-made tag that skipped the policy's gates, nor
        # one whose gates are unknown.
        level = "error" if verify else "warning"
        print(f"{level}: {broken.title}: {broken.render(spellings.CLI)}", file=sys.stderr)
        return 1 if verify else 0
    _warn(warning)
    return 0


def _warn(warning: RegistryError | None) -> None:
    """One line on stderr: what goes wrong but does not stop the command."""
    if warning is not None:
        print(f"warning: {warning.title}: {warning.render(spellings.CLI)}", file=sys.stderr)


def _show_command(args: argparse.Namespace, backend: Backend) -> int:

    if not args.model:
        found = read.registry(backend)
        rows = found.json
        if args.json:
            # gto show --json's JSON; a tag's message or tagger cannot print a `##[` command
            print(step_outputs.printable_json(reading.gto_json(rows)))
        else:
            table = wording.registry_table(rows, found.stages)
            marked = wording.mark_policy(table, found.policy)
            print(wording.text_table(table) if rows else wording.NOTHING)
            if marked:
                print(wording.POLICY_LEGEND)
        _warn(found.warning)
        return 0
    model, stage, version = reading.pick(args.model, stage=args.stage, version=args.version)
    images = parse_images(args.images, model)
    chosen = read.deployable(backend, model, "HEAD", stage=stage, version=version)
    values = chosen.outputs(images)
    if not _show(args, values):
        mark = " Policy: violated." if values["policy"] == "violated" else ""
        print(wording.shown(model.full, values, short=True) + mark)
    # The stage's holder, as `parse` verifies it; `violated` is said, not refused.
    return _verified(chosen.verdict, args.verify_policy, chosen.warning, fails=SHOW_STOPS)


def _download(args: argparse.Namespace, backend: Backend) -> int:
    from registry_action.commands.download import download  # loads the object-store client

    model, stage, version = reading.pick(args.model, stage=args.stage, version=args.version)
    root = Path(args.repo if not args.github else ".")
    done = download(
        backend,
        model,
        "HEAD",
        root=root,
        stage=stage,
        version=version,
        target=args.output,
        remote_url=args.remote_url,
    )
    values = done.outputs()
    if not _show(args, values):
        print(
            f"Downloaded {values['name']} {values['version']} to {done.path} ({done.bytes} bytes)."
        )
    _warn(done.chosen.warning)
    return 0


def _changes(args: argparse.Namespace, backend: Backend) -> int:
    from registry_action.commands.changes import changes

    found = changes(backend, check_commit(args.commit or "HEAD"))  # as the action checks it
    rows = found.rows
    if args.json:
        print(step_outputs.json_line(rows))
    elif args.outputs:
        print(step_outputs.file_command(changes_outputs(found.models)))
    else:
        table = wording.changes_table(rows)
        print(wording.text_table(table) if rows else "No model is declared in any dvc.yaml.")
    return 0


def _history_command(args: argparse.Namespace, backend: Backend) -> int:

    model = ModelName.parse(args.model) if args.model else None
    found = read.history(backend, model, "HEAD")
    events = found.events
    if args.json:
        # gto history --json's JSON; a tag's message or tagger cannot print a `##[` command
        print(step_outputs.printable_json(reading.gto_json(events)))
    else:
        print(wording.text_table(wording.history_table(events)) if events else wording.NOTHING)
    _warn(found.warning)
    return 0


def _show(args: argparse.Namespace, values: dict[str, str]) -> bool:
    """Print the outputs as asked (`--json`, `--outputs`); False when a person is reading."""
    if args.json:
        print(step_outputs.json_line(typed(values)))
    elif args.outputs:
        # As a step would receive them, safe to append to $GITHUB_OUTPUT and to print.
        print(step_outputs.file_command({k: v for k, v in values.items() if k != "json"}))
    return bool(args.json or args.outputs)


def _tagger(args: argparse.Namespace) -> Tagger:
    """Who a write's tags name: --tagger-name/--tagger-email, else git's committer as gto
    takes it (scmrepo: `GIT_COMMITTER_NAME`/`_EMAIL`, else `user.name`/`user.email`; no
    guess from the host name). Through --github without either, GitHub's bot."""
    name = args.tagger_name or os.environ.get("GIT_COMMITTER_NAME", "")
    email = args.tagger_email or os.environ.get("GIT_COMMITTER_EMAIL", "")
    if not args.github:
        name = name or _git_config(args.repo, "user.name")
        email = email or _git_config(args.repo, "user.email")
    elif not (name or email):
        return BOT
    if name and email:
        return Tagger(name, email)
    raise InvalidInput(
        "Git user name and email must be configured to tag, as gto requires: the name is "
        f"{name or 'unset'} and the email {email or 'unset'} (GIT_COMMITTER_NAME and "
        "GIT_COMMITTER_EMAIL, else git config user.name and user.email).",
        "Set {tagger}, or pass --tagger-name and --tagger-email.",
    )


def _git_config(repo: str, key: str) -> str:
    done = subprocess.run(["git", "-C", repo, "config", key], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


if __name__ == "__main__":
    sys.exit(main())
