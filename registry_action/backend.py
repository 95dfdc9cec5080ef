"""What the registry needs from a repository: one read, one write, and the values they carry.

Both backends (the GitHub API and a local git clone) implement `Backend`; the core sees
nothing else of them. The checks here keep what is sent to either one writable by git.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from .errors import InvalidInput
from .grammar import ModelName

CONFIG_FILE = ".gto"  # GTO's registry config; its `stages:` list is the allowed stages
# What a revision may not hold: whitespace and control characters, `REV:path` (a file, not a
# commit), ranges, `^{type}` peeling. Everything else git or GitHub resolves, or answers
# "not found" for.
_NOT_A_REVISION = re.compile(r"[\s\x00-\x1f\x7f:\\]|\.\.|\^\{")
_IDENT_FORBIDDEN = re.compile(r"[<>\x00-\x1f\x7f]")


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
class Snapshot:
    """One read of the repository for one model at one commit."""

    commit: str  # the full sha the requested ref resolves to; empty when it does not
    annotation: str | None  # the model's dvc.yaml at that commit; None when absent
    tags: tuple[TagInfo, ...]  # at least every tag that starts with the model's prefix
    web_url: str = ""  # the repository's web page, for links
    tag_sha: str = ""  # the tag object, when the ref read was an annotated tag
    default_branch: str = ""
    config: str | None = None  # GTO's `.gto` at that commit, when stages were read and it exists
    reachable: bool | None = None  # on a branch or tag of the repository; None: not known yet


class Backend(Protocol):
    """The two things the registry needs from a repository."""

    def read(
        self, model: ModelName, commit: str, stages: bool = False, tags: bool = True
    ) -> Snapshot:
        """The repository for `model` at `commit`: the commit, its dvc.yaml, the model's tags.

        With `stages`, also the model's stage tags (`NAME#...`) and `.gto` at that commit;
        without `tags`, no tags (the commit and its files alone).
        """
        ...

    def read_registry(self) -> Snapshot:
        """Every tag of the repository, and `.gto` on the default branch (`commit` empty)."""
        ...

    def reachable(self, commit: str) -> bool:
        """Whether a branch or tag of the repository holds `commit` (a full sha).

        GitHub resolves shas that only a fork of the repository has ("impostor commits"):
        a tag on one would put code never pushed here behind a registry tag.
        """
        ...

    def create_tag(self, tag: str, commit: str, message: str, tagger: Tagger) -> TagInfo:
        """Create annotated `tag` on `commit`; return it as a read would now show it.

        Raises TagExists when the name is taken (by anyone, including a lost earlier try
        of ours that the backend could not prove was ours).
        """
        ...


def check_message(message: str, tagger: Tagger) -> None:
    """A tag message and tagger git can write, and GitHub's JSON can carry."""
    if "\x00" in message:
        raise InvalidInput("The message holds a NUL character.", "Remove it.")
    if not _utf8(message):
        # The runner passes an input's bytes as they are; Python keeps invalid UTF-8 as
        # lone surrogates, which no JSON body (and no gto reading the tag) can take.
        raise InvalidInput(
            "The message is not valid UTF-8 text.",
            "Write the message in UTF-8 (check the encoding of the file or variable it comes "
            "from).",
        )
    for part in (tagger.name, tagger.email):
        if not _utf8(part):
            raise InvalidInput("The tagger is not valid UTF-8 text.", "Set {tagger} in UTF-8.")
        if not part or _IDENT_FORBIDDEN.search(part):
            raise InvalidInput(
                f"Tagger {tagger.name!r} <{tagger.email}> is not a valid git identity.",
                "Set {tagger} without '<', '>' or control characters.",
            )


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_commit(ref: str) -> str:
    """A commit input: a sha, a branch or tag, or a revision git understands (`HEAD~1`,
    `main^`), never one git could read as an option or as a path inside a commit."""
    ref = ref.strip()
    if ref and not ref.startswith("-") and not _NOT_A_REVISION.search(ref):
        return ref
    raise InvalidInput(
        f"Commit {ref!r} is not a commit sha, branch, tag or revision.",
        "Give a full or short sha, a branch, a tag or a revision, e.g. {commit_example}.",
    )
