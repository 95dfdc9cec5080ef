"""`Backend.tree`: a repository's listing at a commit, from both backends, checked against
`git ls-tree` itself."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
import responses

from harness.inprocess import TOKEN
from harness.standin import StandIn
from harness.standin.gitrepo import commit, run_git
from registry_action.backends.git import GitBackend
from registry_action.backends.github.backend import GitHubBackend
from registry_action.core.errors import BackendError, RepositoryNotFound, TreeTruncated
from registry_action.core.repository import TreeEntry, blob_id
from tests.backends.github_http import COMMIT, REPO

# Nested folders, a folder named like a glob, spaces, a tab and a newline, non-ASCII text.
FILES = {
    "models/churn.pkl": "weights\n",
    "models/cv/seg.pt": "seg\n",
    "models/cv/deep/er/layers.bin": "layers\n",
    "models/cv*/glob.txt": "not matched by models/cv\n",
    "models/cvx.txt": "beside models/cv, not in it\n",
    "data/with space\tand tab\nline.csv": "a,b\n",
    "données/modèle.txt": "é\n",
}


def ls_tree(repo: Path, commit: str) -> list[TreeEntry]:
    """What git itself lists: every blob and tree, recursively, with sizes."""
    out = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "-r", "-t", "-l", "-z", commit],
        check=True,
        capture_output=True,
    ).stdout
    entries = []
    for record in filter(None, out.split(b"\0")):
        meta, _, name = record.partition(b"\t")
        _, kind, oid, size = meta.decode().split()
        path = name.decode("utf-8", "surrogateescape")
        entries.append(TreeEntry(path, oid, kind, None if size == "-" else int(size)))
    return entries


@pytest.fixture
def nested(git_repo: Path) -> str:
    commit(git_repo, FILES, "Nested folders")
    (git_repo / "run.sh").write_text("#!/bin/sh\n")
    (git_repo / "run.sh").chmod(0o755)
    run_git(git_repo, "add", "run.sh")
    return commit(git_repo, {}, "An executable")


def backends(standin: StandIn, git_repo: Path) -> list[GitHubBackend | GitBackend]:
    return [
        GitHubBackend("acme/models", TOKEN, standin.api_url, standin.graphql_url),
        GitBackend(git_repo),
    ]


def test_both_backends_list_what_git_ls_tree_lists(
    standin: StandIn, git_repo: Path, nested: str
) -> None:
    listed = ls_tree(git_repo, nested)
    assert {e.kind for e in listed} == {"blob", "tree"}
    for backend in backends(standin, git_repo):
        assert list(backend.tree(nested)) == listed, backend


def test_a_path_lists_itself_and_what_is_under_it_and_nothing_beside_it(
    standin: StandIn, git_repo: Path, nested: str
) -> None:
    listed = ls_tree(git_repo, nested)
    folder = [e for e in listed if e.path == "models/cv" or e.path.startswith("models/cv/")]
    assert [e.path for e in folder] == [
        "models/cv", "models/cv/deep", "models/cv/deep/er", "models/cv/deep/er/layers.bin",
        "models/cv/seg.pt",
    ]  # fmt: skip
    seg = [e for e in listed if e.path == "models/cv/seg.pt"]
    assert seg[0].size == len("seg\n") and seg[0].oid == run_git(
        git_repo, "rev-parse", f"{nested}:models/cv/seg.pt"
    )
    star = [e for e in listed if e.path.startswith("models/cv*")]
    for backend in backends(standin, git_repo):
        assert backend.tree(nested, "models/cv") == tuple(folder), backend
        assert backend.tree(nested, "models/cv/") == tuple(folder), backend
        # A file is its own listing: not its folders, which `git ls-tree -t` adds.
        assert backend.tree(nested, "models/cv/seg.pt") == tuple(seg), backend
        assert backend.tree(nested, "models/cv*") == tuple(star), backend  # not a glob
        assert backend.tree(nested, "models/nope") == (), backend


def test_an_older_commit_lists_its_own_tree(standin: StandIn, git_repo: Path, nested: str) -> None:
    first = run_git(git_repo, "rev-list", "--max-parents=0", "HEAD")
    for backend in backends(standin, git_repo):
        assert [e.path for e in backend.tree(first)] == ["README.md", "cv", "cv/dvc.yaml",
                                                         "dvc.yaml"]  # fmt: skip
        assert backend.tree(first, "models") == ()


def test_a_path_that_is_not_utf8_comes_back_as_its_bytes(git_repo: Path) -> None:
    name = b"caf\xe9/raw\xff\xfe.bin"  # Latin-1 and stray bytes: git keeps any
    (git_repo / "caf\udce9").mkdir()
    (git_repo / name.decode("utf-8", "surrogateescape")).write_bytes(b"x")
    run_git(git_repo, "add", "-A")
    sha = commit(git_repo, {}, "Bytes in names")
    paths = [e.path for e in GitBackend(git_repo).tree(sha)]
    assert paths == [e.path for e in ls_tree(git_repo, sha)]
    assert name in [p.encode("utf-8", "surrogateescape") for p in paths]


def test_each_blob_comes_back_as_its_object_id_says(
    standin: StandIn, git_repo: Path, nested: str
) -> None:
    blobs = [e for e in ls_tree(git_repo, nested) if e.kind == "blob"]
    for backend in backends(standin, git_repo):
        for entry in blobs:
            data = backend.blob(entry.oid)
            assert blob_id(data, entry.oid) == entry.oid and len(data) == entry.size
    modes = {e.path: e.mode for e in GitBackend(git_repo).tree(nested)}
    assert modes["run.sh"] == "100755" and modes["models"] == "040000"
    assert modes == {e.path: e.mode for e in backends(standin, git_repo)[0].tree(nested)}


def test_a_truncated_listing_through_the_stand_in_is_refused(
    standin: StandIn, git_repo: Path, nested: str
) -> None:
    standin.tree_limit = 3
    github = GitHubBackend("acme/models", TOKEN, standin.api_url, standin.graphql_url)
    with pytest.raises(TreeTruncated, match=r"truncated after 3 entries"):
        github.tree(nested, "models")
    assert len(GitBackend(git_repo).tree(nested)) > 3  # a clone has no such limit


# -- GitHub's answers, canned ------------------------------------------------------------


def tree_answer(truncated: bool) -> dict[str, object]:
    blob = {"path": "models/a.bin", "mode": "100644", "type": "blob", "sha": "a" * 40, "size": 3}
    folder = {"path": "models", "mode": "040000", "type": "tree", "sha": "b" * 40}
    module = {"path": "vendor", "mode": "160000", "type": "commit", "sha": "c" * 40}
    return {"sha": "d" * 40, "url": "", "tree": [folder, blob, module], "truncated": truncated}


def test_one_request_lists_the_whole_tree(
    backend: GitHubBackend, http: responses.RequestsMock
) -> None:
    http.get(f"{REPO}/git/trees/{COMMIT}?recursive=1", json=tree_answer(False))
    assert backend.tree(COMMIT) == (  # the submodule is not listed: its files are elsewhere
        TreeEntry("models", "b" * 40, "tree", None),
        TreeEntry("models/a.bin", "a" * 40, "blob", 3),
    )
    assert len(http.calls) == 1


def test_a_truncated_answer_is_a_clear_refusal(
    backend: GitHubBackend, http: responses.RequestsMock
) -> None:
    http.get(f"{REPO}/git/trees/{COMMIT}?recursive=1", json=tree_answer(True))
    with pytest.raises(TreeTruncated) as err:
        backend.tree(COMMIT, "models")
    assert "too large to list in one request" in err.value.message
    assert "local clone" in err.value.hint
    assert err.value.title == "Tree too large"


def test_a_blob_is_base64_in_lines(backend: GitHubBackend, http: responses.RequestsMock) -> None:
    data = bytes(range(256))
    text = base64.b64encode(data).decode()
    lines = "".join(text[i : i + 60] + "\n" for i in range(0, len(text), 60))
    answer = {"sha": "a" * 40, "node_id": "B", "size": 256, "url": "", "encoding": "base64"}
    http.get(f"{REPO}/git/blobs/{'a' * 40}", json=answer | {"content": lines})
    assert backend.blob("a" * 40) == data


@pytest.mark.parametrize(
    "answer",
    [
        {"content": "not base64!", "encoding": "base64"},
        {"content": "aGk=", "encoding": "utf-8"},
        ["not", "a", "blob"],
    ],
)
def test_an_answer_that_is_not_a_blob_is_refused(
    backend: GitHubBackend, http: responses.RequestsMock, answer: object
) -> None:
    http.get(f"{REPO}/git/blobs/{'a' * 40}", json=answer)
    with pytest.raises(BackendError, match=f"blob {'a' * 40}"):
        backend.blob("a" * 40)


def test_a_missing_commit_goes_through_the_usual_refusals(
    backend: GitHubBackend, http: responses.RequestsMock
) -> None:
    http.get(f"{REPO}/git/trees/{COMMIT}?recursive=1", status=404, json={"message": "Not Found"})
    with pytest.raises(RepositoryNotFound):
        backend.tree(COMMIT)
