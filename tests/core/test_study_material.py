"""Material for study tests: a real PDF read and chunked by the library's own code into the
real chunks table (no vector store needed: study reads SQLite), and a lecture with segments.
The helpers are imported by the other test_study_* modules."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from desktop.core import catalog
from desktop.core.errors import StudyError
from desktop.core.library.chunking import chunk_pages
from desktop.core.library.pdftext import read_pages
from desktop.core.study import material
from tests.chat_material import LECTURE_SEGMENTS
from tests.pdfs import TOPICS, make_pdf


def add_book(db, tmp: Path, semester: str = "Fall 2025", subject: str = "Biology",
             title: str = "Cell Biology", n: int = 6) -> int:
    """A real PDF (one topic per page) whose text lands in ``chunks`` with its page numbers."""
    pdf = make_pdf(tmp / f"{title}.pdf", [f"{head}\n{body}" for head, body in TOPICS[:n]])
    node = catalog.ensure_path(db, semester, subject, title)
    doc_id = catalog.add_document(db, node, "pdf", title, pdf.name, f"files/x/{pdf.name}", f"sha-{title}",
                                  pdf.stat().st_size, state="ready")
    pages, _ = read_pages(pdf)
    for i, chunk in enumerate(chunk_pages(pages)):
        db.execute("INSERT INTO chunks (document_id, ordinal, kind, page, text) VALUES (?,?,?,?,?)",
                   (doc_id, i, "pdf", chunk.page, chunk.text))
    return doc_id


def add_lecture(db, semester: str = "Fall 2025", subject: str = "Genetics", segments=LECTURE_SEGMENTS) -> int:
    node = catalog.ensure_path(db, semester, subject)
    rec = int(db.execute("INSERT INTO recordings (title, node_id, path, state, duration_s, created_at)"
                         " VALUES (?,?,?,?,?,?)", ("Genetics lecture 3", node, "recordings/1.wav", "ready",
                                                   segments[-1][1], time.time())).lastrowid)
    for i, (s, e, text) in enumerate(segments):
        db.execute("INSERT INTO segments (recording_id, idx, start_s, end_s, text) VALUES (?,?,?,?,?)",
                   (rec, i, s, e, text))
    doc_id = catalog.add_document(db, node, "lecture", "Genetics lecture 3", "1.wav", "recordings/1.wav",
                                  f"sha-lecture-{rec}", 1000, recording_id=rec, state="ready")
    db.execute("UPDATE recordings SET document_id = ? WHERE id = ?", (doc_id, rec))
    return doc_id


def test_pages_of_a_book_are_pieces_with_their_page_numbers(db, tmp_path):
    doc = add_book(db, tmp_path)
    pieces = material.load(db, doc, (2, 3))
    assert [p.page for p in pieces] == [2, 3]
    assert "Mitochondria" in pieces[0].text and "Chloroplasts" in pieces[1].text
    assert len(material.load(db, doc)) == 6


def test_a_lecture_is_read_from_its_corrected_segments(db):
    doc = add_lecture(db)
    rec = catalog.get_document(db, doc).recording_id
    db.execute("UPDATE segments SET text = ?, edited = 1 WHERE recording_id = ? AND idx = 2",
               ("Mendel's law of independent assortment, corrected by the student.", rec))
    pieces = material.load(db, doc)
    assert [p.start_s for p in pieces] == [0.0, 65.0, 130.0]
    assert "corrected by the student" in pieces[2].text


@pytest.mark.parametrize("text", ["twelve", "30-12", "0-3", "5-"])
def test_a_bad_page_range_gets_a_plain_message(text):
    with pytest.raises(StudyError):
        material.parse_pages(text)
    assert material.parse_pages("12-30") == (12, 30) and material.parse_pages("7") == (7, 7)


def test_nothing_to_study_is_said_plainly(db, tmp_path):
    doc = add_book(db, tmp_path, n=2)
    with pytest.raises(StudyError, match="no readable text on pages 40"):
        material.load(db, doc, (40, 50))
    with pytest.raises(StudyError, match="no document 999"):
        material.load(db, 999)
    with pytest.raises(StudyError, match="no pages"):
        material.load(db, add_lecture(db), (1, 2))


def test_windows_keep_pieces_in_order_and_under_the_size():
    pieces = [material.Piece(1, "x" * 300, page=i) for i in range(1, 8)]
    groups = material.windows(pieces, 1000)
    assert [p.page for g in groups for p in g] == list(range(1, 8))
    assert all(sum(len(p.text) for p in g) <= 1000 for g in groups) and len(groups) == 3


def test_a_long_page_is_split_between_sentences_and_nothing_is_lost():
    text = " ".join(f"Sentence number {i} says something about enzymes." for i in range(100))
    parts = material.split_long(material.Piece(3, text, page=9), 500)
    assert len(parts) > 1 and all(len(p.text) <= 500 and p.page == 9 for p in parts)
    assert " ".join(p.text for p in parts) == text
    assert all(p.text.endswith(".") for p in parts)
    groups = material.windows([material.Piece(3, text, page=9)], 500)
    assert sum(len(g) for g in groups) == len(parts)
    blob = material.split_long(material.Piece(3, "x" * 1200, page=1), 500)
    assert "".join(p.text for p in blob) == "x" * 1200
