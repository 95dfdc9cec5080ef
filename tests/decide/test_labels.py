"""`bump: labels`: which pull request brought a commit in, and what its labels ask for."""

from __future__ import annotations

import pytest

from registry_action.core.errors import InvalidInput
from registry_action.core.repository import BOT, PullRequest
from registry_action.core.versions import Bump
from registry_action.decide.labels import bringing, from_labels
from registry_action.decide.request import Request

SHA = "a" * 40
OTHER = "b" * 40


def pr(number: int, *labels: str, merged: bool = True, merge: str = "", base: str = "main"):
    return PullRequest(number, merged, merge, base, labels, f"https://x.test/pull/{number}")


@pytest.mark.parametrize(
    ("labels", "bump", "label"),
    [
        ((), Bump.PATCH, ""),
        (("bug",), Bump.PATCH, ""),
        (("bump:patch",), Bump.PATCH, "bump:patch"),
        (("bump:minor",), Bump.MINOR, "bump:minor"),
        (("bump:major",), Bump.MAJOR, "bump:major"),
        (("bump:patch", "bump:major", "bump:minor"), Bump.MAJOR, "bump:major"),
        (("bump:minor", "bump:patch"), Bump.MINOR, "bump:minor"),
        (("Bump:Minor",), Bump.MINOR, "bump:minor"),  # GitHub's label names ignore case
        (("bump:none",), None, "bump:none"),
        (("bump:none", "docs"), None, "bump:none"),
    ],
)
def test_the_greatest_label_wins_and_none_registers_nothing(labels, bump, label):
    chosen = from_labels([pr(3, *labels, merge=SHA)], SHA, "main")
    assert (chosen.bump, chosen.label) == (bump, label)
    assert chosen.pull_request is not None and chosen.pull_request.number == 3


def test_no_pull_request_is_patch_and_says_so():
    chosen = from_labels([], SHA, "main")
    assert (chosen.bump, chosen.pull_request) == (Bump.PATCH, None)
    assert "no merged pull request" in chosen.reason


def test_a_local_clone_says_it_has_no_pull_requests():
    chosen = from_labels([], SHA, "main", local=True)
    assert chosen.bump is Bump.PATCH and "local clone" in chosen.reason


def test_none_beside_a_bump_label_is_refused_naming_both():
    with pytest.raises(InvalidInput, match=r"#4 has both bump:none.*bump:major, bump:none"):
        from_labels([pr(4, "bump:none", "bump:major", merge=SHA)], SHA, "main")


def test_the_merge_or_squash_commit_picks_its_pull_request_before_any_other():
    # The squash commit on main is associated with its PR; an older PR into main that GitHub
    # also lists (the commit was in both) is not the one that made it.
    pulls = [pr(1, "bump:major", base="main"), pr(9, "bump:minor", merge=SHA, base="release")]
    assert bringing(pulls, SHA, "main").number == 9
    assert from_labels(pulls, SHA.upper(), "main").bump is Bump.MINOR


def test_a_rebased_commit_is_its_merged_pull_request_into_the_default_branch():
    pulls = [pr(5, "bump:minor", merge=OTHER, base="main")]  # OTHER: the last rebased one
    assert bringing(pulls, SHA, "main").number == 5


def test_open_pull_requests_and_merges_into_other_branches_decide_nothing():
    pulls = [pr(2, "bump:major", merged=False), pr(3, "bump:major", merge=OTHER, base="dev")]
    chosen = from_labels(pulls, SHA, "main")
    assert (chosen.bump, chosen.pull_request) == (Bump.PATCH, None)


def test_several_candidates_take_the_lowest_number():
    pulls = [pr(8, "bump:minor", merge=SHA), pr(6, "bump:major", merge=SHA)]
    assert from_labels(pulls, SHA, "main").bump is Bump.MAJOR


def test_no_default_branch_known_picks_only_by_merge_commit():
    assert bringing([pr(5, merge=OTHER)], SHA, "") is None


def test_reason_names_the_label_and_pull_request():
    chosen = from_labels([pr(12, "bump:minor", merge=SHA)], SHA, "main")
    assert chosen.reason == "label bump:minor of pull request #12"
    assert "has no bump: label" in from_labels([pr(12, merge=SHA)], SHA, "main").reason


def test_labels_with_a_version_are_refused_before_any_request():
    with pytest.raises(InvalidInput, match="both name the version") as err:
        Request.from_inputs(
            model="churn", commit="HEAD", tagger=BOT, bump="labels", version="v1.0.0"
        )
    assert "Leave version empty" in err.value.render()


@pytest.mark.parametrize("command", ["assign"])
def test_labels_are_for_register_only(command):
    with pytest.raises(InvalidInput, match="bump labels is for register"):
        Request.from_inputs(
            command, model="churn", commit="HEAD", tagger=BOT, bump="labels", stage="prod"
        )


def test_labels_parse_as_a_bump():
    request = Request.from_inputs(model="churn", commit="HEAD", tagger=BOT, bump=" Labels ")
    assert request.bump is Bump.LABELS
