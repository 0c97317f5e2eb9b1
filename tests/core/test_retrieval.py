"""Hybrid retrieval over real indexes: right page, right scope, lectures too, any input."""
import pytest
from desktop.workers.submit import QueueJobs

from desktop.core.search import index
from desktop.core.library import ingest
from desktop.core import jobs
from desktop.core import library
from desktop.core.search import retrieval
from desktop.core.models.embeddings import get_embedder
from desktop.core.search.scope import Scope
from tests import pdfs
from tests.conftest import wait_for


@pytest.fixture
def indexed(services, paths, db, tmp_path):
    """A biology reader (PDF) in Fall 2024 and a chemistry handout in Spring 2025, both ingested."""
    bio = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    chem = library.ensure_path(db, "Spring 2025", "Chemistry", "Handouts")
    chem_pages = ["Acids and bases\n\nAn acid donates protons; a base accepts them. The pH scale is logarithmic.",
                  "Titration\n\nA titration finds an unknown concentration by adding a solution of known "
                  "concentration until the indicator changes colour at the equivalence point."]
    ids = {}
    for name, book, path in (("bio", bio, pdfs.make_course_pdf(tmp_path / "Cell biology.pdf", n=6)),
                             ("chem", chem, pdfs.make_pdf(tmp_path / "Acids.pdf", chem_pages, header=None))):
        r = library.import_file(db, paths, book, path, starter=QueueJobs(paths, db))
        job_id = ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db))
        job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 120, 0.1, "ingestion")
        assert job.state == jobs.DONE, job.error
        ids[name] = r.document_id
    ids["nodes"] = {"fall": library.ensure_path(db, "Fall 2024", "Biology"), "bio_book": bio,
                    "spring": library.ensure_path(db, "Spring 2025", "Chemistry"), "chem_book": chem}
    ids["fall"] = db.execute("SELECT parent_id FROM nodes WHERE id=?", (ids["nodes"]["fall"],)).fetchone()[0]
    ids["spring"] = db.execute("SELECT parent_id FROM nodes WHERE id=?", (ids["nodes"]["spring"],)).fetchone()[0]
    return ids, retrieval.open_store(paths, db)


def test_each_mode_finds_the_page_that_answers_the_question(indexed, db):
    ids, store = indexed
    for mode in retrieval.MODES:
        hits = retrieval.search(db, store, "Where is ATP produced by oxidative phosphorylation?", k=3, mode=mode)
        assert hits, mode
        assert (hits[0].document_id, hits[0].page, hits[0].title) == (ids["bio"], 2, "Cell biology"), mode
        assert hits[0].kind == "pdf" and hits[0].semester == "Fall 2024"
    scores = [p.score for p in retrieval.search(db, store, "titration indicator colour", k=4)]
    assert scores == sorted(scores, reverse=True)


def test_scope_narrows_both_vector_and_text_search(indexed, db):
    ids, store = indexed
    q = "does an acid or an enzyme change the pH"      # words of both books
    assert retrieval.search(db, store, q, Scope(node_ids=(ids["spring"],)), k=1)[0].document_id == ids["chem"]
    for mode in retrieval.MODES:
        hits = retrieval.search(db, store, q, Scope(node_ids=(ids["fall"],)), k=5, mode=mode)
        assert {h.document_id for h in hits} == {ids["bio"]}, mode
        hits = retrieval.search(db, store, q, Scope(node_ids=(ids["nodes"]["bio_book"],)), k=5, mode=mode)
        assert {h.book for h in hits} == {"Reader"}, mode
    only = retrieval.search(db, store, q, Scope(document_ids=(ids["chem"],)), k=5)
    assert {h.document_id for h in only} == {ids["chem"]}
    both = retrieval.search(db, store, q, Scope(node_ids=(ids["fall"],), document_ids=(ids["chem"],)), k=10)
    assert {h.document_id for h in both} == {ids["bio"], ids["chem"]}       # a union, not an intersection
    assert retrieval.search(db, store, q, Scope(node_ids=(987654,)), k=5) == []   # gone: nothing, never everything


def test_a_narrow_scope_in_a_big_library_searches_among_its_own_chunks(indexed, db, paths):
    ids, store = indexed
    big = library.ensure_path(db, "Spring 2025", "History", "Atlas")
    library.add_document(db, big, "pdf", "Atlas", "atlas.pdf", "library/atlas.pdf", "z" * 64, 1, state="ready")
    db.execute("UPDATE documents SET pages=5000 WHERE title='Atlas'")    # the chemistry handout is now <1%
    docs, share = retrieval.scope_documents(db, Scope(document_ids=(ids["chem"],)))
    assert docs == [ids["chem"]] and share < retrieval.POSTFILTER_SHARE
    for mode in ("vector", "hybrid"):
        hits = retrieval.search(db, store, "how is a titration done", Scope(document_ids=(ids["chem"],)), k=3,
                                mode=mode)
        assert hits and {h.document_id for h in hits} == {ids["chem"]}, mode
        assert hits[0].page == 2


def test_any_text_a_student_types_is_a_valid_query(indexed, db):
    _, store = indexed
    for query in ('"unbalanced quote', "AND OR NOT", "mitochondria NEAR( cell", "*", "col:umn ^x", "the of and",
                  "   ", "🙂 émulsion ß", "mitochondria) OR (\"x"):
        for mode in retrieval.MODES:
            retrieval.search(db, store, query, k=3, mode=mode)
        retrieval.text_hits(db, query)
    assert retrieval.search(db, store, "mitochondria) OR (\"x", k=1)[0].page == 2


def test_lecture_chunks_written_through_the_index_are_found_with_their_time(indexed, db, paths):
    _, store = indexed
    node = library.ensure_path(db, "Fall 2024", "Biology", "Lectures")
    rec = db.execute("INSERT INTO recordings (title, node_id, path, state, created_at) VALUES "
                     "('Lecture 3', ?, 'recordings/3.flac', 'done', 0)", (node,)).lastrowid
    doc_id = library.add_document(db, node, "lecture", "Lecture 3", "3.flac", "recordings/3.flac", "x" * 64, 10,
                                  recording_id=rec, state="ready")
    scope = index.DocumentScope(doc_id, "lecture")
    index.add_chunks(db, store, scope, [
        index.ChunkIn("Today we look at the sodium potassium pump and resting potential.", start_s=0.0, end_s=31.5),
        index.ChunkIn("Action potentials travel along the axon by opening voltage gated channels.", start_s=31.5,
                      end_s=64.0)], 0, get_embedder().embed)
    for mode in retrieval.MODES:
        hit = retrieval.search(db, store, "how do action potentials travel along an axon", k=1, mode=mode)[0]
        assert (hit.document_id, hit.kind, hit.start_s, hit.end_s, hit.recording_id, hit.page) == \
            (doc_id, "lecture", 31.5, 64.0, rec, None), mode
        assert hit.title == "Lecture 3"


def test_vectors_whose_chunks_are_gone_from_sqlite_are_never_returned(indexed, db):
    ids, store = indexed
    db.execute("DELETE FROM chunks WHERE document_id=?", (ids["bio"],))   # vectors left behind on purpose
    assert store.ids({"document_id": ids["bio"]})
    hits = retrieval.search(db, store, "mitochondria ATP", k=5, mode="vector")
    assert hits and all(h.document_id == ids["chem"] for h in hits)


def test_text_hits_show_page_and_snippet_and_match_as_you_type(indexed, db):
    ids, _ = indexed
    hits = retrieval.text_hits(db, "rubis")
    assert [(h.document_id, h.page) for h in hits] == [(ids["bio"], 3)]
    assert "[rubisco]" in hits[0].snippet and hits[0].title == "Cell biology"
    assert retrieval.text_hits(db, "rubis", Scope(node_ids=(ids["spring"],))) == []


def test_fts_queries_quote_every_word():
    assert retrieval.fts_query('say "hi" AND bye*') == '"say" OR "hi" OR "bye"'
    assert retrieval.fts_query("the and of") == '"the" OR "and" OR "of"'
    assert retrieval.fts_query("cell membr", prefix_last=True) == '"cell" OR "membr"*'
    assert retrieval.fts_query(" ,.;") is None
    fused = retrieval.reciprocal_rank_fusion([[1, 2, 3], [3, 1]])
    assert [cid for cid, _ in fused] == [1, 3, 2]
