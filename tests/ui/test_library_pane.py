"""The Library pane with the real worker and vector store: drop, watch, search, open."""
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox
from desktop.workers.submit import QueueJobs

from desktop.core import library
from desktop.ui.library import folder_actions
from desktop.ui.document_table import PAGES
from desktop.ui.background import wait_idle
from desktop.ui.context import AppContext
from desktop.ui.job_monitor import JobMonitor
from desktop.ui.library import LibraryPane
from tests import pdfs


@pytest.fixture
def pane(qtbot, paths, db, services):
    ctx = AppContext(paths=paths, db=db, supervisor=services)
    ctx.monitor = JobMonitor(db, interval_ms=100)
    p = LibraryPane(ctx)
    ctx.adopt(p)
    qtbot.addWidget(p)
    p.resize(1100, 700)
    p.show()
    qtbot.waitExposed(p)
    ctx.monitor.start()
    yield p
    ctx.monitor.stop()
    wait_idle()
    if p.viewer is not None:
        p.viewer.close()


def drop_files(tree, node_id, files):
    """What the window system delivers when files are dragged onto a tree row and released."""
    pos = QPointF(tree.rect_of(node_id).center())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(f)) for f in files])
    vp = tree.viewport()
    for ev in (QDragEnterEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
               QDragMoveEvent(pos.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
               QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)):
        QApplication.sendEvent(vp, ev)
        assert ev.isAccepted(), type(ev).__name__


def _doc_named(db, title):
    rows = list(db.query("SELECT id FROM documents WHERE title = ?", [title]))
    return rows[0]["id"] if rows else None


def test_a_new_library_says_what_to_do_and_the_sample_course_becomes_ready(qtbot, pane, db):
    assert pane.stack.currentWidget() is pane.empty
    labels = [b.text() for b in pane.empty.buttons]
    assert labels[0] == "Add a sample course" and "Import folder…" in labels
    qtbot.mouseClick(pane.empty.buttons[0], Qt.LeftButton)
    qtbot.waitUntil(lambda: _doc_named(db, "Cell biology primer") is not None, timeout=30000)
    doc_id = _doc_named(db, "Cell biology primer")
    qtbot.waitUntil(lambda: pane.document_state(doc_id) == "ready", timeout=120000)
    assert pane.stack.currentWidget() is not pane.empty
    assert library.where_is(db, library.get_document(db, doc_id).node_id) == \
        "Sample semester / Biology 101 / Cell biology primer"
    assert pane.tree.item_for(pane.tree.current_node()).text().endswith("Cell biology primer")


def test_dropping_a_pdf_on_a_book_reads_it_with_live_progress_until_ready(qtbot, pane, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    pane.refresh()
    seen: list[str] = []
    pane.table.model_.dataChanged.connect(
        lambda *_: seen.extend(pane.table.model_.state_of(r) for r in range(pane.table.model_.rowCount())))
    big = pdfs.make_large_pdf(tmp_path / "Physiology reader.pdf", n=60)
    drop_files(pane.tree, book, [big])
    qtbot.waitUntil(lambda: _doc_named(db, "Physiology reader") is not None, timeout=30000)
    doc_id = _doc_named(db, "Physiology reader")
    qtbot.waitUntil(lambda: pane.document_state(doc_id) == "ready", timeout=180000)
    assert any(s.startswith("ingesting ") and "%" in s for s in seen), seen[:20]
    assert library.get_document(db, doc_id).pages == 60
    row = pane.table.model_.row_of(doc_id)
    assert pane.table.model_.index(row, PAGES).data() == "60"
    assert pane.tree.model_.item(0).child(0).child(0, 1).text() == "1", "the book counts its document"
    # Dropping the same file again says where it already is.
    drop_files(pane.tree, book, [big])
    qtbot.waitUntil(lambda: "already there" in pane.banner.text(), timeout=30000)
    assert "Fall 2024 / Biology / Reader" in pane.banner.text()


def test_a_bad_file_shows_why_it_failed_and_can_be_retried(qtbot, pane, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    pane.refresh()
    bad = tmp_path / "slides.pdf"
    bad.write_bytes(b"PK\x03\x04 not a pdf at all")
    pane.import_files(book, [str(bad)])
    qtbot.waitUntil(lambda: _doc_named(db, "slides") is not None, timeout=30000)
    doc_id = _doc_named(db, "slides")
    qtbot.waitUntil(lambda: pane.document_state(doc_id).startswith("failed:"), timeout=60000)
    assert "not a PDF" in pane.document_state(doc_id)
    pane.table.select_document(doc_id)
    assert pane.retry_btn.isEnabled()


def test_searching_shows_the_page_and_opening_a_hit_shows_that_page_highlighted(qtbot, pane, db, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    pane.refresh()
    drop_files(pane.tree, book, [pdfs.make_course_pdf(tmp_path / "Cell biology.pdf", n=6)])
    qtbot.waitUntil(lambda: _doc_named(db, "Cell biology") is not None, timeout=30000)
    doc_id = _doc_named(db, "Cell biology")
    qtbot.waitUntil(lambda: pane.document_state(doc_id) == "ready", timeout=120000)
    with qtbot.waitSignal(pane.searched, timeout=10000):
        QTest.keyClicks(pane.search, "rubisco")
    hits = [f for f in pane.results.results() if f.what == "hit"]
    assert [(h.document_id, h.page) for h in hits] == [(doc_id, 3)]
    assert "rubisco" in pane.results.topLevelItem(1).text(1)
    assert pane.results.activate_first_hit()
    assert pane.viewer is not None and pane.viewer.isVisible()
    assert pane.viewer.current_page() == 3
    assert pane.viewer.highlighted.lower() == "rubisco"
    # Names match too, and Escape goes back to the documents.
    pane.search.setText("cell bio")
    qtbot.waitUntil(lambda: any(f.what == "document" for f in pane.results.results()), timeout=10000)
    QTest.keyClick(pane.search, Qt.Key_Escape)
    assert pane.search.text() == "" and pane.right.currentIndex() == 0


def test_a_citation_from_another_pane_opens_the_viewer_at_its_page(qtbot, pane, db, paths, tmp_path):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    r = library.import_file(db, paths, book, pdfs.make_course_pdf(tmp_path / "reader.pdf", n=6), starter=QueueJobs(paths, db))
    pane.ctx.events.open_document_requested.emit(r.document_id, 5, "Enzymes lower the activation energy")
    assert pane.viewer.current_page() == 5
    assert pane.viewer.highlighted.startswith("Enzymes lower the activation")
    pane.viewer.next_page()
    assert pane.viewer.current_page() == 6
    pane.ctx.events.open_document_requested.emit(r.document_id, 2, "")
    assert pane.viewer.current_page() == 2


def test_opening_a_lecture_asks_the_transcript_viewer(qtbot, pane, db):
    node = library.ensure_path(db, "Fall 2024", "Biology", "Lectures")
    rec = db.execute("INSERT INTO recordings (title, node_id, path, state, created_at) VALUES "
                     "('Lecture 1', ?, 'recordings/1.flac', 'done', 0)", (node,)).lastrowid
    doc_id = library.add_document(db, node, "lecture", "Lecture 1", "1.flac", "recordings/1.flac", "y" * 64, 5,
                                  recording_id=rec, state="ready")
    pane.refresh()
    with qtbot.waitSignal(pane.ctx.events.open_recording_requested, timeout=2000) as blocker:
        pane.open_document(doc_id)
    assert blocker.args == [rec, 0.0]


def test_renaming_with_f2_and_deleting_with_the_delete_key(qtbot, pane, db, paths, tmp_path, monkeypatch):
    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    r = library.import_file(db, paths, book, pdfs.make_course_pdf(tmp_path / "reader.pdf", n=2), starter=QueueJobs(paths, db))
    pane.refresh()
    subject = library.get_node(db, book).parent_id
    pane.tree.select_node(subject)
    pane.tree.setFocus()
    monkeypatch.setattr(folder_actions, "ask_name", lambda *a, **k: "Cell Biology")
    QTest.keyClick(pane.tree, Qt.Key_F2)
    qtbot.waitUntil(lambda: library.get_node(db, subject).name == "Cell Biology" and not pane.is_busy(),
                    timeout=30000)
    doc = library.get_document(db, r.document_id)
    assert doc.path == f"files/{doc.id}/reader.pdf" and (paths.root / doc.path).exists(), "a rename moves no file"
    pane.tree.select_node(book)
    pane.table.setFocus()
    pane.table.select_document(r.document_id)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.Yes)
    QTest.keyClick(pane.table, Qt.Key_Delete)
    qtbot.waitUntil(lambda: library.get_document(db, r.document_id) is None and not pane.is_busy(), timeout=30000)
    assert not (paths.root / doc.path).exists()
    qtbot.waitUntil(lambda: pane.table.model_.rowCount() == 0, timeout=5000)


def test_the_new_menu_offers_each_new_folder_once_and_an_empty_book_is_called_empty(qtbot, pane, db, paths, tmp_path):
    from PySide6.QtWidgets import QMenu

    from desktop.ui.library.folder_actions import delete_question

    book = library.ensure_path(db, "Fall 2024", "Statistics", "Reader")
    subject = library.get_node(db, book).parent_id
    pane.refresh()
    for node in (subject, book):
        pane.tree.select_node(node)
        menu = QMenu()
        pane._fill_new_menu(menu)
        texts = [a.text() for a in menu.actions()]
        assert texts.count("New book in Statistics…") == 1, texts
    assert delete_question(db, library.get_node(db, book)) == "Delete the empty book “Reader”?"
    library.import_file(db, paths, book, pdfs.make_course_pdf(tmp_path / "reader.pdf", n=2),
                        starter=QueueJobs(paths, db))
    question = delete_question(db, library.get_node(db, subject))
    assert question.startswith("Delete the subject “Statistics” with its 1 folder and 1 document?")
    assert "0 document" not in question and "(s)" not in question


def test_the_tree_starts_wide_enough_for_full_names(qtbot, pane, db):
    book = library.ensure_path(db, "Fall 2026", "Biology 101: Cells and Energy", "Campbell Biology, 12th edition")
    pane.resize(1100, 700)
    pane.refresh()
    qtbot.waitUntil(lambda: pane.splitter.sizes()[0] >= pane.tree.needed_width(), timeout=3000)
    fm = pane.tree.fontMetrics()
    rect = pane.tree.visualRect(pane.tree.item_for(book).index())
    assert rect.width() > fm.horizontalAdvance("Campbell Biology, 12th edition")


def test_tab_goes_through_the_library_in_reading_order(qtbot, pane, db):
    library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    pane.refresh()
    seen = []
    w = pane.search
    for _ in range(8):
        seen.append(w)
        w = w.nextInFocusChain()
        while not (w.focusPolicy() & Qt.TabFocus) or not w.isVisible():
            w = w.nextInFocusChain()
    names = [getattr(x, "text", lambda: "")() if x is not pane.search else "search" for x in seen]
    assert names[:5] == ["search", "", "New", "Import folder…", "Add files…"], names
    assert seen[5] is pane.tree
