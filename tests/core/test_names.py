"""Names never become paths (issue 8, defect 10): any Unicode, very long, '..', '/', reserved names,
control characters in folder names, titles and file names; concurrent imports never collide."""
import itertools
import os
import threading
import unicodedata

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from desktop.core import library
from desktop.core.catalog import files
from desktop.core.errors import LecternError
from desktop.core.storage.db import open_db
from tests.audio import lecture_wav  # noqa: F401 (fixture)

TRICKY = ["/", "\\", ".", "..", "\x00", "\n", "\t", "\x1b", "\x7f", "\u2028", ":", "*", "?", '"', "<", "|",
          "CON", "nul", "COM1", "lpt9", "ä", "é", "講", "𝄞", "\u0301", "\ufeff", "\u200b", " "]
NAME = st.one_of(
    st.lists(st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=40).map("".join),
    st.text(st.sampled_from(["講", "𝄞", "é", "a", " ", "/"]), min_size=100, max_size=300),   # past 255 bytes
    st.sampled_from(["..", ".", "", "   ", "/", "../..", "CON", "NUL.txt", "a/b\\c", "\x00\x01", "COM1.pdf"]),
)
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
counter = itertools.count()


def _is_clean(name: str, limit: int) -> bool:
    return (0 < len(name) <= limit and name == name.strip() and "  " not in name
            and not any(unicodedata.category(c) in ("Cc", "Cs") for c in name))


@given(NAME)
@settings(max_examples=300, deadline=None)
def test_a_safe_file_name_fits_every_file_system(name):
    safe = files.safe_name(name + ".pdf")
    assert safe.endswith(".pdf") and len(safe.encode("utf-8")) <= 255
    assert not set(safe) & set('/\\<>:"|?*\x00') and safe not in (".", "..")
    assert not any(unicodedata.category(c) in ("Cc", "Cs") for c in safe)
    assert safe.split(".")[0].upper() not in ("CON", "PRN", "AUX", "NUL", "COM1", "LPT9")
    assert files.safe_name(safe) == safe, "a safe name stays as it is"
    plain = files.safe_name(name)
    assert plain and len(plain.encode("utf-8")) <= 255 and plain not in (".", "..")


@given(NAME)
@settings(max_examples=60, deadline=None)
def test_a_safe_file_name_can_really_be_created(tmp_path_factory, name):
    folder = tmp_path_factory.mktemp("names", numbered=True)
    target = folder / files.safe_name(name + ".md")
    target.write_text("x", encoding="utf-8")
    assert [p.name for p in folder.iterdir()] == [target.name]


@given(NAME, NAME)
@PROPERTY
def test_folders_take_any_name_and_keep_it_as_documented(paths, db, tmp_path, name, new_name):
    semester = library.create_node(db, None, f"Semester {next(counter)}")
    try:
        subject = library.create_node(db, semester, name)
    except LecternError as exc:
        assert exc.message == "Please give it a name."
        assert library.children(db, semester) == []
        assume(False)
    stored = library.get_node(db, subject).name
    assert stored == library.clean_name(name) and _is_clean(stored, 120)
    assert "/" not in stored and "\\" not in stored and stored not in (".", "..")
    book = library.create_node(db, subject, name)
    note = tmp_path / f"n{next(counter)}.md"
    note.write_text(f"note {note.name}", encoding="utf-8")
    r = library.import_file(db, paths, book, note, starter=None)
    assert r.added, r.message
    doc = library.get_document(db, r.document_id)
    assert doc.path == f"files/{doc.id}/{note.name}" and (paths.root / doc.path).read_bytes() == note.read_bytes()
    try:
        library.rename_node(db, paths, subject, new_name)
    except LecternError as exc:
        assert exc.message == "Please give it a name."
        assert library.get_node(db, subject).name == stored
    else:
        assert library.get_node(db, subject).name == library.clean_name(new_name)
    assert library.get_document(db, doc.id).path == doc.path and (paths.root / doc.path).exists()


def _fs_name(text: str) -> str | None:
    """``text`` as a name this file system accepts for the source file, or None."""
    name = text.replace("/", "_").replace("\x00", "_")
    try:
        raw = os.fsencode(name + ".md")
    except UnicodeEncodeError:
        return None
    return name + ".md" if len(raw) <= 255 else None


SOURCE = st.one_of(NAME, st.text(st.characters(min_codepoint=0xDC80, max_codepoint=0xDCFF), min_size=1, max_size=5))


@given(SOURCE, st.one_of(st.none(), NAME))
@PROPERTY
def test_files_with_any_name_land_under_their_id(paths, db, tmp_path, raw_name, title):
    name = _fs_name(raw_name)
    assume(name is not None and name not in (".md",))
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    folder = tmp_path / f"src{next(counter)}"
    folder.mkdir()
    src = folder / name
    src.write_bytes(f"# {next(counter)}\n".encode())
    r = library.import_file(db, paths, book, src, title=title, starter=None)
    assert r.added, r.message
    doc = library.get_document(db, r.document_id)
    assert doc.filename == files.safe_name(name) and doc.path == f"files/{doc.id}/{doc.filename}"
    assert (paths.root / doc.path).read_bytes() == src.read_bytes()
    expected = library.clean_title(title or "") or library.clean_title(src.stem) or "Untitled"
    assert doc.title == expected and _is_clean(doc.title, 200)
    assert sorted(os.listdir(paths.root / "files" / str(doc.id))) == [doc.filename]


@pytest.mark.parametrize("same_book", [False, True], ids=["two books", "one book"])
def test_concurrent_imports_of_same_named_files_never_collide(paths, db, tmp_path, same_book):
    books = [library.ensure_path(db, "Fall 2024", "Biology", "Reader"),
             library.ensure_path(db, "Fall 2024", "Physics" if not same_book else "Biology", "Reader")]
    per_thread = 12
    sources = {}
    for t in range(2):
        for i in range(per_thread):
            src = tmp_path / f"t{t}" / f"{i}" / "notes.md"
            src.parent.mkdir(parents=True)
            src.write_text(f"thread {t} file {i}", encoding="utf-8")
            sources[(t, i)] = src
    start = threading.Barrier(2)
    results: dict[int, list] = {0: [], 1: []}
    errors: list[BaseException] = []

    def run(t: int) -> None:
        own = open_db(paths.db)           # each importer has its own connection, as two processes would
        try:
            start.wait()
            for i in range(per_thread):
                results[t].append(library.import_file(own, paths, books[t], sources[(t, i)], starter=None))
        except BaseException as exc:    # reported below, with the test's own assertion
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(t,)) for t in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors, errors
    got = [r for t in range(2) for r in results[t]]
    assert [r.status for r in got] == ["added"] * 2 * per_thread, [r.message for r in got]
    assert len({r.document_id for r in got}) == 2 * per_thread
    for t in range(2):
        for i, r in enumerate(results[t]):
            doc = library.get_document(db, r.document_id)
            assert doc.path == f"files/{doc.id}/notes.md" and doc.node_id == books[t]
            assert (paths.root / doc.path).read_text(encoding="utf-8") == f"thread {t} file {i}"
    assert sorted(os.listdir(paths.root / "files")) == sorted(str(r.document_id) for r in got), "no staging left"


@pytest.mark.parametrize("kind", ["note", "lecture"])
def test_the_same_file_imported_twice_at_once_is_added_once(paths, db, tmp_path, lecture_wav, kind):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    if kind == "note":
        src = tmp_path / "same.md"
        src.write_text("one text, two importers", encoding="utf-8")
    else:
        src = lecture_wav
    start = threading.Barrier(2)
    out: list = []

    def run() -> None:
        own = open_db(paths.db)
        start.wait()
        out.append(library.import_file(own, paths, book, src, starter=None))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert sorted(r.status for r in out) == ["added", "duplicate"]
    assert out[0].document_id == out[1].document_id
    assert os.listdir(paths.root / "files") == [str(out[0].document_id)]


def test_two_writers_of_one_unlocked_text_sidecar_never_share_a_temp_name(tmp_path):
    from desktop.core.library import pdftext
    from tests import pdfs

    locked = pdfs.make_course_pdf(tmp_path / "locked.pdf", n=6, password="pw")
    side = tmp_path / "extracted" / "1.jsonl"
    errors: list[BaseException] = []
    for _ in range(5):
        start = threading.Barrier(2)

        def run() -> None:
            try:
                start.wait()
                pdftext.write_pages_file(locked, "pw", side)
            except BaseException as exc:    # reported below
                errors.append(exc)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(60)
    assert not errors, errors
    assert [p.name for p in side.parent.iterdir()] == ["1.jsonl"]
    assert [p.number for p in pdftext.iter_pages_file(side)] == [1, 2, 3, 4, 5, 6]
