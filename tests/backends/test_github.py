"""The GitHub backend's HTTP layer, against canned answers from `responses`.

This is the one place with mocks: every request PyGithub sends is answered by a
registered response; one that matches none fails the test (see the `http` fixture).
PyGithub always writes the port into the URL, so the mocks carry `:443`.
"""

from __future__ import annotations

import math
import re
from email.utils import formatdate
from urllib.parse import urlsplit

import pytest
import requests

from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.errors import (
    AuthError,
    BackendError,
    PermissionDenied,
    RepositoryNotFound,
    TagExists,
    VersionAlreadyRegistered,
)
from registry_action.core.repository import Unreadable
from registry_action.decide.request import Request
from tests.backends.github_http import (
    COMMIT,
    DOTCOM,
    DVC_YAML,
    GRAPHQL,
    MODEL,
    NOW,
    OTHER,
    OURS,
    PREFIX,
    REPO,
    TAG,
    TAGGER,
    THEIRS,
    TOKEN,
    Row,
    graphql_answer,
    posts,
    registered,
    sent,
)
from tests.helpers import error_text, register

# -- read ---------------------------------------------------------------------------------


def test_read_is_one_graphql_post_with_the_models_variables(http, backend):
    http.post(GRAPHQL, json=graphql_answer([registered("v0.0.1")]))
    snapshot = backend.read(MODEL, "main")

    assert len(http.calls) == 1
    call = http.calls[0]
    assert call.request.method == "POST"
    url = urlsplit(call.request.url)
    assert (url.hostname, url.path) == ("ghe.example.test", "/api/graphql")
    body = sent(call)
    assert body["variables"] == {
        "owner": "acme",
        "name": "models",
        "commit": "main",
        "annotation": "main:cv/dvc.yaml",
        "named": True,  # `main` names a branch: its ref proves the commit reachable
        "branch": "refs/heads/main",
        "tag": "refs/tags/main",
        "refPrefix": "refs/tags/",  # the model's folder: see tag_listing
        "query": "cv",  # the leading run of letters and digits: see ref_query
        "after": None,
        "first": True,
    }
    assert "refs(" in body["query"]
    assert TOKEN in call.request.headers["Authorization"]
    assert snapshot.commit == COMMIT
    assert snapshot.annotation == DVC_YAML
    assert snapshot.web_url == "https://ghe.example.test/acme/models"


def test_read_maps_annotated_and_lightweight_tags_and_drops_foreign_names(http, backend):
    rows: list[Row] = [
        (f"{PREFIX}v0.0.1", "annotated", OURS, COMMIT, "2024-05-01T14:00:00+02:00"),
        (f"{PREFIX}v0.0.2", "lightweight", "", OTHER, ""),
        ("cv=pool-segmentation-old@v0.0.1", "annotated", THEIRS, COMMIT, "2024-05-01T12:00:00Z"),
        ("x/cv=pool-segmentation@v0.0.3", "annotated", THEIRS, COMMIT, "2024-05-01T12:00:00Z"),
    ]
    http.post(GRAPHQL, json=graphql_answer(rows))
    tags = {t.name: t for t in backend.read(MODEL, COMMIT).tags}

    assert set(tags) == {f"{PREFIX}v0.0.1", f"{PREFIX}v0.0.2"}
    annotated = tags[f"{PREFIX}v0.0.1"]
    assert (annotated.sha, annotated.commit) == (OURS, COMMIT)
    assert annotated.date == "2024-05-01T12:00:00Z"
    assert annotated.annotated and not tags[f"{PREFIX}v0.0.2"].annotated
    assert annotated.annotated
    lightweight = tags[f"{PREFIX}v0.0.2"]
    assert (lightweight.sha, lightweight.commit) == ("", OTHER)
    assert not lightweight.annotated


def test_read_peels_a_commit_given_as_an_annotated_tag(http, backend):
    peeled = {"__typename": "Tag", "oid": THEIRS, "target": {"__typename": "Commit", "oid": OTHER}}
    http.post(GRAPHQL, json=graphql_answer([], commit=peeled))
    assert backend.read(MODEL, "release-1").commit == OTHER


@pytest.mark.parametrize(
    "node",
    [None, {"__typename": "Blob", "oid": OTHER}, {"__typename": "Tree", "oid": OTHER}],
    ids=["missing", "blob", "tree"],
)
def test_read_reports_no_commit_for_a_missing_or_non_commit_object(http, backend, node):
    http.post(GRAPHQL, json=graphql_answer([], commit=node))
    assert backend.read(MODEL, "nope").commit == ""


@pytest.mark.parametrize(
    ("blob", "expected"),
    [
        ({"text": None, "isBinary": True, "isTruncated": False}, Unreadable.BINARY),
        ({"text": DVC_YAML[:10], "isBinary": False, "isTruncated": True}, Unreadable.TOO_LARGE),
        (None, None),
    ],
    ids=["binary", "truncated", "absent"],
)
def test_read_marks_unreadable_annotations(http, backend, blob, expected):
    http.post(GRAPHQL, json=graphql_answer([], annotation=blob))
    assert backend.read(MODEL, COMMIT).annotation == expected


def test_read_pages_past_100_tags(http, backend):
    rows = [registered(f"v0.0.{i}") for i in range(150)]
    http.post(GRAPHQL, json=graphql_answer(rows[:100], cursor="cursor-100"))
    http.post(GRAPHQL, json=graphql_answer(rows[100:], first=False))
    snapshot = backend.read(MODEL, COMMIT)

    assert len(http.calls) == 2
    first, second = (sent(c)["variables"] for c in http.calls)
    assert (first["after"], first["first"]) == (None, True)
    assert (second["after"], second["first"]) == ("cursor-100", False)
    assert second["query"] == "cv"
    assert len(snapshot.tags) == 150
    assert snapshot.commit == COMMIT  # from the first page; later pages skip it
    assert snapshot.annotation == DVC_YAML


def test_dotcom_style_urls(http, sleeps):
    backend = GitHubBackend("acme/models", TOKEN, DOTCOM, sleep=sleeps.append, clock=lambda: NOW)
    http.post(f"{DOTCOM}:443/graphql", json=graphql_answer([]))
    http.post(f"{DOTCOM}:443/repos/acme/models/git/tags", status=201, json={"sha": OURS})
    http.post(f"{DOTCOM}:443/repos/acme/models/git/refs", status=201, json={"ref": TAG})

    assert backend.read(MODEL, COMMIT).commit == COMMIT
    assert backend.create_tag(TAG, COMMIT, "m", TAGGER).sha == OURS
    assert len(http.calls) == 3


def test_graphql_not_found_is_repository_not_found(http, backend):
    error = {"type": "NOT_FOUND", "path": ["repository"], "message": "Could not resolve"}
    http.post(GRAPHQL, json={"data": {"repository": None}, "errors": [error]})
    with pytest.raises(RepositoryNotFound, match="acme/models"):
        backend.read(MODEL, COMMIT)
    assert len(http.calls) == 1


def test_graphql_other_errors_are_backend_errors_with_the_message(http, backend):
    error = {"type": "FORBIDDEN", "message": "Resource not accessible by integration"}
    http.post(GRAPHQL, json={"data": {"repository": None}, "errors": [error]})
    with pytest.raises(BackendError, match="Resource not accessible by integration") as caught:
        backend.read(MODEL, COMMIT)
    assert type(caught.value) is BackendError
    assert TOKEN not in error_text(caught.value)


def test_graphql_rate_limited_error_is_a_backend_error_with_the_message(http, backend, sleeps):
    error = {"type": "RATE_LIMITED", "message": "API rate limit exceeded for installation."}
    http.post(
        GRAPHQL, json={"data": None, "errors": [error]}, headers={"x-ratelimit-remaining": "0"}
    )
    with pytest.raises(BackendError, match="API rate limit exceeded"):
        backend.read(MODEL, COMMIT)
    assert len(http.calls) == 1 and sleeps == []


@pytest.mark.parametrize(
    "body", ["", "<html>Bad gateway</html>", '{"data": {"repos'], ids=["empty", "html", "cut"]
)
def test_graphql_answer_that_is_not_json_is_a_backend_error(http, backend, body):
    http.post(GRAPHQL, body=body, content_type="text/html")
    with pytest.raises(BackendError):
        backend.read(MODEL, COMMIT)


# -- create_tag ---------------------------------------------------------------------------


def test_create_tag_posts_a_tag_object_then_a_ref_to_it(http, backend):
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS, "object": {"sha": COMMIT}})
    http.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/tags/{TAG}"})
    assert backend.create_tag(TAG, COMMIT, "Registering v0.0.1", TAGGER).sha == OURS

    assert [c.request.method for c in http.calls] == ["POST", "POST"]
    tag_call, ref_call = http.calls
    body = sent(tag_call)
    date = body["tagger"].pop("date")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", date)
    assert body == {
        "tag": TAG,
        "message": "Registering v0.0.1",
        "object": COMMIT,
        "type": "commit",
        "tagger": {"name": "Model Bot", "email": "bot@example.test"},
    }
    assert sent(ref_call) == {"ref": f"refs/tags/{TAG}", "sha": OURS}  # not the commit
    for call in http.calls:
        assert call.request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        assert TOKEN in call.request.headers["Authorization"]


def test_existing_ref_at_another_tag_object_is_tag_exists(http, backend):
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=422, json={"message": "Reference already exists"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", json={"object": {"type": "tag", "sha": THEIRS}})
    with pytest.raises(TagExists):
        backend.create_tag(TAG, COMMIT, "m", TAGGER)
    assert len(posts(http, f"{REPO}/git/refs")) == 1


def test_existing_ref_at_our_tag_object_is_a_lost_answer_and_success(http, backend):
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=422, json={"message": "Reference already exists"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", json={"object": {"type": "tag", "sha": OURS}})
    assert backend.create_tag(TAG, COMMIT, "m", TAGGER).sha == OURS
    assert len(posts(http, f"{REPO}/git/refs")) == 1
    assert len(posts(http, f"{REPO}/git/tags")) == 1


def test_failed_ref_post_that_took_effect_is_not_posted_again(http, backend):
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=502, json={"message": "Server Error"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", json={"object": {"type": "tag", "sha": OURS}})
    assert backend.create_tag(TAG, COMMIT, "m", TAGGER).sha == OURS
    assert len(posts(http, f"{REPO}/git/refs")) == 1


def test_failed_ref_post_that_did_not_take_effect_is_posted_once_more(http, backend, sleeps):
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=502, json={"message": "Server Error"})
    http.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/tags/{TAG}"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", status=404, json={"message": "Not Found"})
    assert backend.create_tag(TAG, COMMIT, "m", TAGGER).sha == OURS
    assert len(posts(http, f"{REPO}/git/refs")) == 2
    assert sleeps and sum(sleeps) <= 60


def test_tag_object_post_is_retried_after_a_502(http, backend, sleeps):
    http.post(f"{REPO}/git/tags", status=502, json={"message": "Server Error"})
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/tags/{TAG}"})
    assert backend.create_tag(TAG, COMMIT, "m", TAGGER).sha == OURS
    assert len(posts(http, f"{REPO}/git/tags")) == 2
    assert sent(posts(http, f"{REPO}/git/refs")[0])["sha"] == OURS
    assert len(sleeps) == 1 and sleeps[0] >= 1


# -- retries and waiting --------------------------------------------------------------------


def test_429_waits_for_retry_after(http, backend, sleeps):
    http.post(GRAPHQL, status=429, json={"message": "slow down"}, headers={"Retry-After": "3"})
    http.post(GRAPHQL, json=graphql_answer([]))
    assert backend.read(MODEL, COMMIT).commit == COMMIT
    assert sleeps == [3.0]
    assert len(http.calls) == 2


def test_retry_after_as_an_http_date(http, backend, sleeps):
    when = formatdate(NOW + 10, usegmt=True)
    http.post(GRAPHQL, status=503, json={"message": "busy"}, headers={"Retry-After": when})
    http.post(GRAPHQL, json=graphql_answer([]))
    backend.read(MODEL, COMMIT)
    assert sleeps == [10.0]


def test_spent_rate_limit_waits_until_reset(http, backend, sleeps):
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 5)}
    message = {"message": "API rate limit exceeded for installation ID 1."}
    http.post(GRAPHQL, status=403, json=message, headers=limited)
    http.post(GRAPHQL, json=graphql_answer([]))
    backend.read(MODEL, COMMIT)
    assert len(sleeps) == 1 and 5 <= sleeps[0] <= 7


def test_rate_limit_reset_past_the_budget_fails_at_once(http, backend, sleeps):
    limited = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 7200)}
    message = {"message": "API rate limit exceeded for installation ID 1."}
    http.post(GRAPHQL, status=403, json=message, headers=limited)
    with pytest.raises(BackendError, match="budget") as caught:
        backend.read(MODEL, COMMIT)
    assert sleeps == []
    assert len(http.calls) == 1
    assert not isinstance(caught.value, PermissionDenied)
    assert TOKEN not in error_text(caught.value)


def test_persistent_502_gives_up_after_bounded_tries_and_waits(http, backend, sleeps):
    http.post(GRAPHQL, status=502, json={"message": "Server Error"})
    with pytest.raises(BackendError, match="502") as caught:
        backend.read(MODEL, COMMIT)
    assert len(http.calls) == 4
    assert len(sleeps) == 3 and sum(sleeps) <= 60
    assert TOKEN not in error_text(caught.value)


def test_persistent_502_on_the_ref_post_gives_up_bounded(http, backend, sleeps):
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=502, json={"message": "Server Error"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", status=502, json={"message": "Server Error"})
    with pytest.raises(BackendError) as caught:
        backend.create_tag(TAG, COMMIT, "m", TAGGER)
    assert len(posts(http, f"{REPO}/git/refs")) <= 4
    assert len(http.calls) <= 12
    assert sum(sleeps) <= 60
    assert TOKEN not in error_text(caught.value)


def test_secondary_rate_limit_403_waits_for_retry_after(http, backend, sleeps):
    message = {"message": "You have exceeded a secondary rate limit. Please wait."}
    headers = {"Retry-After": "2", "x-ratelimit-remaining": "812"}
    http.post(GRAPHQL, status=403, json=message, headers=headers)
    http.post(GRAPHQL, json=graphql_answer([]))
    backend.read(MODEL, COMMIT)
    assert sleeps == [2.0]


def test_ref_post_429_waits_for_retry_after(http, backend, sleeps):
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=429, json={"message": "x"}, headers={"Retry-After": "5"})
    http.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/tags/{TAG}"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", status=404, json={"message": "Not Found"})
    backend.create_tag(TAG, COMMIT, "m", TAGGER)
    assert sleeps == [5.0]


# -- refusals -------------------------------------------------------------------------------

NOT_ACCESSIBLE = "Resource not accessible by integration"
WORKFLOWS = {"x-accepted-github-permissions": "contents=write; contents=write,workflows=write"}
RULESET = (
    "Repository rule violations found\n\nCannot create ref due to creations being restricted.\n\n"
)
# A refusal of the ref after the tag object was made: the token can write, so a 403 there
# is the commit's `workflows` need, whatever x-accepted-github-permissions lists.
REFUSALS = {
    "401": (401, "Bad credentials", {}, AuthError, "token"),
    "403": (403, NOT_ACCESSIBLE, {}, PermissionDenied, "workflows: write"),
    "403-with-header": (403, NOT_ACCESSIBLE, WORKFLOWS, PermissionDenied, "workflows: write"),
    "404": (404, "Not Found", {}, RepositoryNotFound, "acme/models"),
    "422-ruleset": (422, RULESET, {}, BackendError, "ruleset's bypass list"),
    "422-invalid": (422, "refs/tags/x is not a valid ref name.", {}, BackendError, "valid ref"),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
def test_ref_post_refusals_say_what_to_do(http, backend, sleeps, case):
    status, message, headers, kind, says = case
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=status, json={"message": message}, headers=headers)
    with pytest.raises(kind, match=re.escape(says)) as caught:
        backend.create_tag(TAG, COMMIT, "m", TAGGER)
    assert not isinstance(caught.value, TagExists)
    assert len(posts(http, f"{REPO}/git/refs")) == 1  # a refusal is not retried
    assert sleeps == []
    assert TOKEN not in error_text(caught.value)
    if status == 422:  # GitHub's own words, and a ruleset only when GitHub names one
        assert message.strip() in caught.value.message
        assert ("ruleset" in str(caught.value)) == ("rule" in message)


def test_reference_update_failed_is_retried_like_a_lost_answer(http, backend, sleeps):
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=422, json={"message": "Reference update failed"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", status=404, json={"message": "Not Found"})
    http.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/tags/{TAG}"})
    assert backend.create_tag(TAG, COMMIT, "m", TAGGER).sha == OURS
    assert len(posts(http, f"{REPO}/git/refs")) == 2 and sleeps == [1.0]


@pytest.mark.parametrize(
    ("status", "message", "headers", "kind", "says"),
    [
        (401, "Bad credentials", {}, AuthError, "token"),
        (403, NOT_ACCESSIBLE, {}, PermissionDenied, "contents: write"),
        (403, NOT_ACCESSIBLE, WORKFLOWS, PermissionDenied, "contents: write"),
        (404, "Not Found", {}, RepositoryNotFound, "acme/models"),
        (422, "Validation Failed", {}, BackendError, "Validation Failed"),
    ],
)
def test_tag_object_post_refusals(http, backend, status, message, headers, kind, says):
    http.post(f"{REPO}/git/tags", status=status, json={"message": message}, headers=headers)
    with pytest.raises(kind, match=says) as caught:
        backend.create_tag(TAG, COMMIT, "m", TAGGER)
    assert len(http.calls) == 1  # no ref is posted for a tag object that failed
    assert TOKEN not in error_text(caught.value)


def test_401_on_read_is_auth_error(http, backend):
    http.post(GRAPHQL, status=401, json={"message": "Bad credentials"})
    with pytest.raises(AuthError) as caught:
        backend.read(MODEL, COMMIT)
    assert len(http.calls) == 1
    assert TOKEN not in error_text(caught.value)


def test_connection_error_on_read_is_retried_then_backend_error(http, backend, sleeps):
    http.post(GRAPHQL, body=requests.ConnectionError("connection reset"))
    with pytest.raises(BackendError, match="could not be reached") as caught:
        backend.read(MODEL, COMMIT)
    assert len(http.calls) == 4
    assert sum(sleeps) <= 60
    assert TOKEN not in error_text(caught.value)


def test_every_request_has_a_finite_timeout(http, backend):
    http.post(GRAPHQL, json=graphql_answer([]))
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=422, json={"message": "Reference already exists"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", json={"object": {"type": "tag", "sha": OURS}})
    backend.read(MODEL, COMMIT)
    backend.create_tag(TAG, COMMIT, "m", TAGGER)
    assert {c.request.method for c in http.calls} == {"GET", "POST"}
    for call in http.calls:
        timeout = call.request.req_kwargs["timeout"]
        assert isinstance(timeout, int | float) and 0 < timeout <= 60 and math.isfinite(timeout)


# -- register() through this backend ----------------------------------------------------------


def request(version: str = "") -> Request:
    return Request.from_inputs(model=MODEL.full, version=version, commit=COMMIT, tagger=TAGGER)


def test_register_a_fresh_model_is_three_requests(http, backend):
    http.post(GRAPHQL, json=graphql_answer([]))
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/tags/{TAG}"})
    result = register(backend, request())
    assert len(http.calls) == 3
    assert (result.created, result.plan.tag, result.tag.sha) == (True, TAG, OURS)
    assert sent(http.calls[1])["object"] == COMMIT


@pytest.mark.parametrize("version", ["", "v0.0.1"], ids=["bump", "explicit"])
def test_register_rerun_is_one_request(http, backend, version):
    http.post(GRAPHQL, json=graphql_answer([registered("v0.0.1", COMMIT, OURS)]))
    result = register(backend, request(version))
    assert len(http.calls) == 1
    assert (result.created, result.plan.tag, result.tag.sha) == (False, TAG, OURS)


def test_register_dry_run_is_one_request(http, backend):
    http.post(GRAPHQL, json=graphql_answer([registered("v0.0.1", OTHER)]))
    result = register(backend, request(), dry_run=True)
    assert len(http.calls) == 1
    assert (result.created, result.plan.tag) == (False, f"{PREFIX}v0.0.2")


def test_register_refusal_is_one_request_and_no_post(http, backend):
    http.post(GRAPHQL, json=graphql_answer([registered("v0.0.1", OTHER)]))
    with pytest.raises(VersionAlreadyRegistered, match=OTHER):
        register(backend, request("v0.0.1"))
    assert len(http.calls) == 1


def test_register_lost_race_rereads_and_takes_the_next_version(http, backend):
    http.post(GRAPHQL, json=graphql_answer([]))
    http.post(GRAPHQL, json=graphql_answer([registered("v0.0.1", OTHER)]))
    http.post(f"{REPO}/git/tags", status=201, json={"sha": "6" * 40})
    http.post(f"{REPO}/git/tags", status=201, json={"sha": OURS})
    http.post(f"{REPO}/git/refs", status=422, json={"message": "Reference already exists"})
    http.post(f"{REPO}/git/refs", status=201, json={"ref": f"refs/tags/{PREFIX}v0.0.2"})
    http.get(f"{REPO}/git/ref/tags/{TAG}", json={"object": {"type": "tag", "sha": "5" * 40}})
    result = register(backend, request())
    assert (result.created, result.plan.tag) == (True, f"{PREFIX}v0.0.2")
    assert [sent(c)["ref"] for c in posts(http, f"{REPO}/git/refs")] == [
        f"refs/tags/{TAG}",
        f"refs/tags/{PREFIX}v0.0.2",
    ]
