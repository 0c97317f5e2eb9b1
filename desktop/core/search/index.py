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
        metas = [chunk_metadata(scope.document_id, cid, scope.kind, scope.semester, scope.subject, scope.book,
                                c.page, c.start_s, c.end_s) for cid, c in zip(ids, chunks)]
        store.upsert([vector_id(i) for i in ids], [list(map(float, v)) for v in vectors],
                     [c.text for c in chunks], metas)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ids


def chunk_metadata(document_id: int, chunk_id: int, kind: str, semester: str, subject: str, book: str,
                   page: int | None, start_s: float | None, end_s: float | None) -> dict[str, Any]:
    """The vector store metadata of one chunk (what scope filters and citations read)."""
    m: dict[str, Any] = {"document_id": document_id, "chunk_id": chunk_id, "kind": kind,
                         "semester": semester, "subject": subject, "book": book}
    if page is not None:
        m["page"] = page
    if start_s is not None:
        m["start_s"] = float(start_s)
        m["end_s"] = float(end_s if end_s is not None else start_s)
    return m


def update_vector_scope(db: sqlite_utils.Database, store: VectorStore, document_id: int, batch: int = 500) -> int:
    """Rewrite the vector metadata of a document's chunks from SQLite (after a rename or move)."""
    done = 0
    last = -1
    while True:
        rows = list(db.query(
            "SELECT id, kind, page, start_s, end_s, semester, subject, book FROM chunks"
            " WHERE document_id = ? AND id > ? ORDER BY id LIMIT ?", [document_id, last, batch]))
        if not rows:
            return done
        store.update_metadata(
            [vector_id(r["id"]) for r in rows],
            [chunk_metadata(document_id, r["id"], r["kind"], r["semester"], r["subject"], r["book"], r["page"],
                            r["start_s"], r["end_s"]) for r in rows])
        done += len(rows)
        last = rows[-1]["id"]


def update_scope(db: sqlite_utils.Database, document_id: int, semester: str, subject: str, book: str) -> None:
    """After a rename or move, keep the chunks' scope fields true in SQLite.

    ``update_vector_scope`` then rewrites the vector metadata; until it has, retrieval
    checks every hit against SQLite's fields, which win when they disagree.
    """
    db.execute("UPDATE chunks SET semester=?, subject=?, book=? WHERE document_id=?",
               (semester, subject, book, document_id))
