"""The library as sync sees it: each book and note, by document id, with the key it
belongs at today (from its folders' and its own current names)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from ..catalog import READ_KINDS, Document, file_at
from ..storage.config import DataPaths
from .keys import document_key, same_place, split_name, with_suffix
from .manifest import Entry
from .plan import LocalItem

# Every course file the library reads goes under raw_data/; lectures travel under lectures/.
SYNCED_KINDS = READ_KINDS

_QUERY = """
    SELECT d.*, b.name AS book, s.name AS subject, m.name AS semester
    FROM documents d JOIN nodes b ON b.id = d.node_id AND b.level = 'book'
    JOIN nodes s ON s.id = b.parent_id JOIN nodes m ON m.id = s.parent_id
    WHERE d.kind IN ({kinds}) ORDER BY d.id
"""


@dataclass
class LocalState:
    items: list[LocalItem]
    documents: dict[int, Document]
    missing: list[Document]          # rows whose file is not here (reported, never synced as deleted)

    def path(self, paths: DataPaths, document_id: int) -> Path:
        return file_at(paths, self.documents[document_id].path)


def agreed_keys(agreed: dict[str, Entry] | None) -> dict[int, str]:
    return {e.document_id: k for k, e in (agreed or {}).items()}


def settle_key(key: str, agreed_key: str | None, used: set[str]) -> str:
    """The key a document goes by: its natural one, or the agreed one when that names the same
    place (see ``keys.same_place``); " 2", " 3"... when two documents would share one."""
    if agreed_key and agreed_key != key and agreed_key not in used and same_place(key, agreed_key):
        key = agreed_key
    base, n = key, 2
    while key in used:             # two documents with one title in one book: by id
        key = with_suffix(base, f" {n}")
        n += 1
    used.add(key)
    return key


def local_state(db: sqlite_utils.Database, paths: DataPaths, user: str,
                agreed: dict[str, Entry] | None = None) -> LocalState:
    known = agreed_keys(agreed)
    items: list[LocalItem] = []
    documents: dict[int, Document] = {}
    missing: list[Document] = []
    used: set[str] = set()
    rows = db.query(_QUERY.format(kinds=",".join("?" * len(SYNCED_KINDS))), list(SYNCED_KINDS))
    for r in rows:
        doc = Document.from_row(r)
        try:
            stat = file_at(paths, doc.path).stat()
        except OSError:
            missing.append(doc)
            continue
        key = settle_key(document_key(user, r["semester"], r["subject"], r["book"], doc.title,
                                      split_name(doc.filename)[1]), known.get(doc.id), used)
        documents[doc.id] = doc
        items.append(LocalItem(doc.id, key, doc.sha256, doc.size, stat.st_mtime))
    return LocalState(items, documents, missing)
