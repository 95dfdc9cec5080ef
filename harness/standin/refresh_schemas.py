"""Re-download GitHub's published API descriptions via npm and regenerate the vendored copies.

Run from the repository root::

    .venv/bin/python harness/standin/refresh_schemas.py [--graphql-version V] [--openapi-version V]

* ``@octokit/graphql-schema`` -> ``schema/schema.graphql`` (vendored whole, unchanged)
* ``@octokit/openapi`` -> ``openapi/api.github.com.subset.json``: only the operations the
  stand-in serves, plus every ``components`` entry they ``$ref`` (transitively); examples dropped.

Both directories get a ``VERSION`` file naming the npm package and version.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GRAPHQL_PACKAGE = "@octokit/graphql-schema"
OPENAPI_PACKAGE = "@octokit/openapi"
OPENAPI_MEMBER = "package/generated/api.github.com.json"

# (path template, method) of every REST operation the stand-in serves.
OPERATIONS: list[tuple[str, str]] = [
    ("/repos/{owner}/{repo}", "get"),
    ("/repos/{owner}/{repo}/commits/{ref}", "get"),
    ("/repos/{owner}/{repo}/commits/{commit_sha}/pulls", "get"),
    ("/repos/{owner}/{repo}/git/commits/{commit_sha}", "get"),
    ("/repos/{owner}/{repo}/git/ref/{ref}", "get"),
    ("/repos/{owner}/{repo}/git/matching-refs/{ref}", "get"),
    ("/repos/{owner}/{repo}/git/tags/{tag_sha}", "get"),
    ("/repos/{owner}/{repo}/git/tags", "post"),
    ("/repos/{owner}/{repo}/git/refs", "post"),
    ("/repos/{owner}/{repo}/git/trees/{tree_sha}", "get"),
    ("/repos/{owner}/{repo}/git/blobs/{file_sha}", "get"),
    ("/repos/{owner}/{repo}/contents/{path}", "get"),
    ("/repos/{owner}/{repo}/actions/workflows/{workflow_id}", "get"),
    ("/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches", "post"),
    ("/repos/{owner}/{repo}/dispatches", "post"),
]


def npm_pack(package: str, version: str | None, dest: Path) -> tuple[Path, str]:
    spec = f"{package}@{version}" if version else package
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(dest)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    info = json.loads(out)[0]
    return dest / info["filename"], str(info["version"])


def drop_examples(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: drop_examples(v) for k, v in node.items() if k not in ("examples", "example")}
    if isinstance(node, list):
        return [drop_examples(v) for v in node]
    return node


def collect_refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            collect_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            collect_refs(value, found)


def openapi_subset(spec: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method in OPERATIONS:
        paths.setdefault(path, {})[method] = drop_examples(spec["paths"][path][method])
    components: dict[str, dict[str, Any]] = {}
    pending: set[str] = set()
    collect_refs(paths, pending)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)  # "#/components/<kind>/<name>"
        entry = drop_examples(spec["components"][kind][name])
        components.setdefault(kind, {})[name] = entry
        collect_refs(entry, pending)
    for kind in components:
        components[kind] = dict(sorted(components[kind].items()))
    return {
        "openapi": spec["openapi"],
        "info": spec["info"],
        "paths": paths,
        "components": dict(sorted(components.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphql-version", help=f"{GRAPHQL_PACKAGE} version (default: latest)")
    parser.add_argument("--openapi-version", help=f"{OPENAPI_PACKAGE} version (default: latest)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        tgz, version = npm_pack(GRAPHQL_PACKAGE, args.graphql_version, tmpdir)
        with tarfile.open(tgz) as tar:
            member = tar.extractfile("package/schema.graphql")
            assert member is not None
            (HERE / "schema" / "schema.graphql").write_bytes(member.read())
        (HERE / "schema" / "VERSION").write_text(f"{GRAPHQL_PACKAGE} {version}\n")
        print(f"{GRAPHQL_PACKAGE} {version} -> schema/schema.graphql")

        tgz, version = npm_pack(OPENAPI_PACKAGE, args.openapi_version, tmpdir)
        with tarfile.open(tgz) as tar:
            member = tar.extractfile(OPENAPI_MEMBER)
            assert member is not None
            spec = json.load(member)
        subset = openapi_subset(spec)
        target = HERE / "openapi" / "api.github.com.subset.json"
        target.write_text(json.dumps(subset, indent=1, sort_keys=False) + "\n")
        (HERE / "openapi" / "VERSION").write_text(f"{OPENAPI_PACKAGE} {version}\n")
        print(f"{OPENAPI_PACKAGE} {version} -> openapi/{target.name}")


if __name__ == "__main__":
    main()
