"""What `download` writes for a path Git tracks itself, decided from Git's listing, and the
checks each blob's bytes pass: pure, on values."""

from __future__ import annotations

import hashlib

import pytest

from registry_action.core.dvc_files import ArtifactError
from registry_action.core.errors import BackendError
from registry_action.core.repository import TreeEntry, blob_id
from registry_action.decide.download import check_blob, from_git

COMMIT = "c" * 40
LFS = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    b"size 12345\n"
)


def blob(path: str, data: bytes = b"x", mode: str = "100644") -> TreeEntry:
    return TreeEntry(path, blob_id(data, "0" * 40), "blob", len(data), mode)


def folder(path: str) -> TreeEntry:
    return TreeEntry(path, "t" * 40, "tree", None, "040000")


def test_blob_id_is_gits_own() -> None:
    # `git hash-object` of nothing and of "hello\n" (tests/backends/test_tree.py checks
    # every blob of a real repository).
    assert blob_id(b"", "0" * 40) == "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
    assert blob_id(b"hello\n", "0" * 40) == "ce013625030ba8dba906f756967f9e9ca394464a"
    # A SHA-256 repository's ids are 64 hex digits (git's hash-function-transition).
    assert blob_id(b"hi", "0" * 64) == hashlib.sha256(b"blob 2\0hi").hexdigest()


def test_a_file_is_the_target_itself() -> None:
    entry = blob("models/churn.pkl")
    assert from_git("models/churn.pkl", COMMIT, (entry,)) == [("", entry)]


def test_a_folder_is_its_files_by_their_paths_under_it() -> None:
    a, b = blob("bundle/a.bin"), blob("bundle/deep/b.bin", mode="100755")
    listing = (folder("bundle"), a, folder("bundle/deep"), b)
    assert from_git("bundle/", COMMIT, listing) == [("a.bin", a), ("deep/b.bin", b)]


def test_nothing_there_names_the_path_and_the_commit() -> None:
    with pytest.raises(ArtifactError) as err:
        from_git("models/seg.pt", COMMIT, ())
    assert f"Neither DVC nor Git holds models/seg.pt at commit {COMMIT}" in err.value.message


def test_a_folder_of_submodules_only_holds_no_file() -> None:
    with pytest.raises(ArtifactError, match="holds no file Git tracks"):
        from_git("vendor", COMMIT, (folder("vendor"),))


def test_an_entry_that_would_write_outside_the_target_is_refused() -> None:
    with pytest.raises(ArtifactError, match="refuses"):
        from_git("bundle", COMMIT, (blob("bundle/../../etc/passwd"),))


def test_bytes_that_are_not_the_blob_are_refused() -> None:
    entry = blob("bundle/run.sh", b"#!/bin/sh\n")
    check_blob(entry, b"#!/bin/sh\n")
    with pytest.raises(BackendError) as err:
        check_blob(entry, b"#!/bin/sh\nrm -rf /\n")
    assert f"Git blob {entry.oid} (bundle/run.sh) came back corrupted" in err.value.message


def test_an_lfs_pointer_is_refused_rather_than_shipped() -> None:
    with pytest.raises(ArtifactError, match="Git LFS pointer"):
        check_blob(blob("models/big.bin", LFS), LFS)
    text = LFS + b"x" * 1024  # no pointer is that long: a file that only starts like one
    check_blob(blob("notes.txt", text), text)
