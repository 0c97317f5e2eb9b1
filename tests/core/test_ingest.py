"""Ingestion through the real worker and the real vector store."""
import os
import signal
from desktop.workers.submit import QueueJobs

from desktop.core.library import chunking
from desktop.core.library import ingest
from desktop.core import jobs
from desktop.core import library
from desktop.core.library import pdftext
from desktop.core.search import retrieval
from desktop.core.runtime.supervisor import WORKER
from tests import pdfs
from tests.conftest import wait_for


def _book(db, name="Reader"):
    return library.ensure_path(db, "Fall 2024", "Biology", name)


def _add(db, paths, book, path):
    r = library.import_file(db, paths, book, path, starter=QueueJobs(paths, db))
    assert r.added, r.message
    return r.document_id, ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db))


def _finished(db, job_id, timeout=180):
    return wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, timeout, 0.1, "the job to end")


def _counts(db, store, doc_id):
    rows = db.execute("SELECT count(*), count(DISTINCT ordinal), count(DISTINCT text) FROM chunks "
                      "WHERE document_id=?", (doc_id,)).fetchone()
    return rows[0], rows[1], len(store.ids({"document_id": doc_id}))


def test_a_pdf_added_to_a_book_becomes_searchable_page_by_page(services, paths, db, tmp_path):
    doc_id, job_id = _add(db, paths, _book(db), pdfs.make_course_pdf(tmp_path / "Cell biology.pdf", n=6))
    job = _finished(db, job_id)
    assert job.state == jobs.DONE, job.error
    doc = library.get_document(db, doc_id)
    assert (doc.state, doc.pages, doc.error) == ("ready", 6, "")
    store = retrieval.open_store(paths, db)
    n, distinct, vectors = _counts(db, store, doc_id)
    assert n == distinct == vectors == job.result["chunks"] > 0
    rows = list(db.query("SELECT * FROM chunks WHERE document_id=?", [doc_id]))
    assert {r["page"] for r in rows} == {1, 2, 3, 4, 5, 6}
    assert not {"semester", "subject", "book"} & set(rows[0])    # provenance by id only; names live in nodes
    hit = retrieval.search(db, store, "Which enzyme fixes carbon dioxide in the Calvin cycle?", k=1)[0]
    assert (hit.document_id, hit.page, hit.title) == (doc_id, 3, "Cell biology")


def test_running_the_job_again_replaces_the_chunks_without_duplicates(services, paths, db, tmp_path):
    doc_id, job_id = _add(db, paths, _book(db), pdfs.make_course_pdf(tmp_path / "r.pdf", n=4))
    assert _finished(db, job_id).state == jobs.DONE
    store = retrieval.open_store(paths, db)
    before = _counts(db, store, doc_id)
    again = ingest.submit_ingest(db, paths, doc_id, QueueJobs(paths, db))
    assert _finished(db, again).state == jobs.DONE
    assert _counts(db, store, doc_id) == before
    assert db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'rubisco'").fetchone()[0] == 1


def test_bad_files_fail_with_their_own_message_and_damage_nothing_else(services, paths, db, tmp_path):
    book = _book(db)
    good_id, good_job = _add(db, paths, book, pdfs.make_course_pdf(tmp_path / "good.pdf", n=3))
    assert _finished(db, good_job).state == jobs.DONE
    store = retrieval.open_store(paths, db)
    good_before = _counts(db, store, good_id)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    notpdf = tmp_path / "photo.pdf"
    notpdf.write_bytes(b"\xff\xd8\xff\xe0 a jpeg really" * 20)
    cases = {
        "This file is empty (0 bytes).": empty,
        "This file is not a PDF, although its name ends in .pdf.": notpdf,
        "This PDF is damaged and cannot be read.": pdfs.make_corrupt_pdf(tmp_path / "broken.pdf"),
        # A scanned PDF is read by OCR now: tests/core/test_ocr.py
    }
    submitted = {msg: _add(db, paths, book, path) for msg, path in cases.items()}
    for msg, (doc_id, job_id) in submitted.items():
        job = _finished(db, job_id)
        doc = library.get_document(db, doc_id)
        assert job.state == jobs.FAILED and doc.state == "failed", (msg, job.state)
        assert doc.error.startswith(msg) and job.error.startswith(msg)
        assert _counts(db, store, doc_id) == (0, 0, 0)
        assert (paths.root / doc.path).exists(), "the imported copy stays, so retry is possible"
    assert _counts(db, store, good_id) == good_before
    assert library.get_document(db, good_id).state == "ready"


def test_a_pdf_with_unreadable_pages_keeps_the_good_ones_and_names_the_bad(services, paths, db, tmp_path):
    doc_id, job_id = _add(db, paths, _book(db), pdfs.make_pdf_with_bad_pages(tmp_path / "p.pdf", bad=(2, 4)))
    job = _finished(db, job_id)
    assert job.state == jobs.DONE and job.result["bad_pages"] == [2, 4]
    doc = library.get_document(db, doc_id)
    assert doc.state == "ready" and doc.error == "Pages 2, 4 could not be read and were skipped."
    pages = {r["page"] for r in db.query("SELECT page FROM chunks WHERE document_id=?", [doc_id])}
    assert pages == {1, 3, 5}


def test_a_protected_pdf_waits_for_its_password_which_is_stored_nowhere(services, paths, db, tmp_path):
    password = "Tr0ub4dor&3-unique"
    doc_id, job_id = _add(db, paths, _book(db), pdfs.make_course_pdf(tmp_path / "locked.pdf", password=password))
    job = _finished(db, job_id)
    doc = library.get_document(db, doc_id)
    assert job.state == jobs.FAILED and doc.state == "locked"
    assert "password" in doc.error
    ingest.unlock_document(db, paths, doc_id, password)
    again = ingest.retry_ingest(db, paths, doc_id, QueueJobs(paths, db))
    assert _finished(db, again).state == jobs.DONE
    assert library.get_document(db, doc_id).state == "ready"
    assert retrieval.search(db, retrieval.open_store(paths, db), "rubisco", k=1)[0].document_id == doc_id
    for f in paths.root.rglob("*"):
        if f.is_file():
            assert password.encode() not in f.read_bytes(), f


def test_a_markdown_note_is_read_one_section_per_page(services, paths, db, tmp_path):
    note = tmp_path / "week1.md"
    note.write_text("# Osmosis\nWater moves across a membrane toward the higher solute concentration.\n\n"
                    "# Diffusion\nParticles spread from high to low concentration without energy.\n")
    doc_id, job_id = _add(db, paths, _book(db, "Notes"), note)
    assert _finished(db, job_id).state == jobs.DONE
    assert library.get_document(db, doc_id).pages == 2
    hit = retrieval.search(db, retrieval.open_store(paths, db), "water solute concentration", k=1)[0]
    assert (hit.document_id, hit.page, hit.kind) == (doc_id, 1, "note")


def test_cancel_removes_the_document_from_the_index_and_retry_reads_it_again(services, paths, db, tmp_path):
    doc_id, job_id = _add(db, paths, _book(db), pdfs.make_large_pdf(tmp_path / "big.pdf", n=150))
    wait_for(lambda: db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (doc_id,)).fetchone()[0] > 0,
             120, 0.05, "the first batch")
    jobs.request_cancel(db, job_id)
    assert _finished(db, job_id).state == jobs.CANCELLED
    doc = library.get_document(db, doc_id)
    assert doc.state == "cancelled" and "not searchable" in doc.error
    store = retrieval.open_store(paths, db)
    assert _counts(db, store, doc_id) == (0, 0, 0)
    again = ingest.retry_ingest(db, paths, doc_id, QueueJobs(paths, db))
    assert again == job_id
    assert _finished(db, job_id).state == jobs.DONE
    assert library.get_document(db, doc_id).state == "ready"
    n, distinct, vectors = _counts(db, store, doc_id)
    assert n == distinct == vectors > 0


def test_killing_the_worker_mid_ingestion_resumes_without_duplicates(services, paths, db, tmp_path):
    path = pdfs.make_large_pdf(tmp_path / "big.pdf", n=150)
    expected = [c.text for c in chunking.chunk_pages(pdftext.read_pages(path)[0])]
    doc_id, job_id = _add(db, paths, _book(db), path)
    wait_for(lambda: db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (doc_id,)).fetchone()[0]
             >= len(expected) // 3, 240, 0.05, "a third of the book indexed")
    victim = services.pid(WORKER)
    os.killpg(victim, signal.SIGKILL)
    wait_for(lambda: services.pid(WORKER) != victim, 30, what="a new worker")
    job = _finished(db, job_id, timeout=300)
    assert job.state == jobs.DONE, job.error
    assert job.attempts == 2 and job.result["resumed_from_chunk"] > 0
    store = retrieval.open_store(paths, db)
    n, distinct_ordinals, vectors = _counts(db, store, doc_id)
    assert n == distinct_ordinals == vectors == len(expected)
    texts = [r["text"] for r in db.query("SELECT text FROM chunks WHERE document_id=? ORDER BY ordinal", [doc_id])]
    assert texts == expected
    assert library.get_document(db, doc_id).state == "ready"
