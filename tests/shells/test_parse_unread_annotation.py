"""`parse` of a pushed tag whose dvc.yaml cannot be read (issue 19: "`parse` never fails on a
file `gto check-ref` reads", and check-ref never reads dvc.yaml): exit 0 with the tag's
facts, the annotation outputs empty, and one warning saying why, with file and line (the
action) or on stderr (the command line). `register` still refuses the same file."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.standin import StandIn
from harness.standin.gitrepo import commit, tag
from registry_action.core.dvc_yaml import MAX_NODES
from registry_action.shells.cli import main
from tests.helpers import RunAction, head

ANNOTATION_OUTPUTS = ("path", "type", "description")

# A dvc.yaml gto check-ref never reads, what is wrong with it, and the line that says so.
BROKEN = {
    "bad YAML": ("artifacts:\n  churn:\n    path: [models\n", "not valid YAML", 4),
    "over the node budget": (
        "artifacts:\n  churn:\n    labels:\n" + "      - x\n" * (MAX_NODES + 1),
        f"more than {MAX_NODES} nodes",
        None,  # where the budget ran out: some line
    ),
    "a model that is not a mapping": ("artifacts:\n  churn: 3\n", "is not a mapping", 2),
    "labels that are not a list": (
        "artifacts:\n  churn:\n    path: m.pkl\n    labels: prod\n",
        "is not a list of names",
        4,
    ),
}


def pushed(git_repo: Path, text: str) -> str:
    commit(git_repo, {"dvc.yaml": text}, "Break dvc.yaml")
    tag(git_repo, "churn@v1.0.0", head(git_repo))  # pushed by hand: no write of the action
    return head(git_repo)


@pytest.mark.parametrize("case", BROKEN)
def test_the_action_parses_the_tag_and_warns_with_file_and_line(
    run_action: RunAction, standin: StandIn, git_repo: Path, case: str
) -> None:
    text, problem, line = BROKEN[case]
    sha = pushed(git_repo, text)
    result = run_action(command="parse", ref="refs/tags/churn@v1.0.0")
    assert result.code == 0 and result.errors() == [], result.stdout
    out = result.outputs
    assert (out["tag"], out["name"], out["version"], out["commit"]) == (
        "churn@v1.0.0", "churn", "v1.0.0", sha,
    )  # fmt: skip
    assert [out[k] for k in ANNOTATION_OUTPUTS] == ["", "", ""]
    assert out["model-labels"] == "[]"
    [warning] = [c for c in result.commands if c.command == "warning"]
    assert warning.prop("file") == "dvc.yaml" and warning.prop("line")
    if line is not None:
        assert warning.prop("line") == str(line)
    assert problem in warning.message and "outputs are empty" in warning.message
    assert standin.writes == []
    # register validates before writing: the same file is still refused.
    refused = run_action(model="churn", version="v1.1.0")
    assert refused.code == 1 and refused.outputs == {} and standin.writes == []


def test_the_cli_parses_the_tag_and_warns_on_stderr(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, problem, line = BROKEN["a model that is not a mapping"]
    pushed(git_repo, text)
    capsys.readouterr()
    assert main(["parse", "churn@v1.0.0", "--repo", str(git_repo)]) == 0
    said = capsys.readouterr()
    assert "churn@v1.0.0" in said.out and "warning" not in said.out
    [warning] = said.err.splitlines()
    assert warning.startswith(f"warning: dvc.yaml:{line}: ") and problem in warning
