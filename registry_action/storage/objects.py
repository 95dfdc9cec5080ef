"""Reading DVC objects from a remote: S3 (and S3-compatible), GCS, Azure Blob, HTTP(S), local.

One client for every kind: obstore (Rust's `object_store`), chosen by measurement
(docs/download.md). It is imported here only, and this module only by `download`, so no
other command pays its import. Credentials come from the environment the SDKs read (each
store's constructor reads `AWS_*`, `GOOGLE_*`, `AZURE_*`), and from the options DVC's remote
config declares for each kind, mapped to obstore's names (docs/download.md's table); nothing
here prints, logs or puts them in an error: a failure is named by the remote, the object
and the kind of failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
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
        except StorageError:
            raise
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
    url = remote.url
    retry: Any = {"max_retries": 3, "retry_timeout": timedelta(seconds=60)}
    client: Any = {"timeout": timedelta(seconds=300), "connect_timeout": timedelta(seconds=15)}
    scheme = remote.scheme
    if scheme == "s3":
        config: Any = s3_config(remote)  # obstore's S3Config, a TypedDict
        client["allow_http"] = config.get("endpoint", "").startswith("http://")
        return S3Store.from_url(url, config=config, client_options=client, retry_config=retry)
    if scheme == "gs":
        return _gcs(remote, client, retry, os.environ)
    if scheme == "azure":
        return _azure(remote, client, retry, os.environ)
    if scheme in ("http", "https"):
        client["allow_http"] = scheme == "http"
        return HTTPStore.from_url(url, client_options=client, retry_config=retry)
    local = Path(url) if url.startswith("/") else root / url
    return LocalStore(local.resolve())


def _gcs(remote: Remote, client: Any, retry: Any, env: Mapping[str, str]) -> Any:
    """`gs://BUCKET/PREFIX`: DVC's gs options (dvc/config_schema.py) `endpointurl` (an
    emulator, a private endpoint), `credentialpath` (a credentials file, as gcsfs takes it)
    and `allow_anonymous_login`; else what obstore reads (`GOOGLE_*`)."""
    options = remote.options
    config: Any = {}
    if options.get("endpointurl"):
        config["base_url"] = options["endpointurl"]
    if options.get("credentialpath"):
        config["application_credentials"] = options["credentialpath"]
    if options.get("allow_anonymous_login", "").lower() == "true":
        config["skip_signature"] = True
    if (config.get("base_url") or env.get("GOOGLE_BASE_URL", "")).startswith("http://"):
        client["allow_http"] = True
    return GCSStore.from_url(remote.url, config=config, client_options=client, retry_config=retry)


# DVC's azure remote options (dvc/config_schema.py) that obstore's AzureConfig takes, by its
# name. The remote's own options win over the environment obstore reads (`AZURE_STORAGE_*`),
# as DVC's config wins over the SDK's.
_AZURE_OPTIONS = {
    "account_name": "account_name",
    "account_key": "account_key",
    "sas_token": "sas_key",
    "tenant_id": "tenant_id",
    "client_id": "client_id",
    "client_secret": "client_secret",
}
# DVC's s3 options (dvc/config_schema.py) that pick credentials from an AWS profile or a
# file of their own: obstore reads neither, so a remote that sets one is refused rather than
# silently read with the AWS_* environment's credentials instead.
_S3_REFUSED = ("profile", "credentialpath", "configpath")
_S3_OPTIONS = {  # DVC's name: obstore's
    "endpointurl": "endpoint",
    "region": "region",
    "access_key_id": "access_key_id",
    "secret_access_key": "secret_access_key",
    "session_token": "token",
}


def s3_config(remote: Remote) -> dict[str, Any]:
    """obstore's S3Config from DVC's s3 remote options."""
    options = remote.options
    for name in _S3_REFUSED:
        if options.get(name):
            raise StorageError(
                f"Remote {remote.name} sets {name}, which this action's client cannot "
                "honour: it reads no AWS profile or credentials file.",
                "Remove the option, and give the credentials in AWS_* variables (an OIDC "
                "step such as aws-actions/configure-aws-credentials sets them).",
            )
    return {ours: options[theirs] for theirs, ours in _S3_OPTIONS.items() if options.get(theirs)}


# Options that narrow azure-identity's DefaultAzureCredential chain, which obstore does not
# use: obeying them is not possible, so a remote that sets one is refused, not misread.
_AZURE_REFUSED = (
    "exclude_environment_credential",
    "exclude_visual_studio_code_credential",
    "exclude_shared_token_cache_credential",
    "exclude_managed_identity_credential",
)
# A connection string's fields (Azure Storage's `Key=Value;...` form) for the blob service.
_CONNECTION_FIELDS = {
    "accountname": "account_name",
    "accountkey": "account_key",
    "sharedaccesssignature": "sas_key",
    "blobendpoint": "endpoint",
}
_OTHER_SERVICES = ("queueendpoint", "tableendpoint", "fileendpoint")


def _azure(remote: Remote, client: Any, retry: Any, env: Mapping[str, str]) -> Any:
    """`azure://CONTAINER/PREFIX`: the account from the remote's options, a connection string
    (the `connection_string` option, else `AZURE_STORAGE_CONNECTION_STRING`, as adlfs reads
    it) or the `AZURE_STORAGE_*` variables obstore reads itself."""
    parts = urlsplit(remote.url)
    config: Any = azure_config(remote, env)  # obstore's AzureConfig, a TypedDict
    endpoint = config.get("endpoint") or env.get("AZURE_STORAGE_ENDPOINT", "")
    if endpoint.startswith("http://"):  # an emulator (Azurite) or a private endpoint
        client["allow_http"] = True
    return AzureStore(
        parts.netloc,
        prefix=parts.path.strip("/") or None,
        config=config,
        client_options=client,
        retry_config=retry,
    )


def azure_config(remote: Remote, env: Mapping[str, str]) -> dict[str, Any]:
    """obstore's AzureConfig from DVC's remote options and a connection string."""
    options = remote.options
    for name in _AZURE_REFUSED:
        if options.get(name, "").lower() == "true":
            raise StorageError(
                f"Remote {remote.name} sets {name}, which this action's client cannot "
                "honour: it does not use azure-identity's credential chain.",
                "Remove the option, or give the credentials in AZURE_STORAGE_* variables.",
            )
    config: dict[str, Any] = {
        ours: options[theirs] for theirs, ours in _AZURE_OPTIONS.items() if options.get(theirs)
    }
    if options.get("allow_anonymous_login", "").lower() == "true":
        config["skip_signature"] = True
    connection = options.get("connection_string") or env.get("AZURE_STORAGE_CONNECTION_STRING", "")
    if connection:  # as with adlfs, a connection string wins over separate options
        config |= _connection_string(remote.name, connection)
    return config


def _connection_string(remote: str, text: str) -> dict[str, Any]:
    """The blob service's settings in a connection string. Never quoted in an error: it
    holds the account key."""
    fields: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, value = part.partition("=")
        if not sep:
            raise StorageError(
                f"The Azure connection string for remote {remote} has a part that is not "
                "KEY=VALUE.",
                "Copy the connection string again from the storage account's access keys.",
            )
        fields[key.strip().lower()] = value.strip()
    if fields.get("usedevelopmentstorage", "").lower() == "true":
        return {"use_emulator": True}  # obstore's Azurite defaults (127.0.0.1:10000)
    known = {*_CONNECTION_FIELDS, *_OTHER_SERVICES, "defaultendpointsprotocol", "endpointsuffix"}
    unknown = sorted(set(fields) - known)
    if unknown:
        raise StorageError(
            f"The Azure connection string for remote {remote} has fields this action's "
            f"client does not take: {', '.join(unknown)}.",
            "Use AccountName with AccountKey or SharedAccessSignature, and BlobEndpoint or "
            "EndpointSuffix.",
        )
    config: dict[str, Any] = {
        ours: fields[theirs] for theirs, ours in _CONNECTION_FIELDS.items() if fields.get(theirs)
    }
    suffix, account = fields.get("endpointsuffix"), fields.get("accountname")
    if suffix and account and "endpoint" not in config:
        scheme = fields.get("defaultendpointsprotocol") or "https"
        config["endpoint"] = f"{scheme}://{account}.blob.{suffix}"
    return config
