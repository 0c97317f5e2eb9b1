"""Material not in English, in a second vector space.

The main index's embedder (MiniLM) knows English: the vector of a German page says
little, and a question about it found it by its words alone. So every chunk of a
document whose language is not English also gets a vector from the multilingual
encoder (``models.embeddings.MultilingualEmbedder``, 16 languages in one space), kept
in a collection of its own. It is an addition: the main index holds every document as
before, and a library in English never touches this one.

- ``refresh_document`` makes a document's multilingual vectors agree with its chunks
  (new or changed text embedded, vectors of chunks that are gone removed). Called when
  a document has been read and a lecture (re)indexed; the re-index job catches up any
  that lag (a crash, an older release). Safe to run again at any point.
- ``retrieval.search`` ranks the chunks of the documents in scope that are not in
  English by this space and fuses that ranking with the others.

Same vector ids and metadata as the main index: ids and positions only, never names.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import sqlite_utils

from ..models.embeddings import get_multilingual_embedder
from .index import chunk_id_of, chunk_metadata, embed_text, vector_id
from .language import ENGLISH
from .vectorstore import MULTILINGUAL_COLLECTION, VectorStore, shared_store

log = logging.getLogger(__name__)

COLLECTION = MULTILINGUAL_COLLECTION
BATCH = 64


def open_store(paths: Any) -> VectorStore:
    """The multilingual collection's client (one per data folder and process)."""
    return shared_store(paths, COLLECTION)


def is_foreign(lang: str | None) -> bool:
    """Does a document in this language get multilingual vectors? (Unknown counts as English.)"""
    return bool(lang) and lang != ENGLISH


def document_language(db: sqlite_utils.Database, document_id: int) -> str:
    row = db.execute("SELECT language FROM documents WHERE id = ?", (document_id,)).fetchone()
    return (row[0] or "") if row else ""


def refresh_document(db: sqlite_utils.Database, store: VectorStore, embed: Callable[[list[str]], Any],
                     document_id: int, check: Callable[[], None] | None = None) -> int:
    """Bring one document's multilingual vectors up to date; returns how many were embedded.

    A document in English (or one no longer in the library) has none: any it had are removed."""
    have = store.texts({"document_id": document_id})
    if not is_foreign(document_language(db, document_id)):
        if have:
            store.delete_ids(list(have))
        return 0
    rows = list(db.query("SELECT id, document_id, kind, page, start_s, end_s, text, heading FROM chunks "
                         "WHERE document_id = ? ORDER BY ordinal", [document_id]))
    known = {r["id"] for r in rows}
    gone = [vid for vid in have if chunk_id_of(vid) not in known]
    store.delete_ids(gone)
    stale = [r for r in rows if have.get(vector_id(r["id"])) != r["text"]]
    for first in range(0, len(stale), BATCH):
        if check is not None:
            check()
        batch = stale[first:first + BATCH]
        vectors = embed([embed_text(r["text"], r["heading"] or "") for r in batch])
        store.upsert([vector_id(r["id"]) for r in batch], [list(map(float, v)) for v in vectors],
                     [r["text"] for r in batch],
                     [chunk_metadata(r["document_id"], r["id"], r["kind"], r["page"], r["start_s"], r["end_s"])
                      for r in batch])
    return len(stale)


def lagging_documents(db: sqlite_utils.Database, store: VectorStore) -> list[int]:
    """Documents not in English whose multilingual vectors are fewer or more than their chunks."""
    rows = db.execute("SELECT d.id, count(c.id) FROM documents d JOIN chunks c ON c.document_id = d.id "
                      "WHERE d.language NOT IN ('', ?) GROUP BY d.id ORDER BY d.id", (ENGLISH,)).fetchall()
    return [doc for doc, n in rows if len(store.ids({"document_id": doc})) != n]


# A settings row saying every document's multilingual vectors were checked by the re-index
# job; removed when making some failed, so the next start catches up.
CAUGHT_UP_KEY = "multilingual_index_checked"


def needs_catch_up(db: sqlite_utils.Database) -> bool:
    """Cheap (SQLite only): may a document not in English lack its multilingual vectors?"""
    if db.execute("SELECT 1 FROM settings WHERE key = ?", (CAUGHT_UP_KEY,)).fetchone():
        return False
    return db.execute("SELECT 1 FROM documents d WHERE d.language NOT IN ('', ?) AND EXISTS "
                      "(SELECT 1 FROM chunks c WHERE c.document_id = d.id) LIMIT 1", (ENGLISH,)).fetchone() is not None


def set_caught_up(db: sqlite_utils.Database, done: bool) -> None:
    if done:
        db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, '1')", (CAUGHT_UP_KEY,))
    else:
        db.execute("DELETE FROM settings WHERE key = ?", (CAUGHT_UP_KEY,))


def refresh_quietly(db: sqlite_utils.Database, paths: Any, document_id: int) -> int:
    """``refresh_document`` where failing must not fail the caller's work (the document is
    searchable by its words and the main index; the re-index job catches up later)."""
    try:
        if not is_foreign(document_language(db, document_id)):
            return 0
        embedder = get_multilingual_embedder()
        if embedder is None:
            return 0
        return refresh_document(db, open_store(paths), embedder.embed, document_id)
    except Exception:
        log.warning("document %s: its multilingual vectors could not be made now", document_id, exc_info=True)
        try:
            set_caught_up(db, False)
        except Exception:
            pass
        return 0
