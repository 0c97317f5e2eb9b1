"""Scopes and the index by id: same names never mix, renames and moves need no re-tagging,
and no vector-store call ever holds SQLite's write lock."""
from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from desktop.core import library
from desktop.core.models.embeddings import get_embedder
from desktop.core.search import index, retrieval
from desktop.core.search.index import ChunkIn, DocumentScope
from desktop.core.search.scope import Scope, ScopeError, describe_scope, resolve_document_ids, scope_from_names
from desktop.core.search.vectorstore import VectorStore
from tests.conftest import wait_for

BIO_PAGES = ["Mitochondria produce ATP by oxidative phosphorylation across the inner membrane.",
             "Chloroplasts capture light energy and fix carbon dioxide into glucose."]
CHEM_PAGES = ["A titration adds a solution of known concentration until the indicator changes colour.",
              "An acid donates protons and a base accepts them; the pH scale is logarithmic."]


def _book(db, store, node: int, title: str, pages: list[str]) -> int:
    doc = library.add_document(db, node, "pdf", title, f"{title}.pdf", f"files/x/{title}.pdf", f"sha-{node}-{title}",
                               1, state="ready")
    index.add_chunks(db, store, DocumentScope(doc, "pdf"), [ChunkIn(t, page=i + 1) for i, t in enumerate(pages)], 0,
                     get_embedder().embed)
    return doc


@pytest.fixture
def twins(services, paths, db):
    """Two books both called 'Reader': one under Biology, one under Chemistry (same semester)."""
    store = retrieval.open_store(paths, db)
    bio_reader = library.ensure_path(db, "Fall 2025", "Biology", "Reader")
    chem_reader = library.ensure_path(db, "Fall 2025", "Chemistry", "Reader")
    bio = _book(db, store, bio_reader, "Cell notes", BIO_PAGES)
    chem = _book(db, store, chem_reader, "Lab notes", CHEM_PAGES)
    return store, {"bio_reader": bio_reader, "chem_reader": chem_reader, "bio": bio, "chem": chem}


def _docs_found(db, store, scope: Scope, query: str, mode: str) -> set[int]:
    return {h.document_id for h in retrieval.search(db, store, query, scope, k=10, mode=mode)}


def test_two_books_with_the_same_name_are_never_mixed(twins, db):
    store, ids = twins
    q = "what does a titration and the indicator colour tell, and where is ATP made"   # words of both
    for mode in retrieval.MODES:
        assert _docs_found(db, store, Scope(node_ids=(ids["bio_reader"],)), q, mode) == {ids["bio"]}, mode
        assert _docs_found(db, store, Scope(node_ids=(ids["chem_reader"],)), q, mode) == {ids["chem"]}, mode
    assert [h.document_id for h in retrieval.text_hits(db, "titration", Scope(node_ids=(ids["bio_reader"],)))] == []
    # The command line's names are looked up inside the subject given, never by book name alone.
    assert scope_from_names(db, "Fall 2025", "Chemistry", ["reader"]) == Scope(node_ids=(ids["chem_reader"],))
    with pytest.raises(ScopeError):
        scope_from_names(db, "Fall 2025", "History")


def test_a_saved_scope_follows_its_book_through_a_rename_and_a_move(twins, db, paths):
    store, ids = twins
    saved = json.dumps(Scope(node_ids=(ids["chem_reader"],)).to_dict())     # as a chat keeps it
    vectors_before = store.ids({"document_id": ids["chem"]})
    q = "how is a titration done"

    library.rename_node(db, paths, ids["chem_reader"], "Lab Reader")
    scope = Scope.from_dict(json.loads(saved))
    for mode in retrieval.MODES:
        assert _docs_found(db, store, scope, q, mode) == {ids["chem"]}, mode
    assert "Lab Reader" in describe_scope(db, scope)

    history = library.ensure_path(db, "Spring 2026", "History")
    library.move_node(db, paths, ids["chem_reader"], history)
    scope = Scope.from_dict(json.loads(saved))
    for mode in retrieval.MODES:
        assert _docs_found(db, store, scope, q, mode) == {ids["chem"]}, mode
    hit = retrieval.search(db, store, q, scope, k=1)[0]
    assert (hit.semester, hit.subject, hit.book) == ("Spring 2026", "History", "Lab Reader")   # today's names
    # The old subject's scope no longer holds the book, the new semester's does.
    fall = db.execute("SELECT id FROM nodes WHERE name='Fall 2025'").fetchone()[0]
    assert ids["chem"] not in resolve_document_ids(db, Scope(node_ids=(fall,)))
    assert resolve_document_ids(db, Scope(node_ids=(history,))) == [ids["chem"]]
    # Not one vector was rewritten or re-added: the index holds ids only.
    assert store.ids({"document_id": ids["chem"]}) == vectors_before
    meta = store._call("get", ids=vectors_before, include=["metadatas"])["metadatas"]
    assert all(set(m) <= {"document_id", "chunk_id", "kind", "page", "start_s", "end_s"} for m in meta)


def test_a_document_moved_to_another_book_is_found_through_its_new_book(twins, db, paths):
    store, ids = twins
    library.move_document(db, paths, ids["chem"], ids["bio_reader"])
    q = "how is a titration done"
    assert ids["chem"] in _docs_found(db, store, Scope(node_ids=(ids["bio_reader"],)), q, "hybrid")
    assert _docs_found(db, store, Scope(node_ids=(ids["chem_reader"],)), q, "hybrid") == set()
    assert _docs_found(db, store, Scope(document_ids=(ids["chem"],)), q, "vector") == {ids["chem"]}


@pytest.mark.parametrize("bad", [
    {"books": ["Reader"]},                       # a scope by names (older release): refused, not widened
    {"node_ids": "3"}, {"node_ids": [True]}, {"document_ids": ["7"]}, {"node_ids": [1.5]}, [1, 2], "everything",
])
def test_a_malformed_scope_is_refused_never_widened(bad):
    with pytest.raises(ScopeError) as err:
        Scope.from_dict(bad)
    assert err.value.message        # a plain sentence for the student


def test_scope_round_trip():
    s = Scope(node_ids=(3, 1), document_ids=(9,))
    assert Scope.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    assert s.to_dict() == {"node_ids": [3, 1], "document_ids": [9]}
    assert Scope.from_dict({}) == Scope() and Scope.from_dict(None).is_everything


class _BlockingStore(VectorStore):
    """Our vector store whose upsert waits for the test before talking to the server."""

    def __init__(self, *a, **kw) -> None:
        super().__init__(*a, **kw)
        self.entered = threading.Event()
        self.release = threading.Event()

    def upsert(self, *a, **kw) -> None:
        self.entered.set()
        assert self.release.wait(60)
        super().upsert(*a, **kw)


class _FailingStore(VectorStore):
    def upsert(self, *a, **kw) -> None:
        raise ConnectionError("the vector store went away")


def test_no_write_lock_is_held_while_vectors_are_upserted(services, paths, db):
    node = library.ensure_path(db, "Fall 2025", "Biology", "Reader")
    doc = library.add_document(db, node, "pdf", "Cell notes", "c.pdf", "files/1/c.pdf", "sha-c", 1, state="ready")
    store = _BlockingStore(paths, retrieval.store_key(""))
    result: list = []
    worker = threading.Thread(target=lambda: result.append(index.add_chunks(
        db, store, DocumentScope(doc, "pdf"), [ChunkIn(t, page=i + 1) for i, t in enumerate(BIO_PAGES)], 0,
        get_embedder().embed)))
    worker.start()
    try:
        assert store.entered.wait(60)
        # 2 s at most: the blocked upsert holds on for as long as the test wants, so a lock held
        # across it could never be had in time.
        other = sqlite3.connect(str(paths.db), timeout=2, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        other.close()
        # The rows are already readable (keyword search works) and marked as waiting for their vector.
        assert [r[0] for r in db.execute("SELECT vector_state FROM chunks WHERE document_id=?", (doc,))] == \
            [index.VECTOR_MISSING] * 2
    finally:
        store.release.set()
        worker.join(60)
    assert len(result[0]) == 2
    assert {r[0] for r in db.execute("SELECT vector_state FROM chunks WHERE document_id=?", (doc,))} == {index.VECTOR_OK}
    assert sorted(store.ids({"document_id": doc})) == sorted(index.vector_id(i) for i in result[0])


def test_a_failed_upsert_is_repaired_and_orphan_vectors_removed(services, paths, db):
    node = library.ensure_path(db, "Fall 2025", "Biology", "Reader")
    doc = library.add_document(db, node, "pdf", "Cell notes", "c.pdf", "files/1/c.pdf", "sha-c", 1, state="ready")
    embed = get_embedder().embed
    good = retrieval.open_store(paths, db)
    first = index.add_chunks(db, good, DocumentScope(doc, "pdf"), [ChunkIn(BIO_PAGES[0], page=1)], 0, embed)
    with pytest.raises(ConnectionError):
        index.add_chunks(db, _FailingStore(paths, retrieval.store_key("")), DocumentScope(doc, "pdf"),
                         [ChunkIn(BIO_PAGES[1], page=2)], 1, embed)
    assert index.pending_vectors(db, doc) == 1                     # the row stayed, waiting for its vector
    assert retrieval.search(db, None, "chloroplasts glucose", mode="bm25", k=1)[0].page == 2
    # A vector whose row is gone (a crash between the two halves of a replacement).
    db.execute("DELETE FROM chunks WHERE id=?", (first[0],))
    report = index.repair_vectors(db, good, embed)
    assert report["embedded"] == 1 and report["orphans_removed"] == 1
    assert index.pending_vectors(db) == 0
    rows = [r[0] for r in db.execute("SELECT id FROM chunks WHERE document_id=?", (doc,))]
    assert sorted(good.ids({"document_id": doc})) == sorted(index.vector_id(i) for i in rows)
    assert retrieval.search(db, good, "chloroplasts glucose", mode="vector", k=1)[0].page == 2
    # Running it again changes nothing.
    assert index.repair_vectors(db, good, embed) == {"chunks": 0, "embedded": 0, "metadata_updated": 0,
                                                     "orphans_removed": 0}


def test_writing_a_document_again_never_leaves_it_without_passages(services, paths, db):
    node = library.ensure_path(db, "Fall 2025", "Genetics")
    doc = library.add_document(db, node, "lecture", "Lecture 3", "3.wav", "recordings/3.wav", "sha-l", 1,
                               state="ready")
    embed = get_embedder().embed
    first = index.replace_document_chunks(db, retrieval.open_store(paths, db), DocumentScope(doc, "lecture"), [
        ChunkIn("DNA replication is semi-conservative.", start_s=0, end_s=30),
        ChunkIn("Polymerase adds nucleotides five prime to three prime.", start_s=30, end_s=60),
        ChunkIn("Mendel's law of segregation.", start_s=60, end_s=90)], embed)
    store = _BlockingStore(paths, retrieval.store_key(""))
    result: list = []
    worker = threading.Thread(target=lambda: result.append(index.replace_document_chunks(
        db, store, DocumentScope(doc, "lecture"), [
            ChunkIn("DNA replication is semi-conservative: one old strand, one new.", start_s=0, end_s=30),
            ChunkIn("DNA polymerase adds nucleotides five prime to three prime.", start_s=30, end_s=90)], embed)))
    worker.start()
    try:
        assert store.entered.wait(60)
        # Mid-rewrite: the lecture is still searchable (an edit of one line never empties it).
        assert retrieval.search(db, None, "polymerase nucleotides", mode="bm25", k=1)[0].document_id == doc
    finally:
        store.release.set()
        worker.join(60)
    assert result[0] == first[:2]                        # same chunk ids, so the same vector ids are overwritten
    rows = [r[0] for r in db.execute("SELECT id FROM chunks WHERE document_id=? ORDER BY ordinal", (doc,))]
    assert rows == first[:2]
    assert sorted(store.ids({"document_id": doc})) == sorted(index.vector_id(i) for i in rows)
    assert "one new" in db.execute("SELECT text FROM chunks WHERE id=?", (rows[0],)).fetchone()[0]


def test_marking_a_vector_done_does_not_rewrite_the_full_text_index(db):
    db.execute("INSERT INTO chunks (document_id, ordinal, kind, text) VALUES (1, 0, 'pdf', 'rubisco fixes carbon')")
    before = db.conn.total_changes
    db.execute("UPDATE chunks SET vector_state = 1")
    assert db.conn.total_changes - before == 1          # the row only: no FTS delete + insert
    db.execute("UPDATE chunks SET text = 'chlorophyll absorbs light'")
    assert retrieval.text_hits(db, "chlorophyll") and not retrieval.text_hits(db, "rubisco")
