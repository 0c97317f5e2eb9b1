"""The local manifest: what this data folder and the bucket last agreed on, key by key.

One row per (target, key): which document it is, and the sha256, size, mtime and
ETag both sides had when an operation on it was confirmed. A row is written only
after its operation succeeded, so an interrupted sync starts again from a true
picture: it neither forgets a deletion nor brings back a deleted file.

``target`` names the bucket (endpoint | bucket | user): the rows of another bucket
never count as agreement, so switching buckets can never lead to deletions.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import sqlite_utils

from ..storage.db import write_transaction

# The table is made by migration 4 in storage/db.py (sync_manifest).


@dataclass(frozen=True)
class Entry:
    key: str
    document_id: int
    sha256: str
    size: int
    mtime: float = 0.0
    etag: str = ""


def load(db: sqlite_utils.Database, target: str) -> dict[str, Entry]:
    """The last agreed state for ``target``, by key."""
    return {r["key"]: Entry(r["key"], r["document_id"], r["sha256"], r["size"], r["mtime"], r["etag"])
            for r in db.query("SELECT * FROM sync_manifest WHERE target = ?", [target])}


def record(db: sqlite_utils.Database, target: str, entry: Entry, replaces: str = "",
           content: bytes | None = None) -> None:
    """Note a confirmed agreement (and, for a move, drop the old key in the same transaction).

    ``content``: the agreed bytes themselves, kept for a small file that is merged when both
    sides change it (a lecture's notes): the merge needs what both sides started from. A
    move carries the kept bytes to the new key."""
    with write_transaction(db) as conn:
        if replaces and replaces != entry.key:
            conn.execute("DELETE FROM sync_manifest WHERE target=? AND key=?", (target, replaces))
            conn.execute("UPDATE OR REPLACE settings SET key=? WHERE key=?",
                         (_content_key(target, entry.key), _content_key(target, replaces)))
        conn.execute(
            "INSERT OR REPLACE INTO sync_manifest (target, key, document_id, sha256, size, mtime, etag, synced_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (target, entry.key, entry.document_id, entry.sha256, entry.size, entry.mtime, entry.etag, time.time()))
        if content is not None:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?,?)",
                         (_content_key(target, entry.key), content.decode("utf-8")))


def forget(db: sqlite_utils.Database, target: str, key: str) -> None:
    with write_transaction(db) as conn:
        conn.execute("DELETE FROM sync_manifest WHERE target=? AND key=?", (target, key))
        conn.execute("DELETE FROM settings WHERE key=?", (_content_key(target, key),))


# The agreed bytes of merged files live in the settings table (the app's key-value rows), by
# target and key: the manifest's own table has no room for them and gains no migration for it.
_CONTENT_PREFIX = "sync.agreed|"


def _content_key(target: str, key: str) -> str:
    return f"{_CONTENT_PREFIX}{target}|{key}"


def agreed_content(db: sqlite_utils.Database, target: str, entry: Entry | None) -> bytes | None:
    """The bytes last agreed at ``entry``'s key, or None when they were not kept or are not the
    agreed ones any more (their sha256 must be the entry's)."""
    if entry is None:
        return None
    row = db.execute("SELECT value FROM settings WHERE key=?", (_content_key(target, entry.key),)).fetchone()
    if row is None:
        return None
    data = str(row[0]).encode("utf-8")
    return data if hashlib.sha256(data).hexdigest() == entry.sha256 else None


def count(db: sqlite_utils.Database, target: str) -> int:
    return int(db.execute("SELECT count(*) FROM sync_manifest WHERE target=?", (target,)).fetchone()[0])


# -- unfinished multipart uploads (table sync_uploads, migration 6) ------------------------------------
@dataclass(frozen=True)
class Pending:
    key: str
    upload_id: str
    sha256: str
    part_size: int


class PendingUploads:
    """The multipart uploads of one target that were started and not finished."""

    def __init__(self, db: sqlite_utils.Database, target: str) -> None:
        self.db, self.target = db, target

    def all(self) -> dict[str, Pending]:
        return {r["key"]: Pending(r["key"], r["upload_id"], r["sha256"], r["part_size"])
                for r in self.db.query("SELECT * FROM sync_uploads WHERE target=?", [self.target])}

    def get(self, key: str) -> Pending | None:
        return self.all().get(key)

    def save(self, pending: Pending) -> None:
        self.db.execute("INSERT OR REPLACE INTO sync_uploads (target, key, upload_id, sha256, part_size, started_at)"
                        " VALUES (?,?,?,?,?,?)", (self.target, pending.key, pending.upload_id, pending.sha256,
                                                  pending.part_size, time.time()))

    def forget(self, key: str) -> None:
        self.db.execute("DELETE FROM sync_uploads WHERE target=? AND key=?", (self.target, key))
