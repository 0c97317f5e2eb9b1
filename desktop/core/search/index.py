"""Writing passages into both indexes: SQLite (chunks + FTS5) and the vector store.

PDF ingestion and lecture transcription both end here, so chat can cite either the
same way. A chunk carries its provenance by id only (``document_id``, kind, page or
time span): names live in ``nodes``/``documents``, so a rename or a move never touches
a chunk or a vector.

SQLite is the record of truth and the vector store follows it. ``add_chunks`` writes
the rows in one short transaction, then upserts the vectors with no transaction open
(an HTTP call must never hold the write lock), then marks the rows done. Each row's
``vector_state`` says whether its vector is known to be there, so a crash at any point
is repaired by ``repair_vectors``: rows without vectors get them, vectors without rows
are removed. Replacing a document's chunks is idempotent: a re-run leaves no duplicates.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import sqlite_utils

from ..storage.db import write_transaction
from .vectorstore import MULTILINGUAL_COLLECTION, VectorStore, shared_store

# chunks.vector_state
VECTOR_MISSING = 0     # the row is written; its vector may not be (upsert it)
VECTOR_OK = 1          # the vector is there with today's metadata
VECTOR_STALE = 2       # a vector from an older release may be there, its metadata outdated

REPAIR_BATCH = 64
# Written as a literal so SQLite can use the partial index chunks_vector_pending.
_PENDING = f"vector_state <> {VECTOR_OK}"
# Metadata keys of the older release (names); None in an update removes a key in Chroma.
LEGACY_KEYS = ("semester", "subject", "book")


@dataclass
class ChunkIn:
    """A passage to index, with where it came from."""

    text: str
    page: int | None = None          # PDFs and notes: 1-based page (or slide, section, chapter)
    start_s: float | None = None     # lectures: time span in seconds
    end_s: float | None = None
    section: int | None = None       # a numbered part inside the page (an EPUB chapter's § 2)
    kind: str | None = None          # when not the document's own kind (a student's note in a lecture)
    heading: str = ""                # the section title it sits under (outline or headings)
    stems: str = ""                  # its words stemmed in its document's language (not English)


def embed_text(text: str, heading: str = "") -> str:
    """What the embedder reads of a chunk: its section title, then its text."""
    return f"{heading}: {text}" if heading else text


@dataclass
class DocumentScope:
    """Whose chunks these are: a document, by id, and its kind (pdf | note | lecture)."""

    document_id: int
    kind: str


@dataclass
class Passage:
    """A search hit: what retrieval returns and chat cites.

    ``node_id`` is the document's folder; the names (semester, subject, book) are
    today's names of that folder's lineage, read when the hit is made, for display.
    """

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
    node_id: int | None = None
    section: int | None = None
    section_title: str = ""          # its section's title ("Data frames › Making data frames"), "" if unknown

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def vector_id(chunk_id: int) -> str:
    return f"c{chunk_id}"


def chunk_id_of(vid: str) -> int | None:
    try:
        return int(vid[1:]) if vid.startswith("c") else None
    except ValueError:
        return None


def delete_document_chunks(db: sqlite_utils.Database, store: VectorStore | None, document_id: int) -> None:
    """Remove a document from both indexes (vectors first: SQLite is the record of truth)."""
    if store is not None:
        store.delete(where={"document_id": document_id})
        if getattr(store, "paths", None) is not None:     # and its vectors in the multilingual space
            shared_store(store.paths, MULTILINGUAL_COLLECTION).delete(where={"document_id": document_id})
    with write_transaction(db) as conn:
        conn.execute("DELETE FROM chunks WHERE document_id = ?", (document_id,))


def add_chunks(db: sqlite_utils.Database, store: VectorStore, scope: DocumentScope, chunks: list[ChunkIn],
               first_ordinal: int, embed: Callable[[list[str]], Any]) -> list[int]:
    """Append one batch of chunks (ordinals from ``first_ordinal``) to both indexes.

    Order: embed (no transaction), write the rows (one short transaction), upsert the
    vectors (no transaction), mark the rows' vectors done. A row keeps its id when it
    is written again at the same ordinal, so a re-run overwrites its vector instead of
    orphaning it. If the upsert fails the rows stay, searchable by keywords, marked
    ``VECTOR_MISSING`` for ``repair_vectors``.
    """
    if not chunks:
        return []
    vectors = embed([embed_text(c.text, c.heading) for c in chunks])
    ids: list[int] = []
    with write_transaction(db) as conn:
        for i, c in enumerate(chunks):
            row = conn.execute(
                "INSERT INTO chunks (document_id, ordinal, kind, page, start_s, end_s, text, vector_state, section,"
                " heading, stems) VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(document_id, ordinal) DO UPDATE SET"
                " kind=excluded.kind, page=excluded.page, start_s=excluded.start_s, end_s=excluded.end_s,"
                " text=excluded.text, vector_state=excluded.vector_state, section=excluded.section,"
                " heading=excluded.heading, stems=excluded.stems RETURNING id",
                (scope.document_id, first_ordinal + i, c.kind or scope.kind, c.page, c.start_s, c.end_s, c.text,
                 VECTOR_MISSING, c.section, c.heading, c.stems)).fetchone()
            ids.append(int(row[0]))
    metas = [chunk_metadata(scope.document_id, cid, c.kind or scope.kind, c.page, c.start_s, c.end_s)
             for cid, c in zip(ids, chunks)]
    store.upsert([vector_id(i) for i in ids], [list(map(float, v)) for v in vectors],
                 [c.text for c in chunks], metas)
    _mark(db, ids, VECTOR_OK)
    return ids


def replace_document_chunks(db: sqlite_utils.Database, store: VectorStore, scope: DocumentScope,
                            chunks: list[ChunkIn], embed: Callable[[list[str]], Any], batch: int = 32) -> list[int]:
    """Write a document's passages anew with no moment where it has none.

    Each ordinal is overwritten in place (same chunk id, same vector id), then the
    ordinals past the new end are removed (vectors first). A search running meanwhile
    sees the old text or the new, never an empty document.
    """
    ids: list[int] = []
    for first in range(0, len(chunks), batch):
        ids += add_chunks(db, store, scope, chunks[first:first + batch], first, embed)
    extra = [int(r[0]) for r in db.execute("SELECT id FROM chunks WHERE document_id = ? AND ordinal >= ?",
                                           (scope.document_id, len(chunks))).fetchall()]
    if extra:
        store.delete_ids([vector_id(i) for i in extra])
        with write_transaction(db) as conn:
            conn.execute(f"DELETE FROM chunks WHERE id IN ({','.join('?' * len(extra))})", extra)
    return ids


def _mark(db: sqlite_utils.Database, ids: list[int], state: int) -> None:
    if not ids:
        return
    with write_transaction(db) as conn:
        conn.execute(f"UPDATE chunks SET vector_state = ? WHERE id IN ({','.join('?' * len(ids))})",
                     (state, *ids))


def chunk_metadata(document_id: int, chunk_id: int, kind: str, page: int | None, start_s: float | None,
                   end_s: float | None) -> dict[str, Any]:
    """The vector store metadata of one chunk: ids and position only, never names."""
    m: dict[str, Any] = {"document_id": document_id, "chunk_id": chunk_id, "kind": kind}
    if page is not None:
        m["page"] = page
    if start_s is not None:
        m["start_s"] = float(start_s)
        m["end_s"] = float(end_s if end_s is not None else start_s)
    return m


def pending_vectors(db: sqlite_utils.Database, document_id: int | None = None) -> int:
    """How many chunks still wait for their vector (or for its metadata to be rewritten)."""
    if document_id is None:
        return int(db.execute(f"SELECT count(*) FROM chunks WHERE {_PENDING}").fetchone()[0])
    return int(db.execute(f"SELECT count(*) FROM chunks WHERE document_id = ? AND {_PENDING}",
                          (document_id,)).fetchone()[0])


def repair_vectors(db: sqlite_utils.Database, store: VectorStore, embed: Callable[[list[str]], Any],
                   document_id: int | None = None, progress: Callable[[int, int], None] | None = None,
                   check: Callable[[], None] | None = None) -> dict[str, int]:
    """Make the vector store agree with SQLite (for one document or all).

    Rows whose vector is missing are embedded and upserted; vectors of an older
    release get today's metadata (no re-embedding when the vector is there); vectors
    whose chunk row is gone are deleted. Safe to run again at any point.
    ``progress(done, total)`` is called after each batch; ``check`` may raise to stop.
    """
    total = pending_vectors(db, document_id)
    done = embedded = updated = 0
    last = -1
    while True:
        if check is not None:
            check()
        sql = ("SELECT id, document_id, kind, page, start_s, end_s, text, heading, vector_state FROM chunks"
               f" WHERE {_PENDING} AND id > ?")
        params: list[Any] = [last]
        if document_id is not None:
            sql += " AND document_id = ?"
            params.append(document_id)
        rows = list(db.query(sql + " ORDER BY id LIMIT ?", [*params, REPAIR_BATCH]))
        if not rows:
            break
        last = rows[-1]["id"]
        stale = [r for r in rows if r["vector_state"] == VECTOR_STALE]
        present = set(store.existing([vector_id(r["id"]) for r in stale])) if stale else set()
        to_update = [r for r in stale if vector_id(r["id"]) in present]
        to_embed = [r for r in rows if r not in to_update]
        if to_update:
            store.update_metadata([vector_id(r["id"]) for r in to_update],
                                  [{**_meta(r), **dict.fromkeys(LEGACY_KEYS)} for r in to_update])
        if to_embed:
            vectors = embed([embed_text(r["text"], r["heading"]) for r in to_embed])
            store.upsert([vector_id(r["id"]) for r in to_embed], [list(map(float, v)) for v in vectors],
                         [r["text"] for r in to_embed], [_meta(r) for r in to_embed])
        _mark_if_unchanged(db, rows)
        done += len(rows)
        embedded += len(to_embed)
        updated += len(to_update)
        if progress is not None:
            progress(done, total)
    removed = remove_orphan_vectors(db, store, document_id)
    return {"chunks": done, "embedded": embedded, "metadata_updated": updated, "orphans_removed": removed}


def _meta(r: dict[str, Any]) -> dict[str, Any]:
    return chunk_metadata(r["document_id"], r["id"], r["kind"], r["page"], r["start_s"], r["end_s"])


def _mark_if_unchanged(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> None:
    """Mark these rows done, unless one was rewritten meanwhile (then it waits for the next pass)."""
    with write_transaction(db) as conn:
        for r in rows:
            conn.execute("UPDATE chunks SET vector_state = ? WHERE id = ? AND text = ? AND vector_state = ?",
                         (VECTOR_OK, r["id"], r["text"], r["vector_state"]))


def remove_orphan_vectors(db: sqlite_utils.Database, store: VectorStore, document_id: int | None = None) -> int:
    """Delete vectors whose chunk row no longer exists (what a crash mid-replacement can leave)."""
    if document_id is not None:
        vids = store.ids({"document_id": document_id})
    else:
        vids = store.all_ids()
    known = {r[0] for r in db.execute("SELECT id FROM chunks" + (" WHERE document_id = ?" if document_id is not None
                                                                 else ""),
                                      (document_id,) if document_id is not None else ()).fetchall()}
    orphans = [v for v in vids if chunk_id_of(v) not in known]
    for i in range(0, len(orphans), 500):
        store.delete_ids(orphans[i:i + 500])
    return len(orphans)
