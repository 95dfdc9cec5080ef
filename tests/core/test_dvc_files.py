"""The resolver's rules on DVC's files as text (tests/storage checks them against DVC)."""

from __future__ import annotations

import hashlib

import pytest

from registry_action.core.dvc_files import (
    ArtifactError,
    manifest_entries,
    missing_files,
    needed_files,
    object_url,
    resolve,
)
from registry_action.core.dvc_hash import CHUNK, DvcMd5
from registry_action.core.repository import FileText

MD5 = "0123456789abcdef0123456789abcdef"
CONFIG = """\
[core]
    remote = store
['remote "store"']
    url = s3://bucket/dvc
    endpointurl = http://127.0.0.1:9000
['remote "other"']
    url = remote://store/sub
['remote "near"']
    url = ../storage
"""


def files() -> dict[str, FileText]:
    return {".dvc/config": CONFIG}


def test_layouts() -> None:
    assert object_url("s3://b/x/", MD5, legacy=False) == f"s3://b/x/files/md5/01/{MD5[2:]}"
    assert object_url("s3://b/x", MD5, legacy=True) == f"s3://b/x/01/{MD5[2:]}"


def test_a_dvc_file_next_to_the_path() -> None:
    dvc = f"outs:\n- md5: {MD5}\n  size: 12\n  hash: md5\n  path: model.pkl\n"
    found = resolve("models/model.pkl", {".dvc/config": CONFIG, "models/model.pkl.dvc": dvc})
    assert found is not None
    assert (found.md5, found.size, found.legacy, found.remote.name) == (MD5, 12, False, "store")
    assert found.remote.options["endpointurl"] == "http://127.0.0.1:9000"
    assert found.url == f"s3://bucket/dvc/files/md5/01/{MD5[2:]}"


def test_a_path_inside_a_tracked_directory() -> None:
    dvc = f"outs:\n- md5: {MD5}.dir\n  nfiles: 3\n  hash: md5\n  path: data\n"
    found = resolve("data/sub/cat.txt", {".dvc/config": CONFIG, "data.dvc": dvc})
    assert found is not None and found.is_dir and found.inner == "sub/cat.txt"
    assert found.files == 3


def test_a_stage_output_relative_to_its_wdir() -> None:
    lock = f"schema: '2.0'\nstages:\n  train:\n    outs:\n    - path: model.bin\n      md5: {MD5}\n"
    yaml = "stages:\n  train:\n    wdir: work\n    cmd: x\n"
    found = resolve(
        "sub/work/model.bin",
        {".dvc/config": CONFIG, "sub/dvc.lock": lock, "sub/dvc.yaml": yaml},
    )
    assert found is not None and found.source == "sub/dvc.lock" and found.legacy


def test_the_outputs_own_remote_and_references() -> None:
    dvc = f"outs:\n- md5: {MD5}\n  path: m\n  remote: other\n"
    found = resolve("m", {".dvc/config": CONFIG, "m.dvc": dvc})
    assert found is not None and found.remote.url == "s3://bucket/dvc/sub"
    near = resolve("m", {".dvc/config": CONFIG, "m.dvc": dvc.replace("other", "near")})
    assert near is not None and near.remote.url == "storage"  # relative to .dvc/
    overridden = resolve("m", {".dvc/config": CONFIG, "m.dvc": dvc}, remote_url="https://h/x")
    assert overridden is not None and overridden.remote.url == "https://h/x"


def test_git_tracked_or_no_path() -> None:
    assert resolve("README.md", files()) is None
    assert resolve("", files()) is None
    assert resolve("s3://bucket/model.pkl", files()) is None


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ("[core]\n    remote = v\n['remote \"v\"']\n    url = s3://b\n    version_aware = true\n",
         "cloud-versioned"),
        ("[core]\n    remote = v\n['remote \"v\"']\n    url = ssh://h/x\n", "ssh remote"),
        ("[core]\n    remote = gone\n", "not declared"),
        ("", "no core.remote"),
    ],
)  # fmt: skip
def test_refusals(config: str, words: str) -> None:
    dvc = f"outs:\n- md5: {MD5}\n  path: m\n"
    with pytest.raises(ArtifactError, match=words):
        resolve("m", {".dvc/config": config, "m.dvc": dvc})


def test_needed_files() -> None:
    needed = needed_files("cv", "cv/models/seg.pt")
    assert needed[:3] == ("cv/models/seg.pt.dvc", "cv/models.dvc", "cv.dvc")
    assert {"cv/dvc.lock", "cv/models/dvc.lock", "dvc.lock", ".dvc/config"} <= set(needed)


def test_a_manifest_may_not_escape() -> None:
    good = f'[{{"md5": "{MD5}", "relpath": "a/b.png"}}]'
    assert manifest_entries(good, "x") == [("a/b.png", MD5)]
    for bad in ("../x", "/etc/passwd", "a/../../x"):
        with pytest.raises(ArtifactError):
            manifest_entries(f'[{{"md5": "{MD5}", "relpath": "{bad}"}}]', "x")


def test_dos2unix_per_chunk_as_dvc_data() -> None:
    """md5-dos2unix: each 1 MiB chunk whose first 512 bytes look like text is hashed with
    CRLF as LF (dvc_data/hashfile/hash.py), whatever sizes the stream arrives in."""
    text = b"line\r\n" * (CHUNK // 3)  # two chunks, both text
    binary = b"\x00\r\n" * 1000
    for data in (text, binary, text + binary, b""):
        expected = hashlib.md5()
        for at in range(0, len(data), CHUNK):
            chunk = data[at : at + CHUNK]
            head = chunk[:512]
            is_text = b"\x00" not in head
            expected.update(chunk.replace(b"\r\n", b"\n") if is_text else chunk)
        md5 = DvcMd5(legacy=True)
        for at in range(0, len(data), 70_001):
            md5.update(data[at : at + 70_001])
        assert md5.hexdigest() == expected.hexdigest()
        plain = DvcMd5(legacy=False)
        plain.update(data)
        assert plain.hexdigest() == hashlib.md5(data).hexdigest()


def test_dos2unix_agrees_with_dvc_data() -> None:
    from io import BytesIO

    from dvc_data.hashfile.hash import fobj_md5

    data = b"a\r\nb\r\n" * 300_000 + bytes(range(256)) * 5000
    md5 = DvcMd5(legacy=True)
    md5.update(data)
    assert md5.hexdigest() == fobj_md5(BytesIO(data), name="md5-dos2unix")


def test_a_dvc_lock_that_records_the_path_settles_what_else_to_read() -> None:
    """DVC refuses overlapping outputs, so once a dvc.lock records the path (or a folder
    above it) no `.dvc` file can track it: nothing more to read."""
    lock = (
        "schema: '2.0'\nstages:\n  train:\n    cmd: c\n    outs:\n"
        "    - path: models\n      md5: 0123456789abcdef0123456789abcdef.dir\n"
    )
    have: dict[str, str | None] = {"dvc.lock": lock, "dvc.yaml": "stages: {}\n"}
    assert missing_files("", "models/churn.pkl", have) == ()
    # Not recorded there, or unreadable: every candidate is still to be read.
    other = lock.replace("path: models", "path: data")
    assert "models/churn.pkl.dvc" in missing_files("", "models/churn.pkl", {"dvc.lock": other})
    assert "models.dvc" in missing_files("", "models/churn.pkl", {"dvc.lock": "stages: [\n"})
    assert "dvc.lock" not in missing_files("", "models/churn.pkl", {"dvc.lock": other})
