"""Tag discovery under every way GitHub's `refs(query:)` might match a ref's name.

GitHub documents only "Filters refs with query on name"; the stand-in can match as a prefix,
a substring, by words, or with punctuation stripped (`REF_QUERY_MODES`, read from the
stand-in itself so that a mode added there is tried here). Whatever the mode, the backend
must find every tag of the model and only those: these tests run the write, lifecycle and
read paths under each mode, in place of running the whole suite once per mode.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.standin import StandIn
from harness.standin.gitrepo import commit, run_git, tag
from harness.standin.graphql_api import REF_QUERY_MODES
from tests.helpers import RunAction, head

pytestmark = pytest.mark.standin

LOOKALIKES = ("churn-v2@v9.0.0", "churnx@v8.0.0", "cv=churn@v7.0.0", "x/churn@v6.0.0")
PAGE = 100  # tags a GraphQL page holds (refs(first: 100))


@pytest.mark.parametrize("mode", REF_QUERY_MODES)
def test_every_query_mode_finds_all_of_the_models_tags_and_only_them(
    standin: StandIn, git_repo: Path, run_action: RunAction, mode: str
) -> None:
    standin.ref_query = mode
    sha = head(git_repo)
    for name in LOOKALIKES:
        tag(git_repo, name, sha)
    for n in range(1, 4):
        tag(git_repo, f"churn@v1.{n}.0", commit(git_repo, {"f": str(n)}, f"c{n}"))
    tag(git_repo, "churn#prod#4", head(git_repo))
    commit(git_repo, {"f": "4"}, "c4")
    registered = run_action(model="churn")
    assert registered.code == 0 and registered.outputs["version"] == "v1.3.1"
    assert registered.outputs["previous-version"] == "v1.3.0"
    assigned = run_action(command="assign", model="churn", stage="prod", version="v1.1.0")
    assert assigned.outputs["tag"] == "churn#prod#5"  # the counter saw churn#prod#4
    parsed = run_action(command="parse", ref="refs/tags/churn@v1.2.0")
    assert parsed.outputs["latest-version"] == "v1.3.1"
    folder = run_action(model="cv:churn", require_annotation="false", commit="main")
    assert folder.outputs["version"] == "v7.0.1"


def _many_versions(repo: Path, count: int) -> None:
    """`churn@v0.0.1` .. `churn@v0.0.COUNT` on the first commit, and the lookalikes: annotated
    tags written by one `git fast-import` (a `git tag` each would take seconds)."""
    sha = head(repo)
    stream = []
    for second, name in enumerate((*LOOKALIKES, *(f"churn@v0.0.{n}" for n in range(1, count + 1)))):
        message = f"Registering {name}\n"
        stream.append(
            f"tag {name}\nfrom {sha}\ntagger Test User <test@example.com> {1_700_000_000 + second}"
            f" +0000\ndata {len(message)}\n{message}\n"
        )
    run_git(repo, "fast-import", "--quiet", input="".join(stream))


@pytest.mark.parametrize("mode", REF_QUERY_MODES)
def test_every_query_mode_reads_more_than_a_page_of_the_models_tags(
    standin: StandIn, git_repo: Path, run_action: RunAction, mode: str
) -> None:
    standin.ref_query = mode
    count = PAGE + 5
    _many_versions(git_repo, count)
    commit(git_repo, {"f": "next"}, "Retrain")
    registered = run_action(model="churn")
    assert registered.code == 0, registered.stdout
    assert registered.outputs["version"] == f"v0.0.{count + 1}"
    assert registered.outputs["previous-version"] == f"v0.0.{count}"
    newest = f"v0.0.{count + 1}"  # alone on its commit: a stage may be given to it
    assigned = run_action(command="assign", model="churn", stage="prod", version=newest)
    assert assigned.code == 0 and assigned.outputs["tag"] == "churn#prod#1"
    shown = run_action(command="show", model="churn", stage="prod")
    assert shown.outputs["version"] == newest
    latest = run_action(command="show", model="churn")
    assert latest.outputs["version"] == f"v0.0.{count + 1}"
    history = json.loads(run_action(command="history", model="churn").outputs["history"])
    events = [e["event"] for e in history]
    assert events.count("registration") == count + 1 and events.count("assignment") == 1
    registry = json.loads(run_action(command="show", model="").outputs["registry"])
    assert registry["churn"]["version"] == f"v0.0.{count + 1}"
    assert registry["churn"]["stage"]["prod"] == newest
    assert "churnx" in registry and "churn-v2" in registry  # the registry reads every model
