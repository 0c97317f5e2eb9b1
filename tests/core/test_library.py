"""The library: import, dedupe, folders; rename/move are row updates, delete removes known files only."""
import pytest
from desktop.workers.submit import QueueJobs
from tests.audio import lecture_wav  # noqa: F401 (fixture)

from desktop.core.library import ingest
from desktop.core import jobs
from desktop.core import lectures, library
from desktop.core.search import retrieval
from desktop.core.errors import LecternError
from desktop.core.search.scope import Scope
from tests import pdfs
from tests.conftest import wait_for


def _ingested(db, paths, book, path):
    r = library.import_file(db, paths, book, path, starter=QueueJobs(paths, db))
    assert r.added, r.message
    job_id = ingest.submit_ingest(db, paths, r.document_id, QueueJobs(paths, db))
    job = wait_for(lambda: (j := jobs.get_job(db, job_id)).finished and j, 120, 0.1, "ingestion")
    assert job.state == jobs.DONE, job.error
    return r.document_id


def _vectors(store, doc_id):
    """The document's vectors with their metadata (which holds ids only, never names)."""
    got = store._call("get", where={"document_id": doc_id}, include=["metadatas"])
    return sorted(zip(got["ids"], [sorted(m.items()) for m in got["metadatas"]]))


def test_importing_the_same_file_twice_says_where_it_already_is(paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    other = library.ensure_path(db, "Spring 2025", "Chemistry", "Handouts")
    src = pdfs.make_course_pdf(tmp_path / "cells.pdf")
    first = library.import_file(db, paths, book, src, starter=QueueJobs(paths, db))
    assert first.added and first.kind == "pdf"
    copy = paths.root / library.get_document(db, first.document_id).path
    assert copy.read_bytes() == src.read_bytes() and copy != src
    renamed = tmp_path / "cells (copy).pdf"
    renamed.write_bytes(src.read_bytes())
    again = library.import_file(db, paths, other, renamed, starter=QueueJobs(paths, db))
    assert again.status == "duplicate" and again.document_id == first.document_id
    assert again.message == ("cells (copy).pdf is already there, in Fall 2024 / Biology / Reader (as 'cells').")
    assert library.documents_in(db, other) == []
    assert len(list((paths.root / "files").rglob("*.pdf"))) == 1


def test_files_only_go_into_books_and_unknown_kinds_are_refused(paths, db, tmp_path):
    subject = library.ensure_path(db, "Fall 2024", "Biology")
    with pytest.raises(LecternError, match="Files go into a book"):
        library.import_file(db, paths, subject, pdfs.make_course_pdf(tmp_path / "a.pdf"),
                            starter=QueueJobs(paths, db))
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    sheet = tmp_path / "marks.xlsx"
    sheet.write_bytes(b"PK")
    assert library.import_file(db, paths, book, sheet, starter=QueueJobs(paths, db)).status == "unsupported"


def test_import_folder_maps_semester_subject_book_and_imports_only_new_files(paths, db, tmp_path):
    root = tmp_path / "My courses"
    pdfs.make_course_pdf(root / "Fall 2024" / "Biology" / "Reader" / "ch1.pdf", n=2)
    pdfs.make_course_pdf(root / "Fall 2024" / "Biology" / "Reader" / "deeper" / "ch2.pdf", n=3)
    (root / "Fall 2024" / "Physics").mkdir(parents=True)
    (root / "Fall 2024" / "Physics" / "notes.md").write_text("# Forces\nF = m a\n")
    (root / "Fall 2024" / "Physics" / "ignore.xlsx").write_bytes(b"PK")
    results = library.import_folder(db, paths, root, starter=QueueJobs(paths, db))
    assert sorted(r.status for r in results) == ["added"] * 3
    where = {r.source.rsplit("/", 1)[1]: library.where_is(db, library.get_document(db, r.document_id).node_id)
             for r in results}
    assert where == {"ch1.pdf": "Fall 2024 / Biology / Reader", "ch2.pdf": "Fall 2024 / Biology / Reader",
                     "notes.md": "Fall 2024 / Physics / General"}
    pdfs.make_course_pdf(root / "Fall 2024" / "Biology" / "Reader" / "ch3.pdf", n=4)
    again = library.import_folder(db, paths, root, starter=QueueJobs(paths, db))
    assert sorted(r.status for r in again) == ["added", "duplicate", "duplicate", "duplicate"]
    assert [r.source.rsplit("/", 1)[1] for r in again if r.added] == ["ch3.pdf"]


def test_renaming_a_semester_is_one_row_and_moves_no_file(services, paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    doc_id = _ingested(db, paths, book, pdfs.make_course_pdf(tmp_path / "cells.pdf", n=3))
    before = library.get_document(db, doc_id)
    chunks = list(db.query("SELECT * FROM chunks WHERE document_id=?", [doc_id]))
    semester = subject_parent(db, book)
    store = retrieval.open_store(paths, db)
    library.rename_node(db, paths, semester, "Autumn 2024", store)
    assert library.where_is(db, book) == "Autumn 2024 / Biology / Reader"
    doc = library.get_document(db, doc_id)
    assert doc == before and doc.path == f"files/{doc_id}/cells.pdf"
    assert (paths.root / doc.path).read_bytes() == (tmp_path / "cells.pdf").read_bytes()
    assert list(db.query("SELECT * FROM chunks WHERE document_id=?", [doc_id])) == chunks
    assert retrieval.search(db, store, "rubisco", Scope(), k=1)[0].document_id == doc_id


def test_moving_a_book_and_a_document_changes_rows_only(services, paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    chem = library.ensure_path(db, "Fall 2024", "Chemistry")
    doc_id = _ingested(db, paths, book, pdfs.make_course_pdf(tmp_path / "cells.pdf", n=3))
    path = library.get_document(db, doc_id).path
    store = retrieval.open_store(paths, db)
    library.move_node(db, paths, book, chem, store)
    assert library.where_is(db, book) == "Fall 2024 / Chemistry / Reader"
    assert library.get_document(db, doc_id).path == path and (paths.root / path).exists()
    with pytest.raises(LecternError, match="goes inside a subject"):
        library.move_node(db, paths, book, library.get_node(db, chem).parent_id, store)
    other = library.ensure_path(db, "Spring 2025", "Biology", "Lab")
    library.move_document(db, paths, doc_id, other, store)
    doc = library.get_document(db, doc_id)
    assert (doc.node_id, doc.path) == (other, path) and (paths.root / path).exists()
    hit = retrieval.search(db, store, "mitochondria ATP", Scope(), k=1)[0]
    assert (hit.document_id, hit.page) == (doc_id, 2)
    with pytest.raises(LecternError, match="Files go into a book"):
        library.move_document(db, paths, doc_id, chem, store)


def test_a_lecture_moves_with_its_recording_and_keeps_its_file(paths, db, lecture_wav):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Lectures")
    other = library.ensure_path(db, "Fall 2024", "Physics", "Lectures")
    rec_id = lectures.import_media(db, paths, lecture_wav, book, "Lecture 1", starter=None)
    rec = lectures.get_recording(db, rec_id)
    assert rec.path == f"files/{rec.document_id}/lecture.wav" == library.get_document(db, rec.document_id).path
    library.move_document(db, paths, rec.document_id, other)
    moved = lectures.get_recording(db, rec_id)
    assert moved.node_id == other == library.get_document(db, rec.document_id).node_id
    assert lectures.audio_path(db, paths, moved).read_bytes() == lecture_wav.read_bytes()


def test_deleting_a_document_removes_its_file_chunks_and_vectors_and_nothing_else(services, paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    gone = _ingested(db, paths, book, pdfs.make_course_pdf(tmp_path / "gone.pdf", n=3))
    kept = _ingested(db, paths, book, pdfs.make_large_pdf(tmp_path / "kept.pdf", n=3))
    store = retrieval.open_store(paths, db)
    kept_doc = library.get_document(db, kept)
    kept_chunks = list(db.query("SELECT id, text FROM chunks WHERE document_id=?", [kept]))
    kept_vectors = sorted(store.ids({"document_id": kept}))
    gone_file = paths.root / library.get_document(db, gone).path
    library.delete_document(db, paths, gone, store)
    assert library.get_document(db, gone) is None and not gone_file.exists() and not gone_file.parent.exists()
    assert db.execute("SELECT count(*) FROM chunks WHERE document_id=?", (gone,)).fetchone()[0] == 0
    assert store.ids({"document_id": gone}) == []
    assert db.execute("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'rubisco'").fetchone()[0] == 0
    assert list(db.query("SELECT id, text FROM chunks WHERE document_id=?", [kept])) == kept_chunks
    assert sorted(store.ids({"document_id": kept})) == kept_vectors
    assert (paths.root / kept_doc.path).exists() and library.get_node(db, book).name == "Reader"
    again = library.import_file(db, paths, book, tmp_path / "gone.pdf", starter=QueueJobs(paths, db))
    assert again.added, "a deleted file can be imported again"


def test_deleting_a_subject_removes_what_it_holds_and_leaves_its_neighbours(services, paths, db, tmp_path):
    bio = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    chem = library.ensure_path(db, "Fall 2024", "Chemistry", "Reader")
    a = _ingested(db, paths, bio, pdfs.make_course_pdf(tmp_path / "a.pdf", n=2))
    b = _ingested(db, paths, chem, pdfs.make_large_pdf(tmp_path / "b.pdf", n=2))
    a_file = paths.root / library.get_document(db, a).path
    store = retrieval.open_store(paths, db)
    subject = library.get_node(db, bio).parent_id
    assert library.delete_node(db, paths, subject, store) == 1
    assert library.get_document(db, a) is None and store.ids({"document_id": a}) == []
    assert not a_file.exists() and not a_file.parent.exists()
    assert [n.name for n in library.children(db, library.get_node(db, subject_parent(db, chem)).id)] == ["Chemistry"]
    assert library.get_document(db, b).state == "ready" and len(store.ids({"document_id": b})) > 0
    assert (paths.root / library.get_document(db, b).path).exists()
    with pytest.raises(LecternError, match="does not exist"):
        library.delete_node(db, paths, subject, store)


def test_deleting_unfiled_keeps_a_lecture_filed_elsewhere_from_there(paths, db, lecture_wav):
    """Issue 8, defect 1: an imported lecture lands in Unfiled, is filed under another subject,
    then the empty Unfiled subject is deleted: its audio must stay, byte for byte."""
    rec_id = lectures.import_media(db, paths, lecture_wav, None, "Lecture 1", starter=None)
    unfiled = lectures.get_recording(db, rec_id).node_id
    assert library.where_is(db, unfiled) == "Unfiled / Lectures"
    biology = library.ensure_path(db, "Fall 2024", "Biology")
    lectures.set_details(db, rec_id, node_id=biology)
    assert library.documents_under(db, unfiled) == []
    library.delete_node(db, paths, unfiled)
    rec = lectures.get_recording(db, rec_id)
    audio = lectures.audio_path(db, paths, rec)
    assert audio.read_bytes() == lecture_wav.read_bytes()
    assert abs(lectures.probe_duration(audio) - lectures.probe_duration(lecture_wav)) < 0.01
    assert rec.node_id == biology and library.get_document(db, rec.document_id).node_id == biology


def subject_parent(db, book_id):
    return library.get_node(db, library.get_node(db, book_id).parent_id).parent_id
