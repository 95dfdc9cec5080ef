"""Thin, thread-safe access to the on-disk git repository the stand-in serves.

Every read of mutable state (refs, rev-parse) runs a fresh ``git`` process; git objects are
immutable, so parsed objects are cached by full object id.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

ZERO_OID = "0" * 40
FULL_OID = re.compile(r"[0-9a-f]{40}")


class GitError(Exception):
    """A git command failed."""


@dataclass(frozen=True)
class Person:
    name: str
    email: str
    epoch: int
    tz: str  # "+0200"

    @property
    def when(self) -> datetime:
        sign = -1 if self.tz.startswith("-") else 1
        offset = timedelta(hours=int(self.tz[1:3]), minutes=int(self.tz[3:5])) * sign
        return datetime.fromtimestamp(self.epoch, timezone(offset))

    def iso_utc(self) -> str:
        """GitHub ``DateTime`` / REST style: ``2024-01-02T03:04:05Z``."""
        return datetime.fromtimestamp(self.epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def iso_local(self) -> str:
        """GitHub ``GitTimestamp`` style: keeps the author's UTC offset."""
        return self.when.isoformat()

    @classmethod
    def parse(cls, line: str) -> Person:
        m = re.fullmatch(r"(.*?) ?<([^>]*)> (-?\d+) ([+-]\d{4})", line)
        if not m:
            return cls(line, "", 0, "+0000")
        return cls(m[1], m[2], int(m[3]), m[4])


@dataclass(frozen=True)
class GitObject:
    oid: str
    type: str  # commit | tag | tree | blob
    data: bytes
    headers: dict[str, list[str]] = field(default_factory=dict)
    message: str = ""

    @property
    def size(self) -> int:
        return len(self.data)

    def header(self, key: str) -> str | None:
        values = self.headers.get(key)
        return values[0] if values else None


def _parse_headers(data: bytes) -> tuple[dict[str, list[str]], str]:
    text = data.decode("utf-8", errors="replace")
    head, _, message = text.partition("\n\n")
    headers: dict[str, list[str]] = {}
    last = ""
    for line in head.split("\n"):
        if line.startswith(" ") and last:  # continuation (e.g. gpgsig)
            headers[last][-1] += "\n" + line[1:]
            continue
        key, _, value = line.partition(" ")
        headers.setdefault(key, []).append(value)
        last = key
    return headers, message


@dataclass(frozen=True)
class RefEntry:
    name: str  # full name, e.g. refs/tags/v1
    oid: str
    type: str


class Git:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._cache: dict[str, GitObject] = {}
        self._lock = threading.Lock()

    # -- processes -----------------------------------------------------------------------
    def run(self, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=input,
            capture_output=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise GitError(proc.stderr.decode(errors="replace").strip())
        return proc.stdout

    # -- objects -------------------------------------------------------------------------
    def read_many(self, oids: list[str]) -> dict[str, GitObject]:
        """Read full-oid objects (missing ones are absent from the result)."""
        with self._lock:
            found = {o: self._cache[o] for o in oids if o in self._cache}
        todo = sorted({o for o in oids if o not in found and FULL_OID.fullmatch(o)})
        if todo:
            out = self.run("cat-file", "--batch", input=("\n".join(todo) + "\n").encode())
            pos = 0
            for _ in todo:
                eol = out.index(b"\n", pos)
                header = out[pos:eol].decode().split()
                pos = eol + 1
                if len(header) != 3:  # "<oid> missing"
                    continue
                oid, kind, size = header[0], header[1], int(header[2])
                data = out[pos : pos + size]
                pos += size + 1
                headers, message = ({}, "") if kind in ("blob", "tree") else _parse_headers(data)
                obj = GitObject(oid, kind, data, headers, message)
                found[oid] = obj
                with self._lock:
                    self._cache[oid] = obj
        return found

    def read(self, oid: str) -> GitObject | None:
        return self.read_many([oid]).get(oid)

    def rev_parse(self, expr: str) -> str | None:
        """Resolve like ``git rev-parse --verify``; None when it does not resolve."""
        if not expr or expr.startswith("-") or "\n" in expr or "\0" in expr:
            return None
        out = self.run("rev-parse", "--verify", "--quiet", expr, check=False).decode().strip()
        return out if FULL_OID.fullmatch(out) else None

    def peel(self, oid: str, to: str | None = None) -> GitObject | None:
        """Follow tag objects until a non-tag (or the ``to`` type) is reached."""
        obj = self.read(oid)
        for _ in range(20):
            if obj is None or obj.type == to or obj.type != "tag":
                break
            target = obj.header("object")
            obj = self.read(target) if target else None
        if obj is not None and to is not None and obj.type != to:
            return None
        return obj

    def resolve_commit(self, ref: str) -> str | None:
        oid = self.rev_parse(ref + "^{commit}") if ref and not ref.startswith("-") else None
        return oid

    def ls_tree(self, tree_oid: str) -> list[tuple[str, str, str, str]]:
        """(mode, type, oid, name) of a tree's entries."""
        out = self.run("ls-tree", "-z", tree_oid, check=False).decode("utf-8", errors="replace")
        entries = []
        for item in out.split("\0"):
            if item:
                meta, _, name = item.partition("\t")
                mode, kind, oid = meta.split()
                entries.append((mode, kind, oid, name))
        return entries

    # -- refs ----------------------------------------------------------------------------
    def refs(self, pattern: str = "refs/") -> list[RefEntry]:
        """The refs `git for-each-ref PATTERN` lists (PATTERN: a ref, or a folder of refs)."""
        fmt = "%(objectname) %(objecttype) %(refname)"
        out = self.run("for-each-ref", f"--format={fmt}", "--", pattern).decode()
        entries = []
        for line in out.splitlines():
            oid, kind, name = line.split(" ", 2)
            entries.append(RefEntry(name, oid, kind))
        return entries

    def ref(self, name: str) -> RefEntry | None:
        # for-each-ref matches whole path components: `refs/tags/x` lists `refs/tags/x/y`
        # too, hence the exact check. One ref, not the whole listing, read.
        return next((r for r in self.refs(name) if r.name == name), None)

    def default_branch(self) -> str:
        out = self.run("symbolic-ref", "--quiet", "HEAD", check=False).decode().strip()
        return out.removeprefix("refs/heads/") or "main"

    def check_ref_format(self, name: str) -> bool:
        return not name.startswith("-") and (
            subprocess.run(
                ["git", "check-ref-format", name], capture_output=True, check=False
            ).returncode
            == 0
        )

    def create_ref(self, name: str, oid: str) -> bool:
        """Atomically create ``name`` -> ``oid``; False if the ref already exists."""
        for attempt in range(50):
            proc = subprocess.run(
                ["git", "-C", str(self.path), "update-ref", name, oid, ZERO_OID],
                capture_output=True,
                check=False,
            )
            if proc.returncode == 0:
                return True
            if self.ref(name) is not None:
                return False
            err = proc.stderr.decode(errors="replace")
            if "File exists" not in err and "Unable to create" not in err:
                raise GitError(err.strip())
            time.sleep(0.01 * (attempt + 1))  # lock held by a creator that then failed
        raise GitError(f"could not lock {name}")

    def write_tag(self, obj: str, kind: str, tag: str, tagger: Person, message: str) -> str:
        tagger_line = f"{tagger.name} <{tagger.email}> {tagger.epoch} {tagger.tz}"
        body = f"object {obj}\ntype {kind}\ntag {tag}\ntagger {tagger_line}\n\n{message}"
        return self.run("mktag", input=body.encode()).decode().strip()
