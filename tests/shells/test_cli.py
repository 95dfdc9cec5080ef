"""The command line over a local clone: real git, gto as the referee."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.runner import parse_file_command
from registry_action.decide.request import Command
from registry_action.shells.cli import _parser, main
from registry_action.shells.spellings import SPELLINGS, spell
from tests.helpers import CHURN_DVC as DVC
from tests.helpers import GTO, gto_json


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    return make_clone(tmp_path / "repo")


def make_clone(repo: Path) -> Path:
    """A repository whose one commit declares churn, with its own committer identity."""
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Clone User")
    git(repo, "config", "user.email", "clone@example.com")
    (repo / "dvc.yaml").write_text(DVC)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "init")
    return repo


def test_register_json_and_gto_reads_it(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["register", "churn", "--repo", str(clone), "--bump", "minor", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["tag"], out["created"], out["path"]) == ("churn@v0.1.0", True, "models/churn.pkl")
    assert (out["is-latest"], out["model-labels"], out["docker-tags"]) == (
        True,
        [],
        ["0.1.0", "0.1", "latest"],
    )
    assert "json" not in out
    assert git(clone, "cat-file", "-t", "churn@v0.1.0").strip() == "tag"
    assert "tagger Clone User <clone@example.com>" in git(clone, "cat-file", "-p", "churn@v0.1.0")
    assert gto_json(clone, "show", "churn")[0]["version"] == "v0.1.0"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


def test_a_person_reads_one_line_per_outcome(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = ("--repo", str(clone))
    short = git(clone, "rev-parse", "HEAD").strip()[:12]
    code, lines, _ = run(capsys, "register", "churn", *repo, "--dry-run")
    assert (code, lines) == (0, [f"Dry run: would register churn@v0.0.1 on {short}."])
    assert git(clone, "tag") == ""
    code, lines, _ = run(capsys, "register", "churn", *repo)
    assert lines == [
        f"Registered churn@v0.0.1 on {short}.",
        "To push the changes upstream, run:",  # as gto says it
        "    git push origin churn@v0.0.1",
    ]
    code, lines, _ = run(capsys, "register", "churn", *repo)
    # A re-run made nothing: no push hint (gto prints it only for a tag it made).
    assert lines == [f"churn@v0.0.1 is already registered on {short}; nothing to do."]
    (clone / "f").write_text("1")
    git(clone, "add", "f")
    git(clone, "commit", "-qm", "next")
    nxt = git(clone, "rev-parse", "HEAD").strip()[:12]
    code, lines, _ = run(capsys, "assign", "churn", "--stage", "prod", *repo)
    assert lines == [
        f"Registered churn@v0.0.2 on {nxt}.",  # also registered first
        f"Assigned stage prod to churn v0.0.2: created churn#prod#1 on {nxt}.",
        "To push the changes upstream, run:",
        "    git push origin churn@v0.0.2 'churn#prod#1'",
    ]
    code, lines, _ = run(capsys, "register", "churn", *repo, "--outputs")
    got = parse_file_command("\n".join(lines) + "\n")  # as the runner reads $GITHUB_OUTPUT
    assert got["created"] == "false" and got["docker-tags"] == "0.0.2\n0.0\nlatest"


def test_errors_name_the_command_lines_flags(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = ("--repo", str(clone))
    assert run(capsys, "register", "churn", *repo)[0] == 0
    code, _, err = run(capsys, "deprecate", "nope", *repo)
    assert code == 1 and "pass --force" in err and "force: true" not in err
    code, _, err = run(capsys, "register", "nope", *repo)
    assert "Declared there: churn" in err and "pass --no-require-annotation" in err
    assert "require-annotation: false" not in err
    code, _, err = run(capsys, "register", "churn", *repo, "--version", "1.0.0")
    assert code == 1 and "Invalid version" in err and "v1.0.0" in err
    # A taken version's hint fits flags as well as inputs (no "leave version empty").
    git(clone, "commit", "-q", "--allow-empty", "-m", "next")
    code, _, err = run(capsys, "register", "churn", *repo, "--version", "v0.0.1")
    assert code == 1 and "already registered" in err and "empty" not in err, err


def test_no_hint_speaks_of_the_actions_inputs_on_the_command_line() -> None:
    text = " ".join(f"{{{key}}}" for key in SPELLINGS["action"])
    assert set(SPELLINGS["cli"]) == set(SPELLINGS["action"])
    cli_text, action_text = spell(text, "cli"), spell(text, "action")
    action_words = (
        "force: true", "require-annotation:", "stage: prod", "stages input", "tagger-name",
        "${{", "concurrency:", "re-run the job", "repository input", "images input",
        "commit input",
    )  # fmt: skip
    for words in action_words:
        assert words in action_text and words not in cli_text, words
    assert "--force" in cli_text and "{force}" not in cli_text


def test_images_on_the_command_line(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo, images = ("--repo", str(clone)), ("--images", "ghcr.io/Acme/{image-name},quay.io/a/b")
    code, lines, _ = run(
        capsys, "register", "churn", *repo, "--version", "v1.0.0", *images, "--json"
    )
    out = json.loads("\n".join(lines))
    assert out["tags"] == [
        *(f"ghcr.io/acme/churn:{t}" for t in ("1.0.0", "1.0", "1", "latest")),
        *(f"quay.io/a/b:{t}" for t in ("1.0.0", "1.0", "1", "latest")),
    ]
    assert out["source-tags"] == ["ghcr.io/acme/churn:1.0.0", "quay.io/a/b:1.0.0"]
    # A clone has no web page: no source or url label is invented.
    keys = [label.partition("=")[0].rpartition(".")[2] for label in out["labels"]]
    assert keys == ["title", "version", "revision", "created"]
    assert out["annotations"] == [f"manifest:{label}" for label in out["labels"]]
    assert run(capsys, "assign", "churn", "--stage", "prod", *repo, "--version", "v1.0.0")[0] == 0
    code, lines, _ = run(capsys, "parse", "churn#prod#1", *repo, *images, "--outputs")
    assert code == 0
    got = parse_file_command("\n".join(lines) + "\n")
    assert got["tags"] == "ghcr.io/acme/churn:prod\nquay.io/a/b:prod"
    code, _, err = run(capsys, "parse", "churn@v1.0.0", *repo, "--images", "ghcr.io/x:1")
    assert code == 1 and "names a tag or digest" in err and "Give --images as image names" in err
    code, _, err = run(capsys, "register", "churn", *repo, "--images", "{image-name}")
    assert code == 1 and "before the first '/'" in err
    assert git(clone, "tag").split() == ["churn#prod#1", "churn@v1.0.0"]  # nothing more


def test_commit_takes_any_revision_git_understands(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = git(clone, "rev-parse", "HEAD").strip()
    for n in range(2):
        (clone / "f").write_text(str(n))
        git(clone, "add", "f")
        git(clone, "commit", "-qm", f"c{n}")
    git(clone, "tag", "release-1", "HEAD~1")
    expected = {
        "HEAD~2": first,
        "main^^": first,
        "release-1": git(clone, "rev-parse", "HEAD~1").strip(),
        first[:7]: first,
    }
    for revision, sha in expected.items():
        code, lines, err = run(
            capsys, "register", "churn", "--repo", str(clone), "--commit", revision, "--dry-run",
            "--json",
        )  # fmt: skip
        assert code == 0, err
        assert json.loads(lines[0])["commit"] == sha, revision
    for refused in ("HEAD:dvc.yaml", "-x", "main..HEAD", "HEAD^{tree}"):
        code, _, err = run(capsys, "register", "churn", "--repo", str(clone), f"--commit={refused}")
        assert code == 1 and "not a commit sha, branch, tag or revision" in err, refused
    assert git(clone, "tag").split() == ["release-1"]


def test_push_when_the_remote_lacks_the_tag_also_on_a_rerun(
    clone: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(clone, "remote", "add", "origin", str(remote))
    repo = ("--repo", str(clone))
    assert run(capsys, "register", "churn", *repo)[0] == 0
    assert git(remote, "tag") == ""
    code, lines, _ = run(capsys, "register", "churn", *repo, "--push", "origin")  # a re-run
    assert code == 0 and lines[-1] == "Pushed churn@v0.0.1 to origin."
    assert "churn@v0.0.1" in git(remote, "tag")
    code, lines, _ = run(capsys, "register", "churn", *repo, "--push", "origin")
    assert lines[-1] == "origin has churn@v0.0.1 already."


def test_a_failed_push_keeps_the_local_tag_and_says_how_to_push_it(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = run(capsys, "register", "churn", "--repo", str(clone), "--push", "nowhere")
    assert code == 1 and lines[0].startswith("Registered churn@v0.0.1")
    assert "Pushing churn@v0.0.1 to nowhere failed" in err
    assert "push it with: git push nowhere churn@v0.0.1" in err
    assert git(clone, "tag").split() == ["churn@v0.0.1"]


def test_a_failed_git_call_is_reported_in_gits_words(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lock = clone / ".git" / "refs" / "tags" / "churn@v0.0.1.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")  # a stale lock, as a killed git leaves behind
    code, _, err = run(capsys, "register", "churn", "--repo", str(clone))
    assert code == 1 and "git update-ref failed" in err and ".lock" in err
    assert "concurrently" not in err and "attempts" not in err
    assert git(clone, "tag") == ""


def test_github_without_a_token_is_refused_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    done = subprocess.run(
        [sys.executable, "-m", "registry_action.shells.cli", "register", "churn",
         "--github", "a/b"],
        capture_output=True, text=True, timeout=10,
    )  # fmt: skip
    assert done.returncode == 1
    assert "GITHUB_TOKEN" in done.stderr and "gh auth token" in done.stderr


def test_version_help_and_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registry_action.shells.cli", "--version"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and done.stdout.startswith("registry-action ")
    parser = _parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(sub.choices) == {
        *(c.value for c in Command),
        "parse",
        "show",
        "changes",
        "history",
        "download",
        "demo",
    }
    for name, command in sub.choices.items():
        for action in command._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help"


def test_parse_a_tag(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "register", "churn", "--repo", str(clone))[0] == 0
    short = git(clone, "rev-parse", "HEAD").strip()[:12]
    code, lines, _ = run(capsys, "parse", "churn@v0.0.1", "--repo", str(clone))
    assert lines == [f"churn@v0.0.1: registration of churn v0.0.1 on {short}."]
    code, _, err = run(capsys, "parse", "main", "--repo", str(clone))
    assert code == 1 and "not a registry tag" in err


def test_tag_messages_are_byte_for_byte_what_gto_writes(tmp_path: Path) -> None:
    ours, theirs = make_clone(tmp_path / "ours"), make_clone(tmp_path / "theirs")
    assert main(["register", "churn", "--repo", str(ours), "--json"]) == 0
    subprocess.run([GTO, "register", "churn"], cwd=theirs, check=True, capture_output=True)

    def message(repo: Path) -> bytes:
        raw = subprocess.run(
            ["git", "-C", str(repo), "cat-file", "tag", "churn@v0.0.1"],
            capture_output=True, check=True,
        ).stdout  # fmt: skip
        return raw.split(b"\n\n", 1)[1]

    assert message(ours) == message(theirs) == b"Registering artifact churn version v0.0.1"


def test_demo_is_what_make_run_does(tmp_path: Path) -> None:
    demo = tmp_path / "demo"
    argv = [sys.executable, "-m", "registry_action.shells.cli", "demo", "--dir", str(demo)]
    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Registered churn@v0.0.1 on " in done.stdout
    assert "tag=churn@v0.0.2" in done.stdout and "previous-version=v0.0.1" in done.stdout
    assert git(demo, "tag").split() == ["churn@v0.0.1", "churn@v0.0.2"]
    # Again on the same folder, or in a repository of the user's: refused, nothing touched.
    again = subprocess.run(argv, capture_output=True, text=True)
    assert again.returncode == 1 and "exists and is not empty" in again.stderr
    assert "Traceback" not in again.stderr
    assert git(demo, "tag").split() == ["churn@v0.0.1", "churn@v0.0.2"]
    fresh = subprocess.run(argv[:-2], capture_output=True, text=True)
    assert fresh.returncode == 0 and "# a new repository: " in fresh.stdout


LOADED = "print(sorted(m for m in sys.modules if m.startswith(('registry_action', 'github'))))"


def loaded(code: str) -> list[str]:
    """The package's (and PyGithub's) modules a fresh interpreter holds after `code`."""
    done = subprocess.run(
        [sys.executable, "-c", f"import sys\n{code}\n{LOADED}"],
        capture_output=True,
        text=True,
        check=True,
    )
    result: list[str] = json.loads(done.stdout.strip().splitlines()[-1].replace("'", '"'))
    return result


def test_the_command_line_loads_no_action_and_no_pygithub_for_a_clone(clone: Path) -> None:
    # Plain imports everywhere (deferring the core saves under 1 ms); only PyGithub, about
    # 200 ms, is deferred, so a clone's commands never load it, nor the action shell.
    run = "from registry_action.shells.cli import main\nmain({argv!r})"
    for argv in (
        ["register", "churn", "--repo", str(clone)],
        ["assign", "churn", "--stage", "prod", "--repo", str(clone)],
        ["parse", "churn@v0.0.1", "--repo", str(clone)],
    ):
        modules = set(loaded(run.format(argv=argv)))
        assert "registry_action.commands.write" in modules
        assert not {"registry_action.shells.action", "github"} & modules


def test_changes_refuses_a_commit_git_would_read_as_an_option(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, err = run(capsys, "changes", "--repo", str(clone), "--commit=--all")
    assert (code, lines) == (1, []) and "is not a commit sha, branch, tag or revision" in err


@pytest.mark.parametrize("argv", [["history"], ["show"], ["history", "--json"]])
def test_a_reader_that_goes_away_ends_it_quietly(clone: Path, argv: list[str]) -> None:
    """`registry-action history | head`: once the reader has closed the pipe, no traceback."""
    assert main(["register", "churn", "--repo", str(clone)]) == 0
    read, write = os.pipe()
    os.close(read)  # every write now fails with EPIPE, at once
    done = subprocess.run(
        [sys.executable, "-m", "registry_action.shells.cli", *argv, "--repo", str(clone)],
        stdout=write, stderr=subprocess.PIPE, text=True, timeout=30,
    )  # fmt: skip
    os.close(write)
    assert "Traceback" not in done.stderr and done.stderr == "", done.stderr
    assert done.returncode == 1
