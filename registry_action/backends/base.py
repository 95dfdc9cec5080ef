"""The one interface through which commands meet a repository: one read, one write.

Both backends (the GitHub API and a local git clone) implement `Backend`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from registry_action.core.grammar import ModelName
from registry_action.core.repository import (
    At,
    GitObject,
    PullRequest,
    Snapshot,
    Tagger,
    TagInfo,
    TreeEntry,
)


class Backend(Protocol):
    """What the registry needs from a repository."""

    def read(
        self,
        model: ModelName,
        commit: str,
        stages: bool = False,
        tags: bool = True,
        files: Sequence[str] = (),
    ) -> Snapshot:
        """The repository for `model` at `commit`: the commit, its dvc.yaml, the model's tags.

        With `stages`, also the model's stage tags (`NAME#...`) and `.gto` at that commit;
        without `tags`, no tags (the commit and its files alone); `files`: these paths at
        that commit too, in `Snapshot.files` (None for each one absent), in the same read.
        Always the promotion policy, and `.gto` beside it, at the default branch's head.
        """
        ...

    def objects(self, wanted: Sequence[At]) -> dict[At, GitObject | None]:
        """Each `(commit, path)` asked, in one read (a few for hundreds): the Git object at
        that path of that commit, a blob with its text; None when absent. Path "" asks for
        the commit itself (a ref or short sha resolved: `oid` is its full sha). What a
        model's content is made of at several commits at once (core/content.py)."""
        ...

    def read_registry(self) -> Snapshot:
        """Every tag of the repository, and `.gto` and the promotion policy on the default
        branch (`commit` empty)."""
        ...

    def reachable(self, commit: str) -> bool:
        """Whether a branch or tag of the repository holds `commit` (a full sha).

        GitHub resolves shas that only a fork of the repository has ("impostor commits"):
        a tag on one would put code never pushed here behind a registry tag.
        """
        ...

    def on_branch(self, commit: str, branches: Sequence[str]) -> str:
        """The first of `branches` whose head holds `commit` (a full sha); empty when none
        does, or none exists. The promotion policy's `branches:` rule asks this."""
        ...

    def pull_requests(self, commit: str) -> tuple[PullRequest, ...]:
        """The pull requests the repository associates with `commit` (a full sha), as
        GitHub lists them for it; a local clone has none. `bump: labels` asks this, once."""
        ...

    def tree(self, commit: str, path: str = "") -> tuple[TreeEntry, ...]:
        """Every entry under `path` at `commit` (a full sha), recursively, trees before
        what they hold: `path` itself when it is a file or a folder, and everything under a
        folder; `""` is the whole repository. Nothing when `path` is absent there."""
        ...

    def blob(self, oid: str) -> bytes:
        """The bytes of the blob `oid` (a full id, e.g. a `TreeEntry.oid`), as the backend
        hands them over: the caller checks them against `oid`."""
        ...

    def create_tag(self, tag: str, commit: str, message: str, tagger: Tagger) -> TagInfo:
        """Create annotated `tag` on `commit`; return it as a read would now show it.

        Raises TagExists when the name is taken (by anyone, including a lost earlier try
        of ours that the backend could not prove was ours).
        """
        ...
