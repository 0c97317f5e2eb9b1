"""The library: import, dedupe, folders, rename/move/delete with files and index following."""
import pytest
from desktop.workers.submit import QueueJobs

from desktop.core.library import ingest
from desktop.core import jobs
from desktop.core import library
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


def _vector_scopes(store, doc_id):
    got = store._call("get", where={"document_id": doc_id}, include=["metadatas"])
    return {(m["semester"], m["subject"], m["book"]) for m in got["metadatas"]}


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
    assert len(list(paths.library.rglob("*.pdf"))) == 1


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


def test_renaming_a_semester_moves_its_files_and_rescopes_chunks_and_vectors(services, paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    doc_id = _ingested(db, paths, book, pdfs.make_course_pdf(tmp_path / "cells.pdf", n=3))
    semester = subject_parent(db, book)
    store = retrieval.open_store(paths, db)
    library.rename_node(db, paths, semester, "Autumn 2024", store)
    doc = library.get_document(db, doc_id)
    assert doc.path == "library/Autumn 2024/Biology/Reader/cells.pdf"
    assert (paths.root / doc.path).exists()
    assert not (paths.library / "Fall 2024").exists()
    assert {r["semester"] for r in db.query("SELECT semester FROM chunks WHERE document_id=?", [doc_id])} == \
        {"Autumn 2024"}
    assert _vector_scopes(store, doc_id) == {("Autumn 2024", "Biology", "Reader")}
    assert retrieval.search(db, store, "rubisco", Scope(semester="Autumn 2024"), k=1)[0].document_id == doc_id
    assert retrieval.search(db, store, "rubisco", Scope(semester="Fall 2024"), k=1) == []


def test_moving_a_book_and_a_document_carries_files_and_scope(services, paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    chem = library.ensure_path(db, "Fall 2024", "Chemistry")
    doc_id = _ingested(db, paths, book, pdfs.make_course_pdf(tmp_path / "cells.pdf", n=3))
    store = retrieval.open_store(paths, db)
    library.move_node(db, paths, book, chem, store)
    doc = library.get_document(db, doc_id)
    assert doc.path == "library/Fall 2024/Chemistry/Reader/cells.pdf" and (paths.root / doc.path).exists()
    assert _vector_scopes(store, doc_id) == {("Fall 2024", "Chemistry", "Reader")}
    with pytest.raises(LecternError, match="goes inside a subject"):
        library.move_node(db, paths, book, library.get_node(db, chem).parent_id, store)
    other = library.ensure_path(db, "Spring 2025", "Biology", "Lab")
    library.move_document(db, paths, doc_id, other, store)
    doc = library.get_document(db, doc_id)
    assert doc.path == "library/Spring 2025/Biology/Lab/cells.pdf" and (paths.root / doc.path).exists()
    assert _vector_scopes(store, doc_id) == {("Spring 2025", "Biology", "Lab")}
    hit = retrieval.search(db, store, "mitochondria ATP", Scope(books=("Lab",)), k=1)[0]
    assert (hit.document_id, hit.book, hit.page) == (doc_id, "Lab", 2)


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
    assert library.get_document(db, gone) is None and not gone_file.exists()
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
    store = retrieval.open_store(paths, db)
    subject = library.get_node(db, bio).parent_id
    assert library.delete_node(db, paths, subject, store) == 1
    assert library.get_document(db, a) is None and store.ids({"document_id": a}) == []
    assert not (paths.library / "Fall 2024" / "Biology").exists()
    assert [n.name for n in library.children(db, library.get_node(db, subject_parent(db, chem)).id)] == ["Chemistry"]
    assert library.get_document(db, b).state == "ready" and len(store.ids({"document_id": b})) > 0


def subject_parent(db, book_id):
    return library.get_node(db, library.get_node(db, book_id).parent_id).parent_id
