"""GitHub REST (v3) endpoints over a git repository.

Response bodies follow the shapes in GitHub's OpenAPI description (the stand-in's tests
validate them against the vendored schemas); errors use GitHub's messages.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from . import openapi_check
from .gitstore import FULL_OID, Git, GitError, GitObject, Person

DEFAULT_TAGGER = ("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")
CONTENT_INLINE_LIMIT = 1024 * 1024


@dataclass
class Reply:
    status: int
    body: Any = None  # JSON-able, or str for text bodies
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Dispatch:
    """A recorded ``workflow_dispatch`` (``workflow_id`` set) or ``repository_dispatch``.

    ``workflow_id`` is as sent (a file name, or the numeric id PyGithub takes from a prior
    ``GET .../actions/workflows/{file}``); ``workflow`` is the file name when known."""

    workflow_id: str | None
    workflow: str | None
    ref: str | None
    inputs: dict[str, Any]
    event_type: str | None
    client_payload: dict[str, Any]
    body: Any


@dataclass(frozen=True)
class PullRequest:
    """A pull request a test declares on the stand-in (GitHub's own are not in git).

    `commits`: every commit GitHub associates with it: its head commits, and for a rebase
    merge the commits the rebase made on the base branch too. `merge_commit_sha` of a merged
    one: the merge commit, the squash commit, or the last rebased commit (docs/github-facts.md,
    "Pull requests of a commit"); of an open one GitHub's test merge, here None."""

    number: int
    commits: tuple[str, ...] = ()
    base: str = "main"
    head: str = "feature"
    merged: bool = False
    merge_commit_sha: str | None = None
    labels: tuple[str, ...] = ()
    title: str = "A change"
    closed: bool = False  # closed without merging (never listed by GitHub's commit lookup)


@dataclass
class RepoContext:
    git: Git
    owner: str
    name: str
    api_url: str
    server_url: str
    created: int
    record_dispatch: Callable[[Dispatch], None]
    workflow_files: dict[int, str]  # synthesized workflow id -> file name
    pull_requests: list[PullRequest] = field(default_factory=list)
    pulls_forbidden: bool = False  # answer the commit's pull requests 403, as a private repo
    tree_limit: int | None = None  # entries a recursive tree lists before it is truncated

    @property
    def repo_id(self) -> int:
        return zlib.crc32(f"{self.owner}/{self.name}".lower().encode()) & 0x7FFFFFFF

    @property
    def api(self) -> str:
        return f"{self.api_url}/repos/{self.owner}/{self.name}"

    @property
    def web(self) -> str:
        return f"{self.server_url}/{self.owner}/{self.name}"


def error(status: int, message: str, doc: str = "https://docs.github.com/rest") -> Reply:
    return Reply(status, {"message": message, "documentation_url": doc, "status": str(status)})


def node_id(kind: str, key: str) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{key}".encode()).decode()


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def verification() -> dict[str, Any]:
    return {
        "verified": False,
        "reason": "unsigned",
        "signature": None,
        "payload": None,
        "verified_at": None,
    }


# -- JSON shapes ---------------------------------------------------------------------------


def user_json(ctx: RepoContext, login: str) -> dict[str, Any]:
    api = f"{ctx.api_url}/users/{login}"
    uid = zlib.crc32(login.encode()) & 0x7FFFFFFF
    return {
        "login": login,
        "id": uid,
        "node_id": node_id("Organization", str(uid)),
        "avatar_url": f"{ctx.server_url}/avatars/{login}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{ctx.server_url}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Organization",
        "user_view_type": "public",
        "site_admin": False,
    }


_REPO_URL_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "hooks_url": "/hooks",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
}


def repo_json(ctx: RepoContext, can_write: bool) -> dict[str, Any]:
    created = iso(ctx.created)
    host = ctx.server_url.split("://", 1)[1]
    out: dict[str, Any] = {
        "id": ctx.repo_id,
        "node_id": node_id("Repository", str(ctx.repo_id)),
        "name": ctx.name,
        "full_name": f"{ctx.owner}/{ctx.name}",
        "owner": user_json(ctx, ctx.owner),
        "private": False,
        "visibility": "public",
        "html_url": ctx.web,
        "description": None,
        "fork": False,
        "url": ctx.api,
        **{key: ctx.api + suffix for key, suffix in _REPO_URL_TEMPLATES.items()},
        "git_url": f"git://{host}/{ctx.owner}/{ctx.name}.git",
        "ssh_url": f"git@{host}:{ctx.owner}/{ctx.name}.git",
        "clone_url": f"{ctx.web}.git",
        "svn_url": ctx.web,
        "mirror_url": None,
        "homepage": None,
        "language": "Python",
        "size": 1,
        "default_branch": ctx.git.default_branch(),
        "forks": 0,
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers": 0,
        "watchers_count": 0,
        "open_issues": 0,
        "open_issues_count": 0,
        "network_count": 0,
        "subscribers_count": 0,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "license": None,
        "allow_forking": True,
        "web_commit_signoff_required": False,
        "pushed_at": created,
        "created_at": created,
        "updated_at": created,
        "permissions": {
            "admin": False,
            "maintain": False,
            "push": can_write,
            "triage": can_write,
            "pull": True,
        },
        "temp_clone_token": "",
        "organization": user_json(ctx, ctx.owner),
    }
    return out


def _object_url(ctx: RepoContext, kind: str, oid: str) -> str:
    return f"{ctx.api}/git/{kind}s/{oid}"


def ref_json(ctx: RepoContext, name: str, oid: str, kind: str) -> dict[str, Any]:
    return {
        "ref": name,
        "node_id": node_id("Ref", f"{ctx.repo_id}:{name}"),
        "url": f"{ctx.api}/git/{name}",
        "object": {"sha": oid, "type": kind, "url": _object_url(ctx, kind, oid)},
    }


def _strip_signature(message: str) -> str:
    sig = message.find("-----BEGIN PGP SIGNATURE-----")
    return message[:sig] if sig >= 0 else message


def _person_json(line: str | None) -> dict[str, Any]:
    p = Person.parse(line or "")
    return {"name": p.name, "email": p.email, "date": p.iso_utc()}


def tag_json(ctx: RepoContext, obj: GitObject) -> dict[str, Any]:
    target, kind = obj.header("object") or "", obj.header("type") or "commit"
    return {
        "node_id": node_id("Tag", obj.oid),
        "sha": obj.oid,
        "url": _object_url(ctx, "tag", obj.oid),
        "tag": obj.header("tag") or "",
        "message": _strip_signature(obj.message),
        "tagger": _person_json(obj.header("tagger")),
        "object": {"sha": target, "type": kind, "url": _object_url(ctx, kind, target)},
        "verification": verification(),
    }


def git_commit_json(ctx: RepoContext, obj: GitObject) -> dict[str, Any]:
    tree = obj.header("tree") or ""
    return {
        "sha": obj.oid,
        "node_id": node_id("Commit", obj.oid),
        "url": _object_url(ctx, "commit", obj.oid),
        "html_url": f"{ctx.web}/commit/{obj.oid}",
        "author": _person_json(obj.header("author")),
        "committer": _person_json(obj.header("committer")),
        "tree": {"sha": tree, "url": _object_url(ctx, "tree", tree)},
        "message": obj.message.rstrip("\n"),
        "parents": [
            {"sha": p, "url": _object_url(ctx, "commit", p), "html_url": f"{ctx.web}/commit/{p}"}
            for p in obj.headers.get("parent", [])
        ],
        "verification": verification(),
    }


_STATUS = {"A": "added", "M": "modified", "D": "removed", "T": "changed"}


def _diff_files(ctx: RepoContext, obj: GitObject) -> list[dict[str, Any]]:
    out = ctx.git.run(
        "diff-tree",
        "-r",
        "--root",
        "--no-commit-id",
        "--no-renames",
        "--raw",
        "--numstat",
        "-z",
        obj.oid,
    ).decode("utf-8", errors="replace")
    tokens = out.split("\0")
    raw: list[tuple[str, str, str]] = []  # (status, blob sha, path)
    stats: list[tuple[int, int]] = []
    i = 0
    while i < len(tokens) - 1:
        token = tokens[i]
        if token.startswith(":"):
            meta = token.split()
            raw.append((meta[4], meta[3] if meta[4] != "D" else meta[2], tokens[i + 1]))
            i += 2
        elif token:
            added, deleted, _ = token.split("\t", 2)
            stats.append((int(added) if added != "-" else 0, int(deleted) if deleted != "-" else 0))
            i += 1
        else:
            i += 1
    files: list[dict[str, Any]] = []
    for (status, blob, path), (adds, dels) in zip(raw, stats, strict=False):
        files.append(
            {
                "sha": blob,
                "filename": path,
                "status": _STATUS.get(status[0], "modified"),
                "additions": adds,
                "deletions": dels,
                "changes": adds + dels,
                "blob_url": f"{ctx.web}/blob/{obj.oid}/{path}",
                "raw_url": f"{ctx.web}/raw/{obj.oid}/{path}",
                "contents_url": f"{ctx.api}/contents/{path}?ref={obj.oid}",
            }
        )
    return files


def commit_json(ctx: RepoContext, obj: GitObject) -> dict[str, Any]:
    git_commit = git_commit_json(ctx, obj)
    files = _diff_files(ctx, obj)
    adds = sum(f["additions"] for f in files)
    dels = sum(f["deletions"] for f in files)
    return {
        "sha": obj.oid,
        "node_id": git_commit["node_id"],
        "url": f"{ctx.api}/commits/{obj.oid}",
        "html_url": git_commit["html_url"],
        "comments_url": f"{ctx.api}/commits/{obj.oid}/comments",
        "commit": {
            "url": git_commit["url"],
            "author": git_commit["author"],
            "committer": git_commit["committer"],
            "message": git_commit["message"],
            "tree": git_commit["tree"],
            "comment_count": 0,
            "verification": git_commit["verification"],
        },
        "author": None,
        "committer": None,
        "parents": [
            {"sha": p["sha"], "url": f"{ctx.api}/commits/{p['sha']}", "html_url": p["html_url"]}
            for p in git_commit["parents"]
        ],
        "stats": {"total": adds + dels, "additions": adds, "deletions": dels},
        "files": files,
    }


def _link(href: str) -> dict[str, str]:
    return {"href": href}


def _label_json(ctx: RepoContext, name: str) -> dict[str, Any]:
    lid = zlib.crc32(name.encode()) & 0x7FFFFFFF
    return {
        "id": lid,
        "node_id": node_id("Label", str(lid)),
        "url": f"{ctx.api}/labels/{name}",
        "name": name,
        "description": "",
        "color": "ededed",
        "default": False,
    }


def _branch_json(ctx: RepoContext, ref: str, sha: str) -> dict[str, Any]:
    return {
        "label": f"{ctx.owner}:{ref}",
        "ref": ref,
        "repo": repo_json(ctx, can_write=False),
        "sha": sha,
        "user": user_json(ctx, ctx.owner),
    }


def pull_json(ctx: RepoContext, pr: PullRequest) -> dict[str, Any]:
    """A `pull-request-simple`, as GitHub lists pull requests."""
    url, html = f"{ctx.api}/pulls/{pr.number}", f"{ctx.web}/pull/{pr.number}"
    issue = f"{ctx.api}/issues/{pr.number}"
    created = iso(ctx.created)
    head_sha = pr.commits[-1] if pr.commits else (pr.merge_commit_sha or "0" * 40)
    statuses = f"{ctx.api}/statuses/{head_sha}"
    done = created if pr.merged or pr.closed else None
    return {
        "url": url,
        "id": pr.number + 1000,
        "node_id": node_id("PullRequest", str(pr.number)),
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{ctx.api}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments",
        "statuses_url": statuses,
        "number": pr.number,
        "state": "open" if not (pr.merged or pr.closed) else "closed",
        "locked": False,
        "title": pr.title,
        "user": user_json(ctx, ctx.owner),
        "body": None,
        "labels": [_label_json(ctx, name) for name in pr.labels],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": created,
        "updated_at": created,
        "closed_at": done,
        "merged_at": created if pr.merged else None,
        "merge_commit_sha": pr.merge_commit_sha,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": _branch_json(ctx, pr.head, head_sha),
        "base": _branch_json(ctx, pr.base, ctx.git.rev_parse(f"refs/heads/{pr.base}") or head_sha),
        "_links": {
            "self": _link(url),
            "html": _link(html),
            "issue": _link(issue),
            "comments": _link(f"{issue}/comments"),
            "review_comments": _link(f"{url}/comments"),
            "review_comment": _link(f"{ctx.api}/pulls/comments{{/number}}"),
            "commits": _link(f"{url}/commits"),
            "statuses": _link(statuses),
        },
        "author_association": "MEMBER",
        "auto_merge": None,
        "draft": False,
    }


def _content_entry(
    ctx: RepoContext, ref: str, path: str, kind: str, oid: str, size: int
) -> dict[str, Any]:
    url = f"{ctx.api}/contents/{path}?ref={ref}"
    git_kind = {"dir": "tree", "submodule": "commit"}.get(kind, "blob")
    git_url = _object_url(ctx, git_kind, oid)
    html_url = f"{ctx.web}/{'tree' if kind == 'dir' else 'blob'}/{ref}/{path}"
    download = f"{ctx.web}/raw/{ref}/{path}" if kind == "file" else None
    return {
        "type": kind,
        "size": size,
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": oid,
        "url": url,
        "git_url": git_url,
        "html_url": html_url,
        "download_url": download,
        "_links": {"self": url, "git": git_url, "html": html_url},
    }


def _b64_lines(data: bytes) -> str:
    """Ruby ``Base64.encode64``: a newline after every 60 characters and at the end."""
    text = base64.b64encode(data).decode()
    return "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))


# -- handlers ------------------------------------------------------------------------------

Handler = Callable[[RepoContext, "Request"], Reply]


@dataclass
class Request:
    params: dict[str, str]
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    can_write: bool
    doc: str


def get_repo(ctx: RepoContext, req: Request) -> Reply:
    return Reply(200, repo_json(ctx, req.can_write))


def get_commit(ctx: RepoContext, req: Request) -> Reply:
    ref = req.params["ref"]
    oid = ctx.git.resolve_commit(ref)
    obj = ctx.git.read(oid) if oid else None
    if obj is None:
        return error(422, f"No commit found for SHA: {ref}", req.doc)
    if "application/vnd.github.sha" in req.headers.get("accept", ""):
        return Reply(200, obj.oid, content_type="application/vnd.github.sha; charset=utf-8")
    return Reply(200, commit_json(ctx, obj))


def commit_pulls(ctx: RepoContext, req: Request) -> Reply:
    """As the operation's description in GitHub's OpenAPI says: a commit on the default
    branch lists the merged pull requests that brought it in; any other commit, the merged
    and the open ones associated with it (docs/github-facts.md, "Pull requests of a
    commit"). Closed unmerged ones never."""
    if ctx.pulls_forbidden:
        # A private repository's job without `pull-requests: read` (docs/github-facts.md).
        reply = error(403, "Resource not accessible by integration", req.doc)
        reply.headers["x-accepted-github-permissions"] = "pull_requests=read"
        return reply
    ref = req.params["sha"]
    sha = ctx.git.resolve_commit(ref)
    if sha is None:
        return error(422, f"No commit found for SHA: {ref}", req.doc)
    default = f"refs/heads/{ctx.git.default_branch()}"
    on_default = _is_ancestor(ctx.git, sha, default)
    found = [
        pr
        for pr in sorted(ctx.pull_requests, key=lambda p: p.number)
        if (sha in pr.commits or sha == pr.merge_commit_sha)
        and not pr.closed
        and (pr.merged or not on_default)
    ]
    return Reply(200, [pull_json(ctx, pr) for pr in found])


def _is_ancestor(git: Git, sha: str, ref: str) -> bool:
    try:
        git.run("merge-base", "--is-ancestor", sha, ref)
    except GitError:
        return False
    return True


def get_git_commit(ctx: RepoContext, req: Request) -> Reply:
    obj = ctx.git.read(req.params["sha"].lower())
    if obj is None or obj.type != "commit":
        return error(404, "Not Found", req.doc)
    return Reply(200, git_commit_json(ctx, obj))


def get_ref(ctx: RepoContext, req: Request) -> Reply:
    entry = ctx.git.ref("refs/" + req.params["ref"])
    if entry is None:
        return error(404, "Not Found", req.doc)
    return Reply(200, ref_json(ctx, entry.name, entry.oid, entry.type))


def matching_refs(ctx: RepoContext, req: Request) -> Reply:
    prefix = "refs/" + req.params["ref"]
    refs = [r for r in ctx.git.refs() if r.name.startswith(prefix)]
    return Reply(200, [ref_json(ctx, r.name, r.oid, r.type) for r in refs])


def get_tag(ctx: RepoContext, req: Request) -> Reply:
    obj = ctx.git.read(req.params["sha"].lower())
    if obj is None or obj.type != "tag":
        return error(404, "Not Found", req.doc)
    return Reply(200, tag_json(ctx, obj))


def create_tag(ctx: RepoContext, req: Request) -> Reply:
    body = req.body
    target = (
        ctx.git.read(body["object"].lower()) if FULL_OID.fullmatch(body["object"].lower()) else None
    )
    if target is None or target.type != body["type"]:
        return error(422, "Object does not exist", req.doc)
    tagger = body.get("tagger") or {}
    name = tagger.get("name", DEFAULT_TAGGER[0])
    email = tagger.get("email", DEFAULT_TAGGER[1])
    when = datetime.now(UTC)
    if tagger.get("date"):
        try:
            when = datetime.fromisoformat(tagger["date"].replace("Z", "+00:00"))
        except ValueError:
            return error(
                422,
                f"Invalid request.\n\nFor 'properties/tagger/properties/date', "
                f'"{tagger["date"]}" is not a date-time.',
                req.doc,
            )
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
    person = Person(name, email, int(when.timestamp()), "+0000")
    try:
        oid = ctx.git.write_tag(target.oid, target.type, body["tag"], person, body["message"])
    except GitError as exc:
        return error(422, f"Tag could not be created: {exc}", req.doc)
    obj = ctx.git.read(oid)
    assert obj is not None
    reply = Reply(201, tag_json(ctx, obj))
    reply.headers["location"] = reply.body["url"]
    return reply


def create_ref(ctx: RepoContext, req: Request) -> Reply:
    name, sha = req.body["ref"], req.body["sha"]
    if not name.startswith("refs/") or name.count("/") < 2:
        return error(
            422, "Reference name must contain at least three slash-separated components.", req.doc
        )
    if not ctx.git.check_ref_format(name):
        return error(422, f"{name} is not a valid ref name.", req.doc)
    if len(name.encode("utf-8")) > MAX_REF_BYTES:
        too_long = f"Sorry, refs longer than {MAX_REF_BYTES} bytes are not allowed."
        return error(422, too_long, req.doc)
    obj = ctx.git.read(sha.lower()) if FULL_OID.fullmatch(sha.lower()) else None
    if obj is None:
        return error(422, "Object does not exist", req.doc)
    commit = ctx.git.peel(obj.oid, "commit")
    if name.startswith("refs/tags/") and commit and not _workflows_on_a_branch(ctx, commit.oid):
        # A tag on a commit whose .github/workflows differ from every branch head needs the
        # `workflows` permission, which GITHUB_TOKEN never has (mathieudutour/github-tag-
        # action#138, cli/cli#9514); GitHub answers a bare 403 with this header
        # (mkb79/Audible#882), listing every permission set that would have worked.
        reply = error(403, "Resource not accessible by integration", req.doc)
        reply.headers["x-accepted-github-permissions"] = REF_PERMISSIONS
        return reply
    try:
        created = ctx.git.create_ref(name, obj.oid)
    except GitError:
        # Also a ref whose folder is a ref already (`refs/tags/team` for `team/churn@v1`):
        # GitHub words it as a passing failure (docs/github-facts.md, "Ref name conflicts").
        return error(422, "Reference update failed", req.doc)
    if not created:
        return error(422, "Reference already exists", req.doc)
    body = ref_json(ctx, name, obj.oid, obj.type)
    return Reply(201, body, {"location": body["url"]})


# GitHub refuses a ref whose full name is over 255 bytes (docs/github-facts.md, "Ref
# length": GH005 on a push, desktop/desktop#819). What the REST API answers is not
# documented: a 422 (its answer to an invalid ref name) in the push's words is a guess, so
# no test of the action depends on the wording. A tag object's own `tag` name is not a ref,
# and no source says GitHub limits it, so create_tag takes any length.
MAX_REF_BYTES = 255

# What GitHub names in `x-accepted-github-permissions` for creating a ref.
REF_PERMISSIONS = "contents=write; contents=write,workflows=write"


def _workflows_on_a_branch(ctx: RepoContext, commit: str) -> bool:
    """Whether some branch head has the same .github/workflows as `commit` (both none too)."""
    own = ctx.git.rev_parse(f"{commit}:.github/workflows")
    heads = [r.oid for r in ctx.git.refs() if r.name.startswith("refs/heads/")]
    return any(ctx.git.rev_parse(f"{head}:.github/workflows") == own for head in heads)


def get_contents(ctx: RepoContext, req: Request) -> Reply:
    ref = req.query.get("ref") or ctx.git.default_branch()
    commit = ctx.git.resolve_commit(ref)
    if commit is None:
        return error(404, f"No commit found for the ref {ref}", req.doc)
    path = req.params.get("path", "").strip("/")
    oid = ctx.git.rev_parse(f"{commit}:{path}")
    obj = ctx.git.read(oid) if oid else None
    if obj is None:
        return error(404, "Not Found", req.doc)
    if obj.type == "tree":
        entries = []
        for mode, kind, entry_oid, name in ctx.git.ls_tree(obj.oid):
            child = f"{path}/{name}" if path else name
            kind_name = {"tree": "dir", "commit": "submodule"}.get(kind, "file")
            if mode == "120000":
                kind_name = "symlink"
            size = 0
            if kind == "blob":
                blob = ctx.git.read(entry_oid)
                size = blob.size if blob else 0
            entries.append(_content_entry(ctx, ref, child, kind_name, entry_oid, size))
        return Reply(200, entries)
    body = _content_entry(ctx, ref, path, "file", obj.oid, obj.size)
    inline = obj.size <= CONTENT_INLINE_LIMIT
    body["encoding"] = "base64" if inline else "none"
    body["content"] = _b64_lines(obj.data) if inline else ""
    return Reply(200, body)


def get_tree(ctx: RepoContext, req: Request) -> Reply:
    """A tree (or a commit's, or a ref's: GitHub peels them), recursive when `recursive` has
    any value, computed by git itself. GitHub truncates past 100,000 entries or 7 MB
    (docs/github-facts.md, "Tree listings"); the stand-in's `tree_limit` cuts sooner."""
    oid = ctx.git.rev_parse(f"{req.params['sha']}^{{tree}}")
    if oid is None:
        return error(404, "Not Found", req.doc)
    recursive = "recursive" in req.query
    out = ctx.git.run("ls-tree", "-z", "-l", *(["-r", "-t"] if recursive else []), oid)
    entries = []
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, kind, entry_oid, size = meta.decode().split()
        entry: dict[str, Any] = {
            "path": name.decode("utf-8", errors="replace"),
            "mode": mode,
            "type": kind,
            "sha": entry_oid,
        }
        if kind == "blob":
            entry["size"] = int(size)
        if kind != "commit":  # a submodule's entry has no object here to link to
            entry["url"] = _object_url(ctx, kind, entry_oid)
        entries.append(entry)
    limit = ctx.tree_limit
    truncated = limit is not None and len(entries) > limit
    body = {
        "sha": oid,
        "url": _object_url(ctx, "tree", oid),
        "tree": entries[:limit],
        "truncated": truncated,
    }
    return Reply(200, body)


def get_blob(ctx: RepoContext, req: Request) -> Reply:
    """A blob by its full sha, base64 in lines as GitHub sends it (docs/github-facts.md,
    "Blobs")."""
    sha = req.params["sha"].lower()
    obj = ctx.git.read(sha) if FULL_OID.fullmatch(sha) else None
    if obj is None or obj.type != "blob":
        return error(404, "Not Found", req.doc)
    body = {"sha": obj.oid, "node_id": node_id("Blob", obj.oid), "size": obj.size,
            "url": _object_url(ctx, "blob", obj.oid), "content": _b64_lines(obj.data),
            "encoding": "base64"}  # fmt: skip
    return Reply(200, body)


def _workflow_json(ctx: RepoContext, workflow_id: str) -> dict[str, Any]:
    file = workflow_id if not workflow_id.isdigit() else f"workflow-{workflow_id}.yml"
    wid = int(workflow_id) if workflow_id.isdigit() else zlib.crc32(file.encode()) & 0x7FFFFFFF
    stem = file.rsplit(".", 1)[0]
    if not workflow_id.isdigit():
        ctx.workflow_files[wid] = file
    return {
        "id": wid,
        "node_id": node_id("Workflow", str(wid)),
        "name": stem,
        "path": f".github/workflows/{file}",
        "state": "active",
        "created_at": iso(ctx.created),
        "updated_at": iso(ctx.created),
        "url": f"{ctx.api}/actions/workflows/{wid}",
        "html_url": f"{ctx.web}/blob/{ctx.git.default_branch()}/.github/workflows/{file}",
        "badge_url": f"{ctx.web}/workflows/{stem}/badge.svg",
    }


def get_workflow(ctx: RepoContext, req: Request) -> Reply:
    return Reply(200, _workflow_json(ctx, req.params["workflow"]))


def _workflow_at(ctx: RepoContext, commit: str, workflow_id: str) -> tuple[str, Any] | None:
    """The workflow file (name, parsed YAML) that `workflow_id` names on `commit`."""
    names = [
        name
        for _, kind, _, name in _tree(ctx, f"{commit}:.github/workflows")
        if kind == "blob" and name.endswith((".yml", ".yaml"))
    ]
    if workflow_id.isdigit():
        ids = {zlib.crc32(n.encode()) & 0x7FFFFFFF: n for n in names}
        known = ctx.workflow_files.get(int(workflow_id))
        name = ids.get(int(workflow_id)) or (known if known in names else None)
    else:
        name = workflow_id if workflow_id in names else None
    if name is None:
        return None
    oid = ctx.git.rev_parse(f"{commit}:.github/workflows/{name}")
    blob = ctx.git.read(oid) if oid else None
    return name, yaml.safe_load(blob.data) if blob else None


def _tree(ctx: RepoContext, expr: str) -> list[tuple[str, str, str, str]]:
    oid = ctx.git.rev_parse(expr)
    return ctx.git.ls_tree(oid) if oid else []


def workflow_dispatch(ctx: RepoContext, req: Request) -> Reply:
    """GitHub's answers, as users report them (docs/github-facts.md, "Workflow dispatch"):
    404 when the workflow file is not on the ref dispatched to (cli/cli#9781); 422 for a
    file without the trigger, undeclared inputs (benc-uk/workflow-dispatch#80) or a missing
    required one."""
    ref = req.body["ref"]
    commit = next(
        (
            c
            for c in (ctx.git.resolve_commit(f"refs/heads/{ref}"), ctx.git.resolve_commit(ref))
            if c
        ),
        None,
    )
    if commit is None:
        return error(422, f"No ref found for: {ref}", req.doc)
    workflow_id = req.params["workflow"]
    found = _workflow_at(ctx, commit, workflow_id)
    if found is None:
        return error(404, "Not Found", req.doc)
    file, document = found
    triggers = (
        (document or {}).get("on", (document or {}).get(True))
        if isinstance(document, dict)
        else None
    )
    if isinstance(triggers, str):
        triggers = {triggers: None}
    elif isinstance(triggers, list):
        triggers = dict.fromkeys(triggers)
    if not isinstance(triggers, dict) or "workflow_dispatch" not in triggers:
        return error(422, "Workflow does not have 'workflow_dispatch' trigger", req.doc)
    declared = (triggers["workflow_dispatch"] or {}).get("inputs") or {}
    inputs = dict(req.body.get("inputs") or {})
    unexpected = [name for name in inputs if name not in declared]
    if unexpected:
        listing = ", ".join(f'"{name}"' for name in unexpected)
        return error(422, f"Unexpected inputs provided: [{listing}]", req.doc)
    for name, spec in declared.items():
        if (spec or {}).get("required") and name not in inputs and "default" not in (spec or {}):
            return error(422, f"Required input '{name}' not provided", req.doc)
    ctx.record_dispatch(Dispatch(workflow_id, file, ref, inputs, None, {}, req.body))
    if req.body.get("return_run_details"):
        run_id = zlib.crc32(repr(req.body).encode()) & 0x7FFFFFFF
        return Reply(
            200,
            {
                "workflow_run_id": run_id,
                "run_url": f"{ctx.api}/actions/runs/{run_id}",
                "html_url": f"{ctx.web}/actions/runs/{run_id}",
            },
        )
    return Reply(204)


def repository_dispatch(ctx: RepoContext, req: Request) -> Reply:
    body = req.body
    ctx.record_dispatch(
        Dispatch(
            None, None, None, {}, body["event_type"], dict(body.get("client_payload") or {}), body
        )
    )
    return Reply(204)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str  # OpenAPI path template
    handler: Handler
    permission: str | None = None  # for writes: what a read-only token lacks


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_T = "/repos/{owner}/{repo}"
ROUTES = [
    Route("GET", re.compile(_REPO + "/?"), _T, get_repo),
    Route(  # before /commits/{ref}, which would take `SHA/pulls` for a ref
        "GET",
        re.compile(_REPO + r"/commits/(?P<sha>[^/]+)/pulls"),
        _T + "/commits/{commit_sha}/pulls",
        commit_pulls,
    ),
    Route("GET", re.compile(_REPO + r"/commits/(?P<ref>.+)"), _T + "/commits/{ref}", get_commit),
    Route(
        "GET",
        re.compile(_REPO + r"/git/commits/(?P<sha>[^/]+)"),
        _T + "/git/commits/{commit_sha}",
        get_git_commit,
    ),
    Route("GET", re.compile(_REPO + r"/git/ref/(?P<ref>.+)"), _T + "/git/ref/{ref}", get_ref),
    Route(
        "GET",
        re.compile(_REPO + r"/git/matching-refs/(?P<ref>.*)"),
        _T + "/git/matching-refs/{ref}",
        matching_refs,
    ),
    Route(
        "GET", re.compile(_REPO + r"/git/tags/(?P<sha>[^/]+)"), _T + "/git/tags/{tag_sha}", get_tag
    ),
    Route(
        "POST", re.compile(_REPO + r"/git/tags/?"), _T + "/git/tags", create_tag, "contents=write"
    ),
    Route(
        "POST", re.compile(_REPO + r"/git/refs/?"), _T + "/git/refs", create_ref, REF_PERMISSIONS
    ),
    Route(
        "GET",
        re.compile(_REPO + r"/git/trees/(?P<sha>[^/]+)"),
        _T + "/git/trees/{tree_sha}",
        get_tree,
    ),
    Route(
        "GET",
        re.compile(_REPO + r"/git/blobs/(?P<sha>[^/]+)"),
        _T + "/git/blobs/{file_sha}",
        get_blob,
    ),
    Route(
        "GET",
        re.compile(_REPO + r"/contents(?:/(?P<path>.*))?"),
        _T + "/contents/{path}",
        get_contents,
    ),
    Route(
        "GET",
        re.compile(_REPO + r"/actions/workflows/(?P<workflow>[^/]+)"),
        _T + "/actions/workflows/{workflow_id}",
        get_workflow,
    ),
    Route(
        "POST",
        re.compile(_REPO + r"/actions/workflows/(?P<workflow>[^/]+)/dispatches"),
        _T + "/actions/workflows/{workflow_id}/dispatches",
        workflow_dispatch,
        "actions=write",
    ),
    Route(
        "POST",
        re.compile(_REPO + r"/dispatches"),
        _T + "/dispatches",
        repository_dispatch,
        "contents=write",
    ),
]


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in ROUTES:
        m = route.pattern.fullmatch(path)
        if m and route.method == method:
            return route, {k: v for k, v in m.groupdict().items() if v is not None}
    return None


def doc_url(route: Route) -> str:
    return openapi_check.doc_url(route.template, route.method)
