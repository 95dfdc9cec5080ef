"""What one read of a repository returns: tags, the snapshot, the tagger, their dates.

Both backends hand these values to the core; the core sees nothing else of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum


class Unreadable(Enum):
    """A file a backend found but cannot hand over as text; the YAML loader refuses it."""

    BINARY = "not a text file"
    TOO_LARGE = "too large"


# A commit as a person reads it in a notice, a summary or an error: its first 12 hex
# digits, the same length everywhere.
SHORT_SHA = 12

# A file at a commit, as a read returns it: its text, unreadable, or None when absent.
FileText = str | Unreadable | None


@dataclass(frozen=True)
class Tagger:
    name: str
    email: str


# The identity GitHub gives GITHUB_TOKEN's writes; the tagger when no person is known.
BOT = Tagger("github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com")


@dataclass(frozen=True)
class TagInfo:
    """A tag as a backend reports it, peeled to its commit."""

    name: str
    commit: str
    annotated: bool = False  # GTO reads annotated tags only
    sha: str = ""  # the tag object; empty for a lightweight tag, or one a dry run only plans
    date: str = ""  # tagger date, `YYYY-MM-DDTHH:MM:SSZ`: what events are ordered by
    # The rest of the tagger line and the message, for `history` (as gto reports them).
    stamp: str = ""  # the tagger date in its own offset, ISO 8601 (`...+02:00`)
    tagger: str = ""
    email: str = ""
    message: str = ""


@dataclass(frozen=True)
class PullRequest:
    """A pull request GitHub associates with a commit ("list pull requests associated with a
    commit"): what `bump: labels` decides on (docs/github-facts.md, "Pull requests of a
    commit")."""

    number: int
    merged: bool  # `merged_at` is set
    merge_commit_sha: str  # of a merged one: the merge, squash or last rebased commit
    base: str  # the branch it was opened against (`base.ref`)
    labels: tuple[str, ...] = ()
    html_url: str = ""


@dataclass(frozen=True)
class Snapshot:
    """One read of the repository for one model at one commit."""

    commit: str  # the full sha the requested ref resolves to; empty when it does not
    annotation: FileText  # the model's dvc.yaml at that commit
    tags: tuple[TagInfo, ...]  # at least every tag that starts with the model's prefix
    web_url: str = ""  # the repository's web page, for links
    tag_sha: str = ""  # the tag object, when the ref read was an annotated tag
    default_branch: str = ""
    config: FileText = None  # GTO's `.gto` at that commit, when stages were read
    reachable: bool | None = None  # on a branch or tag of the repository; None: not known yet
    local: bool = False  # read from a local clone (not through GitHub)
    # Other files at that commit, as the read was asked for them by path (DVC's files for
    # the artifact outputs); a path asked for and absent maps to None.
    files: Mapping[str, FileText] = field(default_factory=dict)
    # The promotion policy and `.gto` at the default branch's head (never at `commit`: a
    # commit cannot loosen its own rules), when stages were read; and where they were read.
    policy: FileText = None
    policy_config: FileText = None
    policy_ref: str = ""  # e.g. `main (1a2b3c4d5e6f)`


@dataclass(frozen=True)
class TreeEntry:
    """One entry of a repository's tree at a commit, as `Backend.tree` lists it."""

    path: str  # repository-relative, `/`-separated
    oid: str  # the Git object id (sha1 of the blob or tree)
    kind: str  # "blob" or "tree"; submodules (gitlinks) are not listed: their files are elsewhere
    size: int | None  # a blob's bytes; None for a tree
    # Git's file mode (`100644`, `100755` executable, `120000` a symlink, `040000` a tree):
    # how a download writes the entry; not part of what the entry is.
    mode: str = field(default="", compare=False)

    @property
    def executable(self) -> bool:
        return self.mode == "100755"

    @property
    def symlink(self) -> bool:
        return self.mode == "120000"


def blob_id(data: bytes, like: str) -> str:
    """The Git object id of a blob holding `data`: the hash of `blob <size>\\0<data>`, sha1,
    or sha256 when `like` (the id it should have) is one (git's hash-function-transition)."""
    digest = hashlib.sha256() if len(like) == 64 else hashlib.sha1()
    digest.update(b"blob %d\0" % len(data))
    digest.update(data)
    return digest.hexdigest()


def within(path: str, entry: str) -> bool:
    """Whether repository path `entry` is `path` or under it (`""`: the whole repository),
    as `Backend.tree` lists them: a file's parent folders are not under it."""
    path = path.strip("/")
    return not path or entry == path or entry.startswith(path + "/")


def utc_iso(when: str | float) -> str:
    """A tagger date (ISO 8601 text, or seconds since the epoch) as `YYYY-MM-DDTHH:MM:SSZ`,
    so dates from either backend and the shell's clock compare as text."""
    if when == "":
        return ""
    if isinstance(when, str):
        moment = datetime.fromisoformat(when)
    else:
        moment = datetime.fromtimestamp(when, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class GitObject:
    """What a path at a commit is in Git: its object id and kind, and a blob's text."""

    oid: str
    kind: str  # "blob", "tree", or "commit" (a commit asked for itself, path "")
    text: FileText = None  # a blob's text; None for a tree or a commit


# Paths at commits, as `Backend.objects` is asked for them and answers.
At = tuple[str, str]  # (commit, path)
