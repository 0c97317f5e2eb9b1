"""Moving bytes between this computer and the bucket, checked at both ends.

Uploads ask S3 for a SHA-256 checksum and carry the file's sha256 and its own mtime
as metadata (S3's Last-Modified is the upload time, and a multipart ETag is not an
MD5). Downloads go to a temporary unique name in the folder they end up in, are
hashed, and only a file whose sha256 matches is handed on to be renamed into place.
Large files go in parts (boto3's TransferConfig).
"""
from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SyncError
from . import multipart
from .manifest import PendingUploads
from .plan import RemoteItem
from .remote import SyncConfig, talking_to

MiB = 1024 * 1024
_TRANSFER: list[Any] = []


def transfer_config() -> Any:
    """boto3's TransferConfig for whole-file transfers (boto3 loads on first use)."""
    if not _TRANSFER:
        from boto3.s3.transfer import TransferConfig

        _TRANSFER.append(TransferConfig(multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB, max_concurrency=4,
                                        use_threads=True))
    return _TRANSFER[0]
TEMP_PREFIX = ".lectern-"           # the file layer's prefix for temporary names in a folder we write to

Progress = Callable[[int], None]    # bytes just moved


@dataclass(frozen=True)
class Fetched:
    path: Path          # the verified temporary file, not yet in its place
    sha256: str
    size: int
    fetched: int = -1   # bytes fetched by this sync (less than size when an earlier one had begun)

    @property
    def sent(self) -> int:
        return self.size if self.fetched < 0 else self.fetched


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def head(client: Any, config: SyncConfig, key: str) -> RemoteItem | None:
    """The object's size, ETag and the sha256/mtime Lectern put in its metadata (None if it is gone)."""
    with talking_to(config):
        try:
            meta = client.head_object(Bucket=config.bucket, Key=key)
        except client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
    # Some S3-compatible stores give metadata names back capitalised ("Sha256"): compare without case.
    user = {str(k).lower(): v for k, v in meta.get("Metadata", {}).items()}
    sha = user.get("sha256") or None
    try:
        mtime = float(user["mtime"]) if "mtime" in user else None
    except ValueError:
        mtime = None
    return RemoteItem(key, int(meta["ContentLength"]), meta.get("ETag", "").strip('"'),
                      sha if sha and len(sha) == 64 else None, mtime)


class _Stop(Exception):
    """Carries a BaseException (the worker quitting) out of a boto3 transfer thread: s3transfer
    only hands ``Exception``s back to the caller, and would wait forever on anything else."""

    def __init__(self, exc: BaseException) -> None:
        super().__init__(repr(exc))
        self.exc = exc


def _callback(progress: Progress | None, check: Callable[[], None] | None) -> Callable[[int], None] | None:
    if progress is None and check is None:
        return None

    def moved(n: int) -> None:
        if check is not None:
            try:
                check()              # raises (cancelled): boto3 stops the transfer
            except Exception:
                raise
            except BaseException as exc:
                raise _Stop(exc) from exc
        if progress is not None:
            progress(n)
    return moved


def upload(client: Any, config: SyncConfig, path: Path, key: str, sha256: str, *,
           pending: PendingUploads | None = None, progress: Progress | None = None,
           check: Callable[[], None] | None = None, if_new: bool = False) -> tuple[RemoteItem, int]:
    """Put ``path`` at ``key`` and confirm the bucket holds those bytes.

    A file larger than one part goes in resumable parts when ``pending`` is given.
    ``if_new``: the key was free when the bucket was listed; the write is conditional
    (If-None-Match), so a file another computer put there meanwhile is never written over
    (where the store understands the condition). Returns what is there now and how many
    bytes were sent."""
    stat = path.stat()
    metadata = {"sha256": sha256, "mtime": f"{stat.st_mtime:.3f}"}
    if pending is not None and stat.st_size > multipart.PART_SIZE:     # checks the sha256 as it reads
        sent = multipart.upload_in_parts(client, config, path, key, sha256, metadata, pending, progress, check,
                                         if_new=if_new)
    elif if_new and stat.st_size <= multipart.PART_SIZE:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise SyncError(multipart.CHANGED.format(name=path.name), multipart.CHANGED_HINT)
        if check is not None:
            check()
        multipart.put_if_new(client, config, key, data, metadata)
        if progress is not None:
            progress(len(data))
        sent = len(data)
    else:
        if file_sha256(path) != sha256:     # the library's record is what the metadata promises
            raise SyncError(multipart.CHANGED.format(name=path.name), multipart.CHANGED_HINT)
        try:
            with talking_to(config):
                client.upload_file(str(path), config.bucket, key, Config=transfer_config(),
                                   Callback=_callback(progress, check),
                                   ExtraArgs={"Metadata": metadata, "ChecksumAlgorithm": "SHA256"})
        except _Stop as stop:
            raise stop.exc from None
        sent = stat.st_size
    there = head(client, config, key)
    if there is None or there.size != stat.st_size or there.sha256 != sha256:
        raise SyncError(f"The upload of {key.rsplit('/', 1)[-1]} could not be confirmed; it will be tried again.")
    return there, sent


def download(client: Any, config: SyncConfig, key: str, folder: Path, expected_sha256: str | None, *,
             etag: str = "", size: int = 0, progress: Progress | None = None,
             check: Callable[[], None] | None = None) -> Fetched:
    """Fetch ``key`` into a temporary file in ``folder`` and verify it; the caller renames it
    into place (or removes it).

    An object larger than one part (with its ``etag`` and ``size`` known) is fetched in ranges
    that survive an interruption: what was fetched stays in ``folder`` for the next sync.
    Anything else leaves nothing behind when it fails.
    """
    folder.mkdir(parents=True, exist_ok=True)
    name = key.rsplit('/', 1)[-1]
    if etag and size > multipart.PART_SIZE:
        try:
            tmp, fetched, sha = multipart.download_in_parts(client, config, key, etag, size, folder, progress, check)
        except _Stop as stop:
            raise stop.exc from None
        if expected_sha256 and sha != expected_sha256:
            tmp.unlink(missing_ok=True)     # damaged: the next sync starts it again from nothing
            raise SyncError(f"{name} arrived damaged (its checksum does not match); "
                            "it was not kept and will be fetched again.")
        return Fetched(tmp, sha, size, fetched)
    tmp = folder / f"{TEMP_PREFIX}{uuid.uuid4().hex}.part"
    try:
        try:
            with talking_to(config):
                client.download_file(config.bucket, key, str(tmp), ExtraArgs={"ChecksumMode": "ENABLED"},
                                     Config=transfer_config(), Callback=_callback(progress, check))
        except _Stop as stop:
            raise stop.exc from None
        sha = file_sha256(tmp)
        if expected_sha256 and sha != expected_sha256:
            raise SyncError(f"{name} arrived damaged (its checksum does not match); "
                            "it was not kept and will be fetched again.")
        return Fetched(tmp, sha, tmp.stat().st_size)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


MAX_SINGLE_COPY = 5 * 1024 ** 3       # S3's limit for one CopyObject request


def copy(client: Any, config: SyncConfig, source_key: str, key: str, sha256: str, size: int) -> RemoteItem:
    """Server-side copy (a rename or move in the bucket without sending the bytes again).

    One CopyObject request up to 5 GB: stores that speak S3 do not all copy in parts
    (UploadPartCopy). Raises SyncError when the store cannot copy; the caller uploads then."""
    with talking_to(config):
        if size <= MAX_SINGLE_COPY:
            client.copy_object(Bucket=config.bucket, Key=key, CopySource={"Bucket": config.bucket, "Key": source_key},
                               MetadataDirective="COPY")
        else:
            client.copy({"Bucket": config.bucket, "Key": source_key}, config.bucket, key,
                        ExtraArgs={"MetadataDirective": "COPY"}, Config=transfer_config())
    there = head(client, config, key)
    if there is None or there.sha256 != sha256:
        raise SyncError(f"Moving {source_key.rsplit('/', 1)[-1]} in the bucket could not be confirmed.")
    return there


def delete(client: Any, config: SyncConfig, key: str) -> None:
    with talking_to(config):
        client.delete_object(Bucket=config.bucket, Key=key)


def remove_temp(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass

