"""The GitHub stand-in, proven against real git, PyGithub, gto and GitHub's published API
descriptions (GraphQL schema and OpenAPI)."""

from __future__ import annotations

import base64
import threading
import time
from pathlib import Path
from typing import Any

import github
import pytest
import requests

from harness.standin import Fault, StandIn
from harness.standin.gitrepo import commit, run_git, tag
from harness.standin.graphql_api import query_matches
from harness.standin.openapi_check import response_errors
from tests.helpers import head

pytest_plugins = ["harness.standin.pytest_plugin"]

WRITE = {"Authorization": "token test-write-token"}
READ = {"Authorization": "Bearer test-read-token"}
REPO = "/repos/acme/models"


def gh(s: StandIn, token: str = "test-write-token", **kwargs: Any) -> github.Github:
    # PyGithub throttles by default (0.25 s between requests, 1 s between writes).
    kwargs = {"seconds_between_requests": 0, "seconds_between_writes": 0, **kwargs}
    return github.Github(auth=github.Auth.Token(token), base_url=s.api_url, **kwargs)


def gql(s: StandIn, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    resp = requests.post(
        s.graphql_url, json={"query": query, "variables": variables or {}}, headers=READ
    )
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()
    return data


# -- REST through PyGithub, checked in git -----------------------------------------------------


def test_pygithub_tag_and_ref_make_an_annotated_tag_git_and_gto_see(
    standin: StandIn, git_repo: Path
) -> None:
    from gto import api as gto_api

    sha = head(git_repo)
    repo = gh(standin).get_repo("acme/models")
    assert (repo.full_name, repo.default_branch) == ("acme/models", "main")
    name = "cv=pool-segmentation@v0.0.1"
    tagger = github.InputGitAuthor("CI Bot", "ci@example.com", "2024-05-06T07:08:09Z")
    tag_obj = repo.create_git_tag(name, "Registering pool-segmentation", sha, "commit", tagger)
    ref = repo.create_git_ref(f"refs/tags/{name}", tag_obj.sha)

    assert (tag_obj.tag, tag_obj.object.sha, tag_obj.object.type) == (name, sha, "commit")
    assert (ref.ref, ref.object.sha, ref.object.type) == (f"refs/tags/{name}", tag_obj.sha, "tag")
    assert run_git(git_repo, "for-each-ref", "--format=%(objecttype) %(refname)", "refs/tags") == (
        f"tag refs/tags/{name}"
    )
    assert run_git(git_repo, "cat-file", "-p", tag_obj.sha) == (
        f"object {sha}\ntype commit\ntag {name}\ntagger CI Bot <ci@example.com> 1714979289 +0000"
        "\n\nRegistering pool-segmentation"
    )
    run_git(git_repo, "fsck", "--strict", "--no-dangling")
    assert run_git(git_repo, "describe", "--tags", "--exact-match", sha) == name
    assert gto_api.show(str(git_repo))["cv:pool-segmentation"]["version"] == "v0.0.1"

    # reading back: the same objects through the read endpoints
    again = repo.get_git_tag(tag_obj.sha)
    assert (again.tag, again.message, again.tagger.date.year) == (name, tag_obj.message, 2024)
    assert repo.get_git_ref(f"tags/{name}").object.sha == tag_obj.sha
    assert [r.ref for r in repo.get_git_matching_refs("tags/cv=")] == [f"refs/tags/{name}"]
    assert repo.get_commit(name).sha == sha  # annotated tag peeled
    assert standin.invalid_bodies == []
    assert [(w.method, w.path, w.status) for w in standin.writes] == [
        ("POST", f"{REPO}/git/tags", 201),
        ("POST", f"{REPO}/git/refs", 201),
    ]


def test_tag_without_tagger_uses_the_token_identity(standin: StandIn, git_repo: Path) -> None:
    repo = gh(standin).get_repo("acme/models")
    tag_obj = repo.create_git_tag("churn@v1.0.0", "msg", head(git_repo), "commit")
    assert tag_obj.tagger.name == "github-actions[bot]"
    assert "tagger github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>" in (
        run_git(git_repo, "cat-file", "-p", tag_obj.sha)
    )


def test_duplicate_ref_is_422_reference_already_exists(standin: StandIn, git_repo: Path) -> None:
    repo = gh(standin, retry=None).get_repo("acme/models")
    repo.create_git_ref("refs/tags/churn@v0.0.1", head(git_repo))
    with pytest.raises(github.GithubException) as err:
        repo.create_git_ref("refs/tags/churn@v0.0.1", head(git_repo))
    assert err.value.status == 422
    assert err.value.data == {
        "message": "Reference already exists",
        "documentation_url": "https://docs.github.com/rest/git/refs#create-a-reference",
        "status": "422",
    }


def test_twenty_racing_creators_exactly_one_wins(standin: StandIn, git_repo: Path) -> None:
    first = head(git_repo)
    shas = [commit(git_repo, {"n.txt": str(i)}, f"c{i}") for i in range(3)] + [first]
    barrier = threading.Barrier(20)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def create(i: int) -> None:
        repo = gh(standin, retry=None, lazy=True).get_repo("acme/models")
        sha = shas[i % len(shas)]
        barrier.wait()
        try:
            repo.create_git_ref("refs/tags/churn@v9.9.9", sha)
            outcome = (201, sha)
        except github.GithubException as exc:
            outcome = (exc.status, exc.data["message"])
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wins = [sha for status, sha in results if status == 201]
    assert len(wins) == 1
    assert sorted(results).count((422, "Reference already exists")) == 19
    assert run_git(git_repo, "rev-parse", "refs/tags/churn@v9.9.9") == wins[0]


@pytest.mark.parametrize(
    ("ref", "sha", "message"),
    [
        ("tags/v1", None, "Reference name must contain at least three slash-separated components."),
        ("refs/v1", None, "Reference name must contain at least three slash-separated components."),
        ("refs/tags/a..b", None, "refs/tags/a..b is not a valid ref name."),
        ("refs/tags/a b", None, "refs/tags/a b is not a valid ref name."),
        ("refs/tags/v1", "0" * 40, "Object does not exist"),
        ("refs/tags/v1", "abc1234", "Object does not exist"),
    ],
)
def test_create_ref_errors(
    standin: StandIn, git_repo: Path, ref: str, sha: str | None, message: str
) -> None:
    body = {"ref": ref, "sha": sha or head(git_repo)}
    resp = requests.post(f"{standin.api_url}{REPO}/git/refs", json=body, headers=WRITE)
    assert (resp.status_code, resp.json()["message"]) == (422, message)
    assert run_git(git_repo, "tag") == ""


def test_a_ref_over_255_bytes_is_refused_as_github_refuses_it(
    standin: StandIn, git_repo: Path
) -> None:
    # docs/github-facts.md, "Ref length": bytes, not characters; 255 itself is taken.
    url = f"{standin.api_url}{REPO}/git/refs"
    fits = "refs/tags/" + "a" * (255 - len("refs/tags/"))
    for ref in (fits + "b", "refs/tags/" + "\u00e9" * 123):  # 256 bytes, 133 characters
        resp = requests.post(url, json={"ref": ref, "sha": head(git_repo)}, headers=WRITE)
        assert resp.status_code == 422 and "255 bytes" in resp.json()["message"], ref
    assert run_git(git_repo, "tag") == ""
    resp = requests.post(url, json={"ref": fits, "sha": head(git_repo)}, headers=WRITE)
    assert resp.status_code == 201
    assert run_git(git_repo, "tag") == fits.removeprefix("refs/tags/")
    assert standin.invalid_bodies == []


def test_create_tag_errors(standin: StandIn, git_repo: Path) -> None:
    url = f"{standin.api_url}{REPO}/git/tags"
    sha = head(git_repo)
    blob = run_git(git_repo, "rev-parse", "HEAD:dvc.yaml")
    base = {"tag": "t", "message": "m", "object": sha, "type": "commit"}
    for patch in ({"object": "f" * 40}, {"object": blob}, {"type": "tree"}):
        resp = requests.post(url, json={**base, **patch}, headers=WRITE)
        assert (resp.status_code, resp.json()["message"]) == (422, "Object does not exist")
    resp = requests.post(url, json={**base, "object": blob, "type": "blob"}, headers=WRITE)
    assert resp.status_code == 201 and resp.json()["object"]["type"] == "blob"
    assert standin.invalid_bodies == []


# -- request bodies against GitHub's OpenAPI description ----------------------------------------


def test_invalid_bodies_are_422_and_recorded(standin: StandIn, git_repo: Path) -> None:
    url = f"{standin.api_url}{REPO}/git/refs"
    resp = requests.post(url, json={"ref": "refs/tags/x"}, headers=WRITE)
    assert resp.status_code == 422
    assert resp.json()["message"] == 'Invalid request.\n\n"sha" wasn\'t supplied.'
    resp = requests.post(url, json={"ref": "refs/tags/x", "sha": 7}, headers=WRITE)
    assert resp.json()["message"] == "Invalid request.\n\nFor 'properties/sha', 7 is not a string."
    tags = f"{standin.api_url}{REPO}/git/tags"
    body = {"tag": "t", "message": "m", "object": head(git_repo), "type": "tag"}
    resp = requests.post(tags, json=body, headers=WRITE)
    assert resp.status_code == 422 and "properties/type" in resp.json()["message"]
    resp = requests.post(url, data=b"{nope", headers=WRITE)
    assert (resp.status_code, resp.json()["message"]) == (400, "Problems parsing JSON")
    assert [(b.path, b.body) for b in standin.invalid_bodies] == [
        (f"{REPO}/git/refs", {"ref": "refs/tags/x"}),
        (f"{REPO}/git/refs", {"ref": "refs/tags/x", "sha": 7}),
        (f"{REPO}/git/tags", body),
        (f"{REPO}/git/refs", None),
    ]
    assert run_git(git_repo, "tag") == ""


def test_rest_responses_match_githubs_openapi_schemas(standin: StandIn, git_repo: Path) -> None:
    sha = head(git_repo)
    api = f"{standin.api_url}{REPO}"
    created = requests.post(
        f"{api}/git/tags",
        json={"tag": "churn@v0.1.0", "message": "m\n", "object": sha, "type": "commit"},
        headers=WRITE,
    ).json()
    requests.post(
        f"{api}/git/refs",
        json={"ref": "refs/tags/churn@v0.1.0", "sha": created["sha"]},
        headers=WRITE,
    )
    standin.add_pull_request(7, [sha], merged=True, merge_commit_sha=sha, labels=["bump:minor"])
    dvc_yaml = run_git(git_repo, "rev-parse", f"{sha}:dvc.yaml")
    checks = [
        ("/repos/{owner}/{repo}", api),
        ("/repos/{owner}/{repo}/commits/{ref}", f"{api}/commits/main"),
        ("/repos/{owner}/{repo}/commits/{commit_sha}/pulls", f"{api}/commits/{sha}/pulls"),
        ("/repos/{owner}/{repo}/git/commits/{commit_sha}", f"{api}/git/commits/{sha}"),
        ("/repos/{owner}/{repo}/git/ref/{ref}", f"{api}/git/ref/tags/churn@v0.1.0"),
        ("/repos/{owner}/{repo}/git/matching-refs/{ref}", f"{api}/git/matching-refs/"),
        ("/repos/{owner}/{repo}/git/tags/{tag_sha}", f"{api}/git/tags/{created['sha']}"),
        ("/repos/{owner}/{repo}/git/trees/{tree_sha}", f"{api}/git/trees/{sha}?recursive=1"),
        ("/repos/{owner}/{repo}/git/trees/{tree_sha}", f"{api}/git/trees/main"),
        ("/repos/{owner}/{repo}/git/blobs/{file_sha}", f"{api}/git/blobs/{dvc_yaml}"),
        ("/repos/{owner}/{repo}/contents/{path}", f"{api}/contents/dvc.yaml"),
        ("/repos/{owner}/{repo}/contents/{path}", f"{api}/contents/cv"),
        ("/repos/{owner}/{repo}/contents/{path}", f"{api}/contents/"),
        ("/repos/{owner}/{repo}/actions/workflows/{workflow_id}", f"{api}/actions/workflows/r.yml"),
    ]
    for template, url in checks:
        resp = requests.get(url, headers=READ)
        assert resp.status_code == 200, (url, resp.text)
        assert response_errors(template, "get", 200, resp.json()) == [], url
    assert response_errors("/repos/{owner}/{repo}/git/tags", "post", 201, created) == []


# -- REST endpoints --------------------------------------------------------------------------------


def test_commits_endpoint(standin: StandIn, git_repo: Path) -> None:
    sha = head(git_repo)
    tag(git_repo, "churn@v0.0.1", sha)
    api = f"{standin.api_url}{REPO}"
    for ref in (sha, sha[:7], "main", "churn@v0.0.1", "refs/tags/churn@v0.0.1"):
        resp = requests.get(f"{api}/commits/{ref}", headers=READ)
        assert resp.json()["sha"] == sha, ref
    body = requests.get(f"{api}/commits/main", headers=READ).json()
    assert [f["filename"] for f in body["files"]] == ["README.md", "cv/dvc.yaml", "dvc.yaml"]
    assert body["commit"]["message"] == "Declare model artifacts"
    resp = requests.get(
        f"{api}/commits/main", headers={**READ, "Accept": "application/vnd.github.sha"}
    )
    assert resp.text == sha and resp.headers["content-type"].startswith(
        "application/vnd.github.sha"
    )
    resp = requests.get(f"{api}/commits/nope", headers=READ)
    assert resp.status_code == 422
    assert resp.json()["message"] == "No commit found for SHA: nope"


def test_contents_endpoint(standin: StandIn, git_repo: Path) -> None:
    first = head(git_repo)
    commit(git_repo, {"dvc.yaml": "artifacts: {}\n" + "x" * 100}, "change")
    repo = gh(standin).get_repo("acme/models")
    old = repo.get_contents("dvc.yaml", ref=first)
    assert not isinstance(old, list)
    assert old.decoded_content.decode().startswith("artifacts:\n  churn:")
    raw = requests.get(f"{standin.api_url}{REPO}/contents/dvc.yaml", headers=READ).json()
    assert raw["encoding"] == "base64" and raw["type"] == "file"
    assert all(len(line) <= 60 for line in raw["content"].split("\n"))
    assert raw["content"].endswith("\n") and "\n" in raw["content"].rstrip("\n")
    assert base64.b64decode(raw["content"]).decode().startswith("artifacts: {}")
    listing = repo.get_contents("", ref="main")
    assert isinstance(listing, list)
    assert sorted((c.name, c.type) for c in listing) == [
        ("README.md", "file"), ("cv", "dir"), ("dvc.yaml", "file")
    ]  # fmt: skip
    missing = [("missing.yaml", "main", "Not Found"),
               ("dvc.yaml", "nope", "No commit found for the ref nope")]  # fmt: skip
    for path, ref, message in missing:
        resp = requests.get(
            f"{standin.api_url}{REPO}/contents/{path}", params={"ref": ref}, headers=READ
        )
        assert (resp.status_code, resp.json()["message"]) == (404, message)


def test_refs_endpoints(standin: StandIn, git_repo: Path) -> None:
    sha = head(git_repo)
    tag(git_repo, "churn@v0.0.1", sha)
    tag(git_repo, "churn#prod#1", sha, annotated=False)
    repo = gh(standin).get_repo("acme/models")
    refs = {r.ref: r.object.type for r in repo.get_git_matching_refs("tags/churn")}
    assert refs == {"refs/tags/churn#prod#1": "commit", "refs/tags/churn@v0.0.1": "tag"}
    assert [r.ref for r in repo.get_git_matching_refs("heads/")] == ["refs/heads/main"]
    assert list(repo.get_git_matching_refs("tags/zzz")) == []
    resp = requests.get(f"{standin.api_url}{REPO}/git/ref/tags/churn", headers=READ)
    assert (resp.status_code, resp.json()["message"]) == (404, "Not Found")
    resp = requests.get(f"{standin.api_url}{REPO}/git/tags/{sha}", headers=READ)
    assert resp.status_code == 404  # a commit, not a tag object


def test_dispatches_are_recorded(standin: StandIn, git_repo: Path) -> None:
    workflow = "on:\n  workflow_dispatch:\n    inputs:\n      version: {type: string}\njobs: {}\n"
    commit(git_repo, {".github/workflows/deploy.yml": workflow}, "Add deploy")
    repo = gh(standin).get_repo("acme/models")
    assert repo.get_workflow("deploy.yml").create_dispatch("main", {"version": "v1"})
    assert repo.create_repository_dispatch("model-registered", {"tag": "churn@v1"})
    assert [(d.workflow, d.ref, d.inputs) for d in standin.dispatches[:1]] == [
        ("deploy.yml", "main", {"version": "v1"})
    ]
    assert standin.dispatches[0].workflow_id == str(repo.get_workflow("deploy.yml").id)
    assert (standin.dispatches[1].event_type, standin.dispatches[1].client_payload) == (
        "model-registered",
        {"tag": "churn@v1"},
    )
    resp = requests.post(
        f"{standin.api_url}{REPO}/actions/workflows/deploy.yml/dispatches",
        json={"ref": "no-such-branch"},
        headers=WRITE,
    )
    assert (resp.status_code, resp.json()["message"]) == (422, "No ref found for: no-such-branch")
    assert len(standin.dispatches) == 2


def test_unknown_repo_and_route_are_404(standin: StandIn) -> None:
    for path in ("/repos/acme/other", "/repos/other/models/git/ref/heads/main", "/user", "/"):
        resp = requests.get(standin.api_url + path, headers=READ)
        assert (resp.status_code, resp.json()["message"]) == (404, "Not Found"), path
    assert requests.get(f"{standin.api_url}/repos/ACME/Models", headers=READ).status_code == 200


def test_github_headers(standin: StandIn) -> None:
    resp = requests.get(f"{standin.api_url}{REPO}", headers=READ)
    for name in ("limit", "remaining", "used", "reset", "resource"):
        assert f"x-ratelimit-{name}" in resp.headers
    assert resp.headers["x-ratelimit-resource"] == "core"
    assert resp.headers["x-github-request-id"]
    assert resp.headers["content-type"] == "application/json; charset=utf-8"


# -- auth ----------------------------------------------------------------------------------------


def test_missing_or_unknown_token_is_401(standin: StandIn) -> None:
    bad = {
        "message": "Bad credentials",
        "documentation_url": "https://docs.github.com/rest",
        "status": "401",
    }
    for headers in ({}, {"Authorization": "token nope"}, {"Authorization": "Basic x"}):
        resp = requests.get(f"{standin.api_url}{REPO}", headers=headers)
        assert (resp.status_code, resp.json()) == (401, bad)
    resp = requests.post(standin.graphql_url, json={"query": "{rateLimit{used}}"})
    assert resp.status_code == 401
    resp = requests.post(
        standin.graphql_url, json={"query": "{rateLimit{used}}"}, headers={"Authorization": "x y"}
    )
    assert (resp.status_code, resp.json()["message"]) == (401, "Bad credentials")
    with pytest.raises(github.BadCredentialsException):
        gh(standin, "wrong").get_repo("acme/models")


def test_read_token_cannot_write(standin: StandIn, git_repo: Path) -> None:
    repo = gh(standin, "test-read-token", retry=None).get_repo("acme/models")
    assert repo.get_commit("main").sha == head(git_repo)
    with pytest.raises(github.GithubException) as err:
        repo.create_git_ref("refs/tags/churn@v0.0.1", head(git_repo))
    assert err.value.status == 403
    assert err.value.data["message"] == "Resource not accessible by integration"
    # Every permission set that would have worked (mkb79/Audible#882): not what is missing.
    accepted = (err.value.headers or {})["x-accepted-github-permissions"]
    assert accepted == "contents=write; contents=write,workflows=write"
    assert run_git(git_repo, "tag") == ""


# -- faults and latency --------------------------------------------------------------------------


def test_fault_replaces_status_then_is_used_up(standin: StandIn, git_repo: Path) -> None:
    url = f"{standin.api_url}{REPO}/git/refs"
    fault = standin.inject(Fault(method="POST", path=r"/git/refs$", status=502, times=1))
    body = {"ref": "refs/tags/churn@v0.0.1", "sha": head(git_repo)}
    assert requests.post(url, json=body, headers=WRITE).status_code == 502
    assert run_git(git_repo, "tag") == ""  # not applied
    assert requests.post(url, json=body, headers=WRITE).status_code == 201
    assert fault.hits == 1
    assert [r.status for r in standin.writes] == [502, 201]


def test_apply_then_fail_loses_the_response(standin: StandIn, git_repo: Path) -> None:
    standin.inject(Fault(method="POST", path=r"/git/refs$", status=502, apply_then_fail=True))
    repo = gh(standin, retry=None).get_repo("acme/models")
    with pytest.raises(github.GithubException) as err:
        repo.create_git_ref("refs/tags/churn@v0.0.1", head(git_repo))
    assert err.value.status == 502
    assert run_git(git_repo, "tag") == "churn@v0.0.1"  # ...but it happened
    with pytest.raises(github.GithubException) as err:
        repo.create_git_ref("refs/tags/churn@v0.0.1", head(git_repo))
    assert err.value.data["message"] == "Reference already exists"


def test_pygithub_retries_through_a_transient_502(standin: StandIn) -> None:
    standin.inject(Fault(method="GET", path=r"^/repos/acme/models$", status=502, times=2))
    repo = gh(standin, retry=github.GithubRetry(total=3, backoff_factor=0)).get_repo("acme/models")
    assert repo.name == "models"
    assert [r.status for r in standin.requests] == [502, 502, 200]


def test_fault_headers_body_delay_and_graphql_path(standin: StandIn) -> None:
    reset = str(int(time.time()) + 60)
    standin.inject(Fault(path="/repos/", status=429, headers={"Retry-After": "1"}))
    standin.inject(
        Fault(
            path="/repos/",
            status=403,
            headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
        )
    )
    standin.inject(Fault(path=r"^/graphql$", status=None, delay=0.2))
    resp = requests.get(f"{standin.api_url}{REPO}", headers=READ)
    assert (resp.status_code, resp.headers["retry-after"]) == (429, "1")
    assert "secondary rate limit" in resp.json()["message"]
    resp = requests.get(f"{standin.api_url}{REPO}", headers=READ)
    assert (resp.status_code, resp.headers["x-ratelimit-remaining"]) == (403, "0")
    assert resp.headers["x-ratelimit-reset"] == reset
    assert resp.json()["message"].startswith("API rate limit exceeded")
    t0 = time.perf_counter()
    assert gql(standin, "{rateLimit{limit}}") == {"data": {"rateLimit": {"limit": 5000}}}
    assert time.perf_counter() - t0 >= 0.2
    standin.inject(Fault(path="/graphql", status=502, body="<html>bad gateway</html>"))
    resp = requests.post(standin.graphql_url, json={"query": "{rateLimit{limit}}"}, headers=READ)
    assert (resp.status_code, resp.text) == (502, "<html>bad gateway</html>")
    assert [r.graphql for r in standin.requests] == [False, False, True, True]
    assert standin.writes == []


def test_chunked_request_body(standin: StandIn, git_repo: Path) -> None:
    body = f'{{"ref": "refs/tags/churn@v0.0.1", "sha": "{head(git_repo)}"}}'.encode()
    resp = requests.post(
        f"{standin.api_url}{REPO}/git/refs", data=iter([body[:10], body[10:]]), headers=WRITE
    )
    assert resp.status_code == 201
    assert standin.requests[-1].headers["transfer-encoding"] == "chunked"


def test_latency(standin: StandIn) -> None:
    standin.latency = 0.1
    t0 = time.perf_counter()
    requests.get(f"{standin.api_url}{REPO}", headers=READ)
    assert time.perf_counter() - t0 >= 0.1


# -- GraphQL -------------------------------------------------------------------------------------

REFS_QUERY = """
query($owner: String!, $name: String!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    nameWithOwner
    refs(refPrefix: "refs/tags/", first: 2, after: $cursor,
         orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        name
        target {
          __typename
          oid
          ... on Tag { name message tagger { name email date } target { oid } }
          ... on Commit { committedDate }
        }
      }
    }
  }
}
"""


def test_graphql_refs_peeled_paged_and_blob_text(standin: StandIn, git_repo: Path) -> None:
    standin.ref_query = "substring"  # the query below finds a name by its middle
    first = head(git_repo)
    second = commit(git_repo, {"dvc.yaml": "artifacts: {}\n"}, "second", "2030-01-01T00:00:00Z")
    tag(git_repo, "churn@v0.0.1", first, "first version")
    tag(git_repo, "churn@v0.0.2", second)
    tag(git_repo, "cv=pool-segmentation@v0.0.1", first, annotated=False)
    names, cursor = [], None
    pages = 0
    while True:
        data = gql(standin, REFS_QUERY, {"owner": "acme", "name": "models", "cursor": cursor})
        refs = data["data"]["repository"]["refs"]
        assert refs["totalCount"] == 3
        names += [n["name"] for n in refs["nodes"]]
        pages += 1
        if not refs["pageInfo"]["hasNextPage"]:
            break
        cursor = refs["pageInfo"]["endCursor"]
    assert pages == 2
    assert names == ["churn@v0.0.2", "cv=pool-segmentation@v0.0.1", "churn@v0.0.1"]

    data = gql(
        standin,
        """query($old: String!) { repository(owner: "acme", name: "models") {
          ref(qualifiedName: "refs/tags/churn@v0.0.1") { name prefix target { ... on Tag {
            message tagger { name }
            target { __typename oid ... on Commit { messageHeadline } } } } }
          refs(refPrefix: "refs/tags/", first: 10, query: "pool") { nodes { name target {
            __typename oid } } }
          old: object(expression: $old) { __typename ... on Blob { text isBinary } }
          new: object(expression: "main:dvc.yaml") { ... on Blob { text byteSize } }
          missing: object(expression: "main:nope.yaml") { oid }
          head: defaultBranchRef { name target { oid } }
        } }""",
        {"old": f"{first}:dvc.yaml"},
    )
    repo = data["data"]["repository"]
    assert repo["ref"] == {
        "name": "churn@v0.0.1",
        "prefix": "refs/tags/",
        "target": {
            "message": "first version\n",
            "tagger": {"name": "Test User"},
            "target": {
                "__typename": "Commit",
                "oid": first,
                "messageHeadline": "Declare model artifacts",
            },
        },
    }
    assert repo["refs"]["nodes"] == [
        {"name": "cv=pool-segmentation@v0.0.1", "target": {"__typename": "Commit", "oid": first}}
    ]
    assert repo["old"]["__typename"] == "Blob" and not repo["old"]["isBinary"]
    assert "pool" not in repo["old"]["text"] and "churn:" in repo["old"]["text"]
    assert repo["new"] == {"text": "artifacts: {}\n", "byteSize": 14}
    assert repo["missing"] is None
    assert repo["head"] == {"name": "main", "target": {"oid": second}}
    assert "errors" not in data
    assert [r.path for r in standin.requests if r.graphql] == ["/graphql"] * 3
    assert standin.requests[-1].body["variables"] == {"old": f"{first}:dvc.yaml"}


def test_graphql_alphabetical_order_and_last(standin: StandIn, git_repo: Path) -> None:
    for name in ("b", "a", "c", "ab"):
        tag(git_repo, name, head(git_repo))
    query = """query($last: Int, $first: Int, $before: String, $dir: OrderDirection!) {
      repository(owner: "acme", name: "models") {
        refs(refPrefix: "refs/tags/", first: $first, last: $last, before: $before,
             orderBy: {field: ALPHABETICAL, direction: $dir}) {
          edges { cursor node { name } } pageInfo { hasPreviousPage hasNextPage startCursor }
        } } }"""

    def names(**variables: Any) -> tuple[list[str], dict[str, Any]]:
        refs = gql(standin, query, variables)["data"]["repository"]["refs"]
        return [e["node"]["name"] for e in refs["edges"]], refs["pageInfo"]

    assert names(first=10, dir="ASC")[0] == ["a", "ab", "b", "c"]
    assert names(first=10, dir="DESC")[0] == ["c", "b", "ab", "a"]
    tail, info = names(last=2, dir="ASC")
    assert tail == ["b", "c"] and info["hasPreviousPage"] and not info["hasNextPage"]
    assert names(last=2, before=info["startCursor"], dir="ASC")[0] == ["a", "ab"]


def test_graphql_blob_binary_and_truncated(standin: StandIn, git_repo: Path) -> None:
    big = "y" * (600 * 1024)
    commit(git_repo, {"big.txt": big}, "big")
    (git_repo / "bin.dat").write_bytes(b"\x00\x01binary")
    run_git(git_repo, "add", "bin.dat")
    run_git(git_repo, "commit", "-q", "-m", "bin")
    data = gql(
        standin,
        """{ repository(owner: "acme", name: "models") {
          big: object(expression: "HEAD:big.txt") { ... on Blob { text isTruncated byteSize } }
          bin: object(expression: "HEAD:bin.dat") { ... on Blob { text isBinary } } } }""",
    )
    repo = data["data"]["repository"]
    assert repo["big"]["isTruncated"] and repo["big"]["byteSize"] == len(big)
    assert len(repo["big"]["text"]) == 512 * 1024
    assert repo["bin"] == {"text": None, "isBinary": True}


def test_graphql_commit_file_and_tree(standin: StandIn, git_repo: Path) -> None:
    data = gql(
        standin,
        """{ repository(owner: "acme", name: "models") { object(expression: "main") {
          ... on Commit { file(path: "cv/dvc.yaml") { name path mode type object {
              ... on Blob { text } } }
            nofile: file(path: "cv/nope") { name }
            tree { entries { name type } }
            parents(first: 5) { totalCount } } } } }""",
    )
    obj = data["data"]["repository"]["object"]
    assert obj["file"]["object"]["text"].startswith("artifacts:\n  pool-segmentation:")
    assert (obj["file"]["path"], obj["file"]["mode"], obj["file"]["type"]) == (
        "cv/dvc.yaml",
        0o100644,
        "blob",
    )
    assert obj["nofile"] is None
    assert obj["tree"]["entries"] == [
        {"name": "README.md", "type": "blob"},
        {"name": "cv", "type": "tree"},
        {"name": "dvc.yaml", "type": "blob"},
    ]
    assert obj["parents"] == {"totalCount": 0}


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (
            '{ repository(owner: "acme", name: "models") { nmae } }',
            {
                "message": "Field 'nmae' doesn't exist on type 'Repository'",
                "extensions": {
                    "code": "undefinedField",
                    "typeName": "Repository",
                    "fieldName": "nmae",
                },
                "locations": [{"line": 1, "column": 47}],
            },
        ),
        (
            '{ repository(owner: "acme", name: "models") { refs(refPrefix: "refs/tags/", '
            "first: 101) { nodes { name } } } }",
            {
                "type": "EXCESSIVE_PAGINATION",
                "path": ["repository", "refs"],
                "locations": [{"line": 1, "column": 47}],
                "message": "Requesting 101 records on the `refs` connection exceeds the `first` "
                "limit of 100 records.",
            },
        ),
        (
            '{ repository(owner: "acme", name: "models") { refs(refPrefix: "refs/tags/") '
            "{ nodes { name } } } }",
            {
                "type": "MISSING_PAGINATION_BOUNDARIES",
                "path": ["repository", "refs"],
                "locations": [{"line": 1, "column": 47}],
                "message": "You must provide a `first` or `last` value to properly paginate the "
                "`refs` connection.",
            },
        ),
    ],
)
def test_graphql_errors_like_github(standin: StandIn, query: str, error: dict[str, Any]) -> None:
    assert gql(standin, query) == {"errors": [error]}


def test_graphql_other_errors(standin: StandIn) -> None:
    q = '{ repository(owner: "acme", name: "models") { refs(refPrefix: "refs/", ARGS) '
    q += "{ totalCount } } }"
    for bad in ("first: 0", "last: -1"):
        errors = gql(standin, q.replace("ARGS", bad))["errors"]
        assert "must be between 1 and 100" in errors[0]["message"]
    assert gql(standin, q.replace("ARGS", "first: 5")) == {
        "data": {"repository": {"refs": {"totalCount": 1}}}
    }
    no_prefix = gql(
        standin, '{ repository(owner: "acme", name: "models") { refs { totalCount } } }'
    )
    assert no_prefix["errors"][0]["message"] == (
        "Field 'refs' is missing required arguments: refPrefix"
    )
    assert "errors" in gql(standin, '{ repository(owner: "acme" name: "models") { foo(x: 1) } }')
    assert "Syntax Error" in gql(standin, "{ repository(")["errors"][0]["message"]
    assert gql(standin, '{ repository(owner: "acme", name: "nope") { name } }') == {
        "data": {"repository": None},
        "errors": [
            {
                "type": "NOT_FOUND",
                "path": ["repository"],
                "locations": [{"line": 1, "column": 3}],
                "message": "Could not resolve to a Repository with the name 'acme/nope'.",
            }
        ],
    }
    unserved = gql(standin, '{ repository(owner: "acme", name: "models") { stargazerCount } }')
    assert (
        "does not implement the field Repository.stargazerCount" in unserved["errors"][0]["message"]
    )
    rate = gql(standin, "{ rateLimit { cost limit remaining resetAt used } }")["data"]["rateLimit"]
    assert rate["limit"] == 5000 and rate["remaining"] == 5000 - rate["used"]
    mutation = (
        'mutation { createRef(input: {repositoryId: "x", name: "refs/tags/x", oid: "a"}) '
        "{ clientMutationId } }"
    )
    assert "errors" in gql(standin, mutation)


# -- GHES layout -----------------------------------------------------------------------------------


def test_ghes_prefix(git_repo: Path) -> None:
    with StandIn(git_repo, prefix="/api/v3") as s:
        assert s.api_url == s.server_url + "/api/v3"
        assert s.graphql_url == s.server_url + "/api/graphql"
        repo = gh(s).get_repo("acme/models")
        assert repo.url == f"{s.api_url}{REPO}"
        ref = repo.create_git_ref("refs/tags/churn@v0.0.1", head(git_repo))
        assert ref.url.startswith(s.api_url)
        assert gh(s).requester.graphql_url == s.graphql_url
        assert gql(s, '{ repository(owner: "acme", name: "models") { name } }') == {
            "data": {"repository": {"name": "models"}}
        }
        assert requests.get(f"{s.server_url}{REPO}", headers=READ).status_code == 404
        assert requests.post(f"{s.server_url}/graphql", json={}, headers=READ).status_code == 404
        assert [(r.path, r.raw_path.startswith("/api/")) for r in s.requests[-3:]] == [
            ("/graphql", True),
            (REPO, False),
            ("/graphql", False),
        ]
    assert run_git(git_repo, "tag") == "churn@v0.0.1"


def test_reset_log(standin: StandIn) -> None:
    requests.get(f"{standin.api_url}{REPO}", headers=READ)
    assert len(standin.requests) == 1
    standin.reset_log()
    assert standin.requests == [] and standin.writes == []


def test_stop_drops_keep_alive_connections(git_repo: Path) -> None:
    s = StandIn(git_repo).start()
    session = requests.Session()
    assert session.get(f"{s.api_url}{REPO}", headers=READ).status_code == 200
    s.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(f"{s.api_url}{REPO}", headers=READ, timeout=5)
    assert s.server_errors == []


@pytest.mark.parametrize(
    ("mode", "found"),
    [
        ("prefix", ["churn#prod#1", "churn@v1.0.0", "churnx@v1.0.0"]),
        ("substring", ["churn#prod#1", "churn@v1.0.0", "churnx@v1.0.0", "cv=churn@v1.0.0"]),
        ("words", ["churn#prod#1", "churn@v1.0.0", "cv=churn@v1.0.0"]),
        ("stripped", ["churn#prod#1", "churn@v1.0.0", "churnx@v1.0.0", "cv=churn@v1.0.0"]),
    ],
)
def test_refs_query_matching_modes(mode: str, found: list[str]) -> None:
    names = ["churn#prod#1", "churn@v1.0.0", "churnx@v1.0.0", "cv=churn@v1.0.0"]
    assert [n for n in names if query_matches(mode, "churn", n)] == found
    # With punctuation stripped, a query that holds it finds nothing: why we never send any.
    assert not query_matches("stripped", "cv=churn@", "cv=churn@v1.0.0")
    assert query_matches(mode, "cv", "cv=churn@v1.0.0")


def test_ref_compare_says_where_a_commit_stands(standin: StandIn, git_repo: Path) -> None:
    base = head(git_repo)
    ahead = commit(git_repo, {"x": "1"}, "ahead")
    run_git(git_repo, "checkout", "-q", "-b", "side", base)
    side = commit(git_repo, {"y": "1"}, "side")
    run_git(git_repo, "checkout", "-q", "main")
    query = """query($head: String!) { repository(owner: "acme", name: "models") {
      defaultBranchRef { compare(headRef: $head) { status aheadBy behindBy } } } }"""
    answers = {
        sha: gql(standin, query, {"head": sha})["data"]["repository"]["defaultBranchRef"]
        for sha in (base, ahead, side, base[:7])
    }
    assert answers[base]["compare"] == {"status": "BEHIND", "aheadBy": 0, "behindBy": 1}
    assert answers[base[:7]] == answers[base]  # an abbreviated oid, as GitHub takes
    assert answers[ahead]["compare"]["status"] == "IDENTICAL"
    assert answers[side]["compare"] == {"status": "DIVERGED", "aheadBy": 1, "behindBy": 1}
