"""The GitHub backend: one GraphQL read, two REST writes.

The documents it sends are in queries.py, how it waits and retries in http.py, and what
GitHub's refusals mean in refusals.py; this module reads the answers into the core's values.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests
from github import GithubException

from registry_action.core.errors import BackendError, TagExists, TreeTruncated
from registry_action.core.grammar import ModelName, quote_tag, stage_prefix, tag_prefix
from registry_action.core.gto_config import CONFIG_FILE
from registry_action.core.repository import (
    SHORT_SHA,
    At,
    FileText,
    GitObject,
    PullRequest,
    Snapshot,
    Tagger,
    TagInfo,
    TreeEntry,
    Unreadable,
    utc_iso,
    within,
)

from . import http, refusals
from .queries import (
    BRANCH_QUERY,
    HOLDS,
    OBJECTS_PAGE,
    QUERY,
    REACH_PAGE,
    REACH_PAGES,
    REACH_QUERY,
    REGISTRY_QUERY,
    files_query,
    is_sha,
    objects_query,
    tag_listing,
)


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
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.owner, _, self.name = repository.partition("/")
        self.repository = repository
        self.http = http.Transport(
            token, api_url, graphql_url, sleep=sleep, clock=clock, timer=timer, log=log
        )

    @classmethod
    def from_env(
        cls,
        repository: str,
        token: str,
        env: Mapping[str, str],
        *,
        log: Callable[[str], None] | None = None,
    ) -> GitHubBackend:
        """The backend for `repository` on the server the environment names (GHES too);
        `log` says a long wait in the shell's way (default: a line on stderr)."""
        return cls(
            repository,
            token,
            env.get("GITHUB_API_URL") or "https://api.github.com",
            env.get("GITHUB_GRAPHQL_URL", ""),
            log=log,
        )

    # -- reading ---------------------------------------------------------------------------

    def read(
        self,
        model: ModelName,
        commit: str,
        stages: bool = False,
        tags: bool = True,
        files: Sequence[str] = (),
    ) -> Snapshot:
        # The version and the stage tags share their listing (see tag_listing): one connection.
        prefixes = (tag_prefix(model), stage_prefix(model)) if stages else (tag_prefix(model),)
        ref_prefix, query = tag_listing(model)
        variables: dict[str, Any] = {
            "owner": self.owner,
            "name": self.name,
            "commit": commit,
            "annotation": f"{commit}:{model.annotation_path}",
            "refPrefix": ref_prefix,
            "query": query or None,  # none: the whole listing under refPrefix
            "after": None,
            "first": True,
        }
        if not is_sha(commit):  # a branch or tag named as the commit proves it reachable
            variables |= {
                "named": True,
                "branch": f"refs/heads/{commit}",
                "tag": f"refs/tags/{commit}",
            }
        if stages:
            variables |= {"stages": True, "config": f"{commit}:{CONFIG_FILE}"}
        if not tags:
            variables["tags"] = False
        query = files_query(len(files))
        variables |= {f"f{i}": f"{commit}:{path}" for i, path in enumerate(files)}
        first = self._graphql(variables, query)
        folder = ref_prefix.removeprefix("refs/tags/")
        found = self._pages(first, variables, query, folder) if tags else []
        kept = [t for t in found if t.name.startswith(prefixes)]
        named = first.get("commit") or {}
        default = first.get("defaultBranchRef") or {}
        sha = _peel(named)
        return Snapshot(
            commit=sha,
            annotation=_text(first.get("annotation")),
            tags=tuple(t for t in kept if t.commit),
            web_url=first.get("url") or "",
            tag_sha=named.get("oid", "") if named.get("__typename") == "Tag" else "",
            default_branch=default.get("name", ""),
            config=_text(first.get("config")) if stages else None,
            reachable=True if _held(first, commit, sha) else None,  # None: asked by sha later
            files={path: _text(first.get(f"f{i}")) for i, path in enumerate(files)},
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

    def objects(self, wanted: Sequence[At]) -> dict[At, GitObject | None]:
        """GraphQL `object(expression:)` per path, OBJECTS_PAGE a request."""
        asked = list(dict.fromkeys(wanted))
        found: dict[At, GitObject | None] = {}
        for start in range(0, len(asked), OBJECTS_PAGE):
            page = asked[start : start + OBJECTS_PAGE]
            variables: dict[str, Any] = {"owner": self.owner, "name": self.name}
            variables |= {
                f"e{i}": f"{commit}:{path}" if path else commit
                for i, (commit, path) in enumerate(page)
            }
            answer = self._graphql(variables, objects_query(len(page)))
            found |= {at: _object(answer.get(f"o{i}"), bool(at[1])) for i, at in enumerate(page)}
        return found

    def _pages(
        self, repo: dict[str, Any], variables: dict[str, Any], query: str, folder: str = ""
    ) -> list[TagInfo]:
        """The tags of `repo`'s `refs` page and every page after it; names are relative to
        the `refPrefix` asked, `refs/tags/` + `folder`."""
        tags = []
        while True:
            refs = repo["refs"]
            tags += [_tag(node, folder) for node in refs["nodes"]]
            if not refs["pageInfo"]["hasNextPage"]:
                return tags
            # Later pages ask for the tags alone.
            variables.update(first=False, after=refs["pageInfo"]["endCursor"])
            if "stages" in variables:
                variables["stages"] = False
            repo = self._graphql(variables, query)

    def reachable(self, commit: str) -> bool:
        """Whether a branch or tag holds `commit` (a sha): every branch, then the newest
        tags (see REACH_PAGES)."""
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
                if any((n.get("compare") or {}).get("status") in HOLDS for n in nodes):
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
            if (ref.get("compare") or {}).get("status") in HOLDS:
                return branch
        return ""

    def pull_requests(self, commit: str) -> tuple[PullRequest, ...]:
        """REST "list pull requests associated with a commit", one page of 100: for a commit
        on the default branch GitHub lists only the merged pull request that brought it in;
        elsewhere open and merged ones too (docs/github-facts.md, "Pull requests of a
        commit"). A page is plenty: a commit is rarely in more than a few."""
        path = self._path(f"commits/{quote(commit)}/pulls")

        def get() -> tuple[dict[str, Any], Any]:
            return self.http.get(path, {"per_page": PULLS_PAGE})

        _, answer = self.http.retry(
            get, lambda err: refusals.pulls_refusal(err, self.repository, commit)
        )
        if not isinstance(answer, list):
            raise BackendError(
                "GitHub answered the pull-request listing with something that is not a list.",
                "A proxy may have answered instead of GitHub; {later}.",
            )
        return tuple(_pull_request(item) for item in answer if isinstance(item, dict))

    def tree(self, commit: str, path: str = "") -> tuple[TreeEntry, ...]:
        """One REST request, `git/trees/{sha}?recursive=1` (GitHub peels a commit to its
        tree), filtered to `path` here: the endpoint lists the whole tree."""
        url = self._path(f"git/trees/{quote(commit)}")
        _, answer = self.http.retry(lambda: self.http.get(url, {"recursive": 1}), self._refuse)
        if not isinstance(answer, dict) or not isinstance(answer.get("tree"), list):
            raise BackendError(
                "GitHub answered the tree request with something that is not a tree listing.",
                "A proxy may have answered instead of GitHub; {later}.",
            )
        if answer.get("truncated"):
            # docs.github.com/rest/git/trees: "If truncated is true in the response then the
            # number of items in the tree array exceeded our maximum limit."
            raise TreeTruncated(
                f"GitHub cut the file listing of {self.repository} at {commit[:SHORT_SHA]} short "
                f"(truncated after {len(answer['tree'])} entries): it is too large to list "
                "in one request.",
                "Read it from a local clone instead: the command line on a checkout, without "
                "--github.",
            )
        path = path.strip("/")
        kept = [e for e in answer["tree"] if e.get("type") in ("blob", "tree")]  # no submodules
        return tuple(_entry(e) for e in kept if within(path, e["path"]))

    def blob(self, oid: str) -> bytes:
        """One REST request, `git/blobs/{sha}`: the bytes in base64 (files up to 100 MB,
        docs/github-facts.md, "Blobs")."""
        url = self._path(f"git/blobs/{quote(oid)}")
        _, answer = self.http.retry(lambda: self.http.get(url), self._refuse)
        content = answer.get("content") if isinstance(answer, dict) else None
        if not isinstance(content, str) or answer.get("encoding") != "base64":
            raise BackendError(
                f"GitHub answered the request for blob {oid} with something that is not one.",
                "A proxy may have answered instead of GitHub; {later}.",
            )
        try:  # GitHub breaks the base64 into lines; b64decode skips the newlines
            return base64.b64decode(content)
        except binascii.Error:
            raise BackendError(
                f"GitHub answered blob {oid} with content that is not base64.",
                "A proxy may have answered instead of GitHub; {later}.",
            ) from None

    def _graphql(self, variables: dict[str, Any], query: str = QUERY) -> dict[str, Any]:
        body = {"query": query, "variables": variables}
        _, data = self.http.graphql(body, self._refuse)
        if not isinstance(data, dict) or not isinstance(data.get("data") or {}, dict):
            raise refusals.not_graphql()
        return refusals.graphql_errors(data, self.repository)

    # -- writing ---------------------------------------------------------------------------

    def create_tag(self, tag: str, commit: str, message: str, tagger: Tagger) -> TagInfo:
        date = utc_iso(self.http.clock())
        body = {
            "tag": tag,
            "message": message,
            "object": commit,
            "type": "commit",
            "tagger": {"name": tagger.name, "email": tagger.email, "date": date},
        }
        # An unused tag object is harmless (nothing points at it), so this POST may be retried.
        _, created = self.http.retry(lambda: self._post("git/tags", body), self._refuse_for(tag))
        sha = created.get("sha") if isinstance(created, dict) else None
        if not isinstance(sha, str) or not is_sha(sha):
            raise BackendError(
                "GitHub answered the tag-object POST without a tag sha; no tag was made.",
                "A proxy may have answered instead of GitHub; {later}.",
            )
        made = TagInfo(tag, commit, annotated=True, sha=sha, date=date)
        for attempt in range(1, http.MAX_TRIES + 1):
            if self._post_ref(tag, sha, attempt):
                return made
        # The tag object made above stays unreferenced: invisible and harmless.
        raise BackendError(
            f"GitHub did not create tag {tag} after {http.MAX_TRIES} tries; no tag is visible.",
            "GitHub may be down; {later}.",
        )

    def _post_ref(self, tag: str, sha: str, attempt: int) -> bool:
        """Try once to point `refs/tags/TAG` at `sha`: True when it does, False to try again
        (after waiting); raises when it never will."""
        failure: GithubException | None = None
        try:
            self._post("git/refs", {"ref": f"refs/tags/{tag}", "sha": sha})
            return True
        except GithubException as err:
            text = http.message_of(err).lower()
            if err.status == 422 and "reference already exists" in text:
                self._settle(tag, sha)  # maybe a lost answer to our own earlier try
                return True
            # "Reference update failed" passes on a retry (github/rest-api-description
            # #4887, cms-sw/cms-bot#2480): treat it as a lost answer.
            flaky = err.status == 422 and "reference update failed" in text
            if flaky and (existing := self._conflict(tag)):
                raise refusals.ref_conflict(tag, existing) from None
            if not (flaky or http.transient(err)):
                raise refusals.ref_refusal(err, self.repository, tag) from None
            failure = err
        except requests.RequestException:
            pass
        # The answer was lost or failed: the ref may or may not exist now. Never post
        # blindly: read it, and post again only when it is certainly absent.
        if self._ref_sha(tag) is not None:
            self._settle(tag, sha)
            return True
        if attempt < http.MAX_TRIES:
            headers = http.headers_of(failure) if failure else {}
            what = str(failure.status) if failure else "with a lost answer"
            self.http.backoff(headers, attempt, what, bool(failure and http.limited(failure)))
        return False

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
            raise refusals.dispatch_refusal(
                err, self.repository, workflow, ref, list(inputs)
            ) from None
        except requests.RequestException as err:
            raise BackendError(f"GitHub could not be reached: {type(err).__name__}.") from None

    def _conflict(self, tag: str) -> str:
        """The existing tag that `tag` cannot stand beside, a folder of its name that is a
        ref already (`team` for `team/churn@v1.0.0`); "" when there is none."""
        parts = tag.split("/")[:-1]
        folders = ["/".join(parts[: n + 1]) for n in range(len(parts))]
        return next((f for f in folders if self._ref_sha(f) is not None), "")

    def _settle(self, tag: str, ours: str) -> None:
        """The ref exists: fine if it points at our tag object, else the race is lost."""
        if self._ref_sha(tag) != ours:
            raise TagExists(tag)

    def _ref_sha(self, tag: str) -> str | None:
        """The object `refs/tags/TAG` points at; None when there is no such ref."""

        def get() -> str | None:
            try:
                _, ref = self.http.get(self._path(f"git/ref/tags/{quote_tag(tag)}"))
            except GithubException as err:
                if err.status == 404:
                    return None
                raise
            sha: str = ref["object"]["sha"]
            return sha

        return self.http.retry(get, self._refuse_for(tag))

    def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        return self.http.post(self._path(path), body)

    def _path(self, path: str) -> str:
        return f"/repos/{quote(self.owner)}/{quote(self.name)}/{path}"

    def _refuse(self, err: GithubException) -> BackendError:
        return refusals.refusal(err, self.repository)

    def _refuse_for(self, tag: str) -> http.Refuse:
        return lambda err: refusals.refusal(err, self.repository, tag)


PULLS_PAGE = 100  # the most GitHub gives a page


def _pull_request(item: dict[str, Any]) -> PullRequest:
    """One `pull-request-simple` of GitHub's answer as the core's value."""
    labels = item.get("labels") or []
    return PullRequest(
        number=int(item.get("number") or 0),
        merged=bool(item.get("merged_at")),
        merge_commit_sha=str(item.get("merge_commit_sha") or ""),
        base=str((item.get("base") or {}).get("ref") or ""),
        labels=tuple(str(label.get("name")) for label in labels if isinstance(label, dict)),
        html_url=str(item.get("html_url") or ""),
    )


def _held(repo: dict[str, Any], commit: str, sha: str) -> bool:
    """Whether the first answer proves `commit` (resolved to `sha`) on a branch or tag: the
    default branch's history holds it, or it names a branch or tag that points at it.

    The compare was asked with the text of `commit`, which GitHub resolves on its own (a
    branch and a tag may share a name; a short sha may be a fork's): it counts only for a
    full sha, which is itself."""
    if not sha:
        return False
    compare = ((repo.get("defaultBranchRef") or {}).get("compare") or {}).get("status")
    if is_sha(commit) and compare in HOLDS:
        return True
    return any(_peel((repo.get(ref) or {}).get("target")) == sha for ref in ("branch", "tag"))


def _entry(item: dict[str, Any]) -> TreeEntry:
    """An item of a git/trees answer; only blobs have a size."""
    size = item.get("size") if item["type"] == "blob" else None
    return TreeEntry(item["path"], item["sha"], item["type"], size, item.get("mode", ""))


def _text(blob: dict[str, Any] | None) -> FileText:
    """A file's text; None when absent. Binary or cut text is refused by the YAML loader."""
    blob = blob or {}
    if blob.get("isBinary"):
        return Unreadable.BINARY
    if blob.get("isTruncated"):
        return Unreadable.TOO_LARGE
    text: str | None = blob.get("text")
    return text


def _object(node: dict[str, Any] | None, at_path: bool) -> GitObject | None:
    """An `objects` answer: a path's blob or tree, or (no path) the commit asked for."""
    if not node:
        return None
    kind = node.get("__typename")
    if not at_path:
        sha = _peel(node)
        return GitObject(sha, "commit") if sha else None
    if kind == "Blob":
        return GitObject(node["oid"], "blob", _text(node))
    return GitObject(node["oid"], "tree") if kind == "Tree" else None


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
        "policy_ref": f"{default.get('name', '')} ({head['oid'][:SHORT_SHA]})",
    }


def _peel(obj: dict[str, Any] | None) -> str:
    """The commit sha an object resolves to; empty for none or for trees and blobs."""
    if not obj:
        return ""
    if obj["__typename"] == "Tag":
        obj = obj.get("target") or {}
    oid: str = obj.get("oid", "") if obj.get("__typename") == "Commit" else ""
    return oid


def _tag(node: dict[str, Any], folder: str = "") -> TagInfo:
    target = node["target"]
    name = folder + node["name"]
    if target["__typename"] == "Commit":
        return TagInfo(name, target["oid"])
    tagger = target.get("tagger") or {}
    stamp = tagger.get("date") or ""
    return TagInfo(
        name,
        _peel(target),
        annotated=True,
        sha=target["oid"],
        date=utc_iso(stamp),
        stamp=stamp,
        tagger=tagger.get("name") or "",
        email=tagger.get("email") or "",
        message=target.get("message") or "",
    )
