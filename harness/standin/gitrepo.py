"""Helpers for building the git repositories the stand-in serves."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

# Independent of the machine's git configuration (identity comes from the repo's own config).
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}


def run_git(
    repo: Path | str, *args: str, input: str | None = None, env: dict[str, str] | None = None
) -> str:
    """Run git in ``repo`` and return its stdout (stripped); raise on failure."""
    proc = subprocess.run(
        ["git", "-C", str(repo), *args],
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **GIT_ENV, **(env or {})},
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def init_repo(path: Path | str, branch: str = "main") -> Path:
    """``git init`` a normal (non-bare) repository with a local identity."""
    repo = Path(path)
    repo.mkdir(parents=True, exist_ok=True)
    run_git(repo, "init", "-q", "-b", branch)
    run_git(repo, "config", "user.name", "Test User")
    run_git(repo, "config", "user.email", "test@example.com")
    run_git(repo, "config", "commit.gpgsign", "false")
    run_git(repo, "config", "tag.gpgsign", "false")
    return repo


def commit(repo: Path | str, files: dict[str, str], message: str, date: str | None = None) -> str:
    """Write ``files`` (path -> text) into the work tree, commit them, return the commit sha.

    ``date`` (e.g. ``"2024-01-02T03:04:05+00:00"``) pins author and committer dates.
    """
    root = Path(repo)
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    if files:
        run_git(root, "add", "--", *files)
    dates = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else None
    run_git(root, "commit", "-q", "--no-gpg-sign", "--allow-empty", "-m", message, env=dates)
    return run_git(root, "rev-parse", "HEAD")


def tag(
    repo: Path | str,
    name: str,
    sha: str,
    message: str | None = None,
    annotated: bool = True,
) -> str:
    """Create tag ``name`` at ``sha``; annotated (with ``message``, default ``name``) unless
    ``annotated=False``. Returns the sha the tag ref points at (the tag object if annotated)."""
    if annotated:
        run_git(repo, "tag", "-a", name, sha, "-m", message or name)
    else:
        run_git(repo, "tag", name, sha)
    return run_git(repo, "rev-parse", f"refs/tags/{name}")


def tag_targets(repo: Path | str) -> dict[str, str]:
    """Every tag -> the commit it points at (annotated tags peeled)."""
    out = run_git(
        repo,
        "for-each-ref",
        "--format=%(refname:strip=2) %(objectname) %(*objectname)",
        "refs/tags",
    )
    rows = (line.split(" ") for line in out.splitlines())
    return {name: peeled or sha for name, sha, peeled in rows}
