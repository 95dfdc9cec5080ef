"""The GitHub backend: one GraphQL read, two REST writes, through PyGithub's requester.

PyGithub is set up for a short-lived CI step: no urllib3 retries (this module decides
what is safe to retry), no throttle sleeps, a timeout on every request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import github
import requests
from github import Auth, GithubException

from ..annotations import NOT_TEXT, TOO_LARGE
from ..backend import CONFIG_FILE, Snapshot, Tagger, TagInfo
from ..errors import (
    AuthError,
    BackendError,
    PermissionDenied,
    RepositoryNotFound,
    TagExists,
)
from ..grammar import ModelName, stage_prefix, tag_prefix
from . import utc_iso

API_VERSION = "2022-11-28"
TIMEOUT = 15  # seconds, connect and read: a hung API must not hold a runner
WAIT_BUDGET = 60.0  # seconds of backoff one run may spend in all
MAX_TRIES = 4

# One request answers every decision: the commit, its dvc.yaml and this model's tags; with
# `$stages`, also its stage tags and `.gto`. GitHub documents `query` only as "filters refs
# with query on name", so answers are filtered again by prefix here. Each tag connection
# pages on its own (100 a page); later pages skip the commit and files, and a connection
# that is done. Variables with defaults keep a register read's variables as they were.
QUERY = """
query Registry($owner: String!, $name: String!, $commit: String!, $annotation: String!,
               $prefix: String!, $after: String, $first: Boolean!, $versions: Boolean! = true,
               $stages: Boolean! = false, $stagePrefix: String! = "", $stageAfter: String,
               $config: String! = "") {
  repository(owner: $owner, name: $name) {
    url
    defaultBranchRef @include(if: $first) { name }
    commit: object(expression: $commit) @include(if: $first) {
      __typename
      oid
      ... on Tag { target { __typename oid } }
    }
    annotation: object(expression: $annotation) @include(if: $first) { ...Text }
    refs(refPrefix: "refs/tags/", query: $prefix, first: 100, after: $after)
        @include(if: $versions) { ...Tags }
    ... @include(if: $stages) {
      config: object(expression: $config) @include(if: $first) { ...Text }
      stageRefs: refs(refPrefix: "refs/tags/", query: $stagePrefix, first: 100,
                      after: $stageAfter) { ...Tags }
    }
  }
}

fragment Text on GitObject {
  ... on Blob { text isBinary isTruncated }
}

fragment Tags on RefConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    name
    target {
      __typename
      oid
      ... on Tag { tagger { date } target { __typename oid } }
    }
  }
}
"""

T = TypeVar("T")
_RETRIABLE = {429, 500, 502, 503, 504}
_SHA = re.compile(r"[0-9a-f]{40}")
DEADLINE = 120.0  # seconds from the backend's start after which no retry is begun


class GitHubBackend:
    def __init__(
        self,
        repository: str,
        token: str,
        api_url: str = "https://api.github.com",
        graphql_url: str = "",
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
        timer: Callable[[], float] | None = None,
    ) -> None:
        self.owner, _, self.name = repository.partition("/")
        self.repository = repository
        client = github.Github(
            auth=Auth.Token(token) if token else None,
            base_url=api_url.rstrip("/"),
            timeout=TIMEOUT,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
            lazy=True,
        )
        self._requester = client.requester
        self._graphql_url = graphql_url or self._requester.graphql_url
        self._sleep = sleep or time.sleep
        self._clock = clock or time.time  # wall time: tagger dates, Retry-After, limit resets
        self._waited = 0.0
        self._timer = timer or time.monotonic  # elapsed time, for the deadline
        self._started = self._timer()

    @classmethod
    def from_env(cls, repository: str, token: str, env: Mapping[str, str]) -> GitHubBackend:
        """The backend for `repository` on the server the environment names (GHES too)."""
        return cls(
            repository,
            token,
            env.get("GITHUB_API_URL") or "https://api.github.com",
            env.get("GITHUB_GRAPHQL_URL", ""),
        )

    # -- reading ---------------------------------------------------------------------------

    def read(self, model: ModelName, commit: str, stages: bool = False) -> Snapshot:
        prefixes = {"refs": tag_prefix(model)}
        variables: dict[str, Any] = {
            "owner": self.owner,
            "name": self.name,
            "commit": commit,
            "annotation": f"{commit}:{model.annotation_path}",
            "prefix": prefixes["refs"],
            "after": None,
            "first": True,
        }
        if stages:
            prefixes["stageRefs"] = stage_prefix(model)
            variables |= {
                "stages": True,
                "stagePrefix": prefixes["stageRefs"],
                "stageAfter": None,
                "config": f"{commit}:{CONFIG_FILE}",
            }
        repo = first = self._graphql(variables)
        tags = []
        while True:
            cursors = {}
            for key, prefix in prefixes.items():
                refs = repo.get(key)
                if refs is None:  # done on an earlier page
                    continue
                tags += [_tag(node) for node in refs["nodes"] if node["name"].startswith(prefix)]
                if refs["pageInfo"]["hasNextPage"]:
                    cursors[key] = refs["pageInfo"]["endCursor"]
            if not cursors:
                break
            variables.update(first=False, after=cursors.get("refs"))
            if stages:
                variables.update(
                    versions="refs" in cursors,
                    stages="stageRefs" in cursors,
                    stageAfter=cursors.get("stageRefs"),
                )
            repo = self._graphql(variables)
        named = first.get("commit") or {}
        return Snapshot(
            commit=_peel(named),
            annotation=_text(first.get("annotation")),
            tags=tuple(t for t in tags if t.commit),
            web_url=first.get("url") or "",
            tag_sha=named.get("oid", "") if named.get("__typename") == "Tag" else "",
            default_branch=(first.get("defaultBranchRef") or {}).get("name", ""),
            config=_text(first.get("config")) if stages else None,
        )

    def _graphql(self, variables: dict[str, Any]) -> dict[str, Any]:
        body = {"query": QUERY, "variables": variables}
        for attempt in range(1, MAX_TRIES + 1):
            try:
                headers, data = self._retry(
                    lambda: self._requester.requestJsonAndCheck(
                        "POST", self._graphql_url, input=body
                    )
                )
            except ValueError:  # a 200 whose body is not JSON
                headers, data = {}, None
            if not isinstance(data, dict) or not isinstance(data.get("data") or {}, dict):
                raise BackendError(
                    "GitHub's GraphQL API answered with something that is not GraphQL JSON.",
                    "Check GITHUB_GRAPHQL_URL; re-run the job later.",
                )
            # A spent GraphQL limit is a 200 with an error; wait for the reset GitHub names.
            limited = any(e.get("type") == "RATE_LIMITED" for e in data.get("errors") or [])
            lowered = {k.lower(): v for k, v in headers.items()}
            if limited and "x-ratelimit-reset" in lowered and attempt < MAX_TRIES:
                self._backoff({**lowered, "x-ratelimit-remaining": "0"}, attempt, "RATE_LIMITED")
                continue
            break
        errors = data.get("errors") or []
        repo = (data.get("data") or {}).get("repository")
        if any(e.get("type") == "NOT_FOUND" for e in errors) or (repo is None and not errors):
            raise _not_found(self.repository)
        if errors or repo is None:
            detail = "; ".join(str(e.get("message", e)) for e in errors)
            raise BackendError(f"GitHub's GraphQL API answered with errors: {detail}")
        result: dict[str, Any] = repo
        return result

    # -- writing ---------------------------------------------------------------------------

    def create_tag(self, tag: str, commit: str, message: str, tagger: Tagger) -> TagInfo:
        date = utc_iso(self._clock())
        body = {
            "tag": tag,
            "message": message,
            "object": commit,
            "type": "commit",
            "tagger": {"name": tagger.name, "email": tagger.email, "date": date},
        }
        # An unused tag object is harmless (nothing points at it), so this POST may be retried.
        _, created = self._retry(lambda: self._post("git/tags", body), tag, commit)
        sha = created.get("sha") if isinstance(created, dict) else None
        if not isinstance(sha, str) or not _SHA.fullmatch(sha):
            raise BackendError(
                "GitHub answered the tag-object POST without a tag sha; no tag was made.",
                "A proxy may have answered instead of GitHub; re-run the job later.",
            )
        made = TagInfo(tag, commit, annotated=True, sha=sha, date=date)
        ref = {"ref": f"refs/tags/{tag}", "sha": sha}
        for attempt in range(1, MAX_TRIES + 1):
            failure: GithubException | None = None
            try:
                self._post("git/refs", ref)
                return made
            except GithubException as err:
                if err.status == 422 and "already exists" in _message(err).lower():
                    self._settle(tag, sha)  # maybe a lost answer to our own earlier try
                    return made
                if not self._transient(err):
                    raise self._refusal(err, tag, commit) from None
                failure = err
            except requests.RequestException:
                pass
            # The answer was lost or failed: the ref may or may not exist now. Never post
            # blindly: read it, and post again only when it is certainly absent.
            if self._ref_sha(tag) is not None:
                self._settle(tag, sha)
                return made
            if attempt < MAX_TRIES:
                headers = _headers(failure) if failure else {}
                what = str(failure.status) if failure else "with a lost answer"
                self._backoff(headers, attempt, what, bool(failure and _secondary(failure)))
        # The tag object made above stays unreferenced: invisible and harmless.
        raise BackendError(
            f"GitHub did not create tag {tag} after {MAX_TRIES} tries; no tag is visible.",
            "GitHub may be down; re-run the job later.",
        )

    def dispatch(self, workflow: str, ref: str, inputs: dict[str, str]) -> None:
        """Start `workflow` with workflow_dispatch (GITHUB_TOKEN-made tags start no workflow).

        Not retried: a lost answer may still have started a run, and two deploys are worse
        than a clear error.
        """
        try:
            self._post(
                f"actions/workflows/{quote(workflow)}/dispatches", {"ref": ref, "inputs": inputs}
            )
        except GithubException as err:
            raise self._refusal(err, "", "") from None
        except requests.RequestException as err:
            raise BackendError(f"GitHub could not be reached: {type(err).__name__}.") from None

    def _settle(self, tag: str, ours: str) -> None:
        """The ref exists: fine if it points at our tag object, else the race is lost."""
        if self._ref_sha(tag) != ours:
            raise TagExists(tag)

    def _ref_sha(self, tag: str) -> str | None:
        """The object `refs/tags/TAG` points at; None when there is no such ref."""

        def get() -> str | None:
            try:
                _, ref = self._requester.requestJsonAndCheck(
                    "GET", self._path(f"git/ref/tags/{quote(tag, safe='/@=')}")
                )
            except GithubException as err:
                if err.status == 404:
                    return None
                raise
            sha: str = ref["object"]["sha"]
            return sha

        return self._retry(get, tag)

    def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        return self._requester.requestJsonAndCheck(
            "POST", self._path(path), input=body, headers={"X-GitHub-Api-Version": API_VERSION}
        )

    def _path(self, path: str) -> str:
        return f"/repos/{quote(self.owner)}/{quote(self.name)}/{path}"

    # -- retries and errors ----------------------------------------------------------------

    def _retry(self, call: Callable[[], T], tag: str = "", commit: str = "") -> T:
        """Run an idempotent call, retrying transient failures within the wait budget."""
        for attempt in range(1, MAX_TRIES + 1):
            try:
                return call()
            except GithubException as err:
                if attempt == MAX_TRIES or not self._transient(err):
                    raise self._refusal(err, tag, commit) from None
                self._backoff(_headers(err), attempt, str(err.status), _secondary(err))
            except requests.RequestException as err:
                if attempt == MAX_TRIES:
                    raise BackendError(
                        f"GitHub could not be reached: {type(err).__name__}.",
                        "GitHub may be down; re-run the job later.",
                    ) from None
                self._backoff({}, attempt, type(err).__name__)
        raise AssertionError("unreachable")

    @staticmethod
    def _transient(err: GithubException) -> bool:
        headers = _headers(err)
        # Primary limits say remaining 0; secondary limits say Retry-After, or only say so.
        limited = err.status == 403 and (
            headers.get("x-ratelimit-remaining") == "0"
            or "retry-after" in headers
            or _secondary(err)
        )
        return err.status in _RETRIABLE or limited

    def _backoff(
        self, headers: dict[str, str], attempt: int, what: str, secondary: bool = False
    ) -> None:
        """Sleep before retry `attempt + 1`: as GitHub says, else exponentially; bounded."""
        wait = 60.0 if secondary else float(2 ** (attempt - 1))  # GitHub: at least a minute
        told = _seconds(headers["retry-after"], self._clock()) if "retry-after" in headers else None
        if told is not None:
            wait = told
        elif headers.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in headers:
            wait = max(0.0, float(headers["x-ratelimit-reset"]) - self._clock()) + 1
        elapsed = self._timer() - self._started
        if self._waited + wait > WAIT_BUDGET or elapsed + wait > DEADLINE:
            raise BackendError(
                f"GitHub kept answering {what}; the next retry would wait {wait:.0f} s, past "
                f"this step's budget ({WAIT_BUDGET:.0f} s of waiting, {DEADLINE:.0f} s in all).",
                "GitHub is busy or the rate limit is spent; re-run the job later.",
            )
        self._waited += wait
        self._sleep(wait)

    def _refusal(self, err: GithubException, tag: str, commit: str) -> BackendError:
        status, message, headers = err.status, _message(err), _headers(err)
        what = f"tag {tag}" if tag else "the registry"
        if status == 401:
            return AuthError(
                "GitHub refused the token (401 Bad credentials).",
                "Pass a valid token: the default ${{ github.token }}, or a GitHub App token.",
            )
        if status == 403 and "workflows" in headers.get("x-accepted-github-permissions", ""):
            return PermissionDenied(
                f"GitHub requires the 'workflows' permission to create {what} on commit {commit}, "
                "whose .github/workflows differ from every branch head.",
                "GITHUB_TOKEN can never have it: use a GitHub App token with workflows: write, "
                "or register a commit that is on a branch.",
            )
        if status == 403:
            return PermissionDenied(
                f"The token may not write to {self.repository} (403 {message}).",
                "Give the job `permissions: contents: write`.",
            )
        if status == 404:
            return _not_found(self.repository)
        if status == 422:
            return BackendError(
                f"GitHub refused {what} (422 {message}).",
                "Protected tags or repository rules may forbid it: use a token allowed to "
                "bypass them, or ask an admin.",
            )
        return BackendError(f"GitHub answered {status} ({message}).", "Re-run the job later.")


def _not_found(repository: str) -> RepositoryNotFound:
    return RepositoryNotFound(
        f"Repository {repository} was not found, or the token cannot see it.",
        "Check the repository input (owner/name) and the token's access.",
    )


def _text(blob: dict[str, Any] | None) -> str | None:
    """A file's text; None when absent. Binary or cut text is refused by the YAML loader."""
    blob = blob or {}
    if blob.get("isBinary"):
        return NOT_TEXT
    if blob.get("isTruncated"):
        return TOO_LARGE
    text: str | None = blob.get("text")
    return text


def _peel(obj: dict[str, Any] | None) -> str:
    """The commit sha an object resolves to; empty for none or for trees and blobs."""
    if not obj:
        return ""
    if obj["__typename"] == "Tag":
        obj = obj.get("target") or {}
    oid: str = obj.get("oid", "") if obj.get("__typename") == "Commit" else ""
    return oid


def _tag(node: dict[str, Any]) -> TagInfo:
    target = node["target"]
    if target["__typename"] == "Commit":
        return TagInfo(node["name"], target["oid"])
    tagger = target.get("tagger") or {}
    return TagInfo(
        node["name"],
        _peel(target),
        annotated=True,
        sha=target["oid"],
        date=utc_iso(tagger.get("date") or ""),
    )


def _headers(err: GithubException) -> dict[str, str]:
    return {k.lower(): v for k, v in (err.headers or {}).items()}


def _message(err: GithubException) -> str:
    data = err.data
    if isinstance(data, dict):
        return str(data.get("message", ""))
    return str(data or "")


def _seconds(retry_after: str, now: float) -> float | None:
    """Retry-After is seconds or an HTTP date; None when it is neither."""
    try:
        return max(0.0, float(retry_after))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(retry_after).timestamp() - now)
    except (TypeError, ValueError, OverflowError):
        return None


def _secondary(err: GithubException) -> bool:
    """GitHub's secondary rate limit, which may come as a bare 403 saying so."""
    return err.status in (403, 429) and "secondary rate limit" in _message(err).lower()
