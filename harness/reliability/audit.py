"""What the repository holds after a scenario, checked tag by tag.

A tag is *wrong or partial* when it is lightweight, names another tag in its object, does
not point (peeled) at a commit, points at another commit than the run that made it reported,
carries another message or tag object than reported, duplicates a version of its model, or
was made by no run that succeeded; a run that reported a tag that is absent counts too.
gto, the registry's reference reader, must read the same versions on the same commits.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gto.constants import Action
from gto.tag import parse_name

from harness.referee import gto_json
from harness.standin.gitrepo import GIT_ENV, run_git
from registry_action.core.versions import Version


@dataclass(frozen=True)
class Expected:
    """A tag a successful run reported."""

    tag: str
    commit: str
    tag_sha: str = ""  # empty: not checked
    message: str | None = None  # None: not checked


@dataclass(frozen=True)
class TagRef:
    name: str
    type: str  # of the object the ref points at: "tag" when annotated
    sha: str
    peeled_type: str
    peeled: str
    tag_header: str  # the name written inside the tag object


@dataclass
class Audit:
    tags: list[TagRef] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    wrong: set[str] = field(default_factory=set)  # tag names with a problem

    def flag(self, name: str, problem: str) -> None:
        self.wrong.add(name)
        self.problems.append(f"{name}: {problem}")


def tag_refs(repo: Path) -> list[TagRef]:
    fields = ("refname:strip=2", "objecttype", "objectname", "*objecttype", "*objectname", "tag")
    fmt = "%00".join(f"%({f})" for f in fields)
    out = run_git(repo, "for-each-ref", f"--format={fmt}", "refs/tags")
    return [TagRef(*line.split("\0")) for line in out.splitlines() if line]


def tag_message(repo: Path, sha: str) -> str:
    """The message of tag object `sha`, exactly as stored."""
    raw = run_git_bytes(repo, "cat-file", "tag", sha)
    return raw.partition(b"\n\n")[2].decode("utf-8", errors="surrogateescape")


def run_git_bytes(repo: Path, *args: str) -> bytes:
    env = {**os.environ, **GIT_ENV}
    cmd = ["git", "-C", str(repo), *args]
    return subprocess.run(cmd, capture_output=True, check=True, env=env).stdout


def audit(
    repo: Path,
    expected: Iterable[Expected],
    preexisting: Iterable[str] = (),
    gto: bool = True,
    gto_cli: bool = False,
) -> Audit:
    """Check every tag under refs/tags against what successful runs reported.

    `gto`: gto's API reads every reported version on its commit; `gto_cli`: `gto show --json`
    (one process, about half a second) names the greatest reported version of each model."""
    result = Audit(tags=tag_refs(repo))
    wanted = {e.tag: e for e in expected}
    skip = set(preexisting)
    versions: Counter[tuple[str, str]] = Counter()
    present = set()
    for ref in result.tags:
        present.add(ref.name)
        if ref.name in skip:
            continue
        parsed = parse_name(ref.name, raise_on_fail=False)
        if parsed.get("action") != Action.REGISTER:
            result.flag(ref.name, "not a registration tag gto can read")
        else:
            versions[(parsed["name"], parsed["version"])] += 1
        _check_ref(repo, result, ref, wanted.get(ref.name))
    for (name, version), count in versions.items():
        if count > 1:
            result.flag(f"{name}@{version}", f"{count} tags for one version")
    for tag in wanted.keys() - present:
        result.flag(tag, "a run reported it created, but it is absent")
    if gto:
        _gto_agrees(repo, result, [w for w in wanted.values() if w.tag in present])
    if gto_cli:
        _gto_cli_agrees(repo, result, [w for w in wanted.values() if w.tag in present])
    return result


def _check_ref(repo: Path, result: Audit, ref: TagRef, want: Expected | None) -> None:
    """One tag: annotated, named inside as outside, on a commit, reported, as reported."""
    if ref.type != "tag":
        result.flag(ref.name, f"lightweight ({ref.type}), GTO ignores it")
        return
    if ref.tag_header != ref.name:
        result.flag(ref.name, f"its tag object is named {ref.tag_header!r}")
    if ref.peeled_type != "commit":
        result.flag(ref.name, f"points at a {ref.peeled_type}, not a commit")
    if want is None:
        result.flag(ref.name, "no successful run reported this tag")
        return
    if ref.peeled != want.commit:
        result.flag(ref.name, f"on commit {ref.peeled}, intended {want.commit}")
    if want.tag_sha and ref.sha != want.tag_sha:
        result.flag(ref.name, f"tag object {ref.sha}, the run reported {want.tag_sha}")
    if want.message is not None and tag_message(repo, ref.sha) != want.message:
        result.flag(ref.name, "its message differs from the one asked for")


def _gto_cli_agrees(repo: Path, result: Audit, expected: list[Expected]) -> None:
    latest: dict[str, tuple[Version, str]] = {}
    for want in expected:
        parsed = parse_name(want.tag)
        version = Version.parse(parsed["version"])
        if parsed["name"] not in latest or latest[parsed["name"]][0] < version:
            latest[parsed["name"]] = (version, want.tag)
    shown = gto_json(repo, "show") if latest else {}
    for model, (version, tag) in latest.items():
        read = (shown.get(model) or {}).get("version")
        if read != version.text:
            result.flag(tag, f"`gto show --json` gives {model} {read}, expected {version}")


def _gto_agrees(repo: Path, result: Audit, expected: list[Expected]) -> None:
    """gto reads each reported tag as a registration of that version on that commit.

    One `gto.api.history` (what `gto history --json` prints) reads every tag once;
    a `show` per model would read them all again for each model."""
    if not expected:
        return
    from gto.api import history

    read = {
        (e["artifact"], e["version"]): e["commit"]
        for e in history(str(repo))
        if e["event"] == "registration"
    }
    for want in expected:
        parsed = parse_name(want.tag)
        key = (parsed["name"], parsed["version"])
        if read.get(key) != want.commit:
            result.flag(want.tag, f"gto reads {key[0]} {key[1]} on {read.get(key)}")
