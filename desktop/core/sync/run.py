"""One sync: list, plan, carry out, writing the manifest after each confirmed operation.

Used by the ``sync_storage`` job and by ``lectern sync``. An action that fails is
reported and the others go on; an interrupted sync (cancel, a killed process, a lost
connection) leaves the manifest true, so the next one completes it.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils
from filelock import FileLock, Timeout

from ..catalog import get_document, kind_for
from ..errors import JobCancelled, LecternError, SyncError
from ..jobs import JobStarter
from ..library import rename_document
from ..storage.config import DataPaths
from . import apply, manifest, multipart, transfer
from .keys import RAW_DATA, RefusedKey, parse_key, segment
from .local import SYNCED_KINDS, LocalState, local_state
from .manifest import Entry
from .plan import (ADOPT, CONFLICT, DELETE_LOCAL, DELETE_REMOTE, DOWNLOAD, FORGET, MOVE_LOCAL, MOVE_REMOTE, SKIP,
                   UPDATE_LOCAL, UPLOAD, Action, Plan, RemoteItem, make_plan)
from .remote import SyncConfig, explain, list_user, make_client

log = logging.getLogger(__name__)
Report = Callable[[float, str], None]        # (fraction done, what is happening)


@dataclass
class Summary:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    actions: list[dict[str, Any]] = field(default_factory=list)
    held: list[dict[str, Any]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    arrived: list[int] = field(default_factory=list)   # documents downloaded or updated here (to ingest)
    bytes_up: int = 0
    bytes_down: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Remote:
    items: list[RemoteItem]
    refused: list[dict[str, str]]
    skipped: list[dict[str, str]]


def machine_name() -> str:
    return segment(socket.gethostname().split(".")[0], "another computer")


def read_remote(client: Any, config: SyncConfig, agreed: dict[str, Entry]) -> Remote:
    """The bucket's side: every key checked; the sha256 of each object from the manifest
    when its ETag is the agreed one, else from its metadata (one HEAD)."""
    items: list[RemoteItem] = []
    refused: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    for obj in list_user(client, config):
        try:
            parsed = parse_key(obj.key, config.user)
        except RefusedKey as exc:
            log.warning("refused bucket key %r: %s", obj.key, exc)
            refused.append({"key": obj.key, "reason": str(exc)})
            continue
        if parsed.area != RAW_DATA or kind_for(Path(parsed.filename)) not in SYNCED_KINDS:
            skipped.append({"key": obj.key, "reason": "not synced by this version of Lectern"})
            continue
        m = agreed.get(obj.key)
        if m is not None and m.etag == obj.etag and m.size == obj.size:
            items.append(RemoteItem(obj.key, obj.size, obj.etag, m.sha256, m.mtime))
            continue
        there = transfer.head(client, config, obj.key)
        if there is not None:
            items.append(there)
    return Remote(items, refused, skipped)


def sync(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, *, client: Any = None,
         dry_run: bool = False, yes_delete: bool = False, starter: JobStarter | None = None, store: Any = None,
         report: Report | None = None, check: Callable[[], None] | None = None) -> Summary:
    """Bring this library and the bucket into agreement (see ``plan`` for the rules).

    One sync at a time per data folder (the job and the command line share a lock file)."""
    paths.run.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(paths.run / "sync.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise SyncError("A sync of this library is already running.", "Wait for it to finish.") from exc
    try:
        return _sync(db, paths, config, client=client, dry_run=dry_run, yes_delete=yes_delete, starter=starter,
                     store=store, report=report, check=check)
    finally:
        lock.release()


def _sync(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, *, client: Any, dry_run: bool,
          yes_delete: bool, starter: JobStarter | None, store: Any, report: Report | None,
          check: Callable[[], None] | None) -> Summary:
    started = time.monotonic()
    client = client or make_client(config)
    say = report or (lambda _f, _s: None)
    say(0.0, "Reading the bucket")
    agreed = manifest.load(db, config.target)
    remote = read_remote(client, config, agreed)
    here = local_state(db, paths, config.user)
    plan = make_plan(here.items, remote.items, agreed, machine=machine_name(), day=time.strftime("%Y-%m-%d"),
                     yes_delete=yes_delete)
    summary = Summary(dry_run, plan.counts(), [a.as_dict() for a in plan.actions], [a.as_dict() for a in plan.held],
                      remote.refused, remote.skipped, notices=list(plan.notices))
    if remote.refused:
        summary.notices.append(f"{len(remote.refused)} key(s) in the bucket were refused and not written here.")
    for doc in here.missing:
        summary.skipped.append({"document_id": str(doc.id), "reason": f"the file of '{doc.title}' is missing here"})
    if not dry_run:
        apply.clear_stale_staging(paths)
        _carry_out(db, paths, config, client, plan, here, remote, summary, starter, store, say, check)
    summary.seconds = round(time.monotonic() - started, 3)
    say(1.0, "Done")
    return summary


def _carry_out(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, client: Any, plan: Plan,
               here: LocalState, remote: Remote, summary: Summary, starter: JobStarter | None, store: Any,
               say: Report, check: Callable[[], None] | None) -> None:
    there = {r.key: r for r in remote.items}
    total = sum(a.size for a in plan.actions if a.op in (UPLOAD, CONFLICT, DOWNLOAD, UPDATE_LOCAL)) or 1
    moved = 0
    failed_conflicts: set[str] = set()
    # boto3 calls back from its transfer threads; the database connection is used by one at a time.
    guard = threading.Lock()

    def progress(n: int) -> None:
        nonlocal moved
        with guard:
            moved += n
            say(min(0.99, moved / total), stage)

    def guarded_check() -> None:
        if check is not None:
            with guard:
                check()

    for i, action in enumerate(plan.actions):
        guarded_check()
        stage = f"{action.op.replace('_', ' ')} {action.key.rsplit('/', 1)[-1]} ({i + 1} of {len(plan.actions)})"
        say(min(0.99, moved / total), stage)
        if action.op == DOWNLOAD and action.key in failed_conflicts:
            summary.skipped.append({"key": action.key, "reason": "its conflict copy could not be kept first; "
                                                                 "it is tried again at the next sync"})
            continue
        try:
            _one(db, paths, config, client, action, here, there, summary, starter, store, progress, guarded_check)
        except JobCancelled:
            raise
        except (LecternError, OSError) as exc:     # this one action failed; the others go on
            error = exc if isinstance(exc, LecternError) else explain(exc, config)
            log.warning("sync %s %s failed: %s", action.op, action.key, error)
            summary.errors.append({"op": action.op, "key": action.key, "error": str(error)})
            if action.op == CONFLICT:
                failed_conflicts.add(action.source_key)
    _abort_stale_uploads(db, config, client, plan)


def _abort_stale_uploads(db: sqlite_utils.Database, config: SyncConfig, client: Any, plan: Plan) -> None:
    """Unfinished uploads this plan no longer needs (the file was deleted, renamed or sent
    whole) are given up, so their parts do not linger in the bucket."""
    writing = {a.key for a in plan.actions if a.op in (UPLOAD, CONFLICT, MOVE_REMOTE)}
    pending = manifest.PendingUploads(db, config.target)
    for key, record in pending.all().items():
        if key not in writing:
            multipart.abort(client, config, record, pending)


def _entry(key: str, document_id: int, item: RemoteItem, mtime: float = 0.0) -> Entry:
    return Entry(key, document_id, item.sha256 or "", item.size, item.mtime or mtime, item.etag)


def _one(db: sqlite_utils.Database, paths: DataPaths, config: SyncConfig, client: Any, a: Action,
         here: LocalState, there: dict[str, RemoteItem], summary: Summary, starter: JobStarter | None, store: Any,
         progress: Callable[[int], None], check: Callable[[], None] | None) -> None:
    target = config.target
    pending = manifest.PendingUploads(db, target)
    doc = here.documents.get(a.document_id) if a.document_id is not None else None
    if a.op == UPLOAD or a.op == CONFLICT:
        assert doc is not None and a.sha256
        sent, n = transfer.upload(client, config, here.path(paths, doc.id), a.key, a.sha256, pending=pending,
                                  progress=progress, check=check)
        summary.bytes_up += n
        if a.op == CONFLICT:       # the copy from here now carries the conflict name, here and there
            rename_document(db, doc.id, parse_key(a.key, config.user).title)
        elif a.source_key:         # moved and edited here: the old key goes (its bytes are older)
            transfer.delete(client, config, a.source_key)
        manifest.record(db, target, _entry(a.key, doc.id, sent), replaces=a.source_key)
    elif a.op == ADOPT:
        assert doc is not None
        manifest.record(db, target, _entry(a.key, doc.id, there[a.key]))
    elif a.op == MOVE_REMOTE:
        assert doc is not None and a.sha256
        try:
            moved_to = transfer.copy(client, config, a.source_key, a.key, a.sha256, a.size)
        except SyncError as exc:       # a store that cannot copy on its side: send the bytes again
            log.info("server-side copy of %s failed (%s); uploading instead", a.source_key, exc)
            moved_to, n = transfer.upload(client, config, here.path(paths, doc.id), a.key, a.sha256,
                                          pending=pending, progress=progress, check=check)
            summary.bytes_up += n
        transfer.delete(client, config, a.source_key)
        manifest.record(db, target, _entry(a.key, doc.id, moved_to), replaces=a.source_key)
    elif a.op == MOVE_LOCAL:
        assert doc is not None
        apply.follow_move(db, paths, doc, parse_key(a.key, config.user))
        manifest.record(db, target, _entry(a.key, doc.id, there[a.key]), replaces=a.source_key)
    elif a.op == UPDATE_LOCAL:
        assert doc is not None
        fetched = _fetch(client, config, a, paths, there[a.key].mtime, progress, check)
        summary.bytes_down += fetched.size
        apply.replace_content(db, paths, doc, fetched, starter)
        summary.arrived.append(doc.id)
        manifest.record(db, target, _entry(a.key, doc.id, _with_sha(there[a.key], fetched.sha256)))
    elif a.op == DOWNLOAD:
        parsed = parse_key(a.key, config.user)
        fetched = _fetch(client, config, a, paths, there[a.key].mtime, progress, check)
        summary.bytes_down += fetched.size
        doc_id = apply.file_downloaded(db, paths, parsed, fetched, starter)
        summary.arrived.append(doc_id)
        manifest.record(db, target, _entry(a.key, doc_id, _with_sha(there[a.key], fetched.sha256)))
    elif a.op == FORGET:
        manifest.forget(db, target, a.key)
    elif a.op == DELETE_REMOTE:
        transfer.delete(client, config, a.key)
        manifest.forget(db, target, a.key)
    elif a.op == DELETE_LOCAL:
        current = get_document(db, a.document_id) if a.document_id is not None else None
        if current is not None:
            apply.trash_document(db, paths, current, store)
        manifest.forget(db, target, a.key)
    elif a.op == SKIP:
        summary.skipped.append({"key": a.key, "reason": a.reason})


def _fetch(client: Any, config: SyncConfig, a: Action, paths: DataPaths, mtime: float | None,
           progress: Callable[[int], None], check: Callable[[], None] | None) -> transfer.Fetched:
    """Download ``a.key`` into a fresh staging folder of its own (removed again if it fails).
    The file gets back its own mtime from the metadata (S3's Last-Modified is the upload time)."""
    folder = apply.staging_folder(paths)
    try:
        fetched = transfer.download(client, config, a.key, folder, a.sha256, progress=progress, check=check)
        if mtime:
            os.utime(fetched.path, (mtime, mtime))
        return fetched
    except BaseException:
        apply.remove_staging(folder)
        raise


def _with_sha(item: RemoteItem, sha256: str) -> RemoteItem:
    return RemoteItem(item.key, item.size, item.etag, sha256, item.mtime)
