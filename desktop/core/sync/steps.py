"""Carrying out one planned action, for each stream: books and notes, lecture audio,
lecture transcripts, the student's notes in lectures. The manifest is written only after
the action is confirmed."""
from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from ..catalog import file_at, file_sha256, get_document
from ..errors import SyncError
from ..jobs import JobStarter
from ..library import rename_document
from ..storage.config import DataPaths
from . import apply, lectures, manifest, notes, transfer
from .keys import parse_key, segment
from .local import LocalState
from .manifest import Entry
from .plan import (ADOPT, CONFLICT, DELETE_LOCAL, DELETE_REMOTE, DOWNLOAD, FORGET, MOVE_LOCAL, MOVE_REMOTE, SKIP,
                   UPDATE_LOCAL, UPLOAD, Action, RemoteItem)
from .remote import SyncConfig

log = logging.getLogger(__name__)
BOOKS, AUDIO, TRANSCRIPTS, NOTES = "books", "audio", "transcripts", "notes"
MERGE = "merge"          # a transcript or a lecture's notes changed on both sides: merged here, then uploaded


@dataclass
class Run:
    """What every step of one sync needs."""
    db: sqlite_utils.Database
    paths: DataPaths
    config: SyncConfig
    client: Any
    summary: Any                               # run.Summary
    starter: JobStarter | None
    store: Any
    there: dict[str, RemoteItem] = field(default_factory=dict)
    progress: Callable[[int], None] | None = None
    check: Callable[[], None] | None = None

    @property
    def pending(self) -> manifest.PendingUploads:
        return manifest.PendingUploads(self.db, self.config.target)

    def record(self, key: str, document_id: int, item: RemoteItem, replaces: str = "",
               content: bytes | None = None) -> None:
        manifest.record(self.db, self.config.target,
                        Entry(key, document_id, item.sha256 or "", item.size, item.mtime or 0.0, item.etag),
                        replaces=replaces, content=content)


def one(run: Run, a: Action, here: LocalState, stream: str) -> None:
    doc = here.documents.get(a.document_id) if a.document_id is not None else None
    if stream == TRANSCRIPTS and a.op in (UPLOAD, MERGE, DOWNLOAD, UPDATE_LOCAL, DELETE_LOCAL, MOVE_LOCAL,
                                          MOVE_REMOTE, CONFLICT):
        _transcript(run, a, doc)
    elif stream == NOTES and a.op != SKIP:
        _notes(run, a, doc, here)
    elif a.op in (UPLOAD, CONFLICT):
        assert doc is not None and a.sha256
        sent, n = transfer.upload(run.client, run.config, here.path(run.paths, doc.id), a.key, a.sha256,
                                  pending=run.pending, progress=run.progress, check=run.check,
                                  if_new=a.key not in run.there)
        run.summary.bytes_up += n
        if a.op == CONFLICT:       # the copy from here now carries the conflict name, here and there
            rename_document(run.db, doc.id, parse_key(a.key, run.config.user).title)
        elif a.source_key:         # moved and edited here: the old key goes (its bytes are older)
            transfer.delete(run.client, run.config, a.source_key)
        run.record(a.key, doc.id, sent, replaces=a.source_key)
    elif a.op == ADOPT:
        assert doc is not None
        run.record(a.key, doc.id, run.there[a.key])
    elif a.op == MOVE_REMOTE:
        assert doc is not None and a.sha256
        try:
            moved_to = transfer.copy(run.client, run.config, a.source_key, a.key, a.sha256, a.size)
        except SyncError as exc:       # a store that cannot copy on its side: send the bytes again
            log.info("server-side copy of %s failed (%s); uploading instead", a.source_key, exc)
            moved_to, n = transfer.upload(run.client, run.config, here.path(run.paths, doc.id), a.key, a.sha256,
                                          pending=run.pending, progress=run.progress, check=run.check)
            run.summary.bytes_up += n
        transfer.delete(run.client, run.config, a.source_key)
        run.record(a.key, doc.id, moved_to, replaces=a.source_key)
    elif a.op == MOVE_LOCAL:
        assert doc is not None
        apply.follow_move(run.db, run.paths, doc, parse_key(a.key, run.config.user))
        run.record(a.key, doc.id, run.there[a.key], replaces=a.source_key)
    elif a.op == UPDATE_LOCAL:
        assert doc is not None
        fetched = fetch(run, a)
        apply.replace_content(run.db, run.paths, doc, fetched, run.starter if stream == BOOKS else None)
        run.summary.arrived.append(doc.id)
        run.record(a.key, doc.id, _with_sha(run.there[a.key], fetched.sha256))
    elif a.op == DOWNLOAD:
        parsed = parse_key(a.key, run.config.user)
        fetched = fetch(run, a)
        if stream == AUDIO:        # transcribed here only when the bucket has no transcript for it
            doc_id = lectures.lecture_downloaded(run.db, run.paths, parsed, fetched,
                                                 a.key + lectures.SIDECAR not in run.there, run.starter)
        else:
            doc_id = apply.file_downloaded(run.db, run.paths, parsed, fetched, run.starter)
        run.summary.arrived.append(doc_id)
        run.record(a.key, doc_id, _with_sha(run.there[a.key], fetched.sha256))
    elif a.op == FORGET:
        manifest.forget(run.db, run.config.target, a.key)
    elif a.op == DELETE_REMOTE:
        transfer.delete(run.client, run.config, a.key)
        manifest.forget(run.db, run.config.target, a.key)
    elif a.op == DELETE_LOCAL:
        current = get_document(run.db, a.document_id) if a.document_id is not None else None
        if current is not None:
            apply.trash_document(run.db, run.paths, current, run.store)
        manifest.forget(run.db, run.config.target, a.key)
    elif a.op == SKIP:
        run.summary.skipped.append({"key": a.key, "reason": a.reason})


def machine_name() -> str:
    """This computer, as conflict copies name it."""
    return segment(socket.gethostname().split(".")[0], "another computer")


def _transcript(run: Run, a: Action, doc: Any) -> None:
    """A lecture's transcript: made from the database here, stored into it from the bucket."""
    db, target = run.db, run.config.target
    if a.op == CONFLICT:                 # both sides changed it: merged at its own key, no conflict copy
        a = Action(MERGE, a.source_key, a.document_id)
    if a.op == DELETE_LOCAL:             # gone from the bucket: the transcript here is kept (sent again later)
        manifest.forget(db, target, a.key)
        return
    if a.op == MOVE_LOCAL:               # the lecture itself was moved with its audio
        run.record(a.key, a.document_id or 0, run.there[a.key], replaces=a.source_key)
        return
    if a.op in (DOWNLOAD, UPDATE_LOCAL):
        owner = doc.id if doc is not None else _owner(run, a.key)
        if owner is None:
            run.summary.skipped.append({"key": a.key, "reason": "its lecture's audio is not here yet"})
            return
        fetched = fetch(run, a)
        try:
            data = lectures.read_transcript(fetched.path)
        finally:
            apply.remove_staging(fetched.path.parent)
        lectures.store_transcript(db, _recording(run, owner), data, run.starter)
        run.summary.arrived.append(owner)
        run.record(a.key, owner, _with_sha(run.there[a.key], fetched.sha256))
        return
    assert doc is not None
    rec_id = _recording(run, doc.id)
    if a.op == MERGE:
        fetched = fetch(run, Action(DOWNLOAD, a.key, None, sha256=run.there[a.key].sha256))
        try:
            theirs = lectures.read_transcript(fetched.path)
        finally:
            apply.remove_staging(fetched.path.parent)
        merged = lectures.merge(lectures.transcript(db, rec_id), theirs)
        lectures.store_transcript(db, rec_id, merged, run.starter)
    data = lectures.transcript_bytes(db, rec_id)
    sha = hashlib.sha256(data).hexdigest()
    if a.op == MOVE_REMOTE:
        try:
            sent = transfer.copy(run.client, run.config, a.source_key, a.key, sha, len(data))
        except SyncError:
            sent = None
        if sent is not None:
            transfer.delete(run.client, run.config, a.source_key)
            run.record(a.key, doc.id, sent, replaces=a.source_key)
            return
    path = lectures.write_temp(run.paths, data)
    try:
        sent, n = transfer.upload(run.client, run.config, path, a.key, sha, check=run.check)
    finally:
        apply.remove_staging(path.parent)
    run.summary.bytes_up += n
    if a.source_key and a.source_key != a.key:
        transfer.delete(run.client, run.config, a.source_key)
    run.record(a.key, doc.id, sent, replaces=a.source_key)


def _notes(run: Run, a: Action, doc: Any, here: LocalState) -> None:
    """A lecture's notes: made from the database here; from the bucket, merged into it note by
    note against the last agreed version (see ``notes``)."""
    db, target = run.db, run.config.target
    if a.op == CONFLICT:                 # both sides changed them: merged at their own key, no conflict copy
        a = Action(MERGE, a.source_key, a.document_id)
    if a.op in (FORGET, DELETE_REMOTE, DELETE_LOCAL):
        if a.op == DELETE_REMOTE:        # the lecture was deleted here (and the deletion confirmed)
            transfer.delete(run.client, run.config, a.key)
        # DELETE_LOCAL: gone from the bucket, the notes here stay (the next sync sends them again).
        manifest.forget(db, target, a.key)
        return
    if a.op == MOVE_LOCAL:               # the lecture itself was moved with its audio
        run.record(a.key, a.document_id or 0, run.there[a.key], replaces=a.source_key)
        return
    owner = doc.id if doc is not None else _owner(run, a.key, notes.audio_key_of)
    if owner is None:
        run.summary.skipped.append({"key": a.key, "reason": "its lecture's audio is not here yet"})
        return
    rec_id = _recording(run, owner)
    lecture_sha = _lecture_sha(run, here, owner)
    if a.op in (DOWNLOAD, UPDATE_LOCAL, MERGE):
        there = run.there[a.key]
        fetched = fetch(run, Action(DOWNLOAD, a.key, None, sha256=there.sha256))
        try:
            theirs_bytes = fetched.path.read_bytes()
        finally:
            apply.remove_staging(fetched.path.parent)
        agreed = manifest.agreed_content(db, target, manifest.load(db, target).get(a.key))
        day, machine = time.strftime("%Y-%m-%d"), machine_name()
        mine = notes.store(db, rec_id, notes.parse(agreed) if agreed else None, notes.parse(theirs_bytes),
                           lecture_sha, machine, day, run.starter)
        if a.op != MERGE or mine == theirs_bytes:
            # What is here now and differs from the bucket's (typed meanwhile) goes up next sync.
            run.record(a.key, owner, _with_sha(there, fetched.sha256), content=theirs_bytes)
            return
        _send_notes(run, a, owner, mine)
        return
    data = notes.notes_bytes(db, rec_id, lecture_sha)
    if a.op == ADOPT:
        item = run.there[a.key]
        run.record(a.key, owner, item, content=data if hashlib.sha256(data).hexdigest() == item.sha256 else None)
        return
    if a.op == MOVE_REMOTE and a.sha256:  # the same bytes on both sides: copied in the bucket, its agreed bytes move
        try:
            moved_to = transfer.copy(run.client, run.config, a.source_key, a.key, a.sha256, a.size)
        except SyncError:
            moved_to = None
        if moved_to is not None:
            transfer.delete(run.client, run.config, a.source_key)
            run.record(a.key, owner, moved_to, replaces=a.source_key)
            return
    _send_notes(run, a, owner, data)


def _send_notes(run: Run, a: Action, owner: int, data: bytes) -> None:
    path = lectures.write_temp(run.paths, data)
    try:
        sent, n = transfer.upload(run.client, run.config, path, a.key, hashlib.sha256(data).hexdigest(),
                                  check=run.check)
    finally:
        apply.remove_staging(path.parent)
    run.summary.bytes_up += n
    if a.source_key and a.source_key != a.key:
        transfer.delete(run.client, run.config, a.source_key)
    run.record(a.key, owner, sent, replaces=a.source_key, content=data)


def _lecture_sha(run: Run, here: LocalState, document_id: int) -> str:
    """The sha256 of the lecture's audio here (part of its notes file)."""
    known = here.lecture_sha.get(document_id) if isinstance(here, lectures.NotesState) else None
    if known:
        return known
    doc = get_document(run.db, document_id)
    if doc is None:
        raise SyncError("That lecture is not in the library any more.")
    return file_sha256(file_at(run.paths, doc.path))


def _owner(run: Run, attached_key: str, audio_key_of: Callable[[str], str] = lectures.audio_key_of) -> int | None:
    """The lecture (document id) whose audio is at the transcript's (or notes') sibling key here."""
    agreed = manifest.load(run.db, run.config.target)
    entry = agreed.get(audio_key_of(attached_key))
    return entry.document_id if entry is not None and get_document(run.db, entry.document_id) else None


def _recording(run: Run, document_id: int) -> int:
    doc = get_document(run.db, document_id)
    if doc is None or not doc.recording_id:
        raise SyncError("That lecture is not in the library any more.")
    return int(doc.recording_id)


def fetch(run: Run, a: Action) -> transfer.Fetched:
    """Download ``a.key`` into a fresh staging folder of its own (removed again if it fails).
    The file gets back its own mtime from the metadata (S3's Last-Modified is the upload time)."""
    item = run.there.get(a.key)
    resumable = item is not None and bool(item.etag) and item.size > transfer.multipart.PART_SIZE
    folder = apply.resume_folder(run.paths, a.key, item.etag) if resumable and item else apply.staging_folder(run.paths)
    try:
        fetched = transfer.download(run.client, run.config, a.key, folder, a.sha256,
                                    etag=item.etag if item else "", size=item.size if item else 0,
                                    progress=run.progress, check=run.check)
        if item is not None and item.mtime:
            os.utime(fetched.path, (item.mtime, item.mtime))
    except BaseException:
        if not resumable:           # a large download keeps what it fetched for the next sync
            apply.remove_staging(folder)
        raise
    run.summary.bytes_down += fetched.sent
    return fetched


def _with_sha(item: RemoteItem, sha256: str) -> RemoteItem:
    return RemoteItem(item.key, item.size, item.etag, sha256, item.mtime)
