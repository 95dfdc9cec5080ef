"""`bump: labels` end to end: the action against the stand-in, the command line on a local
clone and through --github, and what each costs in requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.standin.gitrepo import commit, run_git
from registry_action.shells.cli import main
from tests.helpers import TOKEN, RunAction, head
from tests.shells.test_cli import make_clone


def merged(standin: Any, sha: str, *labels: str, number: int = 7) -> None:
    """A squash merge of pull request `number` made `sha` on main."""
    standin.add_pull_request(
        number, ["e" * 40], merged=True, merge_commit_sha=sha, labels=list(labels)
    )


def pulls_requests(standin: Any) -> list[Any]:
    return [r for r in standin.requests if r.path.endswith("/pulls")]


def test_the_label_names_the_part_and_costs_one_more_request(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    first = run_action(model="churn")  # v0.0.1 by the default bump: the baseline's cost
    assert first.code == 0, first.stdout
    baseline = len(standin.requests)
    sha = commit(git_repo, {"models/churn.pkl": "v2"}, "Retrain (#7)")
    merged(standin, sha, "bump:minor", "docs")
    standin.reset_log()
    result = run_action(model="churn", bump="labels")
    assert result.code == 0, result.stdout
    out = result.outputs
    assert (out["version"], out["created"], out["commit"]) == ("v0.1.0", "true", sha)
    assert len(standin.requests) == baseline + 1
    (asked,) = pulls_requests(standin)
    assert (asked.method, asked.query) == ("GET", {"per_page": "100"})
    assert standin.invalid_bodies == []
    (notice,) = [c for c in result.commands if c.command == "notice"]
    assert "Bumped minor: label bump:minor of pull request #7." in notice.message


def test_no_pull_request_is_patch(run_action: RunAction, standin: Any) -> None:
    result = run_action(model="churn", bump="labels")
    assert result.code == 0, result.stdout
    assert (result.outputs["version"], result.outputs["created"]) == ("v0.0.1", "true")
    assert "no merged pull request brought the commit in: patch" in result.stdout


def test_bump_none_registers_nothing_and_names_the_pull_request(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    merged(standin, head(git_repo), "bump:none", number=12)
    result = run_action(model="churn", bump="labels")
    assert result.code == 0, result.stdout
    out = result.outputs
    assert (out["created"], out["tag"], out["version"], out["name"]) == (
        "false", "", "", "churn",
    )  # fmt: skip
    assert out["commit"] == head(git_repo)
    assert standin.writes == []
    assert run_git(git_repo, "tag", "-l") == ""
    (notice,) = [c for c in result.commands if c.command == "notice"]
    assert "Registered nothing for churn" in notice.message
    assert "pull request #12" in notice.message and "bump:none" in notice.message
    assert result.errors() == []
    assert result.summary.startswith("### Registered nothing: `churn`")


def test_a_rerun_and_a_version_make_no_lookup(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    merged(standin, head(git_repo), "bump:major")
    assert run_action(model="churn", bump="labels").outputs["version"] == "v1.0.0"
    standin.reset_log()
    again = run_action(model="churn", bump="labels")  # the commit holds v1.0.0 already
    assert (again.code, again.outputs["created"]) == (0, "false")
    assert pulls_requests(standin) == [] and len(standin.requests) == 1
    standin.reset_log()
    refused = run_action(model="churn", bump="labels", version="v2.0.0")
    assert refused.code == 1 and standin.requests == []
    (error,) = refused.errors()
    assert "bump labels and version v2.0.0 both name the version" in error.message


def test_403_says_to_add_pull_requests_read_and_writes_nothing(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    standin.pulls_forbidden = True
    result = run_action(model="churn", bump="labels")
    assert result.code == 1
    (error,) = result.errors()
    assert "permissions: pull-requests: read" in error.message
    assert standin.writes == [] and run_git(git_repo, "tag", "-l") == ""
    assert result.outputs == {}


def test_a_refusal_is_decided_before_the_lookup(run_action: RunAction, standin: Any) -> None:
    result = run_action(model="not-declared", bump="labels")
    assert result.code == 1
    assert pulls_requests(standin) == []


# -- the command line --------------------------------------------------------------------------


def test_cli_on_a_local_clone_says_it_has_no_pull_requests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clone = make_clone(tmp_path / "repo")
    assert main(["register", "churn", "--repo", str(clone), "--bump", "labels"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Registered churn@v0.0.1 on ")
    assert lines[0].endswith("Bumped patch: a local clone has no pull requests: patch.")
    assert sum("local clone" in line for line in lines) == 1


def test_cli_through_github_reads_the_label_and_none_exits_0(
    standin: Any,
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_API_URL", standin.api_url)
    monkeypatch.setenv("GITHUB_GRAPHQL_URL", standin.graphql_url)
    sha = head(git_repo)
    merged(standin, sha, "bump:major")
    argv = ["register", "churn", "--github", "acme/models", "--commit", sha, "--bump", "labels"]
    assert main(argv) == 0
    assert "Registered churn@v1.0.0" in capsys.readouterr().out
    later = commit(git_repo, {"models/churn.pkl": "v2"}, "Docs only (#8)")
    merged(standin, later, "bump:none", number=8)
    argv[argv.index(sha)] = later
    assert main(argv) == 0
    assert "Registered nothing for churn" in capsys.readouterr().out
    assert main([*argv, "--json"]) == 0
    assert '"created": false' in capsys.readouterr().out


def test_cli_refuses_labels_for_assign(tmp_path: Path) -> None:
    clone = make_clone(tmp_path / "repo")
    with pytest.raises(SystemExit):
        main(["assign", "churn", "--repo", str(clone), "--stage", "prod", "--bump", "labels"])


def test_an_unchanged_model_under_if_changed_makes_no_lookup(
    run_action: RunAction, standin: Any, git_repo: Path
) -> None:
    # The register-on-merge example's inputs: the comparison comes first, the labels after.
    commit(git_repo, {"models/churn.pkl": "trained"}, "Train")  # tracked by Git itself
    assert run_action(model="churn").outputs["version"] == "v0.0.1"
    sha = commit(git_repo, {"README.md": "docs only"}, "Docs (#8)")  # the model as it was
    merged(standin, sha, "bump:major", number=8)
    standin.reset_log()
    result = run_action(model="churn", bump="labels", if_changed="true")
    assert result.code == 0, result.stdout
    assert (result.outputs["created"], result.outputs["changed"]) == ("false", "false")
    assert pulls_requests(standin) == [] and standin.writes == []
    sha = commit(git_repo, {"models/churn.pkl": "retrained"}, "Retrain (#9)")
    merged(standin, sha, "bump:minor", number=9)
    result = run_action(model="churn", bump="labels", if_changed="true")
    assert (result.outputs["version"], result.outputs["changed"]) == ("v0.1.0", "true")
    assert len(pulls_requests(standin)) == 1
