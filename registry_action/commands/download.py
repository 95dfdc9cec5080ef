"""`download`: the bytes of the version `show MODEL` chooses, from its DVC remote, no DVC.

Every file is streamed to a temporary name beside the target, checked against the md5 DVC
recorded and renamed only then; a directory is built under a temporary name and renamed
whole at the end. After any failure nothing is left at the target.

The shells import this module only for `download`: it loads the object-store client.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from registry_action.backends.base import Backend
from registry_action.commands.read import Deployable, deployable
from registry_action.core.dvc_hash import DvcMd5
from registry_action.core.grammar import ModelName
from registry_action.decide.download import Fetch, downloadable, from_manifest, single
from registry_action.storage.objects import ObjectReader, StorageError

WORKERS = 16  # a directory's files at once: object stores answer many small reads in parallel


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
    artifact = downloadable(chosen.facts, name=model.full, stage=stage)
    reader = ObjectReader(artifact.remote, root)
    path = Path(target) if target else root / artifact.path
    if artifact.is_dir:
        manifest = _verified(reader, single(artifact))
        fetches = from_manifest(artifact, manifest.decode("utf-8"))
    else:
        fetches = [single(artifact)]
    if len(fetches) == 1 and not fetches[0].relpath:
        written = _write_file(reader, fetches[0], path)
    else:
        written = _write_dir(reader, fetches, path)
    return Downloaded(chosen, path, written)


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


def _write_file(reader: ObjectReader, fetch: Fetch, path: Path) -> int:
    temporary = _temporary(path, directory=False)
    try:
        size = _stream(reader, fetch, temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return size


def _write_dir(reader: ObjectReader, fetches: list[Fetch], path: Path) -> int:
    """The files concurrently under a temporary folder, then the folder renamed into place
    (an older one at `path` replaced only once the new one is whole)."""
    temporary = _temporary(path, directory=True)
    try:
        pool = ThreadPoolExecutor(WORKERS)
        try:
            jobs = []
            for fetch in fetches:
                file = temporary / fetch.relpath
                file.parent.mkdir(parents=True, exist_ok=True)  # mkdir's own mode
                jobs.append(pool.submit(_stream, reader, fetch, file))
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
