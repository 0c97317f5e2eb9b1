"""What a sync does to the library here: file a downloaded book, take the bucket's newer
bytes, follow a rename, move a document deleted in the bucket to the trash.

Everything goes through the one file layer (``files/<document_id>/``) and the
library's own operations, so a synced book is like an imported one. Nothing is ever
deleted outright: replaced or removed files are kept in ``<data>/trash/``.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any

import sqlite_utils

from ..catalog import (FILES_DIR, Document, StagedFile, add_document, clean_title, ensure_path, file_at,
                       get_document, kind_for, safe_name)
from ..catalog.files import STAGING_PREFIX, TRASH_DIR
from ..errors import SyncError
from ..jobs import JobStarter
from ..library import delete_document, move_document, rename_document
from ..library.ingest import submit_ingest
from ..storage.config import DataPaths
from ..storage.db import write_transaction
from .keys import ParsedKey
from .transfer import Fetched, remove_temp


SYNC_STAGING = f"{STAGING_PREFIX}sync-"     # the file layer's staging name, marked as the sync's own


def staging_folder(paths: DataPaths) -> Path:
    """A fresh folder under ``files/`` for one download (same file system as its final place,
    so it is renamed into place, never copied)."""
    return paths.root / FILES_DIR / f"{SYNC_STAGING}{uuid.uuid4().hex}"


def resume_folder(paths: DataPaths, key: str, etag: str) -> Path:
    """The staging folder of a large download, the same for the same object (key and ETag),
    so that a sync interrupted while fetching it is continued by the next one."""
    digest = hashlib.sha256(f"{key}\0{etag}".encode()).hexdigest()[:32]
    return paths.root / FILES_DIR / f"{SYNC_STAGING}r{digest}"


def clear_stale_staging(paths: DataPaths, keep: set[Path] = frozenset()) -> int:
    """Remove downloads left unfinished by a sync that was killed, except those this sync will
    continue (``keep``). Only the sync's own staging folders (call it while holding the sync
    lock): a half-written download is never a document."""
    root = paths.root / FILES_DIR
    stale = [f for f in root.glob(f"{SYNC_STAGING}*") if f not in keep] if root.exists() else []
    for folder in stale:
        shutil.rmtree(folder, ignore_errors=True)
    return len(stale)


def remove_staging(folder: Path) -> None:
    """Remove one of the sync's own staging folders (never anything else)."""
    if folder.name.startswith(SYNC_STAGING):
        shutil.rmtree(folder, ignore_errors=True)


def file_downloaded(db: sqlite_utils.Database, paths: DataPaths, parsed: ParsedKey, fetched: Fetched,
                    starter: JobStarter | None) -> int:
    """Record a verified download (in its own staging folder) as a new document of the book
    its key names; the folders are made as needed. Returns the document id."""
    folder = fetched.path.parent
    kind = kind_for(Path(parsed.filename))
    if kind is None:
        remove_staging(folder)
        raise SyncError(f"{parsed.filename}: Lectern does not read this kind of file.")
    name = safe_name(parsed.filename)
    staged = StagedFile(paths, folder, name, fetched.sha256, fetched.size)
    try:
        os.replace(fetched.path, folder / name)
        with write_transaction(db):
            book = ensure_path(db, parsed.semester, parsed.subject, parsed.book)
            doc_id = add_document(db, book, kind, clean_title(parsed.title) or "Untitled", name, "",
                                  fetched.sha256, fetched.size)
            db.execute("UPDATE documents SET path=? WHERE id=?", (staged.relpath(doc_id), doc_id))
            staged.place(doc_id)
    except sqlite3.IntegrityError as exc:
        unplace(staged)
        raise SyncError(f"{parsed.filename} is already in the library under another name; not added twice.") from exc
    except BaseException:
        unplace(staged)
        raise
    if starter is not None:
        submit_ingest(db, paths, doc_id, starter)
    return doc_id


def unplace(staged: StagedFile) -> None:
    """Undo a download whose row was not committed: its staging folder, or the
    ``files/<id>/`` folder it had just been renamed to (holding only this one file)."""
    if staged.placed_at is None:
        remove_staging(staged.folder)
        return
    (staged.placed_at / staged.name).unlink(missing_ok=True)
    try:
        staged.placed_at.rmdir()
    except OSError:
        pass


TRASH_REASONS = ("replaced", "deleted-in-bucket")     # the names the sync gives what it puts in the trash
TRASH_DAYS = 30
_STAMP = re.compile(r"^(?:%s)-(\d{8}-\d{6})-\d+-[0-9a-f]{6}-" % "|".join(re.escape(r) for r in TRASH_REASONS))


def clean_trash(paths: DataPaths, days: float = TRASH_DAYS, now: float | None = None) -> list[str]:
    """Remove what the sync put in the trash more than ``days`` ago; returns the names removed.

    Only files named the way ``keep_in_trash`` names them, aged by the time written in that
    name (a hard-linked file keeps its old mtime); anything else in the trash stays."""
    trash = paths.root / TRASH_DIR
    if not trash.is_dir():
        return []
    limit = (time.time() if now is None else now) - days * 86400
    removed = []
    for entry in trash.iterdir():
        m = _STAMP.match(entry.name)
        if m is None or not entry.is_file() or entry.is_symlink():
            continue
        try:
            kept_at = time.mktime(time.strptime(m.group(1), "%Y%m%d-%H%M%S"))
        except ValueError:
            continue
        if kept_at < limit:
            try:
                entry.unlink()
                removed.append(entry.name)
            except OSError:
                pass
    return removed


def keep_in_trash(paths: DataPaths, source: Path, document_id: int, why: str) -> Path:
    """A copy of ``source`` in ``<data>/trash/`` (a hard link when it can be: no bytes copied)."""
    trash = paths.root / TRASH_DIR
    trash.mkdir(parents=True, exist_ok=True)
    target = trash / f"{why}-{time.strftime('%Y%m%d-%H%M%S')}-{document_id}-{uuid.uuid4().hex[:6]}-{source.name}"
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
    return target


def replace_content(db: sqlite_utils.Database, paths: DataPaths, doc: Document, fetched: Fetched,
                    starter: JobStarter | None) -> None:
    """The bucket's newer bytes become the document's file; the old file goes to the trash first."""
    path = file_at(paths, doc.path)
    try:
        if path.exists():
            keep_in_trash(paths, path, doc.id, "replaced")
        with write_transaction(db):
            db.execute("UPDATE documents SET sha256=?, size=?, state='queued', error='' WHERE id=?",
                       (fetched.sha256, fetched.size, doc.id))
            os.replace(fetched.path, path)
    except sqlite3.IntegrityError as exc:
        raise SyncError(f"The new version of '{doc.title}' is the same file as another document here; "
                        "it was not taken.") from exc
    except BaseException:
        remove_temp(fetched.path)
        raise
    finally:
        remove_staging(fetched.path.parent)
    if starter is not None:
        submit_ingest(db, paths, doc.id, starter)


def follow_move(db: sqlite_utils.Database, paths: DataPaths, doc: Document, parsed: ParsedKey) -> None:
    """File the document where its key now says (renamed or moved on another computer)."""
    book = ensure_path(db, parsed.semester, parsed.subject, parsed.book)
    old_book = doc.node_id
    move_document(db, paths, doc.id, book)
    title = clean_title(parsed.title)
    if title and title != doc.title:
        rename_document(db, doc.id, title)
    _prune_empty(db, old_book)


def _prune_empty(db: sqlite_utils.Database, node_id: int | None) -> None:
    """Remove folders this move left empty (a renamed book on the other computer arrives here
    as its documents moving to the new name). A folder with anything in it stays."""
    while node_id is not None:
        with write_transaction(db) as conn:
            row = conn.execute("SELECT parent_id FROM nodes WHERE id=?", (node_id,)).fetchone()
            busy = row is None or any(conn.execute(sql, (node_id,)).fetchone() for sql in (
                "SELECT 1 FROM documents WHERE node_id=?", "SELECT 1 FROM nodes WHERE parent_id=?",
                "SELECT 1 FROM recordings WHERE node_id=?"))
            if busy:
                return
            conn.execute("DELETE FROM nodes WHERE id=?", (node_id,))
        node_id = row[0]


def trash_document(db: sqlite_utils.Database, paths: DataPaths, doc: Document, store: Any = None) -> Path | None:
    """Deleted in the bucket: keep the file in the trash, then remove the document here."""
    path = file_at(paths, doc.path)
    kept = keep_in_trash(paths, path, doc.id, "deleted-in-bucket") if path.exists() else None
    if get_document(db, doc.id) is not None:
        delete_document(db, paths, doc.id, store)
    return kept
