"""Tag discovery that cannot miss, whatever GitHub's `refs(query:)` means (issue 19,
finding 2; docs/discovery.md): every name the grammar allows finds all of its tags, and
only its own, under each way the stand-in can match a query."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.standin import StandIn
from harness.standin.gitrepo import commit, run_git, tag
from harness.standin.graphql_api import REF_QUERY_MODES, query_matches
from registry_action.backends.github.backend import GitHubBackend
from registry_action.backends.github.queries import ref_query, tag_listing
from registry_action.core.grammar import ModelName
from tests.helpers import Run, head

# `_`, `-`, `.`, `/`, leading digits, `dir:name`, and the two together.
NAMES = (
    "churn", "my_model", "churn-v2", "3d_seg", "2churn", "team/churn", "ml_models/churn",
    "my_dir:churn", "a.b:seg", "cv:pool-segmentation", "x_y/z_w:m_n", "_dot:churn",
)  # fmt: skip


def model_tags(name: str) -> set[str]:
    in_tag = ModelName.parse(name).in_tag
    return {f"{in_tag}@v1.0.0", f"{in_tag}@v1.1.0", f"{in_tag}#prod#1", f"{in_tag}@v1.0.0!#2"}


@pytest.mark.parametrize("mode", REF_QUERY_MODES)
def test_every_name_finds_all_its_tags_and_only_its_own_in_every_query_mode(
    standin: StandIn, git_repo: Path, mode: str
) -> None:
    standin.ref_query = mode
    sha = head(git_repo)
    for name in NAMES:
        for t in model_tags(name):
            tag(git_repo, t, sha)
    backend = GitHubBackend("acme/models", "test-read-token", standin.api_url, standin.graphql_url)
    for name in NAMES:
        read = backend.read(ModelName.parse(name), sha, stages=True)
        assert {t.name for t in read.tags} == model_tags(name), (mode, name)


@pytest.mark.parametrize("name", NAMES)
def test_the_query_sent_matches_every_tag_of_the_model_in_every_mode(name: str) -> None:
    """The rule itself, mode by mode: a query is sent only when each mode finds all the
    model's tags with it; else none is, and the listing under refPrefix is read whole."""
    ref_prefix, query = tag_listing(ModelName.parse(name))
    folder = ref_prefix.removeprefix("refs/tags/")
    relative = [t.removeprefix(folder) for t in model_tags(name)]
    assert all(t.startswith(folder) for t in model_tags(name))
    for mode in REF_QUERY_MODES:
        assert all(query_matches(mode, query, r) for r in relative), (mode, name, query)


def test_a_query_that_some_mode_would_miss_is_not_sent() -> None:
    # `my` finds `my_model@…` as a prefix, but not as a `\w` word: no query can serve both
    # that mode and the punctuation-stripped one, so the listing is read whole.
    assert not query_matches("wwords", "my", "my_model@v1.0.0")
    assert ref_query("my_model@") == ""
    assert tag_listing(ModelName.parse("ml_models/churn")) == ("refs/tags/ml_models/", "churn")
    assert tag_listing(ModelName.parse("churn")) == ("refs/tags/", "churn")


@pytest.mark.parametrize("mode", REF_QUERY_MODES)
def test_a_model_with_an_underscore_registers_after_its_latest_version_in_every_mode(
    standin: StandIn, git_repo: Path, run_action: Callable[..., Run], mode: str
) -> None:
    """What a missed read would do: register v0.0.1 again and tag the image `latest`."""
    standin.ref_query = mode
    for n in (1, 2):
        tag(git_repo, f"my_dir=my_model@v1.{n}.0", commit(git_repo, {"f": str(n)}, f"c{n}"))
    tag(git_repo, "my_dir=my_model#prod#1", head(git_repo))
    commit(git_repo, {"f": "3"}, "c3")
    registered = run_action(model="my_dir:my_model", require_annotation="false")
    assert registered.code == 0, registered.stdout
    assert registered.outputs["version"] == "v1.2.1"
    assert registered.outputs["previous-version"] == "v1.2.0"
    again = run_action(model="my_dir:my_model", require_annotation="false")
    assert again.code == 0 and again.outputs["version"] == "v1.2.1"  # the same commit: no new tag
    assert again.outputs["created"] == "false"


def test_what_a_read_costs_is_what_docs_discovery_md_says(standin: StandIn, git_repo: Path) -> None:
    """docs/discovery.md's cost table: a name served by a query pays for its matches only; a
    name with `_` after its first run reads every tag under its folder, 100 a request."""
    sha = head(git_repo)
    others = [f"refs/tags/other{n:03}@v0.0.1" for n in range(250)]
    others += [f"refs/tags/team/other{n:03}@v0.0.1" for n in range(30)]
    run_git(git_repo, "update-ref", "--stdin", input="".join(f"create {r} {sha}\n" for r in others))
    backend = GitHubBackend("acme/models", "test-read-token", standin.api_url, standin.graphql_url)
    for name, requests in (("churn", 1), ("team/churn", 1), ("my_model", 3), ("team/my_m", 1)):
        standin.reset_log()
        read = backend.read(ModelName.parse(name), sha, stages=True)
        assert read.tags == () and len(standin.requests) == requests, (name, standin.requests)
