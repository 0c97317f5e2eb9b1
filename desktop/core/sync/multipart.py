"""Large uploads and downloads in parts that survive an interruption.

The upload id is written down (``manifest.PendingUploads``) as soon as S3 hands it out.
After a cancel, a lost connection or a killed process, the next sync asks the bucket
which parts it already holds and sends only the others, then completes the upload.
Each part carries its own SHA-256 checksum, which S3 checks on arrival and which is
compared with the local bytes before a part is counted as already there.

A large download fills a file of its full size range by range; each finished range
leaves a marker, so the next sync fetches only the ranges still missing (as long as
the object is the same: every range asks for the ETag it started with).
"""
from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
from collections.abc import Callable
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from ..errors import LecternError, SyncError
from .manifest import Pending, PendingUploads
from .remote import SyncConfig, talking_to

log = logging.getLogger(__name__)
MiB = 1024 * 1024
PART_SIZE = 8 * MiB             # as the AWS CLI: a cancel is noticed within a part or two
THREADS = 4


CHANGED = "{name} was changed on disk outside Lectern, so it was not uploaded."
CHANGED_HINT = "Import the changed file again to keep that version."


def upload_in_parts(client: Any, config: SyncConfig, path: Path, key: str, sha256: str, metadata: dict[str, str],
                    pending: PendingUploads, progress: Callable[[int], None] | None = None,
                    check: Callable[[], None] | None = None, if_new: bool = False) -> int:
    """Upload ``path`` to ``key`` in parts, resuming an upload of the same bytes left unfinished.

    The file is read once, in order: each part's checksum and the whole file's sha256 come
    from that one reading, and the upload is completed only if the whole file still has
    ``sha256`` (else it is aborted). Returns the bytes actually sent."""
    size = path.stat().st_size
    record, held = _resume(client, config, key, sha256, pending)
    if record is None:
        with talking_to(config):
            answer = client.create_multipart_upload(Bucket=config.bucket, Key=key, Metadata=metadata,
                                                    ChecksumAlgorithm="SHA256")
        record = Pending(key, answer["UploadId"], sha256, PART_SIZE)
        pending.save(record)
    upload_id = record.upload_id

    def send(number: int, data: bytes, digest: str = "") -> tuple[dict[str, Any], int]:
        digest = digest or _b64sha(data)     # on the sending thread, beside the reader's whole-file hash
        with talking_to(config):
            answer = client.upload_part(Bucket=config.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                        Body=_CheckedBody(data, check), ChecksumSHA256=digest)
        if progress is not None:
            progress(len(data))
        return _part(number, answer["ETag"], answer.get("ChecksumSHA256", digest)), len(data)

    whole = hashlib.sha256()
    futures: list[Future[tuple[dict[str, Any], int]]] = []
    room = threading.Semaphore(2 * THREADS)          # parts read ahead and not yet sent: bounded memory
    with ThreadPoolExecutor(THREADS, thread_name_prefix="sync-part") as pool, open(path, "rb") as f:
        for number in range(1, max(1, -(-size // PART_SIZE)) + 1):
            if check is not None:
                check()
            if any(fut.done() and fut.exception() is not None for fut in futures):
                break                                  # a part failed: its error is raised below
            data = f.read(PART_SIZE)
            whole.update(data)
            have = held.get(number)
            digest = _b64sha(data) if have is not None else ""
            if have is not None and have.get("Size") == len(data) and have.get("ChecksumSHA256", digest) == digest:
                if progress is not None:
                    progress(len(data))
                done: Future[tuple[dict[str, Any], int]] = Future()
                done.set_result((_part(number, have["ETag"], have.get("ChecksumSHA256")), 0))
                futures.append(done)
                continue
            room.acquire()
            fut = pool.submit(send, number, data, digest)
            fut.add_done_callback(lambda _f: room.release())
            futures.append(fut)
        parts = [fut.result() for fut in futures]
    if whole.hexdigest() != sha256:
        abort(client, config, record, pending)
        raise SyncError(CHANGED.format(name=path.name), CHANGED_HINT)
    done = {"Bucket": config.bucket, "Key": key, "UploadId": upload_id,
            "MultipartUpload": {"Parts": [part for part, _ in parts]}}
    try:
        _conditional(client, config, key, client.complete_multipart_upload, done, if_new)
    except SyncError:
        abort(client, config, record, pending)
        raise
    pending.forget(key)
    return sum(sent for _, sent in parts)


TAKEN = ("{name} was put in the bucket by another computer a moment ago; this copy was not written over it. "
         "The next sync keeps both.")
_UNDERSTOOD: dict[str, bool] = {}        # endpoint -> does the store take If-None-Match (learned once)


def _conditional(client: Any, config: SyncConfig, key: str, call: Callable[..., Any], args: dict[str, Any],
                 if_new: bool) -> Any:
    """``call(**args)``, with If-None-Match: * when ``if_new`` and the store takes it. A store
    that refuses the condition as not implemented is asked again without it (and not again)."""
    where = config.endpoint or "s3"
    if not if_new or _UNDERSTOOD.get(where) is False:
        with talking_to(config):
            return call(**args)
    try:
        with talking_to(config):
            try:
                return call(**args, IfNoneMatch="*")
            except ClientError as exc:
                code = str(exc.response.get("Error", {}).get("Code", ""))
                if code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                    raise SyncError(TAKEN.format(name=key.rsplit("/", 1)[-1])) from exc
                if code in ("NotImplemented", "501"):
                    _UNDERSTOOD[where] = False
                    log.info("%s does not take If-None-Match; writing without it", where)
                    return call(**args)
                raise
    finally:
        _UNDERSTOOD.setdefault(where, True)


def put_if_new(client: Any, config: SyncConfig, key: str, data: bytes, metadata: dict[str, str]) -> Any:
    """One PUT of ``data`` with its SHA-256 checksum, only if ``key`` is free (see ``_conditional``)."""
    args = {"Bucket": config.bucket, "Key": key, "Body": data, "Metadata": metadata, "ChecksumAlgorithm": "SHA256"}
    return _conditional(client, config, key, client.put_object, args, True)


def _b64sha(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class _CheckedBody(io.BytesIO):
    """A part's bytes that notice a cancel while they are being sent, not only between parts."""

    def __init__(self, data: bytes, check: Callable[[], None] | None) -> None:
        super().__init__(data)
        self._check = check

    def read(self, size: int | None = -1) -> bytes:
        if self._check is not None:
            self._check()
        return super().read(size)


def _part(number: int, etag: str, checksum: str | None) -> dict[str, Any]:
    return {"PartNumber": number, "ETag": etag, **({"ChecksumSHA256": checksum} if checksum else {})}


def _resume(client: Any, config: SyncConfig, key: str, sha256: str,
            pending: PendingUploads) -> tuple[Pending | None, dict[int, dict[str, Any]]]:
    """The unfinished upload of these same bytes and the parts the bucket holds, or (None, {})."""
    record = pending.get(key)
    if record is None:
        return None, {}
    if record.sha256 != sha256 or record.part_size != PART_SIZE:
        abort(client, config, record, pending)            # other bytes now: start again
        return None, {}
    held: dict[int, dict[str, Any]] = {}
    try:
        with talking_to(config):
            pages = client.get_paginator("list_parts").paginate(Bucket=config.bucket, Key=key,
                                                                UploadId=record.upload_id)
            for page in pages:
                for part in page.get("Parts", []):
                    held[int(part["PartNumber"])] = part
    except Exception as exc:    # noqa: BLE001 - the upload is gone (NoSuchUpload) or unreadable: start again
        log.info("cannot resume the upload of %s (%s); starting again", key, exc)
        pending.forget(key)
        return None, {}
    return record, held


def abort(client: Any, config: SyncConfig, record: Pending, pending: PendingUploads) -> None:
    """Give up an unfinished upload (its parts are freed in the bucket)."""
    try:
        client.abort_multipart_upload(Bucket=config.bucket, Key=record.key, UploadId=record.upload_id)
    except ClientError as exc:
        log.info("abort of the upload of %s: %s", record.key, exc)
    pending.forget(record.key)


DOWNLOAD_FILE = ".lectern-download.part"
DONE_MARK = ".lectern-done-"


def download_in_parts(client: Any, config: SyncConfig, key: str, etag: str, size: int, folder: Path,
                      progress: Callable[[int], None] | None = None,
                      check: Callable[[], None] | None = None) -> tuple[Path, int, str]:
    """Fetch ``key`` (``size`` bytes, ``etag``) into ``folder``, continuing an interrupted fetch of
    the same object there. Returns the complete file (not yet verified against the expected
    sha256), the bytes fetched now, and the file's sha256 (hashed range by range in order as
    the ranges land, beside the fetching)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / DOWNLOAD_FILE
    if not target.exists() or target.stat().st_size != size:
        for mark in folder.glob(DONE_MARK + "*"):
            mark.unlink()
        with open(target, "wb") as f:
            f.truncate(size)
    count = max(1, -(-size // PART_SIZE))

    def one(number: int) -> int:
        start = (number - 1) * PART_SIZE
        end = min(size, start + PART_SIZE) - 1
        mark = folder / f"{DONE_MARK}{number}"
        if mark.exists():
            if progress is not None:
                progress(end - start + 1)
            return 0
        if check is not None:
            check()
        with talking_to(config):
            body = client.get_object(Bucket=config.bucket, Key=key, Range=f"bytes={start}-{end}", IfMatch=etag)["Body"]
        got = 0
        try:
            with open(target, "r+b") as f:
                f.seek(start)
                for chunk in body.iter_chunks(1 << 20):
                    if check is not None:
                        check()
                    f.write(chunk)
                    got += len(chunk)
                    if progress is not None:
                        progress(len(chunk))
                f.flush()
                os.fsync(f.fileno())        # the marker below promises these bytes are on disk
        except LecternError:
            raise
        except Exception as exc:            # noqa: BLE001 - a broken connection mid-range: resumed next time
            raise SyncError(f"The download of {key.rsplit('/', 1)[-1]} was interrupted ({exc}); "
                            "the next sync continues it.") from exc
        if got != end - start + 1:
            raise SyncError(f"The download of {key.rsplit('/', 1)[-1]} came short; the next sync continues it.")
        mark.touch()
        return got

    landed = [threading.Event() for _ in range(count)]
    stop = threading.Event()

    def landed_one(number: int) -> int:
        got = one(number)
        landed[number - 1].set()
        return got

    hasher = _OrderedHash(target, size, landed, stop)
    hasher.start()
    try:
        with ThreadPoolExecutor(THREADS, thread_name_prefix="sync-range") as pool:
            fetched = sum(pool.map(landed_one, range(1, count + 1)))
    finally:
        stop.set()
        hasher.join()
    for mark in folder.glob(DONE_MARK + "*"):
        mark.unlink()
    return target, fetched, hasher.hexdigest()


class _OrderedHash(threading.Thread):
    """The sha256 of a file being filled range by range: each range is read back (from the
    page cache) as soon as it and all before it have landed."""

    def __init__(self, path: Path, size: int, landed: list[threading.Event], stop: threading.Event) -> None:
        super().__init__(name="sync-hash", daemon=True)
        self.path, self.size, self.landed, self.stop = path, size, landed, stop
        self.digest = hashlib.sha256()
        self.complete = False

    def run(self) -> None:
        with open(self.path, "rb") as f:
            for event in self.landed:
                while not event.wait(0.1):
                    if self.stop.is_set() and not event.is_set():
                        return
                left = min(PART_SIZE, self.size - f.tell())
                while left > 0:
                    chunk = f.read(min(left, 1 << 20))
                    if not chunk:
                        return
                    self.digest.update(chunk)
                    left -= len(chunk)
        self.complete = True

    def hexdigest(self) -> str:
        if not self.complete:          # cannot happen once every range landed; hash the file whole then
            with open(self.path, "rb") as f:
                return hashlib.file_digest(f, "sha256").hexdigest()
        return self.digest.hexdigest()
