"""The GraphQL documents the GitHub backend sends, and what it asks `refs` for.

docs/discovery.md says what GitHub documents about `refs` (`refPrefix` is a prefix ending
in `/`, `query` only "filters refs with query on name", `orderBy: TAG_COMMIT_DATE` is for
`refs/tags/` alone) and how every tag of a model is found anyway.
"""

from __future__ import annotations

import re
from functools import cache

from registry_action.core.grammar import ModelName, tag_prefix

# One request answers every decision: the commit, whether the default branch holds it, the
# branch or tag the commit names (if it names one), its dvc.yaml, `.gto` (with `$stages`),
# the promotion policy and `.gto` at the default branch's head (never at the commit: it
# cannot loosen its own rules), and every tag under the model's folder whose name matches
# the model's query, 100 a page; later pages skip the commit and files.
# `Ref.compare(headRef:)` takes a sha too (GraphQL changelog, 2022-10-18).
QUERY = """
query Registry($owner: String!, $name: String!, $commit: String!, $annotation: String!,
               $refPrefix: String! = "refs/tags/", $query: String, $after: String,
               $first: Boolean!, $stages: Boolean! = false, $config: String! = "",
               $tags: Boolean! = true, $branch: String! = "", $tag: String! = "",
               $named: Boolean! = false) {
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
    branch: ref(qualifiedName: $branch) @include(if: $named) { target { ...Peeled } }
    tag: ref(qualifiedName: $tag) @include(if: $named) { target { ...Peeled } }
    annotation: object(expression: $annotation) @include(if: $first) { ...Text }
    config: object(expression: $config) @include(if: $stages) { ...Text }
    refs(refPrefix: $refPrefix, query: $query, first: 100, after: $after)
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

# Does the head of branch `$branch` hold `$commit`? (the promotion policy's `branches:`)
BRANCH_QUERY = """
query OnBranch($owner: String!, $name: String!, $commit: String!, $branch: String!) {
  repository(owner: $owner, name: $name) {
    ref(qualifiedName: $branch) { compare(headRef: $commit) { status } }
  }
}
"""

# Is `$commit` (a sha) on a branch or tag? A page of refs at a time.
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
# Pages of refs one reachability check may read, 25 a page: branches to the last page (up
# to 40 pages, 1,000 branches: GitHub documents no order for them, so a newest-first cut
# could miss any one), then one page of the newest tags (an order GitHub documents).
REACH_PAGES = (("refs/heads/", 40), ("refs/tags/", 1))
REACH_PAGE = 25
HOLDS = ("BEHIND", "IDENTICAL")  # the head (our commit) is in the base ref's history

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
_PEELED = """
fragment Peeled on GitObject {
  __typename
  oid
  ... on Tag { target { __typename oid } }
}
"""
QUERY += _FRAGMENTS + _PEELED


@cache
def files_query(count: int) -> str:
    """QUERY asking for `count` more files at the commit (`$f0`...), in its first page."""
    if not count:
        return QUERY
    names = [f"f{i}" for i in range(count)]
    declared = "".join(f", ${n}: String!" for n in names)
    fields = "".join(
        f"    {n}: object(expression: ${n}) @include(if: $first) {{ ...Text }}\n" for n in names
    )
    query = QUERY.replace("$named: Boolean! = false)", f"$named: Boolean! = false{declared})", 1)
    return query.replace("    refs(refPrefix:", f"{fields}    refs(refPrefix:", 1)


REGISTRY_QUERY += _FRAGMENTS

# Objects at paths of commits, many a request: one alias each (`o0`...), `$e0`... the
# expressions (`SHA:path`, or a commit alone). Hundreds fit one request; more take a few.
OBJECTS_PAGE = 500


@cache
def objects_query(count: int) -> str:
    """A query for `count` objects by expression: kind, id, a blob's text, a tag peeled."""
    declared = "".join(f", $e{i}: String!" for i in range(count))
    fields = "".join(
        f"    o{i}: object(expression: $e{i}) {{ ...Peeled ...Text }}\n" for i in range(count)
    )
    return (
        f"query Objects($owner: String!, $name: String!{declared}) {{\n"
        f"  repository(owner: $owner, name: $name) {{\n{fields}  }}\n}}\n"
        + _FRAGMENTS.split("fragment Policy")[0]
        + _PEELED
    )


_SHA = re.compile(r"[0-9a-f]{40}")


def ref_query(prefix: str) -> str:
    """What to send as `refs(query:)` to find every tag that starts with `prefix`; "" when no
    query is sure to find them all, and the whole listing must be read instead.

    GitHub documents `query` only as "filters refs with query on name". The leading run of
    letters and digits `q` starts every such tag's name, so a prefix, a substring, a word
    split at punctuation and a punctuation-stripped search all find them. A search that
    splits words as `\\w` does (keeping `_` inside a word) finds them only when `q` ends a
    word, that is when no `_` follows it: `my_model@` gets "" (docs/discovery.md).
    """
    match = re.match(r"[A-Za-z0-9]+", prefix)
    if not match or prefix[match.end() : match.end() + 1] == "_":
        return ""
    return match.group()


def tag_listing(model: ModelName) -> tuple[str, str]:
    """The `refPrefix` and `query` that list at least every tag of `model`, and few others.

    A model in a folder (`team/churn`) is listed under `refs/tags/team/`, a directory
    prefix as GitHub documents `refPrefix`; names come back relative to it.
    """
    name = tag_prefix(model)
    folder = name[: name.rfind("/") + 1]
    rest = name[len(folder) :]
    return "refs/tags/" + folder, ref_query(rest)


def is_sha(commit: str) -> bool:
    """Whether `commit` is a full sha, which GitHub compares as itself."""
    return _SHA.fullmatch(commit) is not None
