"""`bump: labels`: the part of the version a pull request's labels ask for, or nothing.

Pure: the pull requests GitHub associates with the commit in, the part (or "register
nothing") out. Which pull request brought a commit in, as GitHub answers "list pull requests
associated with a commit" (docs/github-facts.md, "Pull requests of a commit"):

- a merge commit, or the commit a squash merge made, is its pull request's
  `merge_commit_sha`; so is the last commit of a rebase merge;
- the other commits of a rebase merge are associated with the pull request too (GitHub
  made them), but are no `merge_commit_sha`: a merged pull request into the default branch;
- an open pull request, or one merged into another branch, did not bring the commit into the
  branch being registered from: it decides nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry_action.core.errors import InvalidInput
from registry_action.core.repository import PullRequest
from registry_action.core.versions import PARTS, Bump

PREFIX = "bump:"
NONE = "none"
LABELS = {f"{PREFIX}{part.value}": part for part in PARTS}


@dataclass(frozen=True)
class Labelled:
    """What the labels decided: the part to bump (None: register nothing), and why."""

    bump: Bump | None
    pull_request: PullRequest | None  # the one that brought the commit in; None: none did
    label: str = ""  # the label that decided; empty: none did (patch)
    local: bool = False  # read from a local clone, which has no pull requests

    @property
    def reason(self) -> str:
        """Why this part, for the notice: `label bump:minor of pull request #12`."""
        if self.local:
            return "a local clone has no pull requests: patch"
        pr = self.pull_request
        if pr is None:
            return "no merged pull request brought the commit in: patch"
        if not self.label:
            return f"pull request #{pr.number} has no bump: label: patch"
        return f"label {self.label} of pull request #{pr.number}"


def bringing(pulls: Sequence[PullRequest], commit: str, default_branch: str) -> PullRequest | None:
    """The merged pull request that brought `commit` (a full sha) in: the one whose merge
    made it, else one merged into the default branch (a rebase merge's other commits); the
    lowest number when several are (GitHub names no order for its answer)."""
    merged = sorted((p for p in pulls if p.merged), key=lambda p: p.number)
    made = [p for p in merged if p.merge_commit_sha.lower() == commit.lower()]
    into_default = [p for p in merged if default_branch and p.base == default_branch]
    return next(iter(made or into_default), None)


def from_labels(
    pulls: Sequence[PullRequest], commit: str, default_branch: str, *, local: bool = False
) -> Labelled:
    """The bump the labels of the pull request that brought `commit` in ask for: the
    greatest of `bump:major`, `bump:minor`, `bump:patch`; `bump:none` registers nothing;
    no such label, or no pull request: patch."""
    pr = bringing(pulls, commit, default_branch)
    if pr is None:
        return Labelled(Bump.PATCH, None, local=local)
    names = {label.strip().lower() for label in pr.labels}  # GitHub's label names ignore case
    parts = [LABELS[name] for name in names if name in LABELS]
    if f"{PREFIX}{NONE}" in names and parts:
        # Either reading loses something the labels meant: refused, never guessed.
        both = ", ".join(sorted(n for n in names if n.startswith(PREFIX)))
        raise InvalidInput(
            f"Pull request #{pr.number} has both bump:none and a bump label ({both}).",
            "Remove bump:none or the other label from the pull request, then re-run the job.",
        )
    if f"{PREFIX}{NONE}" in names:
        return Labelled(None, pr, f"{PREFIX}{NONE}")
    if not parts:
        return Labelled(Bump.PATCH, pr)
    greatest = max(parts, key=PARTS.index)
    return Labelled(greatest, pr, f"{PREFIX}{greatest.value}")
