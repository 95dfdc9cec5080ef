"""The command line over a local clone: real git, gto as the referee."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from registry_action.cli import main
from tests.conftest import gto_json

DVC = "artifacts:\n  churn:\n    path: models/churn.pkl\n    type: model\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
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
    assert (out["tag"], out["created"], out["path"]) == ("churn@v0.1.0", "true", "models/churn.pkl")
    assert git(clone, "cat-file", "-t", "churn@v0.1.0").strip() == "tag"
    assert "tagger Clone User <clone@example.com>" in git(clone, "cat-file", "-p", "churn@v0.1.0")
    assert gto_json(clone, "show", "churn")[0]["version"] == "v0.1.0"


def test_dry_run_and_rerun_write_nothing(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["register", "churn", "--repo", str(clone), "--dry-run"]) == 0
    assert "created=false" in capsys.readouterr().out and git(clone, "tag") == ""
    assert main(["register", "churn", "--repo", str(clone), "--version", "v1.0.0"]) == 0
    capsys.readouterr()
    assert main(["register", "churn", "--repo", str(clone), "--version", "v1.0.0"]) == 0
    assert "created=false" in capsys.readouterr().out
    assert git(clone, "tag").split() == ["churn@v1.0.0"]


def test_refusal_exits_1_with_the_reason(clone: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["register", "churn", "--repo", str(clone), "--version", "1.0.0"]) == 1
    err = capsys.readouterr().err
    assert "Invalid version" in err and "v1.0.0" in err
    assert main(["register", "nope", "--repo", str(clone)]) == 1
    assert "Declared there: churn" in capsys.readouterr().err
    assert git(clone, "tag") == ""


def test_push_to_a_remote(clone: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(clone, "remote", "add", "origin", str(remote))
    assert main(["register", "churn", "--repo", str(clone), "--push", "origin"]) == 0
    assert "churn@v0.0.1" in git(remote, "tag")


def test_failed_push_leaves_the_clone_unchanged(
    clone: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["register", "churn", "--repo", str(clone), "--push", "nowhere"]) == 1
    assert "nowhere" in capsys.readouterr().err
    assert git(clone, "tag") == ""


def test_demo_is_what_make_run_does(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "registry_action.cli", "demo", "--dir", str(tmp_path / "demo")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "tag=churn@v0.0.1" in done.stdout and "tag=churn@v0.0.2" in done.stdout
    assert "previous-version=v0.0.1" in done.stdout
    assert git(tmp_path / "demo", "tag").split() == ["churn@v0.0.1", "churn@v0.0.2"]


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


def test_each_command_loads_only_what_it_uses(clone: Path) -> None:
    run = "from registry_action.cli import main\nmain({argv!r})"
    register = loaded(run.format(argv=["register", "churn", "--repo", str(clone)]))
    assert "registry_action.register" in register and "registry_action.write" in register
    # The command line is no action: neither the action module nor PyGithub for a clone.
    assert not {"registry_action.action", "github", "registry_action.lifecycle"} & set(register)
    assign = loaded(run.format(argv=["assign", "churn", "--stage", "prod", "--repo", str(clone)]))
    assert {"registry_action.lifecycle", "registry_action.config"} <= set(assign)
    parse = loaded(
        "from registry_action.backends.git import GitBackend\n"
        "from registry_action.parse import parse, tag_of\n"
        f"tag = tag_of('churn@v0.0.1')\nassert parse(GitBackend({str(clone)!r}), tag)"
    )
    assert "registry_action.parse" in parse
    assert not {"registry_action.write", "registry_action.register"} & set(parse)
