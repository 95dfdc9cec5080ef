"""GitHub GraphQL (v4) over a git repository, validated against GitHub's published schema.

The schema is ``schema/schema.graphql`` from ``@octokit/graphql-schema`` (see ``VERSION``),
so an unknown field or argument fails validation exactly as it would on GitHub. Only the
fields implemented below are answered; any other (valid) field yields an explicit error
naming it, instead of silently returning null.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    build_schema,
    execute_sync,
    get_named_type,
    get_operation_ast,
    parse,
    validate,
    value_from_ast,
    visit,
)

from .gitstore import Git, GitObject, Person

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "schema.graphql"
BLOB_TEXT_LIMIT = 512 * 1024
PAGE_LIMIT = 100

_schema: GraphQLSchema | None = None
_schema_lock = threading.Lock()


def schema() -> GraphQLSchema:
    """GitHub's schema, parsed once per process (it takes most of a second)."""
    global _schema
    with _schema_lock:
        if _schema is None:
            # GitHub's published SDL repeats a few field definitions and deprecates some
            # interface-implementing fields, both of which graphql-core's SDL/schema checks
            # reject; the schema itself is what GitHub serves, so skip those checks.
            _schema = build_schema(
                SCHEMA_PATH.read_text(), assume_valid_sdl=True, assume_valid=True
            )
        return _schema


# -- errors ------------------------------------------------------------------------------


class GitHubError(Exception):
    """An execution error GitHub reports with a top-level ``type`` (e.g. NOT_FOUND)."""

    def __init__(self, message: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind


class Unserved(Exception):
    pass


# -- context and nodes -------------------------------------------------------------------


@dataclass
class Ctx:
    git: Git
    owner: str
    name: str
    server_url: str
    repo_id: int
    reset_at: int
    rate_used: int
    bugs: list[str] = field(default_factory=list)  # tracebacks of unexpected resolver errors
    ref_query: str = "substring"  # how refs(query:) matches: one of REF_QUERY_MODES
    branch_order: str = "date"  # how TAG_COMMIT_DATE orders refs/heads/: one of BRANCH_ORDERS

    @property
    def web(self) -> str:
        return f"{self.server_url}/{self.owner}/{self.name}"


def node_id(kind: str, key: str) -> str:
    return kind + "_" + base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Node:
    typename = "Node"

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx

    def resolve(self, field: str, args: dict[str, Any]) -> Any:
        method = getattr(self, "f_" + field, None)
        if method is None:
            raise Unserved(f"{self.typename}.{field}")
        return method(**args)


class Static(Node):
    """A node whose fields are plain values."""

    def __init__(self, ctx: Ctx, typename: str, values: dict[str, Any]) -> None:
        super().__init__(ctx)
        self.typename = typename
        self.values = values

    def resolve(self, field: str, args: dict[str, Any]) -> Any:
        if field not in self.values:
            raise Unserved(f"{self.typename}.{field}")
        return self.values[field]


def actor(ctx: Ctx, person: Person | None) -> Static | None:
    if person is None:
        return None
    return Static(
        ctx,
        "GitActor",
        {
            "name": person.name,
            "email": person.email,
            "date": person.iso_local(),
            "user": None,
            "avatarUrl": f"{ctx.server_url}/identicons/{person.email}.png",
        },
    )


class ObjectNode(Node):
    """Fields common to the ``GitObject`` interface."""

    def __init__(self, ctx: Ctx, obj: GitObject) -> None:
        super().__init__(ctx)
        self.obj = obj
        self.typename = obj.type.capitalize()

    def f_id(self) -> str:
        return node_id(self.typename[0], f"{self.ctx.repo_id}:{self.obj.oid}")

    def f_oid(self) -> str:
        return self.obj.oid

    def f_abbreviatedOid(self) -> str:
        return self.obj.oid[:7]

    def f_commitUrl(self) -> str:
        return f"{self.ctx.web}/commit/{self.obj.oid}"

    def f_commitResourcePath(self) -> str:
        return f"/{self.ctx.owner}/{self.ctx.name}/commit/{self.obj.oid}"

    def f_repository(self) -> RepoNode:
        return RepoNode(self.ctx)


def object_node(ctx: Ctx, oid: str | None) -> ObjectNode | None:
    obj = ctx.git.read(oid) if oid else None
    if obj is None:
        return None
    kinds: dict[str, type[ObjectNode]] = {
        "commit": CommitNode,
        "tag": TagNode,
        "blob": BlobNode,
        "tree": TreeNode,
    }
    return kinds[obj.type](ctx, obj)


class CommitNode(ObjectNode):
    def _person(self, key: str) -> Person | None:
        line = self.obj.header(key)
        return Person.parse(line) if line is not None else None

    def f_message(self) -> str:
        return self.obj.message.rstrip("\n")

    def f_messageHeadline(self) -> str:
        return self.obj.message.split("\n", 1)[0]

    def f_messageBody(self) -> str:
        return self.obj.message.partition("\n")[2].strip("\n")

    def f_committedDate(self) -> str | None:
        p = self._person("committer")
        return p.iso_utc() if p else None

    def f_authoredDate(self) -> str | None:
        p = self._person("author")
        return p.iso_utc() if p else None

    def f_author(self) -> Static | None:
        return actor(self.ctx, self._person("author"))

    def f_committer(self) -> Static | None:
        return actor(self.ctx, self._person("committer"))

    def f_url(self) -> str:
        return self.f_commitUrl()

    def f_resourcePath(self) -> str:
        return self.f_commitResourcePath()

    def f_tree(self) -> ObjectNode | None:
        return object_node(self.ctx, self.obj.header("tree"))

    def f_treeUrl(self) -> str:
        return f"{self.ctx.web}/tree/{self.obj.oid}"

    def f_parents(self, **page: Any) -> Static:
        parents = [n for p in self.obj.headers.get("parent", []) if (n := object_node(self.ctx, p))]
        return connection(self.ctx, "CommitConnection", "CommitEdge", parents, page, "parents")

    def f_file(self, path: str) -> Static | None:
        tree, path = self.obj.header("tree"), path.strip("/")
        if not tree or not path:
            return None
        parent, _, name = path.rpartition("/")
        parent_oid = self.ctx.git.rev_parse(f"{tree}:{parent}") if parent else tree
        entries = self.ctx.git.ls_tree(parent_oid) if parent_oid else []
        for mode, _kind, oid, entry_name in entries:
            node = object_node(self.ctx, oid) if entry_name == name else None
            if node is not None:
                return tree_entry(self.ctx, mode, node, name, path)
        return None


class TagNode(ObjectNode):
    def f_name(self) -> str:
        return self.obj.header("tag") or ""

    def f_message(self) -> str:
        message = self.obj.message
        sig = message.find("-----BEGIN PGP SIGNATURE-----")
        return message[:sig] if sig >= 0 else message

    def f_tagger(self) -> Static | None:
        line = self.obj.header("tagger")
        return actor(self.ctx, Person.parse(line)) if line is not None else None

    def f_target(self) -> ObjectNode | None:
        return object_node(self.ctx, self.obj.header("object"))


class BlobNode(ObjectNode):
    def _binary(self) -> bool:
        return b"\0" in self.obj.data[:8000]

    def f_byteSize(self) -> int:
        return self.obj.size

    def f_isBinary(self) -> bool:
        return self._binary()

    def f_isTruncated(self) -> bool:
        return self.obj.size > BLOB_TEXT_LIMIT

    def f_text(self) -> str | None:
        if self._binary():
            return None
        return self.obj.data[:BLOB_TEXT_LIMIT].decode("utf-8", errors="replace")


def tree_entry(ctx: Ctx, mode: str, obj: ObjectNode, name: str, path: str) -> Static:
    return Static(
        ctx,
        "TreeEntry",
        {
            "name": name,
            "path": path,
            "mode": int(mode, 8),
            "type": obj.obj.type,
            "oid": obj.obj.oid,
            "object": obj,
            "size": obj.obj.size if obj.obj.type == "blob" else 0,
            "extension": ("." + name.rsplit(".", 1)[1]) if "." in name[1:] else None,
            "nameRaw": base64.b64encode(name.encode()).decode(),
            "pathRaw": base64.b64encode(path.encode()).decode(),
            "repository": RepoNode(ctx),
        },
    )


class TreeNode(ObjectNode):
    def f_entries(self) -> list[Static]:
        out = []
        for mode, _kind, oid, name in self.ctx.git.ls_tree(self.obj.oid):
            node = object_node(self.ctx, oid)
            if node is not None:  # submodule commits are not in this repository
                out.append(tree_entry(self.ctx, mode, node, name, name))
        return out


class RefNode(Node):
    typename = "Ref"

    def __init__(self, ctx: Ctx, full_name: str, prefix: str, oid: str) -> None:
        super().__init__(ctx)
        self.full_name = full_name
        self.ref_prefix = prefix
        self.oid = oid

    def f_id(self) -> str:
        return node_id("REF", f"{self.ctx.repo_id}:{self.full_name}")

    def f_name(self) -> str:
        return self.full_name.removeprefix(self.ref_prefix)

    def f_prefix(self) -> str:
        return self.ref_prefix

    def f_target(self) -> ObjectNode | None:
        return object_node(self.ctx, self.oid)

    def f_repository(self) -> RepoNode:
        return RepoNode(self.ctx)

    def f_compare(self, headRef: str) -> Static | None:
        """GitHub's comparison of this ref (the base) with `headRef` (a ref or a sha: GraphQL
        changelog 2022-10-18; refined-github/refined-github#6094 compares an abbreviated
        oid). None when the head does not resolve."""
        git = self.ctx.git
        base = git.peel(self.oid, "commit")
        head = git.resolve_commit(headRef)
        if base is None or head is None:
            return None
        ahead = int(git.run("rev-list", "--count", f"{base.oid}..{head}").decode())
        behind = int(git.run("rev-list", "--count", f"{head}..{base.oid}").decode())
        status = (
            "IDENTICAL" if not ahead and not behind
            else "BEHIND" if not ahead
            else "AHEAD" if not behind
            else "DIVERGED"
        )  # fmt: skip
        values = {"status": status, "aheadBy": ahead, "behindBy": behind}
        return Static(self.ctx, "Comparison", values)


# How `refs(query:)` might match a ref's name: GitHub documents only "Filters refs with query
# on name". Reports show partial matches (osowskit/atlassian-github-app-addon#72), so any
# of these may be what github.com does; tests/backends/test_query_modes.py runs the
# commands under each.
# "words": every word of the query is a word of the name, words split at anything but a
# letter or digit. "wwords": the same with words as a `\w` tokenizer splits them (`_` is a
# word character), so `my` does not find `my_model@v1.0.0` (docs/discovery.md).
# "stripped": a search that drops punctuation (`@ # = !`) from the query, then matches the
# rest as a substring, so `cv=churn@` would look for `cvchurn` and find nothing.
REF_QUERY_MODES = ("prefix", "substring", "words", "wwords", "stripped")


def _words(text: str, pattern: str = r"[A-Za-z0-9]+") -> list[str]:
    return re.findall(pattern, text)


def query_matches(mode: str, query: str, name: str) -> bool:
    if mode == "prefix":
        return name.startswith(query)
    if mode == "substring":
        return query in name
    if mode == "stripped":
        return "".join(_words(query)) in name
    pattern = r"\w+" if mode == "wwords" else r"[A-Za-z0-9]+"
    words = _words(query, pattern)
    return set(words) <= set(_words(name, pattern)) if words else True


# `TAG_COMMIT_DATE` orders refs by their commit's date "if the ref prefix is refs/tags/"
# (RefOrderField in the schema): for branches the order is unspecified. "date" answers as
# for tags; "shuffled" in an order that is fixed but follows neither date nor name.
BRANCH_ORDERS = ("date", "shuffled")


def branch_key(name: str) -> list[Any]:
    """A branch's place under `orderBy: TAG_COMMIT_DATE` when they are shuffled."""
    return [hashlib.sha256(name.encode()).hexdigest(), name]


def standard_prefix(full_name: str) -> str:
    parts = full_name.split("/")
    return "/".join(parts[:2]) + "/" if len(parts) > 2 else full_name


# -- connections ---------------------------------------------------------------------------


def _cursor(key: list[Any]) -> str:
    return base64.b64encode(("cursor:v2:" + json.dumps(key)).encode()).decode()


def _uncursor(cursor: str) -> list[Any]:
    try:
        raw = base64.b64decode(cursor.encode(), validate=True).decode()
        if not raw.startswith("cursor:v2:"):
            raise ValueError(raw)
        key = json.loads(raw.removeprefix("cursor:v2:"))
        if not isinstance(key, list):
            raise ValueError(raw)
        return key
    except ValueError as exc:
        raise GitHubError(
            f"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS"
        ) from exc


def check_page(page: dict[str, Any], connection_name: str) -> None:
    for arg in ("first", "last"):
        value = page.get(arg)
        if value is None:
            continue
        if value > PAGE_LIMIT:
            raise GitHubError(
                f"Requesting {value} records on the `{connection_name}` connection exceeds the "
                f"`{arg}` limit of {PAGE_LIMIT} records.",
                "EXCESSIVE_PAGINATION",
            )
        if value < 1:
            raise GitHubError(
                f"`{arg}` on the `{connection_name}` connection must be between 1 and "
                f"{PAGE_LIMIT}.",
                "INVALID_PAGINATION",
            )


def connection(
    ctx: Ctx,
    typename: str,
    edge_typename: str,
    items: list[Any],
    page: dict[str, Any],
    connection_name: str,
    keys: list[list[Any]] | None = None,
    descending: bool = False,
) -> Static:
    """Relay connection over ``items``, already sorted by ``keys`` (ascending, or descending).

    Cursors carry the sort key, so paging stays correct while refs are added concurrently."""
    check_page(page, connection_name)
    keys = keys if keys is not None else [[i] for i in range(len(items))]

    def beyond(key: list[Any], cursor: list[Any]) -> bool:  # key sorts strictly after cursor
        try:
            return key < cursor if descending else key > cursor
        except TypeError:
            raise GitHubError("The cursor does not belong to this ordering.") from None

    lo, hi = 0, len(items)
    if page.get("after") is not None:
        after = _uncursor(page["after"])
        lo = next((i for i, k in enumerate(keys) if beyond(k, after)), len(items))
    if page.get("before") is not None:
        before = _uncursor(page["before"])
        hi = next((i for i, k in enumerate(keys) if not beyond(before, k)), len(items))
        hi = max(hi, lo)
    first, last = page.get("first"), page.get("last")
    if first is not None:
        hi = min(hi, lo + first)
    if last is not None:
        lo = max(lo, hi - last)
    window = list(zip(items[lo:hi], keys[lo:hi], strict=True))
    edges = [Static(ctx, edge_typename, {"node": n, "cursor": _cursor(k)}) for n, k in window]
    page_info = Static(
        ctx,
        "PageInfo",
        {
            "hasNextPage": hi < len(items),
            "hasPreviousPage": lo > 0,
            "startCursor": edges[0].values["cursor"] if edges else None,
            "endCursor": edges[-1].values["cursor"] if edges else None,
        },
    )
    return Static(
        ctx,
        typename,
        {
            "edges": edges,
            "nodes": [n for n, _ in window],
            "pageInfo": page_info,
            "totalCount": len(items),
        },
    )


# -- repository and root -------------------------------------------------------------------


class RepoNode(Node):
    typename = "Repository"

    def f_id(self) -> str:
        return node_id("R", str(self.ctx.repo_id))

    def f_databaseId(self) -> int:
        return self.ctx.repo_id

    def f_name(self) -> str:
        return self.ctx.name

    def f_nameWithOwner(self) -> str:
        return f"{self.ctx.owner}/{self.ctx.name}"

    def f_url(self) -> str:
        return self.ctx.web

    def f_resourcePath(self) -> str:
        return f"/{self.ctx.owner}/{self.ctx.name}"

    def f_isPrivate(self) -> bool:
        return False

    def f_visibility(self) -> str:
        return "PUBLIC"

    def f_isArchived(self) -> bool:
        return False

    def f_isFork(self) -> bool:
        return False

    def f_isEmpty(self) -> bool:
        return not self.ctx.git.refs()

    def f_description(self) -> None:
        return None

    def f_owner(self) -> Static:
        login = self.ctx.owner
        return Static(
            self.ctx,
            "Organization",
            {
                "login": login,
                "id": node_id("O", login),
                "url": f"{self.ctx.server_url}/{login}",
                "resourcePath": f"/{login}",
                "avatarUrl": f"{self.ctx.server_url}/avatars/{login}",
                "name": login,
            },
        )

    def f_defaultBranchRef(self) -> RefNode | None:
        name = "refs/heads/" + self.ctx.git.default_branch()
        entry = self.ctx.git.ref(name)
        return RefNode(self.ctx, name, "refs/heads/", entry.oid) if entry else None

    def f_object(self, expression: str | None = None, oid: str | None = None) -> Any:
        if oid is not None:
            return object_node(self.ctx, oid.lower())
        if expression is None:
            return None
        return object_node(self.ctx, self.ctx.git.rev_parse(expression))

    def f_ref(self, qualifiedName: str) -> RefNode | None:
        names = [qualifiedName]
        if not qualifiedName.startswith("refs/"):
            names = ["refs/heads/" + qualifiedName, "refs/tags/" + qualifiedName]
        by_name = {r.name: r for r in self.ctx.git.refs()}
        for name in names:
            if name in by_name:
                return RefNode(self.ctx, name, standard_prefix(name), by_name[name].oid)
        return None

    def f_refs(
        self,
        refPrefix: str,
        query: str | None = None,
        orderBy: dict[str, str] | None = None,
        direction: str | None = None,
        **page: Any,
    ) -> Static:
        git = self.ctx.git
        refs = [r for r in git.refs() if r.name.startswith(refPrefix)]
        if query:
            mode = self.ctx.ref_query
            refs = [r for r in refs if query_matches(mode, query, r.name.removeprefix(refPrefix))]
        field = (orderBy or {}).get("field", "ALPHABETICAL")
        descending = ((orderBy or {}).get("direction") or direction or "ASC") == "DESC"
        keyed: list[tuple[list[Any], Any]] = []
        shuffled = self.ctx.branch_order == "shuffled" and refPrefix.startswith("refs/heads/")
        if field == "TAG_COMMIT_DATE" and shuffled:
            keyed = [(branch_key(r.name), r) for r in refs]
        elif field == "TAG_COMMIT_DATE":
            objects = git.read_many([r.oid for r in refs])  # prefetch tags, then their targets
            git.read_many([o.header("object") or "" for o in objects.values() if o.type == "tag"])
            for r in refs:
                commit = git.peel(r.oid, "commit")
                line = commit.header("committer") if commit else None
                epoch = Person.parse(line).epoch if line else 0
                keyed.append(([epoch, r.name], r))
        else:
            keyed = [([r.name], r) for r in refs]
        keyed.sort(key=lambda kr: kr[0], reverse=descending)
        nodes = [RefNode(self.ctx, r.name, refPrefix, r.oid) for _, r in keyed]
        keys = [k for k, _ in keyed]
        found = connection(
            self.ctx, "RefConnection", "RefEdge", nodes, page, "refs", keys, descending
        )
        # The page's tag objects, then what they point at: two `git cat-file --batch` runs,
        # not two a ref (the cache then answers each node's `target`). Speed only.
        shown = git.read_many([n.oid for n in found.values["nodes"]])
        git.read_many([o.header("object") or "" for o in shown.values() if o.type == "tag"])
        return found


class RootNode(Node):
    typename = "Query"

    def f_repository(self, owner: str, name: str, followRenames: bool = True) -> RepoNode:
        if owner.lower() != self.ctx.owner.lower() or name.lower() != self.ctx.name.lower():
            raise GitHubError(
                f"Could not resolve to a Repository with the name '{owner}/{name}'.", "NOT_FOUND"
            )
        return RepoNode(self.ctx)

    def f_rateLimit(self, dryRun: bool = False) -> Static:
        return Static(
            self.ctx,
            "RateLimit",
            {
                "cost": 1,
                "limit": 5000,
                "nodeCount": 1,
                "remaining": max(0, 5000 - self.ctx.rate_used),
                "resetAt": iso(self.ctx.reset_at),
                "used": self.ctx.rate_used,
            },
        )


# -- execution -----------------------------------------------------------------------------


def _field_resolver(source: Any, info: GraphQLResolveInfo[Ctx], **args: Any) -> Any:
    if isinstance(source, Node):
        try:
            return source.resolve(info.field_name, args)
        except Unserved as exc:
            raise GitHubError(
                f"The GitHub stand-in does not implement the field {exc} (valid on GitHub)."
            ) from None
        except GitHubError:
            raise
        except Exception:
            info.context.bugs.append(traceback.format_exc())
            raise
    return None


def _type_resolver(value: Any, info: GraphQLResolveInfo[Ctx], abstract: GraphQLAbstractType) -> str:
    return str(value.typename)


# graphql-core wording -> GitHub's (graphql-ruby) wording and extensions, for common errors.
_RUBY_MESSAGES: list[tuple[re.Pattern[str], str, dict[str, str]]] = [
    (
        re.compile(r"Cannot query field '(\w+)' on type '(\w+)'\..*", re.S),
        "Field '{0}' doesn't exist on type '{1}'",
        {"code": "undefinedField", "typeName": "{1}", "fieldName": "{0}"},
    ),
    (
        re.compile(r"Unknown argument '(\w+)' on field '(\w+)\.(\w+)'\..*", re.S),
        "Field '{2}' doesn't accept argument '{0}'",
        {"code": "argumentNotAccepted", "name": "{2}", "typeName": "Field", "argumentName": "{0}"},
    ),
    (
        re.compile(r"Argument '\w+\.(\w+)\((\w+):\)' of type '.*' is required.*", re.S),
        "Field '{0}' is missing required arguments: {1}",
        {
            "code": "missingRequiredArguments",
            "className": "Field",
            "name": "{0}",
            "arguments": "{1}",
        },
    ),
]


class _PaginationCheck(Visitor):
    """GitHub's static check: every connection asked for nodes/edges needs ``first``/``last``
    within 1..100. GitHub rejects such queries before executing them (no ``data`` key)."""

    def __init__(self, document: DocumentNode, variables: dict[str, Any] | None) -> None:
        super().__init__()
        self.type_info = TypeInfo(schema())
        self.variables = variables or {}
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.path: list[str] = []
        self.errors: list[GraphQLError] = []

    def _selects_items(self, selection_set: SelectionSetNode | None, depth: int = 0) -> bool:
        for sel in selection_set.selections if selection_set and depth < 10 else ():
            if isinstance(sel, FieldNode) and sel.name.value in ("nodes", "edges"):
                return True
            if isinstance(sel, InlineFragmentNode) and self._selects_items(
                sel.selection_set, depth + 1
            ):
                return True
            if isinstance(sel, FragmentSpreadNode) and sel.name.value in self.fragments:
                fragment = self.fragments[sel.name.value]
                if self._selects_items(fragment.selection_set, depth + 1):
                    return True
        return False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        self.path.append((node.alias or node.name).value)
        field_def = self.type_info.get_field_def()
        if field_def is None or not get_named_type(field_def.type).name.endswith("Connection"):
            return
        given = {a.name.value: a.value for a in node.arguments or ()}
        page: dict[str, Any] = {
            name: value_from_ast(given[name], field_def.args[name].type, self.variables)
            for name in ("first", "last")
            if name in given and name in field_def.args
        }
        page = {k: v for k, v in page.items() if isinstance(v, int)}
        name = node.name.value
        try:
            if not page and self._selects_items(node.selection_set):
                raise GitHubError(
                    f"You must provide a `first` or `last` value to properly paginate the "
                    f"`{name}` connection.",
                    "MISSING_PAGINATION_BOUNDARIES",
                )
            check_page(page, name)
        except GitHubError as exc:
            self.errors.append(
                GraphQLError(str(exc), [node], path=list(self.path), original_error=exc)
            )

    def leave_field(self, *_: Any) -> None:
        self.path.pop()


def _format(error: GraphQLError) -> dict[str, Any]:
    out: dict[str, Any] = {}
    original = error.original_error
    if isinstance(original, GitHubError) and original.kind:
        out["type"] = original.kind
    if error.path is not None:
        out["path"] = list(error.path)
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    message = error.message
    for pattern, template, extensions in _RUBY_MESSAGES:
        m = pattern.fullmatch(message)
        if m:
            message = template.format(*m.groups())
            out["extensions"] = {k: v.format(*m.groups()) for k, v in extensions.items()}
            break
    out["message"] = message
    return out


def handle(ctx: Ctx, body: Any) -> dict[str, Any]:
    """Answer one GraphQL-over-HTTP request body (always HTTP 200, like GitHub)."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {
            "errors": [{"message": "A query attribute must be specified and must be a string."}]
        }
    variables = body.get("variables")
    if isinstance(variables, str):
        try:
            variables = json.loads(variables) if variables.strip() else None
        except ValueError:
            return {"errors": [{"message": "Variables are invalid JSON."}]}
    if variables is not None and not isinstance(variables, dict):
        return {"errors": [{"message": "Variables must be an object."}]}
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return {"errors": [_format(exc)]}
    errors = validate(schema(), document)
    if errors:
        return {"errors": [_format(e) for e in errors]}
    check = _PaginationCheck(document, variables)
    visit(document, TypeInfoVisitor(check.type_info, check))
    if check.errors:
        return {"errors": [_format(e) for e in check.errors]}
    operation = get_operation_ast(document, body.get("operationName"))
    if operation is not None and operation.operation != OperationType.QUERY:
        return {
            "errors": [
                {
                    "message": "The GitHub stand-in serves queries only, not "
                    f"{operation.operation.value}s."
                }
            ]
        }
    result = execute_sync(
        schema(),
        document,
        root_value=RootNode(ctx),
        context_value=ctx,
        variable_values=variables,
        operation_name=body.get("operationName"),
        field_resolver=_field_resolver,
        type_resolver=_type_resolver,
    )
    out: dict[str, Any] = {} if result.data is None else {"data": result.data}
    if result.errors:
        out["errors"] = [_format(e) for e in result.errors]
    return out
