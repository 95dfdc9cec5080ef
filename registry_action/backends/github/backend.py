"""The GitHub backend: one GraphQL read, two REST writes, through PyGithub's requester.

PyGithub is set up for a short-lived CI step: no urllib3 retries (this module decides
what is safe to retry), no throttle sleeps, a timeout on every request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import github
import requests
from github import Auth, GithubException

from registry_action.core.errors import (
    AuthError,
    BackendError,
    PermissionDenied,
    RepositoryNotFound,
    TagExists,
)
from registry_action.core.grammar import ModelName, quote_tag, stage_prefix, tag_prefix
from registry_action.core.gto_config import CONFIG_FILE
from registry_action.core.repository import FileText, Snapshot, Tagger, TagInfo, Unreadable, utc_iso

API_VERSION = "2022-11-28"
TIMEOUT = 15  # seconds, connect and read: a hung API must not hold a runner
WAIT_BUDGET = 60.0  # seconds of backoff one run may spend in all
MAX_TRIES = 4

# One request answers every decision: the commit, whether the default branch holds it, its
# dvc.yaml, `.gto` (with `$stages`), the promotion policy and `.gto` at the default branch's
# head (never at the commit: it cannot loosen its own rules), and every tag whose name
# matches the model's query, 100 a page; later pages skip the commit and files.
# `Ref.compare(headRef:)` takes a sha too (GraphQL changelog, 2022-10-18).
QUERY = """
query Registry($owner: String!, $name: String!, $commit: String!, $annotation: String!,
               $query: String!, $after: String, $first: Boolean!, $stages: Boolean! = false,
               $config: String! = "", $tags: Boolean! = true) {
  repository(owner: $owner, name: $name) {
    url
    defaultBranchRef @include(if: $first) {
      name
      compare(headRef: $commit) { status }
      target { oid ...Policy }
    }
    commit: object(expression: $commit) @include(if: $first) {
      __typename
      oid
      ... on Tag { target { __typename oid } }
    }
    annotation: object(expression: $annotation) @include(if: $first) { ...Text }
    config: object(expression: $config) @include(if: $stages) { ...Text }
    refs(refPrefix: "refs/tags/", query: $query, first: 100, after: $after)
        @include(if: $tags) { ...Tags }
  }
}
"""

# The whole registry: every tag (100 a page; unrelated ones too, they cannot be told apart
# before their names are read) and `.gto` on the default branch.
REGISTRY_QUERY = """
query Everything($owner: String!, $name: String!, $after: String, $first: Boolean!) {
  repository(owner: $owner, name: $name) {
    url
    defaultBranchRef @include(if: $first) {
      name
      target { oid ... on Commit { file(path: ".gto") { object { ...Text } } } ...Policy }
    }
    refs(refPrefix: "refs/tags/", first: 100, after: $after) { ...Tags }
  }
}
"""

# Is `$commit` on a branch or tag? The newest refs first, a page at a time.
REACH_QUERY = """
query Reach($owner: String!, $name: String!, $commit: String!, $refPrefix: String!,
            $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    refs(refPrefix: $refPrefix, first: $first, after: $after,
         orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes { compare(headRef: $commit) { status } }
    }
  }
}
"""
# Which of these branches' heads hold `$commit` (the promotion policy's `branches:`).
BRANCH_QUERY = """
query OnBranch($owner: String!, $name: String!, $commit: String!, $branch: String!) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $branch) { compare(headRef: $commit) { status } }
  }
}
"""
# Pages of refs one reachability check may read: 4 of branches, 1 of tags, 25 a page.
REACH_PAGES = (("refs/heads/", 4), ("refs/tags/", 1))
REACH_PAGE = 25
_HOLDS = ("BEHIND", "IDENTICAL")  # the head (our commit) is in the base ref's history

_FRAGMENTS = """
fragment Text on GitObject {
  ... on Blob { text isBinary isTruncated }
}

fragment Policy on GitObject {
  ... on Commit {
    policy: file(path: ".github/registry-policy.yml") { object { ...Text } }
    policyConfig: file(path: ".gto") { object { ...Text } }
  }
}

fragment Tags on RefConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    name
    target {
      __typename
      oid
      ... on Tag { message tagger { name email date } target { __typename oid } }
    }
  }
}
"""
QUERY += _FRAGMENTS
REGISTRY_QUERY += _FRAGMENTS

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

    def read(
        self, model: ModelName, commit: str, stages: bool = False, tags: bool = True
    ) -> Snapshot:
        # The version and the stage tags share their query (see ref_query): one connection.
        prefixes = (tag_prefix(model), stage_prefix(model)) if stages else (tag_prefix(model),)
        variables: dict[str, Any] = {
            "owner": self.owner,
            "name": self.name,
            "commit": commit,
            "annotation": f"{commit}:{model.annotation_path}",
            "query": ref_query(model.in_tag),
            "after": None,
            "first": True,
        }
        if stages:
            variables |= {"stages": True, "config": f"{commit}:{CONFIG_FILE}"}
        if not tags:
            variables["tags"] = False
        first = self._graphql(variables)
        found = self._pages(first, variables, QUERY) if tags else []
        kept = [t for t in found if t.name.startswith(prefixes)]
        named = first.get("commit") or {}
        default = first.get("defaultBranchRef") or {}
        held = (default.get("compare") or {}).get("status") in _HOLDS
        return Snapshot(
            commit=_peel(named),
            annotation=_text(first.get("annotation")),
            tags=tuple(t for t in kept if t.commit),
            web_url=first.get("url") or "",
            tag_sha=named.get("oid", "") if named.get("__typename") == "Tag" else "",
            default_branch=default.get("name", ""),
            config=_text(first.get("config")) if stages else None,
            reachable=True if held else None,  # else: another branch or a tag may hold it
            **_policy(default),
        )

    def read_registry(self) -> Snapshot:
        variables: dict[str, Any] = {
            "owner": self.owner, "name": self.name, "after": None, "first": True,
        }  # fmt: skip
        first = self._graphql(variables, REGISTRY_QUERY)
        tags = self._pages(first, variables, REGISTRY_QUERY)
        default = first.get("defaultBranchRef") or {}
        config = ((default.get("target") or {}).get("file") or {}).get("object")
        return Snapshot(
            commit="",
            annotation=None,
            tags=tuple(t for t in tags if t.commit),
            web_url=first.get("url") or "",
            default_branch=default.get("name", ""),
            config=_text(config),
            **_policy(default),
        )

    def _pages(self, repo: dict[str, Any], variables: dict[str, Any], query: str) -> list[TagInfo]:
        """The tags of `repo`'s `refs` page and every page after it."""
        tags = []
        while True:
            refs = repo["refs"]
            tags += [_tag(node) for node in refs["nodes"]]
            if not refs["pageInfo"]["hasNextPage"]:
                return tags
            # Later pages ask for the tags alone.
            variables.update(first=False, after=refs["pageInfo"]["endCursor"])
            if "stages" in variables:
                variables["stages"] = False
            repo = self._graphql(variables, query)

    def reachable(self, commit: str) -> bool:
        """Whether a branch or tag holds `commit`: the newest branches, then the newest tags,
        a few pages at most (the default branch was asked in the read)."""
        for prefix, pages in REACH_PAGES:
            variables: dict[str, Any] = {
                "owner": self.owner,
                "name": self.name,
                "commit": commit,
                "refPrefix": prefix,
                "first": REACH_PAGE,
                "after": None,
            }
            for _ in range(pages):
                refs = self._graphql(variables, REACH_QUERY)["refs"]
                nodes = refs["nodes"]
                if any((n.get("compare") or {}).get("status") in _HOLDS for n in nodes):
                    return True
                if not refs["pageInfo"]["hasNextPage"]:
                    break
                variables["after"] = refs["pageInfo"]["endCursor"]
        return False

    def on_branch(self, commit: str, branches: Sequence[str]) -> str:
        """The first of `branches` whose head holds `commit`: one comparison a branch."""
        for branch in branches:
            variables = {
                "owner": self.owner, "name": self.name, "commit": commit,
                "branch": f"refs/heads/{branch}",
            }  # fmt: skip
            ref = self._graphql(variables, BRANCH_QUERY).get("ref") or {}
            if (ref.get("compare") or {}).get("status") in _HOLDS:
                return branch
        return ""

    def _graphql(self, variables: dict[str, Any], query: str = QUERY) -> dict[str, Any]:
        body = {"query": query, "variables": variables}
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
                    "Check GITHUB_GRAPHQL_URL; {later}.",
                )
            # A spent GraphQL limit is a 200 with an error; wait for the reset GitHub names.
            limited = any(e.get("type") == "RATE_LIMITED" for e in data.get("errors") or [])
            lowered = {k.lower(): v for k, v in headers.items()}
            if limited and "x-ratelimit-reset" in lowered and attempt < MAX_TRIES:
                self._backoff({**lowered, "x-ratelimit-remaining": "0"}, attempt, "RATE_LIMITED")
                continue
            break
        # A comparison GitHub cannot make (e.g. `HEAD` as its head) leaves the commit's
        # reachability unknown, not the read failed: it is asked again by sha if needed.
        errors = [e for e in data.get("errors") or [] if "compare" not in (e.get("path") or [])]
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
        _, created = self._retry(lambda: self._post("git/tags", body), tag)
        sha = created.get("sha") if isinstance(created, dict) else None
        if not isinstance(sha, str) or not _SHA.fullmatch(sha):
            raise BackendError(
                "GitHub answered the tag-object POST without a tag sha; no tag was made.",
                "A proxy may have answered instead of GitHub; {later}.",
            )
        made = TagInfo(tag, commit, annotated=True, sha=sha, date=date)
        ref = {"ref": f"refs/tags/{tag}", "sha": sha}
        for attempt in range(1, MAX_TRIES + 1):
            failure: GithubException | None = None
            try:
                self._post("git/refs", ref)
                return made
            except GithubException as err:
                text = _message(err).lower()
                if err.status == 422 and "reference already exists" in text:
                    self._settle(tag, sha)  # maybe a lost answer to our own earlier try
                    return made
                # "Reference update failed" passes on a retry (github/rest-api-description
                # #4887, cms-sw/cms-bot#2480): treat it as a lost answer.
                flaky = err.status == 422 and "reference update failed" in text
                if not (flaky or self._transient(err)):
                    raise self._ref_refusal(err, tag) from None
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
            "GitHub may be down; {later}.",
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
            raise self._dispatch_refusal(err, workflow, ref, list(inputs)) from None
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
                    "GET", self._path(f"git/ref/tags/{quote_tag(tag)}")
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

    def _retry(self, call: Callable[[], T], tag: str = "") -> T:
        """Run an idempotent call, retrying transient failures within the wait budget."""
        for attempt in range(1, MAX_TRIES + 1):
            try:
                return call()
            except GithubException as err:
                if attempt == MAX_TRIES or not self._transient(err):
                    raise self._refusal(err, tag) from None
                self._backoff(_headers(err), attempt, str(err.status), _secondary(err))
            except requests.RequestException as err:
                if attempt == MAX_TRIES:
                    raise BackendError(
                        f"GitHub could not be reached: {type(err).__name__}.",
                        "GitHub may be down; {later}.",
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
                "GitHub is busy or the rate limit is spent; {later}.",
            )
        self._waited += wait
        self._sleep(wait)

    def _refusal(self, err: GithubException, tag: str = "") -> BackendError:
        status, message = err.status, _message(err)
        what = f"tag {tag}" if tag else "the registry"
        if status == 401:
            return AuthError(
                "GitHub refused the token (401 Bad credentials).",
                "Pass a valid token: {token}.",
            )
        # `x-accepted-github-permissions` lists every permission set that would have worked
        # (e.g. `contents=write; contents=write,workflows=write`), not what is missing.
        if status == 403:
            return PermissionDenied(
                f"The token may not write to {self.repository} (403 {message}).",
                "Give the job `permissions: contents: write`.",
            )
        if status == 404:
            return _not_found(self.repository)
        if status == 422:
            return _unprocessable(what, message)
        return BackendError(f"GitHub answered {status} ({message}).", "Try again: {later}.")

    def _ref_refusal(self, err: GithubException, tag: str) -> BackendError:
        """The ref POST failed for good; the tag object before it was created."""
        if err.status == 403:
            # The same token just created the tag object, so it can write contents: GitHub
            # asks more for this commit. A tag on a commit whose .github/workflows differ
            # from every branch head needs `workflows`, which GITHUB_TOKEN never has.
            return PermissionDenied(
                f"GitHub created the tag object of {tag} but refused its ref (403 "
                f"{_message(err)}). The token can write to {self.repository}, so the commit "
                "needs more: a commit whose .github/workflows differ from every branch head "
                "needs the `workflows` permission, which GITHUB_TOKEN never has.",
                "Register a commit that is on a branch, or use a GitHub App token with "
                "workflows: write.",
            )
        if err.status == 422:
            return _unprocessable(f"tag {tag}", _message(err))
        return self._refusal(err, tag)

    def _dispatch_refusal(
        self, err: GithubException, workflow: str, ref: str, sent: list[str]
    ) -> BackendError:
        """Why GitHub would not start `workflow` on `ref`, as its answers say
        (docs/github-facts.md, "Workflow dispatch": cli/cli#9781, benc-uk/workflow-dispatch#80)."""
        status, message = err.status, _message(err)
        where = f"workflow {workflow} on {ref}"
        inputs = ", ".join(f"{name}: {{type: string}}" for name in sent)
        block = f"on: {{workflow_dispatch: {{inputs: {{{inputs}}}}}}}"
        if status == 403:
            return PermissionDenied(
                f"The token may not start {where} (403 {message}).",
                "Give the job `permissions: actions: write`.",
            )
        if status == 404:
            return BackendError(
                f"GitHub found no {where} (404): a dispatch runs the workflow file as it is on "
                "the ref dispatched to.",
                f"Commit .github/workflows/{workflow} to {ref}, or set dispatch-ref to a "
                "branch that has it.",
            )
        text = message.lower()
        if status == 422 and "workflow_dispatch" in text:
            return BackendError(
                f"The {where} has no workflow_dispatch trigger (422 {message}).",
                f"Add the trigger with the inputs this action sends: {block}",
            )
        if status == 422 and "unexpected inputs" in text:
            return BackendError(
                f"The {where} does not declare the inputs this action sends (422 {message}).",
                f"Declare them: {block}",
            )
        if status == 422 and "required input" in text:
            return BackendError(
                f"The {where} requires an input this action does not send (422 {message}).",
                f"This action sends {', '.join(sent)}: make any other input optional "
                "(required: false) or give it a default.",
            )
        return self._refusal(err)


def _unprocessable(what: str, message: str) -> BackendError:
    """A 422: GitHub's own words, and a ruleset named only when GitHub names one."""
    hint = "Fix what GitHub names, then run again."
    if "rule" in message.lower():
        hint = (
            "A repository ruleset forbids it: ask an admin to allow it, or to put the GitHub "
            "App whose token this step uses on the ruleset's bypass list (GITHUB_TOKEN "
            "cannot bypass rulesets)."
        )
    return BackendError(f"GitHub refused {what} (422 {message}).", hint)


def ref_query(prefix: str) -> str:
    """What to send as `refs(query:)` to find every tag that starts with `prefix`.

    GitHub documents `query` only as "filters refs with query on name": prefix, substring and
    word matching are all possible, and what it makes of `@ # = ! /` is unknown. The leading
    run of letters and digits starts every such tag's name, so it matches each of them in any
    of those modes; the answer is filtered by prefix afterwards.
    """
    match = re.match(r"[A-Za-z0-9]+", prefix)
    return match.group() if match else ""


def _not_found(repository: str) -> RepositoryNotFound:
    return RepositoryNotFound(
        f"Repository {repository} was not found, or the token cannot see it.",
        "Check {repository} and the token's access.",
    )


def _text(blob: dict[str, Any] | None) -> FileText:
    """A file's text; None when absent. Binary or cut text is refused by the YAML loader."""
    blob = blob or {}
    if blob.get("isBinary"):
        return Unreadable.BINARY
    if blob.get("isTruncated"):
        return Unreadable.TOO_LARGE
    text: str | None = blob.get("text")
    return text


def _policy(default: dict[str, Any]) -> dict[str, Any]:
    """The Snapshot fields of the promotion policy at the default branch's head."""
    head = default.get("target") or {}
    if not head.get("oid"):
        return {}
    policy = (head.get("policy") or {}).get("object")
    config = (head.get("policyConfig") or {}).get("object")
    return {
        "policy": _text(policy),
        "policy_config": _text(config),
        "policy_ref": f"{default.get('name', '')} ({head['oid'][:12]})",
    }


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
    stamp = tagger.get("date") or ""
    return TagInfo(
        node["name"],
        _peel(target),
        annotated=True,
        sha=target["oid"],
        date=utc_iso(stamp),
        stamp=stamp,
        tagger=tagger.get("name") or "",
        email=tagger.get("email") or "",
        message=target.get("message") or "",
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
