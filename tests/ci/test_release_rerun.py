"""A re-run of a release leaves every pin where it was: release.yml's git steps (version,
existing, commit, tags) run here as the runner would run them, against a bare repository
standing in for GitHub, the image steps replaced by the digest they would give. A re-run
finds vX.Y.Z on the first run's release commit and reuses it; a vX.Y.Z moved anywhere else
is refused before anything is written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.ci.test_release_workflow import ROOT, steps

REPOSITORY = "acme/registry-action"
TAG = "v1.2.3"
DIGEST = "sha256:" + "d" * 64
GIT_STEPS = ("version", "existing", "commit", "tags")
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env
    )
    return done.stdout.strip()


def evaluate(expression: str, context: dict[str, str]) -> str:
    """The few expression forms release.yml uses: names, 'literals', ||, == and !=."""
    for alternative in expression.split("||"):
        value = _operand(alternative, context)
        if value:
            return value
    return ""


def _operand(text: str, context: dict[str, str]) -> str:
    for operator in ("!=", "=="):
        if operator in text:
            left, right = (_operand(side, context) for side in text.split(operator))
            return "true" if (left != right) == (operator == "!=") else ""
    text = text.strip()
    if text.startswith("'"):
        return text.strip("'")
    return context.get(text, "")


def render(template: str, context: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda m: evaluate(m[1], context), template)


def remote_tags(server: Path) -> dict[str, str]:
    """Each tag on the "GitHub" side, as the commit it peels to."""
    bare = server / f"{REPOSITORY}.git"
    names = git(bare, "tag", "--list").split()
    return {name: git(bare, "rev-parse", f"{name}^{{commit}}") for name in names}


class Run:
    """One run of the release job for TAG at `sha`: a fresh checkout, the git steps."""

    def __init__(self, tmp: Path, server: Path, sha: str, label: str, date: str) -> None:
        self.dir = tmp / label
        self.server = server
        git(tmp, "clone", "--quiet", str(server / f"{REPOSITORY}.git"), str(self.dir))
        git(self.dir, "checkout", "--quiet", "--detach", sha)
        self.sha = sha
        self.date = date  # the runner's clock: a release commit made later differs
        self.context = {
            "github.ref_name": TAG,
            "github.sha": sha,
            "github.repository": REPOSITORY,
            "github.server_url": f"file://{server}",
            "secrets.GITHUB_TOKEN": "ghs_not_a_real_token",
            "steps.build.outputs.digest": DIGEST,  # what the build would output
        }
        self.log = ""

    def step(self, step: dict[str, Any]) -> int:
        if "if" in step and not evaluate(_EXPRESSION.sub(r"\1", step["if"]), self.context):
            return 0
        output = self.dir.parent / f"{self.dir.name}-{step['id']}.out"
        output.write_text("")
        env = {
            **os.environ,
            **{k: render(v, self.context) for k, v in step.get("env", {}).items()},
            "GITHUB_OUTPUT": str(output),
            "GITHUB_STEP_SUMMARY": os.devnull,
            "GITHUB_SHA": self.sha,
            "GIT_COMMITTER_DATE": self.date,
            "GIT_AUTHOR_DATE": self.date,
        }
        done = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", step["run"]],
            cwd=self.dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        self.log += done.stdout + done.stderr
        for line in output.read_text().splitlines():
            key, _, value = line.partition("=")
            self.context[f"steps.{step['id']}.outputs.{key}"] = value
        return done.returncode

    def release(self) -> int:
        for step in (s for s in steps() if s.get("id") in GIT_STEPS):
            code = self.step(step)
            if code:
                return code
        return 0

    def out(self, step: str, name: str) -> str:
        return self.context.get(f"steps.{step}.outputs.{name}", "")


def project(tmp: Path) -> tuple[Path, str]:
    """A "GitHub" repository holding this action's action.yml, and TAG (annotated) on it."""
    server = tmp / "server"
    (server / "acme").mkdir(parents=True)
    work = tmp / "work"
    work.mkdir()
    git(work, "init", "--quiet", "-b", "main")
    shutil.copy(ROOT / "action.yml", work / "action.yml")
    (work / "README.md").write_text("registry-action\n")
    git(work, "add", ".")
    ident = ["-c", "user.name=Dev", "-c", "user.email=dev@example.test"]
    git(work, *ident, "commit", "--quiet", "-m", "Source")
    git(work, *ident, "tag", "-a", "-m", "Release", TAG)
    git(tmp, "clone", "--quiet", "--bare", str(work), str(server / f"{REPOSITORY}.git"))
    return server, git(work, "rev-parse", "HEAD")


def test_a_re_run_reuses_the_first_release_commit(tmp_path: Path) -> None:
    server, sha = project(tmp_path)
    first = Run(tmp_path, server, sha, "first", "2026-06-01T12:00:00Z")
    assert first.release() == 0, first.log
    made = first.out("commit", "sha")
    assert remote_tags(server) == {TAG: made, "v1": made}
    assert git(first.dir, "rev-parse", f"{made}^") == sha

    again = Run(tmp_path, server, sha, "again", "2026-06-01T13:00:00Z")  # an hour later
    assert again.release() == 0, again.log
    assert remote_tags(server) == {TAG: made, "v1": made}  # the printed pin is still tagged
    assert again.out("existing", "reuse") == "true"
    assert (again.out("existing", "sha"), again.out("existing", "digest")) == (made, DIGEST)
    assert again.out("commit", "sha") == ""  # no second release commit
    assert again.out("tags", "moved") == "true"


def test_a_tag_moved_to_other_sources_is_refused_and_nothing_moves(tmp_path: Path) -> None:
    server, sha = project(tmp_path)
    first = Run(tmp_path, server, sha, "first", "2026-06-01T12:00:00Z")
    assert first.release() == 0, first.log
    made = first.out("commit", "sha")
    # Someone moves vX.Y.Z onto a commit that changes more than runs.image.
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(server / f"{REPOSITORY}.git"), str(other))
    git(other, "checkout", "--quiet", "--detach", made)
    (other / "README.md").write_text("changed\n")
    ident = ["-c", "user.name=Dev", "-c", "user.email=dev@example.test"]
    git(other, *ident, "commit", "--quiet", "-am", "Not a release commit")
    moved = git(other, "rev-parse", "HEAD")
    git(other, "push", "--quiet", "--force", "origin", f"HEAD:refs/tags/{TAG}")

    again = Run(tmp_path, server, sha, "again", "2026-06-01T13:00:00Z")
    assert again.release() == 1
    errors = [line for line in again.log.splitlines() if line.startswith("::error")]
    assert len(errors) == 1 and moved in errors[0] and sha in errors[0], again.log
    assert remote_tags(server) == {TAG: moved, "v1": made}
    assert "ghs_not_a_real_token" not in again.log
