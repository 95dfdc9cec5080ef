"""Change detection on repositories DVC itself makes: `changes` and `register --if-changed`.

Commit A declares seven models (a `dvc add`ed file in DVC 2's `.dvc` format, a directory, a
file inside it, a stage output in dvc.lock, a model in a folder, a path Git tracks) and
registers each; commit B migrates the file's `.dvc` to DVC 3's form (same md5), adds a file
to the directory, changes the folder's model, only re-describes the Git-tracked one and
declares a new model. Both backends (a clone, and GitHub through the stand-in) must say the
same; gto must read what `register --if-changed` wrote.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.standin.gitrepo import GIT_ENV, run_git
from harness.storage import DVC, run
from registry_action.shells.cli import main
from tests.helpers import RunAction, gto_json

TAGGER = ("--tagger-name", "Test", "--tagger-email", "test@example.com")
DECLARED = """\
artifacts:
  churn:
    path: models/churn.pkl
    type: model
  images:
    path: images
  cat:
    path: images/cat.txt
  weights:
    path: out/weights.bin
  readme:
    path: README.md
    desc: The readme
"""
FIRST = ["cat", "churn", "cv:seg", "images", "readme", "weights"]
CHANGED = ["cat", "cv:seg", "fresh", "images"]  # at B


def _commit(repo: Path, message: str) -> str:
    run(repo, "git", "add", "-A")
    run(repo, "git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "commit",
        "-qm", message)  # fmt: skip
    return run(repo, "git", "rev-parse", "HEAD")


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


def build(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo.mkdir()
    run(repo, "git", "init", "-q", "-b", "main")
    run(repo, DVC, "init", "-q")
    (repo / "models").mkdir()
    (repo / "models" / "churn.pkl").write_bytes(b"churn v1 " * 300)
    (repo / "images").mkdir()
    (repo / "images" / "cat.txt").write_text("meow\n")
    (repo / "cv" / "models").mkdir(parents=True)
    (repo / "cv" / "models" / "seg.pt").write_bytes(b"seg v1")
    (repo / "README.md").write_text("# models\n")
    run(repo, DVC, "add", "-q", "models/churn.pkl", "images")
    run(repo / "cv", DVC, "add", "-q", "models/seg.pt")
    script = "import pathlib; p = pathlib.Path('out'); p.mkdir(exist_ok=True); "
    script += "(p / 'weights.bin').write_bytes(b'w' * 100)"
    run(repo, DVC, "stage", "add", "-q", "-n", "train", "-o", "out/weights.bin",
        f'{sys.executable} -c "{script}"')  # fmt: skip
    run(repo, DVC, "repro", "-q")
    with (repo / "dvc.yaml").open("a") as yaml:
        yaml.write(DECLARED)
    (repo / "cv" / "dvc.yaml").write_text("artifacts:\n  seg:\n    path: models/seg.pt\n")
    # A: the file's `.dvc` as DVC 2 wrote it (no `hash: md5`; binary bytes: the same md5).
    dvc3 = (repo / "models" / "churn.pkl.dvc").read_text()
    assert "hash: md5" in dvc3
    (repo / "models" / "churn.pkl.dvc").write_text(dvc3.replace("  hash: md5\n", ""))
    _commit(repo, "A")
    for name in FIRST:
        assert _cli(capsys, "register", name, "--repo", str(repo), *TAGGER)[0] == 0
    (repo / "models" / "churn.pkl.dvc").write_text(dvc3)  # DVC 3's form, same md5
    (repo / "images" / "dog.txt").write_text("woof\n")
    run(repo, DVC, "add", "-q", "images")
    (repo / "cv" / "models" / "seg.pt").write_bytes(b"seg v2")
    run(repo / "cv", DVC, "add", "-q", "models/seg.pt")
    (repo / "fresh.bin").write_bytes(b"\x00fresh")
    text = (repo / "dvc.yaml").read_text().replace("The readme", "The readme, reworded")
    (repo / "dvc.yaml").write_text(text + "  fresh:\n    path: fresh.bin\n")
    _commit(repo, "B")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("changes") / "repo"
    with pytest.MonkeyPatch.context() as patch:
        for key, value in GIT_ENV.items():
            patch.setenv(key, value)
        build(repo, _Capture())  # type: ignore[arg-type]
    return repo


class _Capture:
    """capsys for a module fixture: the CLI's output is not looked at while building."""

    def readouterr(self) -> Any:
        return type("Out", (), {"out": ""})()


@pytest.fixture
def git_repo(template: Path, tmp_path: Path) -> Path:
    """The stand-in's repository: a copy of the DVC-made one."""
    return Path(shutil.copytree(template, tmp_path / "repo", symlinks=True))


def rows(text: str) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in json.loads(text)}


def test_changes_names_what_changed_in_a_clone(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _cli(capsys, "changes", "--repo", str(git_repo), "--json")
    assert code == 0
    found = rows(out)
    assert sorted(found) == sorted([*FIRST, "fresh"])
    assert sorted(n for n, r in found.items() if r["changed"]) == CHANGED
    churn = found["churn"]  # DVC 2 -> 3 migration: same md5
    assert churn["old-hash"] == churn["new-hash"] and churn["version"] == "v0.0.1"
    assert churn["reason"] == f"same md5 {churn['new-hash']} since v0.0.1"
    assert "manifest, which is not in Git" in found["cat"]["reason"]
    assert found["images"]["new-hash"].endswith(".dir")
    assert not found["weights"]["changed"]  # the stage output, from dvc.lock
    readme = found["readme"]  # an annotation-only change of a Git-tracked path
    assert (readme["changed"], readme["annotation-changed"]) == (False, True)
    assert readme["new-hash"] == run_git(git_repo, "rev-parse", "HEAD:README.md")
    assert found["fresh"] == {
        "name": "fresh", "changed": True, "annotation-changed": True,
        "reason": "no active version", "version": "", "version-commit": "", "old-hash": "",
        "new-hash": run_git(git_repo, "rev-parse", "HEAD:fresh.bin"),
    }  # fmt: skip
    code, table = _cli(capsys, "changes", "--repo", str(git_repo))
    assert code == 0
    assert table.splitlines()[0].split() == ["name", "changed", "latest", "commit", "reason"]
    assert len(table.splitlines()) == 2 + len(found)


def test_register_if_changed_registers_exactly_the_changed(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [*FIRST, "fresh"]:
        code, out = _cli(capsys, "register", name, "--if-changed", "--repo", str(git_repo),
                         "--json", *TAGGER)  # fmt: skip
        assert code == 0
        values = json.loads(out)
        assert values["created"] is (name in CHANGED), name
        assert values["changed"] is (name in CHANGED), name
        assert values["annotation-changed"] is (name in ("readme", "fresh")), name
        if name not in CHANGED:  # the outputs are the version that holds the content
            assert (values["version"], values["commit"]) == (
                "v0.0.1", run_git(git_repo, "rev-list", "--max-parents=0", "HEAD")
            )  # fmt: skip
    shown = gto_json(git_repo, "show")
    latest = {name: state["version"] for name, state in shown.items()}
    expected = {n: "v0.0.2" if n in CHANGED else "v0.0.1" for n in FIRST}
    assert latest == expected | {"fresh": "v0.0.1"}
    code, out = _cli(capsys, "changes", "--repo", str(git_repo), "--json")
    assert code == 0
    assert not any(r["changed"] for r in rows(out).values())  # each now holds its content


def test_the_notice_names_the_version_holding_the_content(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _cli(capsys, "register", "churn", "--if-changed", "--repo", str(git_repo),
                     *TAGGER)  # fmt: skip
    assert code == 0
    assert out.startswith("churn: content unchanged since v0.0.1 (churn@v0.0.1 on ")
    assert "nothing registered" in out and "git push" not in out
    assert run_git(git_repo, "tag", "--list", "churn@*").split() == ["churn@v0.0.1"]


def test_the_action_over_github_says_what_the_clone_says(
    run_action: RunAction, standin: Any, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, local = _cli(capsys, "changes", "--repo", str(git_repo), "--json")
    assert code == 0
    standin.reset_log()
    result = run_action(command="changes")
    assert result.code == 0, result.stdout
    assert json.loads(result.outputs["models"]) == CHANGED
    assert json.loads(result.outputs["json"]) == json.loads(local)
    # The listing, DVC's files at the commit, the tags (one page), the versions' files.
    assert len(standin.requests) == 4
    assert "4 of 7 models changed" in result.stdout
    assert "| `cv:seg` | yes |" in result.summary and "4 of 7 models changed" in result.summary
    registered = run_action(model="readme", **{"if-changed": "true"})
    assert registered.code == 0, registered.stdout
    assert (registered.outputs["created"], registered.outputs["changed"]) == ("false", "false")
    assert registered.outputs["annotation-changed"] == "true"
    assert "content unchanged since v0.0.1" in registered.stdout
    assert standin.writes == []
