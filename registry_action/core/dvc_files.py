"""DVC's own files, read without DVC: from an artifact's path to its object in storage.

Pure: text in (`.dvc` files, `dvc.lock`, dvc.yaml, `.dvc/config` at one commit), paths,
hashes and URLs out. The rules are DVC 3.67's; `shared/reference/dvc.md` cites the source of
each (`dvc/output.py`, `dvc/data_cloud.py`, `dvc_objects/db.py`, `dvc/config_schema.py`).
"""

from __future__ import annotations

import configparser
import json
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from registry_action.core.dvc_yaml import load_yaml
from registry_action.core.errors import AnnotationError, RegistryError
from registry_action.core.repository import FileText

CONFIG = ".dvc/config"
DIR_SUFFIX = ".dir"  # `HASH_DIR_SUFFIX` (dvc_data/hashfile/hash_info.py)
# What this resolver fetches from: the schemes obstore speaks, and local paths.
SCHEMES = ("s3", "gs", "azure", "http", "https")
_SECTION = re.compile(r"""^'?remote\s+"(?P<name>[^"]+)"'?$""")
_MD5 = re.compile(r"[0-9a-f]{32}(\.dir)?")


class ArtifactError(RegistryError):
    """A version's DVC files or remote cannot be resolved to a storage object."""

    title = "Artifact not resolvable"


@dataclass(frozen=True)
class Remote:
    """A DVC remote as `.dvc/config` at the commit declares it (URL possibly overridden)."""

    name: str
    url: str  # a URL, or a local path (repository-relative when the config gave it relative)
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        """`s3`, `gs`, `azure`, `http(s)`; empty for a local path."""
        head, sep, _ = self.url.partition("://")
        return head.lower() if sep else ""


@dataclass(frozen=True)
class Artifact:
    """The DVC output that holds a model's path, and where its object lives."""

    path: str  # the artifact's repository path
    output: str  # the DVC output's repository path: `path`, or a directory holding it
    source: str  # the file that records the hash: a `.dvc` file or a `dvc.lock`
    md5: str  # as DVC records it; a directory's ends in `.dir`
    legacy: bool  # a DVC 2 output (no `hash: md5`): md5-dos2unix, legacy layout
    size: int | None
    nfiles: int | None
    remote: Remote

    @property
    def is_dir(self) -> bool:
        return self.md5.endswith(DIR_SUFFIX)

    @property
    def inner(self) -> str:
        """The path inside the tracked directory; empty when the output is the path."""
        return "" if self.output == self.path else posixpath.relpath(self.path, self.output)

    @property
    def url(self) -> str:
        """The object's URL; for a directory, its `.dir` manifest's."""
        return object_url(self.remote.url, self.md5, legacy=self.legacy)

    @property
    def files(self) -> int:
        return (self.nfiles or 0) if self.is_dir else 1


def object_key(md5: str, *, legacy: bool) -> str:
    """An object's path under its remote: `files/md5/ab/cdef…` for DVC 3 objects, `ab/cdef…`
    for DVC 2 ones (`Remote.odb` and `Remote.legacy_odb` in dvc/data_cloud.py;
    `oid_to_path` in dvc_objects/db.py)."""
    return f"{md5[:2]}/{md5[2:]}" if legacy else f"files/md5/{md5[:2]}/{md5[2:]}"


def object_url(base: str, md5: str, *, legacy: bool) -> str:
    """The object's URL under the remote's URL `base`."""
    return f"{base.rstrip('/')}/{object_key(md5, legacy=legacy)}"


def _ancestors(path: str) -> Iterator[str]:
    """`path`, then each folder above it, deepest first (not the root itself)."""
    while path and path not in (".", "/"):
        yield path
        path = posixpath.dirname(path)


def needed_files(annotation_folder: str, path: str) -> tuple[str, ...]:
    """The files a read must hand over to resolve `path` (repository-relative): the `.dvc`
    files that could track it or a folder holding it, the `dvc.lock` (and its dvc.yaml, for
    the stages' `wdir`) beside the declaring dvc.yaml and in each folder above the path, and
    `.dvc/config`."""
    if not path or "://" in path:
        return ()
    dvc_files = [f"{p}.dvc" for p in _ancestors(path)]
    folders = [annotation_folder, *_ancestors(posixpath.dirname(path)), ""]
    locks: list[str] = []
    for folder in folders:
        for name in ("dvc.lock", "dvc.yaml"):
            found = posixpath.join(folder, name) if folder not in ("", ".") else name
            if found not in locks:
                locks.append(found)
    return (*dvc_files, *locks, CONFIG)


def missing_files(
    annotation_folder: str, path: str, have: Mapping[str, FileText]
) -> tuple[str, ...]:
    """What `needed_files` names that `have` lacks; nothing when a `dvc.lock` in `have`
    already records `path` or a folder above it as a stage's output: DVC refuses outputs
    that overlap (`OverlappingOutputPathsError`, dvc/repo/graph.py), so no `.dvc` file and
    no other stage can track it too. A registration whose output `dvc.lock` records thus
    needs no read beyond its first, which asks for that `dvc.lock` (`first_files`)."""
    try:
        if _from_locks(path, have) is not None:
            return ()
    except ArtifactError:  # an unreadable lock: `resolve` says so, with everything read
        pass
    return tuple(p for p in needed_files(annotation_folder, path) if p not in have)


def resolve(path: str, files: Mapping[str, FileText], *, remote_url: str = "") -> Artifact | None:
    """The DVC output tracking `path` at the commit `files` were read at, and its remote.

    None when DVC tracks nothing there (a path Git tracks itself, or no path). `remote_url`
    overrides the remote's URL (`.dvc/config.local` is not in Git).
    """
    found = tracked(path, files)
    if found is None:
        return None
    remote = _remote(files, found.out, found.source, remote_url)
    return Artifact(
        path=path,
        output=found.output,
        source=found.source,
        md5=found.md5,
        legacy=found.out.get("hash") != "md5",
        size=_int(found.out.get("size")),
        nfiles=_int(found.out.get("nfiles")),
        remote=remote,
    )


@dataclass(frozen=True)
class Tracked:
    """The DVC output holding a path, as its `.dvc` file or `dvc.lock` records it: what a
    model's content is, whatever remote (if any) holds its bytes."""

    path: str
    output: str  # `path`, or a tracked directory holding it
    source: str
    md5: str
    out: Mapping[str, Any]  # the output's entry as recorded

    @property
    def inner(self) -> str:
        """The path inside the tracked directory; empty when the output is the path."""
        return "" if self.output == self.path else posixpath.relpath(self.path, self.output)


def tracked(path: str, files: Mapping[str, FileText]) -> Tracked | None:
    """The DVC output tracking `path` in `files` (the resolution `resolve` makes, without
    the remote); None when DVC tracks nothing there."""
    if not path or "://" in path:
        return None
    found = _from_dvc_files(path, files) or _from_locks(path, files)
    if found is None:
        return None
    source, out, output = found
    md5 = out.get("md5")
    if not isinstance(md5, str) or not _MD5.fullmatch(md5):
        raise ArtifactError(
            f"The output {output} in {source} records no md5 hash.",
            "Only md5-hashed DVC outputs can be fetched; run `dvc commit` and commit the file.",
            file=source,
        )
    return Tracked(path, output, source, md5, out)


def _from_dvc_files(path: str, files: Mapping[str, FileText]) -> tuple[str, Any, str] | None:
    """The out of a `.dvc` file tracking `path` or a folder above it (paths in `outs` are
    relative to the `.dvc` file's folder: dvc/output.py)."""
    for candidate in _ancestors(path):
        source = f"{candidate}.dvc"
        text = files.get(source)
        if text is None:
            continue
        folder = posixpath.dirname(source)
        for out in _list(_document(text, source).get("outs"), source):
            if _join(folder, out.get("path")) == candidate:
                return source, out, candidate
    return None


def _from_locks(path: str, files: Mapping[str, FileText]) -> tuple[str, Any, str] | None:
    """The out of a `dvc.lock` stage that writes `path` or a folder above it (paths relative
    to the stage's `wdir`, which only its dvc.yaml records)."""
    targets = set(_ancestors(path))
    for source, text in files.items():
        if posixpath.basename(source) != "dvc.lock" or text is None:
            continue
        folder = posixpath.dirname(source)
        stages = _document(text, source).get("stages") or {}
        if not isinstance(stages, dict):
            continue
        wdirs = _wdirs(files.get(posixpath.join(folder, "dvc.yaml") if folder else "dvc.yaml"))
        for name, stage in stages.items():
            if not isinstance(stage, dict):
                continue
            wdir = _join(folder, wdirs.get(name.partition("@")[0], "."))
            for out in _list(stage.get("outs"), source):
                output = _join(wdir, out.get("path"))
                if output in targets:
                    return source, out, output
    return None


def _wdirs(text: FileText) -> dict[str, str]:
    """Each stage's `wdir` in a dvc.yaml (default: its folder); unreadable means none."""
    if not isinstance(text, str):
        return {}
    try:
        stages = (load_yaml(text, "dvc.yaml") or {}).get("stages") or {}
    except (AnnotationError, AttributeError):
        return {}
    if not isinstance(stages, dict):
        return {}
    return {
        name: stage["wdir"]
        for name, stage in stages.items()
        if isinstance(stage, dict) and isinstance(stage.get("wdir"), str)
    }


def _remote(files: Mapping[str, FileText], out: Any, source: str, override: str) -> Remote:
    sections = _config(files.get(CONFIG))
    name = out.get("remote") or sections.get("core", {}).get("remote", "")
    if not isinstance(name, str) or not name:
        raise ArtifactError(
            f"{source} names no remote and {CONFIG} sets no core.remote.",
            "Set a default remote (`dvc remote add -d NAME URL`) and commit .dvc/config.",
            file=CONFIG,
        )
    remotes = {m["name"]: s for k, s in sections.items() if (m := _SECTION.match(k))}
    if name not in remotes:
        raise ArtifactError(
            f"Remote {name} is not declared in {CONFIG} at this commit.",
            "Declare it there, or pass its URL in {remote_url}.",
            file=CONFIG,
        )
    options = dict(remotes[name])
    url = override or _remote_url(name, remotes)
    for flag in ("version_aware", "worktree"):
        if options.get(flag, "").lower() == "true":
            raise ArtifactError(
                f"Remote {name} is cloud-versioned ({flag} = true): its objects are not "
                "content-addressed.",
                "Fetch it with DVC; this action reads content-addressed remotes only.",
                file=CONFIG,
            )
    remote = Remote(name, url, options)
    if "://" in url and remote.scheme not in SCHEMES:
        raise ArtifactError(
            f"Remote {name} is a {remote.scheme} remote, which this action does not fetch.",
            "Use an S3, GCS, Azure, HTTP or local remote.",
            file=CONFIG,
        )
    return remote


def _remote_url(name: str, remotes: Mapping[str, Mapping[str, str]], depth: int = 0) -> str:
    """The remote's URL: `remote://other/sub` refers to another remote
    (`_resolve_remote_refs`, dvc/fs/__init__.py), a relative local path to the config's
    folder (`Config._resolve`)."""
    url = remotes.get(name, {}).get("url", "")
    if not url:
        raise ArtifactError(f"Remote {name} in {CONFIG} has no url.", "", file=CONFIG)
    if url.startswith("remote://"):
        other, _, sub = url.removeprefix("remote://").partition("/")
        if depth > 8 or other not in remotes:
            raise ArtifactError(f"Remote {name} refers to {url}, which is not declared.")
        base = _remote_url(other, remotes, depth + 1).rstrip("/")
        return f"{base}/{sub}" if sub else base
    if "://" in url or url.startswith("/"):
        return url
    return posixpath.normpath(posixpath.join(posixpath.dirname(CONFIG), url))


def _config(text: FileText) -> dict[str, dict[str, str]]:
    """`.dvc/config` (configobj's INI dialect, as DVC writes it) as sections of options."""
    if not isinstance(text, str):
        return {}
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, CONFIG)
    except configparser.Error as err:
        raise ArtifactError(
            f"{CONFIG} cannot be read: {' '.join(str(err).split())}", "", file=CONFIG
        ) from None
    return {name: {k: _unquote(v) for k, v in parser[name].items()} for name in parser.sections()}


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _document(text: FileText, source: str) -> dict[str, Any]:
    if not isinstance(text, str):
        raise ArtifactError(f"{source} cannot be read as text.", "", file=source)
    try:
        document = load_yaml(text, source)
    except AnnotationError as err:
        raise ArtifactError(err.message, "Fix the file.", file=source, line=err.line) from None
    return document if isinstance(document, dict) else {}


def _list(value: Any, source: str) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _join(folder: str, path: Any) -> str:
    if not isinstance(path, str) or not path:
        return ""
    return posixpath.normpath(posixpath.join(folder, path)) if folder else posixpath.normpath(path)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def manifest_entries(text: str, source: str) -> list[tuple[str, str]]:
    """A `.dir` manifest (`Tree.as_list`, dvc_data/hashfile/tree.py): `(relpath, md5)` pairs."""
    try:
        entries = json.loads(text)
    except ValueError:
        entries = None
    if not isinstance(entries, list):
        raise ArtifactError(f"The manifest {source} is not a JSON list.")
    pairs = []
    for entry in entries:
        relpath = entry.get("relpath") if isinstance(entry, dict) else None
        md5 = entry.get("md5") if isinstance(entry, dict) else None
        # A manifest comes from storage: no entry may write outside the target folder.
        if (
            not isinstance(relpath, str)
            or not relpath
            or relpath.startswith("/")
            or ".." in relpath.split("/")
            or not isinstance(md5, str)
            or not _MD5.fullmatch(md5)
        ):
            raise ArtifactError(f"The manifest {source} holds an entry this action refuses.")
        pairs.append((relpath, md5))
    return pairs
