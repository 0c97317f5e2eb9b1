"""Writing passages into both indexes: SQLite (chunks + FTS5) and the vector store.

PDF ingestion and lecture transcription both end here, so chat can cite either the
same way. Replacing a document's chunks is idempotent: a re-run leaves no duplicates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlite_utils

from .vectorstore import VectorStore


@dataclass
class ChunkIn:
    """A passage to index, with where it came from."""

    text: str
    page: int | None = None          # PDFs and notes: 1-based page (or section)
    start_s: float | None = None     # lectures: time span in seconds
    end_s: float | None = None


@dataclass
class DocumentScope:
    document_id: int
    kind: str                        # pdf | note | lecture
    semester: str
    subject: str
    book: str


@dataclass
class Passage:
    """A search hit: what retrieval returns and chat cites."""

    chunk_id: int
    document_id: int
    kind: str
    title: str
    text: str
    score: float
    page: int | None = None
    start_s: float | None = None
    end_s: float | None = None
    semester: str = ""
    subject: str = ""
    book: str = ""
    recording_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def vector_id(chunk_id: int) -> str:
    return f"c{chunk_id}"


def delete_document_chunks(db: sqlite_utils.Database, store: VectorStore | None, document_id: int) -> None:
    """Remove a document from both indexes (vectors first: SQLite is the record of truth)."""
    if store is not None:
        store.delete(where={"document_id": document_id})
    db.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))


def add_chunks(db: sqlite_utils.Database, store: VectorStore, scope: DocumentScope, chunks: list[ChunkIn],
               first_ordinal: int, embed: Callable[[list[str]], Any]) -> list[int]:
    """Append one batch of chunks (ordinals from ``first_ordinal``) to both indexes.

    The SQLite rows and the vectors are written for the whole batch or not at all
    (vectors are upserted first; a failure rolls the SQLite batch back).
    """
    if not chunks:
        return []
    vectors = embed([c.text for c in chunks])
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        ids: list[int] = []
        for i, c in enumerate(chunks):
            cur = conn.execute(
                "INSERT OR REPLACE INTO chunks (document_id, ordinal, kind, page, start_s, end_s, semester, subject,"
                " book, text) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (scope.document_id, first_ordinal + i, scope.kind, c.page, c.start_s, c.end_s, scope.semester,
                 scope.subject, scope.book, c.text))
            ids.append(int(cur.lastrowid))
        metas = []
        for cid, c in zip(ids, chunks):
            m: dict[str, Any] = {"document_id": scope.document_id, "chunk_id": cid, "kind": scope.kind,
                                 "semester": scope.semester, "subject": scope.subject, "book": scope.book}
            if c.page is not None:
                m["page"] = c.page
            if c.start_s is not None:
                m["start_s"] = float(c.start_s)
                m["end_s"] = float(c.end_s if c.end_s is not None else c.start_s)
            metas.append(m)
        store.upsert([vector_id(i) for i in ids], [list(map(float, v)) for v in vectors],
                     [c.text for c in chunks], metas)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ids


def update_scope(db: sqlite_utils.Database, document_id: int, semester: str, subject: str, book: str) -> None:
    """After a rename or move, keep the chunks' scope fields true in SQLite.

    The vector metadata is refreshed by re-indexing (a background job), so retrieval
    filters rows through SQLite's fields when they disagree.
    """
    db.execute("UPDATE chunks SET semester=?, subject=?, book=? WHERE document_id=?",
               (semester, subject, book, document_id))
