"""The ingestion job on the new kinds, through the real worker and vector store: progress
while recognising text, word boxes kept beside the file, a slide cited as a slide."""
import json

import pytest

from desktop.core import jobs, library
from desktop.core.chat.source import Source
from desktop.core.library import documents, ingest
from desktop.core.search import retrieval
from desktop.workers.submit import QueueJobs
from tests import documents_made as made
from tests import scans
from tests.conftest import wait_for


def _book(db):
    return library.ensure_path(db, "Fall 2024", "Biology", "Reader")


def _ingest(db, paths, path, ocr="auto"):
    r = library.import_file(db, paths, _book(db), path, starter=QueueJobs(paths, db))
    assert r.added, r.message
    return r.document_id, ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db), ocr)


@pytest.mark.skipif(not scans.R_FAQ.exists(), reason="r-doc-pdf is installed by scripts/bootstrap.sh")
def test_a_scanned_pdf_shows_recognising_progress_and_keeps_word_boxes(services, paths, db, tmp_path):
    pages = [scans.scanned_page(scans.R_FAQ, n, tmp_path, seed=n) for n in (5, 6, 7)]
    doc_id, job_id = _ingest(db, paths, scans.image_pdf(pages, tmp_path / "scan.pdf"))
    stages = set()

    def finished():
        job = jobs.get_job(db, job_id)
        stages.add(job.stage)
        return job.finished and job

    job = wait_for(finished, 240, 0.05, "the OCR job to end")
    assert job.state == jobs.DONE, job.error
    assert any(s.startswith("Recognising text, page ") and s.endswith(" of 3") for s in stages), stages
    doc = library.get_document(db, doc_id)
    assert (doc.state, doc.pages, doc.error) == ("ready", 3, "")
    assert {r["page"] for r in db.query("SELECT page FROM chunks WHERE document_id=?", [doc_id])} == {1, 2, 3}
    boxes = [json.loads(line) for line in documents.words_file(paths, doc_id).read_text().splitlines()]
    assert [b["page"] for b in boxes] == [1, 2, 3] and all(len(b["words"]) > 20 for b in boxes)
    assert list(documents.read_word_boxes(paths, doc_id)) == boxes
    # The viewer can highlight a cited passage: its lines, on its page, inside the page.
    chunk = db.execute("SELECT text FROM chunks WHERE document_id=? AND page=2 ORDER BY ordinal LIMIT 1",
                       (doc_id,)).fetchone()[0]
    rects = documents.passage_boxes(paths, doc_id, 2, chunk)
    assert len(rects) >= 3 and all(0 <= r.x < 1 and 0 <= r.y < 1 and 0 < r.w <= 1 and 0 < r.h < 0.2 for r in rects)
    assert rects[0].y < rects[len(rects) // 2].y < rects[-1].y, "top to bottom, line by line"
    assert documents.passage_boxes(paths, doc_id, 2, "no such words anywhere in here at all") == []
    assert documents.passage_boxes(paths, doc_id, 9, chunk) == []
    # Deleting the document takes its word boxes and its folder with it.
    folder = documents.words_file(paths, doc_id).parent
    library.delete_document(db, paths, doc_id, retrieval.open_store(paths, db))
    assert not folder.exists()


def test_a_deck_read_without_ocr_is_cited_by_slide(services, paths, db, tmp_path):
    # Slides repeat their title and a reminder from slide to slide: that is content, not a
    # running header, and every slide must stay searchable.
    deck = made.make_pptx(tmp_path / "Lecture 5.pptx", [
        ("Genetics", "Mendel's peas", "Exam topic"), ("Linkage", "Genes close together are inherited together",
                                                       "Morgan's fruit flies showed linkage"),
        *[("Genetics", f"Cross number {i}: a dihybrid ratio of 9:3:3:1", "Exam topic") for i in range(3, 7)]])
    doc_id, job_id = _ingest(db, paths, deck, ocr="never")
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 120, 0.1, "the job")
    assert job.state == jobs.DONE, job.error
    rows = list(db.query("SELECT page, text FROM chunks WHERE document_id=? ORDER BY page", [doc_id]))
    assert [r["page"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert all(r["text"].startswith(("Genetics", "Linkage")) and "Notes:" in r["text"] for r in rows)
    hit = retrieval.search(db, retrieval.open_store(paths, db), "Morgan fruit flies linkage", k=1)[0]
    assert (hit.document_id, hit.kind, hit.page) == (doc_id, "slides", 2)
    source = Source(1, hit.document_id, hit.kind, hit.title, hit.text, page=hit.page)
    assert source.label() == "Lecture 5, slide 2"


def test_a_2000_slide_deck_is_read_in_bounded_time_with_progress_and_says_what_was_left_out(services, paths, db,
                                                                                             tmp_path):
    import time

    from pptx import Presentation

    deck = Presentation()
    layout = deck.slide_layouts[5]      # title only: keeps the file small
    for i in range(2000):
        deck.slides.add_slide(layout).shapes.title.text = f"Slide about topic {i + 1}"
    path = tmp_path / "Generated deck.pptx"
    deck.save(str(path))
    t0 = time.monotonic()
    doc_id, job_id = _ingest(db, paths, path, ocr="never")
    stages = set()

    def finished():
        job = jobs.get_job(db, job_id)
        stages.add(job.stage)
        return job.finished and job

    job = wait_for(finished, 300, 0.1, "the deck's job to end")
    assert job.state == jobs.DONE, job.error
    assert time.monotonic() - t0 < 300
    assert any(s.startswith(("Indexed slide ", "Reading slide ")) and s.endswith(" of 1000") for s in stages), stages
    doc = library.get_document(db, doc_id)
    assert (doc.state, doc.pages) == ("ready", 1000)
    assert doc.error == "Only the first 1,000 of 2,000 slides were read."
    assert db.execute("SELECT max(page) FROM chunks WHERE document_id=?", (doc_id,)).fetchone()[0] == 1000


@pytest.fixture
def slow_ocr(monkeypatch):
    """Every page takes 'too long' for the worker started after this (its limit: 0.05 s)."""
    monkeypatch.setenv("LECTERN_OCR_PAGE_TIMEOUT_S", "0.05")


@pytest.mark.skipif(not scans.R_FAQ.exists(), reason="r-doc-pdf is installed by scripts/bootstrap.sh")
def test_a_page_too_slow_to_recognise_is_skipped_and_reported_and_the_worker_goes_on(slow_ocr, services, paths, db,
                                                                                    tmp_path):
    import pypdf

    from tests import pdfs

    mixed = tmp_path / "Handout with a scan.pdf"
    writer = pypdf.PdfWriter()
    for src in (pdfs.make_course_pdf(tmp_path / "text.pdf", n=1),
                scans.image_pdf([scans.scanned_page(scans.R_FAQ, 5, tmp_path)], tmp_path / "scan.pdf")):
        writer.append(str(src))
    writer.write(str(mixed))
    doc_id, job_id = _ingest(db, paths, mixed)
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 120, 0.1, "the job")
    assert job.state == jobs.DONE, job.error
    doc = library.get_document(db, doc_id)
    assert (doc.state, doc.pages) == ("ready", 2)
    assert doc.error == "Page 2 took too long to recognise and was skipped."
    assert {r["page"] for r in db.query("SELECT page FROM chunks WHERE document_id=?", [doc_id])} == {1}
    # The worker is free: the next document is read at once.
    note = tmp_path / "After.md"
    note.write_text("# Osmosis\n\nWater crosses the membrane towards the salt.\n")
    next_id, next_job = _ingest(db, paths, note)
    job = wait_for(lambda: (j := jobs.get_job(db, next_job)).finished and j, 60, 0.1, "the next job")
    assert job.state == jobs.DONE and library.get_document(db, next_id).state == "ready"
