"""Reading DVC objects from a remote: S3 (and S3-compatible), GCS, Azure Blob, HTTP(S), local.

One client for every kind: obstore (Rust's `object_store`), chosen by measurement
(docs/download.md). It is imported here only, and this module only by `download`, so no
other command pays its import. Credentials come from the environment the SDKs read (each
store's constructor reads `AWS_*`, `GOOGLE_*`, `AZURE_*`); nothing here prints, logs or puts
them in an error: a failure is named by the remote, the object and the kind of failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import obstore
from obstore.store import AzureStore, GCSStore, HTTPStore, LocalStore, S3Store

from registry_action.core.dvc_files import Remote
from registry_action.core.errors import RegistryError

CHUNK = 1 << 20  # bytes a read hands over at least: memory stays flat in the file size
_STATUS = re.compile(r"\b([45]\d\d)\b")
_KINDS = {  # obstore raises its NotFoundError, or Python's FileNotFoundError for local paths
    "NotFoundError": "is missing (404)",
    "FileNotFoundError": "is missing",
    "PermissionDeniedError": "is forbidden (403)",
    "PermissionError": "is forbidden",
    "UnauthenticatedError": "needs credentials (401)",
}


class StorageError(RegistryError):
    title = "Storage error"


class ObjectReader:
    """The objects of one remote, each read as a stream of chunks."""

    def __init__(self, remote: Remote, root: Path) -> None:
        self.remote = remote
        try:
            self._store = _store(remote, root)
        except Exception as err:  # a bad URL or option, a missing folder: never its text
            raise StorageError(
                f"Remote {remote.name} ({remote.url}) cannot be opened "
                f"({type(err).__name__}): no such folder, or a URL or option the client "
                "refuses.",
                "Check the remote's URL ({remote_url}) and its options in .dvc/config.",
            ) from None

    def chunks(self, key: str) -> Iterator[bytes]:
        """The object at `key` (relative to the remote's URL), a chunk at a time."""
        try:
            result = obstore.get(self._store, key)
            for chunk in result.stream(min_chunk_size=CHUNK):
                yield bytes(chunk)
        except Exception as err:  # obstore's errors; their text may quote a request
            raise self.failure(key, err) from None

    def failure(self, key: str, err: BaseException) -> StorageError:
        """What went wrong, named by remote, object and kind; never the client's own text."""
        kind = type(err).__name__
        status = _STATUS.search(str(err))
        what = _KINDS.get(kind) or (
            f"could not be read ({kind}{', HTTP ' + status.group(1) if status else ''})"
        )
        return StorageError(
            f"Object {self.url(key)} in remote {self.remote.name} {what}.",
            "Check that `dvc push` sent it there, the remote's URL ({remote_url}) and the "
            "step's cloud credentials.",
        )

    def url(self, key: str) -> str:
        return f"{self.remote.url.rstrip('/')}/{key}"


def _store(remote: Remote, root: Path) -> Any:
    """The obstore store whose keys are paths under the remote's URL."""
    options, url = remote.options, remote.url
    retry: Any = {"max_retries": 3, "retry_timeout": timedelta(seconds=60)}
    client: Any = {"timeout": timedelta(seconds=300), "connect_timeout": timedelta(seconds=15)}
    scheme = remote.scheme
    if scheme == "s3":
        endpoint = options.get("endpointurl", "")
        config: Any = {}
        if endpoint:
            config["endpoint"] = endpoint
            client["allow_http"] = endpoint.startswith("http://")
        if options.get("region"):
            config["region"] = options["region"]
        return S3Store.from_url(url, config=config, client_options=client, retry_config=retry)
    if scheme == "gs":
        return GCSStore.from_url(url, client_options=client, retry_config=retry)
    if scheme == "azure":
        parts = urlsplit(url)
        account = options.get("account_name")
        extra: dict[str, Any] = {"account_name": account} if account else {}
        return AzureStore(
            parts.netloc,
            prefix=parts.path.strip("/") or None,
            client_options=client,
            retry_config=retry,
            **extra,
        )
    if scheme in ("http", "https"):
        client["allow_http"] = scheme == "http"
        return HTTPStore.from_url(url, client_options=client, retry_config=retry)
    local = Path(url) if url.startswith("/") else root / url
    return LocalStore(local.resolve())
