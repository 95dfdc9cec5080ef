"""The pull requests of a commit (`bump: labels`): GitHub's REST listing, read by the backend.

Against canned answers (`responses`) for the HTTP layer, and against the stand-in for what
GitHub lists in each case: no pull request, several, a squash merge, a rebase merge, an open
one (docs/github-facts.md, "Pull requests of a commit").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.inprocess import TOKEN
from harness.standin import StandIn
from harness.standin.gitrepo import commit, run_git
from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.errors import BackendError, PermissionDenied
from registry_action.core.repository import PullRequest
from registry_action.core.versions import Bump
from registry_action.decide.labels import from_labels
from registry_action.shells.spellings import SPELLINGS
from tests.backends.github_http import COMMIT, OTHER, REPO

PULLS = f"{REPO}/commits/{COMMIT}/pulls"


def item(number: int, *labels: str, merged: bool = True, merge: str = COMMIT) -> dict[str, Any]:
    """The fields of a `pull-request-simple` the backend reads (GitHub sends many more)."""
    return {
        "number": number,
        "html_url": f"https://ghe.example.test/acme/models/pull/{number}",
        "merged_at": "2026-01-02T03:04:05Z" if merged else None,
        "merge_commit_sha": merge,
        "base": {"ref": "main"},
        "labels": [{"name": name} for name in labels],
    }


# -- the HTTP layer --------------------------------------------------------------------------


def test_one_get_of_a_page_of_100_read_into_pull_requests(http, backend):
    http.get(PULLS, json=[item(3, "bump:minor", "docs"), item(4, merged=False, merge=OTHER)])
    pulls = backend.pull_requests(COMMIT)
    assert pulls == (
        PullRequest(3, True, COMMIT, "main", ("bump:minor", "docs"), item(3)["html_url"]),
        PullRequest(4, False, OTHER, "main", (), item(4)["html_url"]),
    )
    (call,) = http.calls
    assert call.request.method == "GET" and call.request.url == f"{PULLS}?per_page=100"


def test_no_pull_request_is_an_empty_tuple(http, backend):
    http.get(PULLS, json=[])
    assert backend.pull_requests(COMMIT) == ()


def test_403_is_permission_denied_naming_pull_requests_read_and_not_retried(http, backend, sleeps):
    body = {"message": "Resource not accessible by integration", "status": "403"}
    http.get(
        PULLS,
        status=403,
        json=body,
        headers={"x-accepted-github-permissions": "pull_requests=read"},
    )
    with pytest.raises(PermissionDenied) as err:
        backend.pull_requests(COMMIT)
    assert "permissions: pull-requests: read" in err.value.render(SPELLINGS["action"])
    # The command line's words: a person with a token, not a workflow's permissions.
    assert "Pull requests: read" in err.value.render(SPELLINGS["cli"])
    assert "permissions:" not in err.value.render(SPELLINGS["cli"])
    assert "403 Resource not accessible by integration" in err.value.message
    assert len(http.calls) == 1 and sleeps == []


def test_422_names_the_commit_in_each_shells_words(http, backend):
    """GitHub's 422 for a commit it cannot find: the hint says --commit on the command line
    (`register --bump labels --github`), never the action's input."""
    body = {"message": f"No commit found for SHA: {COMMIT}", "status": "422"}
    http.get(PULLS, status=422, json=body)
    with pytest.raises(BackendError) as err:
        backend.pull_requests(COMMIT)
    assert f"no commit {COMMIT}" in err.value.message
    cli, action = err.value.render(SPELLINGS["cli"]), err.value.render(SPELLINGS["action"])
    assert "Check --commit; try again later." in cli and "input" not in cli, cli
    assert "Check the commit input; re-run the job later." in action, action


def test_a_secondary_rate_limit_is_waited_out_then_read(http, backend, sleeps):
    limited = {"message": "You have exceeded a secondary rate limit.", "status": "403"}
    http.get(PULLS, status=403, json=limited, headers={"retry-after": "3"})
    http.get(PULLS, json=[item(3, "bump:major")])
    assert backend.pull_requests(COMMIT)[0].labels == ("bump:major",)
    assert sleeps == [3.0]


def test_an_answer_that_is_not_a_list_is_a_backend_error(http, backend):
    http.get(PULLS, json={"message": "hello from a proxy"})
    with pytest.raises(BackendError, match="not a list"):
        backend.pull_requests(COMMIT)


# -- against the stand-in: what GitHub lists -------------------------------------------------


def _backend(standin: StandIn) -> GitHubBackend:
    return GitHubBackend("acme/models", TOKEN, standin.api_url, standin.graphql_url)


def _labelled(standin: StandIn, sha: str) -> tuple[Bump | None, int | None]:
    chosen = from_labels(_backend(standin).pull_requests(sha), sha, "main")
    return chosen.bump, chosen.pull_request.number if chosen.pull_request else None


def test_a_commit_with_no_pull_request_lists_none(standin: StandIn, git_repo: Path) -> None:
    sha = run_git(git_repo, "rev-parse", "HEAD")
    assert _backend(standin).pull_requests(sha) == ()
    assert _labelled(standin, sha) == (Bump.PATCH, None)


def test_a_squash_merge_is_its_pull_request(standin: StandIn, git_repo: Path) -> None:
    run_git(git_repo, "checkout", "-q", "-b", "feature")
    work = commit(git_repo, {"models/churn.pkl": "v2"}, "Retrain")
    run_git(git_repo, "checkout", "-q", "main")
    squashed = commit(git_repo, {"models/churn.pkl": "v2"}, "Retrain (#7)")
    standin.add_pull_request(
        7, [work], merged=True, merge_commit_sha=squashed, labels=["bump:minor"]
    )
    (listed,) = _backend(standin).pull_requests(squashed)
    assert (listed.number, listed.merged, listed.merge_commit_sha) == (7, True, squashed)
    assert _labelled(standin, squashed) == (Bump.MINOR, 7)


def test_a_rebase_merge_lists_its_pull_request_for_every_rebased_commit(
    standin: StandIn, git_repo: Path
) -> None:
    first = commit(git_repo, {"a.txt": "1"}, "First, rebased")
    last = commit(git_repo, {"b.txt": "2"}, "Second, rebased")
    standin.add_pull_request(
        8, ["c" * 40, "d" * 40, first, last], merged=True, merge_commit_sha=last,
        labels=["bump:major"],
    )  # fmt: skip
    assert _labelled(standin, last) == (Bump.MAJOR, 8)
    assert _labelled(standin, first) == (Bump.MAJOR, 8)  # by its base, the default branch


def test_on_the_default_branch_only_merged_ones_are_listed(
    standin: StandIn, git_repo: Path
) -> None:
    sha = run_git(git_repo, "rev-parse", "HEAD")
    standin.add_pull_request(2, [sha], labels=["bump:major"])  # still open
    standin.add_pull_request(3, [sha], merged=True, merge_commit_sha=sha, labels=["bump:none"])
    standin.add_pull_request(4, [sha], closed=True, labels=["bump:major"])
    assert [p.number for p in _backend(standin).pull_requests(sha)] == [3]
    assert _labelled(standin, sha) == (None, 3)


def test_off_the_default_branch_open_ones_are_listed_and_decide_nothing(
    standin: StandIn, git_repo: Path
) -> None:
    run_git(git_repo, "checkout", "-q", "-b", "feature")
    sha = commit(git_repo, {"models/churn.pkl": "v3"}, "Work in progress")
    run_git(git_repo, "checkout", "-q", "main")
    standin.add_pull_request(5, [sha], head="feature", labels=["bump:major"])
    (listed,) = _backend(standin).pull_requests(sha)
    assert (listed.number, listed.merged) == (5, False)
    assert _labelled(standin, sha) == (Bump.PATCH, None)


def test_several_pull_requests_the_one_that_merged_the_commit_decides(
    standin: StandIn, git_repo: Path
) -> None:
    # A feature merged into dev (#10), then dev into main with a merge commit (#11).
    base = run_git(git_repo, "rev-parse", "HEAD")
    run_git(git_repo, "checkout", "-q", "-b", "dev")
    work = commit(git_repo, {"models/churn.pkl": "v4"}, "Feature")
    run_git(git_repo, "checkout", "-q", "main")
    run_git(git_repo, "merge", "-q", "--no-ff", "-m", "Merge dev (#11)", "dev")
    merge = run_git(git_repo, "rev-parse", "HEAD")
    assert merge != base
    standin.add_pull_request(
        10, [work], base="dev", merged=True, merge_commit_sha=work, labels=["bump:patch"]
    )
    standin.add_pull_request(11, [work], merged=True, merge_commit_sha=merge, labels=["bump:minor"])
    assert [p.number for p in _backend(standin).pull_requests(work)] == [10, 11]
    assert _labelled(standin, merge) == (Bump.MINOR, 11)
    # The feature commit itself was made into dev by #10's merge (fast-forward there).
    assert _labelled(standin, work) == (Bump.PATCH, 10)


def test_the_stand_in_answers_403_when_told(standin: StandIn, git_repo: Path) -> None:
    standin.pulls_forbidden = True
    with pytest.raises(PermissionDenied, match="pull requests of acme/models"):
        _backend(standin).pull_requests(run_git(git_repo, "rev-parse", "HEAD"))


def test_stand_in_answers_match_githubs_schema(standin: StandIn, git_repo: Path) -> None:
    from harness.standin.openapi_check import response_errors

    sha = run_git(git_repo, "rev-parse", "HEAD")
    standin.add_pull_request(1, [sha], merged=True, merge_commit_sha=sha, labels=["bump:minor"])
    standin.add_pull_request(2, [sha, "e" * 40], merged=True, merge_commit_sha=None)
    _backend(standin).pull_requests(sha)
    (answer,) = [r for r in standin.requests if r.path.endswith("/pulls")]
    assert len(answer.response) == 2
    template = "/repos/{owner}/{repo}/commits/{commit_sha}/pulls"
    assert response_errors(template, "get", 200, answer.response) == []


def test_a_passing_502_is_retried(standin: StandIn, git_repo: Path) -> None:
    from harness.standin import Fault

    sha = run_git(git_repo, "rev-parse", "HEAD")
    standin.add_pull_request(1, [sha], merged=True, merge_commit_sha=sha, labels=["bump:minor"])
    standin.inject(Fault(method="GET", path=r"/pulls$", status=502))
    waits: list[float] = []
    backend = GitHubBackend(
        "acme/models", TOKEN, standin.api_url, standin.graphql_url, sleep=waits.append
    )
    assert [p.number for p in backend.pull_requests(sha)] == [1]
    assert waits == [1.0] and len([r for r in standin.requests if "/pulls" in r.path]) == 2
