"""`download`: the bytes of the version `show MODEL` chooses, from its DVC remote, no DVC;
or, for a path Git tracks itself, the Git blobs at the version's commit, from the backend.

Every file is written to a temporary name beside the target, checked (against the md5 DVC
recorded, or the blob's Git object id) and renamed only then; a directory is built under a
temporary name and renamed whole at the end. After any failure nothing is left at the target.

The shells import this module only for `download`: it loads the object-store client.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from registry_action.backends.base import Backend
from registry_action.commands.read import Deployable, deployable
from registry_action.core.dvc_files import Artifact
from registry_action.core.dvc_hash import DvcMd5
from registry_action.core.grammar import ModelName
from registry_action.core.repository import TreeEntry
from registry_action.decide.download import (
    Fetch,
    check_blob,
    downloadable,
    from_git,
    from_manifest,
    single,
)
from registry_action.storage.objects import ObjectReader, StorageError

WORKERS = 16  # a directory's files at once: object stores answer many small reads in parallel
# Git blobs at once: each is a request to GitHub, which asks clients not to send many at once
# (its secondary rate limits count concurrent requests).
GIT_WORKERS = 4

# Writes one file, verified, at the (temporary) path given; returns the bytes written.
Fill = Callable[[Path], int]


@dataclass(frozen=True)
class Downloaded:
    chosen: Deployable
    path: Path
    bytes: int

    def outputs(self) -> dict[str, str]:
        return self.chosen.outputs() | {
            "downloaded": str(self.path),
            "downloaded-bytes": str(self.bytes),
        }


def download(
    backend: Backend,
    model: ModelName,
    commit: str,
    *,
    root: Path,
    stage: str = "",
    version: str = "",
    target: str = "",
    remote_url: str = "",
) -> Downloaded:
    """Fetch the chosen version's artifact to `target` (default: its path under `root`, where
    a relative local remote is found too)."""
    chosen = deployable(
        backend, model, commit, stage=stage, version=version, remote_url=remote_url, strict=True
    )
    source = downloadable(chosen.facts, name=model.full, stage=stage)
    path = Path(target) if target else root / source.path
    if source.artifact is not None:
        files, workers = _from_dvc(source.artifact, root), WORKERS
    else:  # DVC tracks nothing there: what Git holds at the version's commit
        files, workers = _from_git(backend, source.path, source.commit), GIT_WORKERS
    if len(files) == 1 and not files[0][0]:
        written = _write_file(files[0][1], path)
    else:
        written = _write_dir(files, path, workers)
    return Downloaded(chosen, path, written)


def _from_dvc(artifact: Artifact, root: Path) -> list[tuple[str, Fill]]:
    """The artifact's files (relpath under the target, '' for the target itself), each
    streamed from the DVC remote."""
    reader = ObjectReader(artifact.remote, root)
    if artifact.is_dir:
        manifest = _verified(reader, single(artifact))
        fetches = from_manifest(artifact, manifest.decode("utf-8"))
    else:
        fetches = [single(artifact)]
    return [(fetch.relpath, partial(_stream, reader, fetch)) for fetch in fetches]


def _from_git(backend: Backend, path: str, commit: str) -> list[tuple[str, Fill]]:
    """The blobs Git holds at `path` at `commit`: one listing, then each blob."""
    entries = from_git(path, commit, backend.tree(commit, path))
    return [(rel, partial(_git_blob, backend, entry)) for rel, entry in entries]


def _git_blob(backend: Backend, entry: TreeEntry, path: Path) -> int:
    """One blob into `path`, checked against its object id; its mode as Git records it (an
    executable keeps its x bits, a symlink is one)."""
    data = backend.blob(entry.oid)
    check_blob(entry, data)
    if entry.symlink:
        path.unlink(missing_ok=True)
        os.symlink(data, path)
        return len(data)
    path.write_bytes(data)
    if entry.executable:  # as git checkout does: x wherever r is, within the umask
        mode = path.stat().st_mode & 0o777
        path.chmod(mode | ((mode & 0o444) >> 2))
    return len(data)


def _verified(reader: ObjectReader, fetch: Fetch) -> bytes:
    """A small object (a directory's manifest) in memory, checked."""
    md5 = DvcMd5(legacy=fetch.legacy)
    data = b"".join(reader.chunks(fetch.key))
    md5.update(data)
    _check(reader, fetch, md5.hexdigest())
    return data


def _check(reader: ObjectReader, fetch: Fetch, got: str) -> None:
    want = fetch.md5.removesuffix(".dir")
    if got != want:
        raise StorageError(
            f"Object {reader.url(fetch.key)} in remote {reader.remote.name} is corrupted: its "
            f"md5 is {got}, DVC recorded {want}.",
            "Push the version again from a clean cache (`dvc push`), or fix the remote.",
        )


def _stream(reader: ObjectReader, fetch: Fetch, path: Path) -> int:
    """One object into `path` (a temporary name), verified; the bytes written."""
    md5 = DvcMd5(legacy=fetch.legacy)
    size = 0
    with open(path, "wb") as out:
        for chunk in reader.chunks(fetch.key):
            out.write(chunk)
            md5.update(chunk)
            size += len(chunk)
    _check(reader, fetch, md5.hexdigest())
    return size


def _temporary(path: Path, *, directory: bool) -> Path:
    """A fresh name beside `path`, so the final rename stays on one filesystem; with the
    mode a plain `open` or `mkdir` would give (mkstemp's is 0600, mkdtemp's 0700)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.download-"
    if directory:
        made = Path(tempfile.mkdtemp(prefix=prefix, dir=path.parent))
        made.chmod(0o777 & ~_UMASK)
        return made
    fd, name = tempfile.mkstemp(prefix=prefix, dir=path.parent)
    os.close(fd)
    os.chmod(name, 0o666 & ~_UMASK)
    return Path(name)


def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; set it back at once
    os.umask(mask)
    return mask


_UMASK = _umask()


def _write_file(fill: Fill, path: Path) -> int:
    temporary = _temporary(path, directory=False)
    try:
        size = fill(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return size


def _write_dir(files: list[tuple[str, Fill]], path: Path, workers: int = WORKERS) -> int:
    """The files (relpath, how to write it) `workers` at a time under a temporary folder,
    then the folder renamed into place (an older one at `path` replaced only once the new
    one is whole)."""
    temporary = _temporary(path, directory=True)
    try:
        pool = ThreadPoolExecutor(workers)
        try:
            jobs = []
            for relpath, fill in files:
                file = temporary / relpath
                file.parent.mkdir(parents=True, exist_ok=True)  # mkdir's own mode
                jobs.append(pool.submit(fill, file))
            size = sum(job.result() for job in jobs)
        finally:
            pool.shutdown(cancel_futures=True)  # the first failure stops what has not started
        if path.exists():
            old = _temporary(path, directory=True)
            os.replace(path, old / path.name)
            os.replace(temporary, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, path)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return size
