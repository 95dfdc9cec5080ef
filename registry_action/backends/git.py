"""The local-git backend: a clone on disk, tags written with git itself."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from registry_action.core.errors import BackendError, TagExists
from registry_action.core.grammar import ModelName, stage_prefix, tag_prefix
from registry_action.core.gto_config import CONFIG_FILE
from registry_action.core.policy import POLICY_FILE
from registry_action.core.repository import (
    SHORT_SHA,
    At,
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

_ZERO = "0" * 40
# A blob larger than this is handed over by its id alone (a model Git tracks itself may be
# large); GitHub's GraphQL cuts a blob's text too (`isTruncated`).
TEXT_LIMIT = 1024 * 1024
# One record per tag: fields split by NUL (git messages cannot hold NUL), ended by NUL+LF.
_FORMAT = "%00".join(
    [
        "%(refname:strip=2)",
        "%(objecttype)",
        "%(objectname)",
        "%(*objecttype)",
        "%(*objectname)",
        "%(taggerdate:iso-strict)",
        "%(taggername)",
        "%(taggeremail)",
        "%(contents)",
    ]
)


class GitBackend:
    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], float] | None = None,
        policy_ref: str = "",
    ) -> None:
        self.path = Path(path)
        self._clock = clock or time.time  # tagger dates, in seconds since the epoch
        if self._git("rev-parse", "--git-dir", check=False).returncode:
            raise BackendError(f"{self.path} is not a git repository.", "Pass --repo PATH.")
        self._policy_ref = policy_ref  # where the promotion policy is read; empty: see below
        if policy_ref and not self._rev_parse(f"{policy_ref}^{{commit}}"):
            raise BackendError(
                f"--policy-ref {policy_ref!r} is not a commit of {self.path}.",
                "Give a branch, tag or sha of the clone, e.g. origin/main.",
            )

    def _git(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=input,
            capture_output=True,
            # Repository text need not be UTF-8: keep the bytes, let the loader refuse them.
            encoding="utf-8",
            errors="surrogateescape",
            env={**os.environ, **(env or {})},
        )
        if check and done.returncode:
            raise _failed(args[0], done)
        return done

    def read(
        self,
        model: ModelName,
        commit: str,
        stages: bool = False,
        tags: bool = True,
        files: Sequence[str] = (),
    ) -> Snapshot:
        sha = self._rev_parse(f"{commit}^{{commit}}")
        named = self._rev_parse(commit)
        branch = self._git("symbolic-ref", "--quiet", "--short", "HEAD", check=False).stdout.strip()
        patterns = [f"refs/tags/{tag_prefix(model)}*"]
        if stages:
            # `*` stops at `/` here, and stage names may hold one.
            prefix = stage_prefix(model)
            patterns += [f"refs/tags/{prefix}*", f"refs/tags/{prefix}*/**"]
        return Snapshot(
            commit=sha,
            annotation=self._file(sha, model.annotation_path),
            tags=tuple(self._tags(patterns)) if tags else (),
            tag_sha=named if sha and named != sha else "",
            default_branch=branch,
            config=self._file(sha, CONFIG_FILE) if stages else None,
            files=self._files(sha, files),
            local=True,
            **self._policy(),
        )

    def read_registry(self) -> Snapshot:
        """Every tag of the clone, and `.gto` at HEAD (gto reads its checkout's)."""
        head = self._rev_parse("HEAD^{commit}")
        return Snapshot(
            commit="",
            annotation=None,
            tags=tuple(self._tags(["refs/tags"])),
            config=self._file(head, CONFIG_FILE),
            **self._policy(),
        )

    def policy_head(self) -> str:
        """The ref the promotion policy is read at: `--policy-ref`, else the clone's default
        branch: `origin/HEAD` (what `git clone` records as the remote's default branch), else
        the local branch `init.defaultBranch` names, else `main`. Empty when none exists
        (a clone with no default branch has no policy)."""
        if self._policy_ref:
            return self._policy_ref
        if self._rev_parse("refs/remotes/origin/HEAD^{commit}"):
            return "origin/HEAD"
        configured = self._git("config", "--get", "init.defaultBranch", check=False)
        branch = configured.stdout.strip() or "main"
        return branch if self._rev_parse(f"refs/heads/{branch}^{{commit}}") else ""

    def _policy(self) -> dict[str, Any]:
        """The Snapshot fields of the policy at `policy_head`, and `.gto` there."""
        ref = self.policy_head()
        head = self._rev_parse(f"{ref}^{{commit}}") if ref else ""
        if not head:
            return {}
        return {
            "policy": self._file(head, POLICY_FILE),
            "policy_config": self._file(head, CONFIG_FILE),
            "policy_ref": f"{ref} ({head[:SHORT_SHA]})",
        }

    def on_branch(self, commit: str, branches: Sequence[str]) -> str:
        """The first of `branches` whose head holds `commit`: the local branch, or origin's
        (a clone's local `main` may lag behind `origin/main`); empty when none does."""
        for branch in branches:
            for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
                if not self._rev_parse(f"{ref}^{{commit}}"):
                    continue
                held = self._git("merge-base", "--is-ancestor", commit, ref, check=False)
                if held.returncode == 0:
                    return branch
        return ""

    def pull_requests(self, commit: str) -> tuple[PullRequest, ...]:
        """None: pull requests are GitHub's, not git's (`bump: labels` bumps patch here)."""
        return ()

    def reachable(self, commit: str) -> bool:
        """HEAD (detached or not), a branch (local or remote-tracking) or a tag of the clone
        holds `commit`: the user's own commits, which gto registers."""
        head = self._git("merge-base", "--is-ancestor", commit, "HEAD", check=False)
        if head.returncode == 0:
            return True
        found = self._git(
            "for-each-ref", "--count=1", f"--contains={commit}", "--format=%(refname)",
            "refs/heads", "refs/remotes", "refs/tags",
        )  # fmt: skip
        return bool(found.stdout.strip())

    def tree(self, commit: str, path: str = "") -> tuple[TreeEntry, ...]:
        """`git ls-tree -r -t -l -z`: NUL-ended records keep any bytes a path holds (decoded
        as the rest of this backend's text is); the pathspec is literal, so `*` in a folder's
        name matches only itself. With `-t`, git also lists a file's parent folders, which
        are not under it: `within` keeps what GitHub's listing keeps."""
        path = path.strip("/")
        out = subprocess.run(
            ["git", "-C", str(self.path), "--literal-pathspecs", "ls-tree", "-r", "-t", "-l",
             "-z", "--end-of-options", commit, *([path] if path else [])],
            capture_output=True,
        )  # fmt: skip
        if out.returncode:
            raise BackendError(
                f"git ls-tree failed: {out.stderr.decode(errors='replace').strip()}",
                "Fix what git names above, then run again.",
            )
        entries = []
        for record in out.stdout.split(b"\0"):
            if not record:
                continue
            meta, _, name = record.partition(b"\t")
            mode, kind, oid, size = meta.decode().split()
            entry = name.decode("utf-8", "surrogateescape")
            if kind in ("blob", "tree") and within(path, entry):  # not submodules (commit)
                length = None if size == "-" else int(size)
                entries.append(TreeEntry(entry, oid, kind, length, mode))
        return tuple(entries)

    def blob(self, oid: str) -> bytes:
        out = subprocess.run(
            ["git", "-C", str(self.path), "cat-file", "blob", oid], capture_output=True
        )
        if out.returncode:
            raise BackendError(
                f"git cat-file blob {oid} failed: {out.stderr.decode(errors='replace').strip()}",
                "Fix what git names above, then run again.",
            )
        return out.stdout

    def _file(self, sha: str, path: str) -> str | None:
        """A file's text at a commit; None when the commit or the file does not exist."""
        if not sha:
            return None
        blob = self._git("cat-file", "blob", f"{sha}:{path}", check=False)
        return blob.stdout if blob.returncode == 0 else None

    def _files(self, sha: str, paths: Sequence[str]) -> dict[str, str | None]:
        """Several files' text at a commit in one `git cat-file --batch`; None when absent
        (or not a file)."""
        found: dict[str, str | None] = dict.fromkeys(paths)
        if not sha or not paths:
            return found
        records = _records(self._batch("--batch", [f"{sha}:{path}" for path in paths]))
        for path, (header, body) in zip(paths, records, strict=True):
            if len(header) == 3 and header[1] == b"blob":  # not `<expression> missing`
                found[path] = body.decode("utf-8", "surrogateescape")
        return found

    def objects(self, wanted: Sequence[At]) -> dict[At, GitObject | None]:
        """One `git cat-file --batch-check` for every object's id and kind, one `--batch`
        for the text of the blobs small enough to read."""
        asked = list(dict.fromkeys(wanted))
        lines = [
            f"{commit}^{{commit}}" if not path else f"{commit}:{path}" for commit, path in asked
        ]
        found: dict[At, GitObject | None] = dict.fromkeys(asked)
        if not asked:
            return found
        checked = self._batch("--batch-check", lines).decode("utf-8", "surrogateescape")
        small: list[tuple[At, str]] = []
        for at, header in zip(asked, checked.splitlines(), strict=True):
            parts = header.split()
            if len(parts) != 3 or parts[1] not in ("blob", "tree", "commit"):
                continue  # `<expression> missing`, or an ambiguous one
            oid, kind, size = parts[0], parts[1], int(parts[2])
            text = Unreadable.TOO_LARGE if kind == "blob" and size > TEXT_LIMIT else None
            found[at] = GitObject(oid, kind, text)
            if kind == "blob" and size <= TEXT_LIMIT:
                small.append((at, oid))
        records = _records(self._batch("--batch", [oid for _, oid in small]))
        for (at, oid), (_, body) in zip(small, records, strict=True):
            found[at] = GitObject(oid, "blob", body.decode("utf-8", "surrogateescape"))
        return found

    def _batch(self, mode: str, lines: Sequence[str]) -> bytes:
        if not lines:
            return b""
        return subprocess.run(
            ["git", "-C", str(self.path), "cat-file", mode],
            input="".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape"),
            capture_output=True,
            check=True,
        ).stdout

    def _rev_parse(self, expression: str) -> str:
        found = self._git(
            "rev-parse", "--verify", "--quiet", "--end-of-options", expression, check=False
        )
        return found.stdout.strip() if found.returncode == 0 else ""

    def _tags(self, patterns: list[str]) -> list[TagInfo]:
        out = self._git("for-each-ref", f"--format={_FORMAT}%00", *patterns).stdout
        tags = []
        for record in out.split("\x00\n"):
            if not record:
                continue
            name, kind, sha, peeled_kind, peeled, date, tagger, email, message = record.split(
                "\x00"
            )
            if kind == "commit":
                tags.append(TagInfo(name, sha))
            elif kind == "tag" and peeled_kind == "commit":
                tags.append(
                    TagInfo(
                        name, peeled, annotated=True, sha=sha, date=utc_iso(date), stamp=date,
                        tagger=tagger, email=email.strip("<>"), message=message,
                    )
                )  # fmt: skip
        return tags

    def create_tag(self, tag: str, commit: str, message: str, tagger: Tagger) -> TagInfo:
        # Same two steps as the GitHub API: a tag object, then a ref created only if absent.
        now = int(self._clock())
        # The message as given, with no newline added, and the local zone's offset (git's and
        # gto's tagger line): byte for byte what gto 1.10 writes, in any TZ.
        body = (
            f"object {commit}\ntype commit\ntag {tag}\n"
            f"tagger {tagger.name} <{tagger.email}> {now} {local_offset(now)}\n\n{message}"
        )
        sha = self._git("mktag", input=body).stdout.strip()
        ref = f"refs/tags/{tag}"
        done = self._git("update-ref", ref, sha, _ZERO, check=False)
        if done.returncode:
            if self._rev_parse(ref):  # another writer created it in between: a race
                raise TagExists(tag)
            raise _failed("update-ref", done)  # a stale lock, a name git refuses, permissions
        return TagInfo(tag, commit, annotated=True, sha=sha, date=utc_iso(now))

    def publish(self, tag: str, remote: str) -> bool:
        """Push `tag` to `remote` unless it has it already; True when pushed."""
        ref = f"refs/tags/{tag}"
        there = self._git("ls-remote", "--end-of-options", remote, ref, check=False)
        if there.returncode == 0 and there.stdout.strip():
            return False
        pushed = self._git("push", "--quiet", "--end-of-options", remote, ref, check=False)
        if pushed.returncode:
            raise BackendError(
                f"Pushing {tag} to {remote} failed: {_stderr(pushed)}",
                "The tag stays in the clone; push it with: git push {remote} {tag}",
                values={"remote": remote, "tag": shlex.quote(tag)},
            )
        return True


def local_offset(when: int) -> str:
    """The local time zone's offset at `when` (seconds since the epoch), as git writes it."""
    offset = datetime.fromtimestamp(when).astimezone().utcoffset() or timedelta()
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"


def _stderr(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr.strip() or f"exit code {done.returncode}"


def _failed(command: str, done: subprocess.CompletedProcess[str]) -> BackendError:
    """git's own words for a failed call."""
    return BackendError(
        f"git {command} failed: {_stderr(done)}", "Fix what git names above, then run again."
    )


def _records(out: bytes) -> list[tuple[list[bytes], bytes]]:
    """`git cat-file --batch` output: each object's header (`OID TYPE SIZE`, or
    `EXPRESSION missing`, or ambiguous) split, and its bytes (none for a missing one)."""
    records: list[tuple[list[bytes], bytes]] = []
    at = 0
    while at < len(out):
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3:
            records.append((header, b""))
            continue
        size = int(header[2])
        records.append((header, out[at : at + size]))
        at += size + 1
    return records
