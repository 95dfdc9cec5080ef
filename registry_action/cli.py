"""The command line: the same registry core against a local clone or the GitHub API.

registry-action register MODEL [--version V | --bump patch|minor|major] [--commit REF]
    [--message M] [--force] [--dry-run] [--repo PATH | --github OWNER/REPO] [--json]
registry-action assign MODEL --stage S [--version V | --commit REF] [--skip-registration] ...
registry-action unassign MODEL --stage S [--version V | --commit REF] ...
registry-action deregister MODEL [--version V | --commit REF] ...
registry-action deprecate MODEL [--commit REF] ...
registry-action demo [--dir PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from .backend import BOT, Backend, Tagger
from .backends import utc_iso
from .errors import RegistryError
from .request import Command, Request


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="registry-action", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    reg = commands.add_parser("register", help="register a model version")
    _model(reg)
    which = reg.add_mutually_exclusive_group()
    which.add_argument("--version", default="", help="v + SemVer, e.g. v1.2.3")
    which.add_argument("--bump", default="patch", choices=["patch", "minor", "major"])
    reg.add_argument("--commit", default="HEAD", help="sha, branch or tag (default HEAD)")
    _annotation(reg)
    _common(reg)
    helps = {
        Command.ASSIGN: "assign a stage to a version (registering the commit first if needed)",
        Command.UNASSIGN: "take a stage back from a version",
        Command.DEREGISTER: "deregister a version",
        Command.DEPRECATE: "deprecate a model",
    }
    for command, text in helps.items():
        sub = commands.add_parser(command.value, help=text)
        _model(sub)
        if command in (Command.ASSIGN, Command.UNASSIGN):
            sub.add_argument("--stage", required=True, help="e.g. prod")
            sub.add_argument(
                "--stages", default="", help="allowed stages, comma-separated (default: .gto)"
            )
        which = sub.add_mutually_exclusive_group()
        if command is not Command.DEPRECATE:
            which.add_argument("--version", default="", help="a registered version, e.g. v1.2.3")
        which.add_argument(
            "--commit",
            default="HEAD",
            help="where dvc.yaml and .gto are read (default HEAD); "
            + (
                "tagged only when the model has no tags yet (--force)"
                if command is Command.DEPRECATE
                else "the commit to act on when no --version is given"
            ),
        )
        if command is Command.ASSIGN:
            sub.add_argument(
                "--bump",
                default="patch",
                choices=["patch", "minor", "major"],
                help="the version an unregistered commit gets",
            )
            sub.add_argument(
                "--skip-registration",
                action="store_true",
                help="assign an unregistered commit without registering it",
            )
            _annotation(sub)
        _common(sub)
    demo = commands.add_parser("demo", help="register a model in a fresh local repository")
    demo.add_argument("--dir", type=Path, help="where to make the repository (default: temp)")
    return parser


def _model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", help="NAME, or DIR:NAME when its dvc.yaml is in folder DIR")


def _annotation(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-require-annotation",
        dest="require_annotation",
        action="store_false",
        help="do not require the model in dvc.yaml",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--message", default="")
    parser.add_argument("--force", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--repo", default=".", help="local clone (default: .)")
    where.add_argument("--github", metavar="OWNER/REPO", help="use the GitHub API ($GITHUB_TOKEN)")
    parser.add_argument(
        "--push", metavar="REMOTE", default="", help="push the new tag (local clone)"
    )
    parser.add_argument("--json", action="store_true", help="print the outputs as one JSON object")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args.dir)
        backend: Backend
        if args.github:
            from .backends.github import GitHubBackend

            token = os.environ.get("GITHUB_TOKEN", "")
            backend = GitHubBackend.from_env(args.github, token, os.environ)
            tagger = BOT
        else:
            from .backends.git import GitBackend

            backend = GitBackend(args.repo, push_remote=args.push)
            tagger = _git_tagger(args.repo)
        request = Request.parse(
            args.command,
            model=args.model,
            commit=args.commit,
            tagger=tagger,
            version=getattr(args, "version", ""),
            bump=getattr(args, "bump", "patch"),
            stage=getattr(args, "stage", ""),
            message=args.message,
            force=args.force,
            stages=getattr(args, "stages", ""),
            skip_registration=getattr(args, "skip_registration", False),
            require_annotation=getattr(args, "require_annotation", True),
        )
        from .write import run

        now = utc_iso(time.time())
        result = run(backend, request, now=now, dry_run=args.dry_run).outputs
    except RegistryError as err:
        print(f"error: {err.title}: {err}", file=sys.stderr)
        return 1
    _print(result, args.json)
    return 0


def _print(outputs: dict[str, str], as_json: bool) -> None:
    if as_json:
        print(outputs["json"])
        return
    # As a step would receive them: multi-line values (docker-tags) in the heredoc form.
    for name, value in outputs.items():
        if name == "json":
            continue
        print(f"{name}<<EOF\n{value}\nEOF" if "\n" in value else f"{name}={value}")


def _git_tagger(repo: str) -> Tagger:
    """The clone's own committer identity, as `git tag` would use."""
    done = subprocess.run(
        ["git", "-C", repo, "var", "GIT_COMMITTER_IDENT"], capture_output=True, text=True
    )
    name, _, rest = done.stdout.partition(" <")
    email = rest.partition(">")[0]
    return Tagger(name.strip(), email) if done.returncode == 0 and name.strip() else BOT


DEMO_DVC_YAML = """\
artifacts:
  churn:
    path: models/churn.pkl
    type: model
    desc: Customer churn classifier
    labels: [tabular, churn]
"""


def _demo(folder: Path | None) -> int:
    """Make a repository with a declared model, register two versions, show the outputs."""
    root = folder or Path(tempfile.mkdtemp(prefix="registry-action-demo-"))
    root.mkdir(parents=True, exist_ok=True)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("config", "user.name", "Demo User")
    git("config", "user.email", "demo@example.com")
    (root / "dvc.yaml").write_text(DEMO_DVC_YAML)
    git("add", "dvc.yaml")
    git("commit", "-q", "-m", "Declare the churn model")
    print(f"# repository: {root}")
    for step, argv in enumerate(
        (["register", "churn", "--repo", str(root)], ["register", "churn", "--repo", str(root)])
    ):
        if step:
            (root / "train.log").write_text("retrained\n")
            git("add", "train.log")
            git("commit", "-q", "-m", "Retrain")
        print(f"\n$ registry-action {' '.join(argv)}")
        sys.stdout.flush()
        if code := main(argv):
            return code
    tags = subprocess.run(
        ["git", "-C", str(root), "tag", "-n1", "--list"], capture_output=True, text=True
    )
    print(f"\n$ git tag -n1\n{tags.stdout}", end="")
    print(json.dumps({"demo": "ok", "repository": str(root)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
