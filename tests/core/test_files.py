"""The one file layer: copies under files/<document_id>/, all or nothing, removed exactly."""
import hashlib
import os
import shutil

import pytest

from desktop.core import catalog, library
from desktop.core.catalog import files
from desktop.core.errors import DiskFull, DocumentError


def _note(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_copy_lands_under_its_document_id_with_its_sha256(paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    src = _note(tmp_path / "week 1.md", "# Osmosis\nWater crosses a membrane.\n")
    r = library.import_file(db, paths, book, src, starter=None)
    assert r.added, r.message
    doc = library.get_document(db, r.document_id)
    assert doc.path == f"files/{doc.id}/week 1.md" and doc.filename == "week 1.md"
    assert catalog.document_file(db, paths, doc.id) == paths.root / "files" / str(doc.id) / "week 1.md"
    assert catalog.document_file(db, paths, doc.id).read_bytes() == src.read_bytes()
    assert doc.sha256 == hashlib.sha256(src.read_bytes()).hexdigest() == catalog.file_sha256(src)
    assert sorted(os.listdir(paths.root / "files")) == [str(doc.id)], "no staging folder or temp file is left"
    assert os.listdir(paths.root / "files" / str(doc.id)) == ["week 1.md"]
    assert src.read_text(encoding="utf-8").startswith("# Osmosis"), "the original is untouched"


def test_when_recording_fails_there_is_no_row_and_no_copy(paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    src = _note(tmp_path / "a.md", "alpha")

    def record(staged):
        doc_id = catalog.add_document(db, book, "note", "a", staged.name, staged.relpath(0), staged.sha256,
                                      staged.size)
        staged.place(doc_id)          # already renamed to files/<id>/ when the transaction fails
        raise RuntimeError("the database refused it")

    with pytest.raises(RuntimeError):
        catalog.copy_in(db, paths, src, record)
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    assert os.listdir(paths.root / "files") == []


def test_a_copy_that_cannot_be_made_leaves_nothing_and_says_so(paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    folder = tmp_path / "not a file.md"
    folder.mkdir()
    with pytest.raises(DocumentError, match="could not be copied"):
        catalog.copy_in(db, paths, folder, lambda staged: 1)
    assert os.listdir(paths.root / "files") == []
    r = library.import_file(db, paths, book, folder, starter=None)
    assert r.status == "failed" and "does not exist or is not a file" in r.message


def test_a_file_larger_than_the_free_space_is_refused_before_copying(paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    huge = tmp_path / "huge.md"
    with open(huge, "wb") as f:            # sparse: its size is far beyond the free space, its blocks are not
        f.truncate(shutil.disk_usage(tmp_path).free + (1 << 30))
    with pytest.raises(DiskFull, match="not enough free disk space to import huge.md"):
        library.import_file(db, paths, book, huge, starter=None)
    assert library.import_files(db, paths, book, [huge], starter=None)[0].status == "failed"
    assert db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0
    assert os.listdir(paths.root / "files") == []


def test_a_folder_left_under_a_reused_id_is_set_aside_not_overwritten(paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    first = library.import_file(db, paths, book, _note(tmp_path / "one.md", "one"), starter=None)
    library.delete_document(db, paths, first.document_id)
    # A crash once left files/<id>/ behind with something in it; SQLite hands the id out again.
    stray = paths.root / "files" / str(first.document_id) / "kept.txt"
    _note(stray, "not known to any row")
    second = library.import_file(db, paths, book, _note(tmp_path / "two.md", "two"), starter=None)
    assert second.document_id == first.document_id
    assert catalog.document_file(db, paths, second.document_id).read_text() == "two"
    kept = list((paths.root / "trash").rglob("kept.txt"))
    assert [p.read_text() for p in kept] == ["not known to any row"]


def test_deleting_removes_exactly_the_known_file_and_its_own_folder(paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    a = library.import_file(db, paths, book, _note(tmp_path / "a.md", "alpha"), starter=None).document_id
    b = library.import_file(db, paths, book, _note(tmp_path / "b.md", "beta"), starter=None).document_id
    c = library.import_file(db, paths, book, _note(tmp_path / "c.md", "gamma"), starter=None).document_id
    a_file, b_file = catalog.document_file(db, paths, a), catalog.document_file(db, paths, b)
    c_file = catalog.document_file(db, paths, c)
    other = _note(b_file.parent / "someone else's.txt", "unknown")
    library.delete_document(db, paths, a)
    assert not a_file.exists() and not a_file.parent.exists()
    library.delete_document(db, paths, b)
    assert not b_file.exists() and other.read_text() == "unknown", "an unknown file keeps its folder"
    assert c_file.read_text() == "gamma"
    # A path that points outside the data folder is never removed, whatever the row says.
    outside = _note(tmp_path / "outside.md", "the student's own file")
    files.remove_document_file(paths, 999, os.path.relpath(outside, paths.root))
    assert outside.exists()


def test_safe_names_fit_any_file_system():
    assert files.safe_name("Lecture 1: Cells/Membranes?.pdf") == "Lecture 1_ Cells_Membranes_.pdf"
    assert files.safe_name("..") == "file" and files.safe_name(".") == "file" and files.safe_name("") == "file"
    assert files.safe_name("NUL.txt") == "_NUL.txt" and files.safe_name("com1") == "_com1"
    assert files.safe_name("a\x00b\nc.md") == "a_b_c.md"
    long = files.safe_name("é" * 300 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode("utf-8")) <= 255
    assert files.safe_name("ünïcødé 講義.mp3") == "ünïcødé 講義.mp3"


def test_a_staging_folder_left_by_a_crash_is_swept_and_a_fresh_one_is_not(paths, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    root = paths.root / "files"
    root.mkdir(exist_ok=True)
    stale = root / ".incoming-crashed"
    stale.mkdir()
    (stale / ".lectern-1.part").write_bytes(b"half a copy")
    day_ago = os.stat(stale).st_mtime - 2 * 24 * 3600
    for p in (stale / ".lectern-1.part", stale):
        os.utime(p, (day_ago, day_ago))
    busy = root / ".incoming-still-copying"
    busy.mkdir()
    (busy / ".lectern-2.part").write_bytes(b"being written now")
    r = library.import_file(db, paths, book, _note(tmp_path / "a.md", "alpha"), starter=None)
    assert r.added
    assert sorted(os.listdir(root)) == sorted([".incoming-still-copying", str(r.document_id)])
    assert (busy / ".lectern-2.part").read_bytes() == b"being written now"
