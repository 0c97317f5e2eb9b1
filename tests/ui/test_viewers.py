"""Every kind of course file opens at the place a citation names: a slide with its notes,
a chapter's §, a PDF page with the cited passage outlined (from the text layer, or from
the OCR word boxes of a scanned page), a photo with its recognised text. Real files made
with the maintained libraries; a real scan of a real manual read by Tesseract."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtTest import QTest

from desktop.core import library
from desktop.core.library import documents
from desktop.core.library.pdftext import ExtractReport
from desktop.ui.context import AppContext
from desktop.ui.note_viewer import NoteViewer
from desktop.ui.pdf_viewer import PdfViewer
from desktop.ui.viewers import ImageViewer, ReadingViewer
from tests import documents_made as made
from tests import pdfs, scans

SLIDES = [(f"Topic {i}", f"Point {i}: the cell does thing number {i}", f"Say that thing {i} matters")
          for i in range(1, 9)]
SLIDES[6] = ("Photosynthesis", "Light reactions split water and release oxygen",
             "Mention that the Calvin cycle comes next week")


def _shown(qtbot, w):
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def _close_with_ctrl_w(qtbot, w, target) -> None:
    with qtbot.waitActive(w):
        w.activateWindow()
    QTest.keyClick(target, Qt.Key_W, Qt.ControlModifier)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=3000)


def _fits_the_screen(w) -> bool:
    free = (w.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    return w.width() <= free.width() and w.height() <= free.height()


@pytest.fixture
def deck(tmp_path):
    return made.make_pptx(tmp_path / "Lecture 7.pptx", SLIDES)


def test_a_cited_slide_opens_at_its_number_with_its_notes_and_the_passage_marked(qtbot, deck):
    v = _shown(qtbot, ReadingViewer())
    with qtbot.waitSignal(v.opened, timeout=20000):
        v.open(deck, "slides", 7, "Light reactions split water and release oxygen", "Lecture 7")
    assert v.current_page() == 7 and v.bar.page_count.text() == "of 8" and v.bar.unit.text() == "Slide"
    text = v.text.toPlainText()
    assert "Photosynthesis" in text and "Speaker notes" in text and "Calvin cycle comes next week" in text
    assert "Topic 6" not in text, "one slide at a time"
    assert v.highlighted.startswith("Light reactions") and v.highlighted.endswith("oxygen")
    assert [s.cursor.selectedText() for s in v.text.extraSelections()] == [v.highlighted]
    # Next, the page box, then the end of the deck.
    v.next_page()
    assert v.current_page() == 8 and not v.bar.next_btn.isEnabled() and "Topic 8" in v.text.toPlainText()
    v.bar.page_box.setValue(2)
    assert v.current_page() == 2 and "Topic 2" in v.text.toPlainText() and v.highlighted == ""
    assert _fits_the_screen(v)


def test_find_in_a_deck_goes_to_the_slide_that_has_the_words_and_ctrl_w_closes(qtbot, deck):
    v = _shown(qtbot, ReadingViewer())
    with qtbot.waitSignal(v.opened, timeout=20000):
        v.open(deck, "slides", 7)
    QTest.keyClicks(v.bar.find, "thing number 3")
    QTest.keyClick(v.bar.find, Qt.Key_Return)            # the first Enter finds it
    assert v.current_page() == 3 and v.text.textCursor().selectedText() == "thing number 3"
    QTest.keyClicks(v.bar.find, " nowhere")
    QTest.keyClick(v.bar.find, Qt.Key_Return)
    assert "was not found" in v.info.text() and v.current_page() == 3
    # Opening again starts with an empty find box.
    with qtbot.waitSignal(v.opened, timeout=20000):
        v.open(deck, "slides", 1)
    assert v.bar.find.text() == ""
    _close_with_ctrl_w(qtbot, v, v.text)


def test_a_slide_that_is_only_a_picture_shows_the_picture(qtbot, tmp_path):
    from PIL import Image, ImageDraw
    from pptx import Presentation
    from pptx.util import Inches
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    board = tmp_path / "whiteboard.png"
    img = Image.new("RGB", (1200, 800), "white")
    ImageDraw.Draw(img).rectangle((100, 100, 1100, 700), outline="black", width=12)
    img.save(board)
    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[6])          # blank: a photo and nothing else
    first.shapes.add_picture(str(board), Inches(0.5), Inches(0.5), width=Inches(9))
    second = deck.slides.add_slide(deck.slide_layouts[1])
    second.shapes.title.text = "Questions"
    second.placeholders[1].text = "What does the board show about the cell cycle, in your own words?"
    path = tmp_path / "board.pptx"
    deck.save(str(path))
    v = _shown(qtbot, ReadingViewer())
    with qtbot.waitSignal(v.opened, timeout=20000):
        v.open(path, "slides", 1)
    picture = v.text.document().resource(QTextDocument.ImageResource, QUrl("slide-picture:1-0"))
    assert picture is not None and picture.width() == 1200
    assert "slide-picture:1-0" in v.text.toHtml() and "no text of its own" not in v.text.toPlainText()
    v.next_page()
    assert "slide-picture" not in v.text.toHtml(), "a slide with text of its own shows its text"


@pytest.mark.skipif(not documents.libreoffice(), reason="slides are drawn only where LibreOffice is installed")
def test_with_libreoffice_a_slide_is_also_shown_as_it_looks(qtbot, deck):
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    v = _shown(qtbot, ReadingViewer())
    with qtbot.waitSignal(v.opened, timeout=20000):
        v.open(deck, "slides", 7, "Light reactions split water and release oxygen")
    qtbot.waitUntil(lambda: v.is_drawn(7), timeout=240000)
    qtbot.waitUntil(lambda: "slide-drawn:7" in v.text.toHtml(), timeout=5000)
    drawn = v.text.document().resource(QTextDocument.ImageResource, QUrl("slide-drawn:7"))
    assert drawn.width() > 400 and drawn.height() > 200
    dark = sum(1 for x in range(0, drawn.width(), 4) for y in range(0, drawn.height(), 4)
               if QColor(drawn.pixel(x, y)).lightness() < 100)
    assert dark > 50, "the slide's title and text are drawn"
    assert v.highlighted.startswith("Light reactions"), "the text under the drawing is still marked"
    v.next_page()           # the deck was converted once: the next slide is drawn quickly
    qtbot.waitUntil(lambda: v.is_drawn(8), timeout=60000)


def test_without_libreoffice_a_slide_shows_its_text_only(qtbot, deck, monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs"))
    v = _shown(qtbot, ReadingViewer())
    with qtbot.waitSignal(v.opened, timeout=20000):
        v.open(deck, "slides", 7)
    assert not v._can_draw and "slide-drawn" not in v.text.toHtml() and "Photosynthesis" in v.text.toPlainText()


def test_an_ebook_opens_at_its_chapter_with_the_cited_section_marked(qtbot, tmp_path):
    filler = " ".join(f"Filler sentence {i} about membranes." for i in range(60))
    book = made.make_epub(tmp_path / "Plant physiology.epub", [
        ("Water", "Water moves up the xylem."),
        ("Light", "Light is absorbed by chlorophyll."),
        ("Transport", f"Phloem carries sugars.</p><h2>Loading</h2><p>{filler}</p>"
                      "<h2>Unloading</h2><p>Sugars leave the phloem at the sink by active transport.")])
    v = _shown(qtbot, ReadingViewer())
    v.resize(700, 420)
    with qtbot.waitSignal(v.opened, timeout=20000):
        v.open(book, "ebook", 3, "Sugars leave the phloem at the sink by active transport.", "Plant physiology")
    assert v.bar.unit.text() == "Chapter" and v.current_page() == 3
    assert v.highlighted == "Sugars leave the phloem at the sink by active transport"
    # § 2 is far down the chapter: the view scrolled to it.
    assert v.text.verticalScrollBar().value() > 0
    rect = v.text.cursorRect()
    assert 0 <= rect.top() < v.text.viewport().height()


def test_a_document_that_cannot_be_read_says_so_in_the_viewer(qtbot, tmp_path):
    locked = made.encrypt_office(made.make_docx(tmp_path / "r.docx", [("Intro", ["Text"])]), tmp_path / "locked.docx")
    v = _shown(qtbot, ReadingViewer())
    v.open(locked, "document", 1)
    qtbot.waitUntil(lambda: "password" in v.info.text(), timeout=20000)
    assert "protected with a password" in v.text.toPlainText() and not v.is_ready()


def test_a_markdown_note_opens_at_its_heading_with_the_passage_marked(qtbot, tmp_path):
    note = tmp_path / "notes.md"
    note.write_text("# Week 1\n\n" + "Intro line.\n\n" * 80 + "# Week 2\n\nOsmosis moves water across a membrane.\n")
    v = _shown(qtbot, NoteViewer())
    v.resize(600, 400)
    v.open(note, 2, "Osmosis moves water across a membrane.", "Notes")
    assert v.highlighted == "Osmosis moves water across a membrane"
    assert v.text.verticalScrollBar().value() > 0
    _close_with_ctrl_w(qtbot, v, v.text)


# -- PDF ----------------------------------------------------------------------------------------------
def _white_rows_and_columns(view):
    """Bounds of the page as painted (white) in the middle of the viewport."""
    img = view.viewport().grab().toImage()
    mid_y, mid_x = img.height() // 2, img.width() // 2
    xs = [x for x in range(img.width()) if QColor(img.pixel(x, mid_y)).lightness() > 245]
    return min(xs), max(xs), mid_x


def test_the_pdf_viewer_fits_the_screen_finds_on_the_first_enter_and_closes_with_ctrl_w(qtbot, tmp_path):
    pdf = pdfs.make_course_pdf(tmp_path / "reader.pdf", n=6)
    v = _shown(qtbot, PdfViewer())
    assert _fits_the_screen(v)
    assert v.minimumSizeHint().width() <= 1024 and v.minimumSizeHint().height() <= 600
    assert v.open(pdf, 1)
    QTest.keyClicks(v.find, "rubisco")
    QTest.keyClick(v.find, Qt.Key_Return)
    qtbot.waitUntil(lambda: v.current_page() == 3, timeout=5000)
    assert "Result 1 of" in v.info.text()
    v.open(pdf, 1)
    assert v.find.text() == "", "a reopened viewer starts with an empty find box"
    _close_with_ctrl_w(qtbot, v, v.view)


def test_a_cited_passage_on_a_text_page_is_outlined_where_the_page_is_drawn(qtbot, tmp_path):
    pdf = pdfs.make_course_pdf(tmp_path / "reader.pdf", n=6)
    passage = pdfs.topic_pages(6)[4].split("\n\n")[1]          # page 5's paragraph, as a chunk holds it
    v = _shown(qtbot, PdfViewer())
    v.resize(800, 560)
    assert v.open(pdf, 5, passage)
    qtbot.waitUntil(lambda: v.current_page() == 5 and bool(v.view.mark_rects()), timeout=5000)
    assert v.marked_from == "text"
    page = v.view.page_rect(4)
    left, right, _mid = _white_rows_and_columns(v.view)
    assert abs(page.left() - left) <= 2 and abs(page.right() - right) <= 2, (page, left, right)
    assert all(page.adjusted(-3, -3, 3, 3).contains(r.toRect()) for r in v.view.mark_rects())


@pytest.mark.skipif(not scans.R_FAQ.exists(), reason="r-doc-pdf is installed by scripts/bootstrap.sh")
def test_a_cited_passage_on_a_scanned_page_is_outlined_from_its_ocr_word_boxes(qtbot, tmp_path, paths):
    scan = scans.image_pdf([scans.scanned_page(scans.R_FAQ, 5, tmp_path, seed=5)], tmp_path / "scan.pdf")
    words = documents.words_file(paths, 41)
    words.parent.mkdir(parents=True)
    [page] = list(documents.read_pages(scan, "pdf", ExtractReport(), "auto", words))
    passage = " ".join(max(page.text.split("\n\n"), key=len).split()[:40])     # a paragraph, as a chunk holds it
    v = _shown(qtbot, PdfViewer())
    v.resize(800, 560)
    assert v.open(scan, 1, passage, "Scanned FAQ", document_id=41, paths=paths)
    qtbot.waitUntil(lambda: v.marked_from == "ocr", timeout=10000)
    rects = v.view.mark_rects()
    assert len(rects) >= 2 and "recognition" in v.info.text()
    # The outline sits on ink: the page under it is darker than white paper.
    img = v.view.viewport().grab().toImage()
    r = rects[0].toRect().intersected(img.rect())
    dark = sum(1 for x in range(r.left(), r.right(), 2) for y in range(r.top(), r.bottom(), 2)
               if QColor(img.pixel(x, y)).lightness() < 140)
    assert dark > 5, r
    v.open(scan, 1, "", "Scanned FAQ", document_id=41, paths=paths)
    assert v.view.mark_rects() == [] and v.marked_from == ""
    # Find looks in the recognised words of a scan (it has no text layer for the PDF engine).
    QTest.keyClicks(v.find, "General Public")
    QTest.keyClick(v.find, Qt.Key_Return)
    qtbot.waitUntil(lambda: "Result 1 of" in v.info.text(), timeout=10000)
    total = int(v.info.text().split(" of ")[1].split()[0])
    assert total >= 2 and "recognised" in v.info.text() and len(v.view.mark_rects()) == 1
    first = v.view.mark_rects()[0]
    QTest.keyClick(v.find, Qt.Key_Return)
    assert "Result 2 of" in v.info.text() and v.view.mark_rects()[0] != first
    v.find.setText("zebra crossing")
    QTest.keyClick(v.find, Qt.Key_Return)
    qtbot.waitUntil(lambda: "was not found" in v.info.text(), timeout=10000)


@pytest.mark.skipif(not scans.R_FAQ.exists(), reason="r-doc-pdf is installed by scripts/bootstrap.sh")
def test_a_photo_shows_its_picture_with_the_passage_outlined_and_its_recognised_text(qtbot, tmp_path, paths):
    photo = tmp_path / "handout.jpg"
    scans.scanned_page(scans.R_FAQ, 5, tmp_path, seed=2).save(photo, quality=85)
    words = documents.words_file(paths, 42)
    words.parent.mkdir(parents=True)
    [page] = list(documents.read_pages(photo, "image", ExtractReport(), "auto", words))
    passage = " ".join(max(page.text.split("\n\n"), key=len).split()[:30])
    v = _shown(qtbot, ImageViewer())
    with qtbot.waitSignal(v.opened, timeout=20000):
        v.open(paths, 42, photo, passage, "Handout")
    assert not v.canvas.image.isNull() and len(v.canvas.box_rects()) >= 2
    assert all(v.canvas.picture_rect().contains(r.center()) for r in v.canvas.box_rects())
    assert passage.split()[0] in v.highlighted and "FAQ" in v.text.toPlainText()
    assert _fits_the_screen(v)


def test_a_damaged_photo_says_so_in_the_viewer(qtbot, tmp_path, paths):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    v = _shown(qtbot, ImageViewer())
    v.open(paths, 43, bad, "", "Broken")
    qtbot.waitUntil(lambda: "damaged" in v.info.text(), timeout=10000)
    assert v.canvas.image.isNull()


# -- from the library ---------------------------------------------------------------------------------
def test_the_library_opens_each_kind_in_its_viewer_at_the_cited_place(qtbot, paths, db, tmp_path, deck):
    from desktop.ui.library import LibraryPane

    book = library.ensure_path(db, "Fall 2024", "Biology", "Reader")
    slides = library.import_file(db, paths, book, deck, starter=None).document_id
    html = tmp_path / "week.html"
    html.write_text("<html><body><h1>Week 1</h1><p>Cells.</p><h1>Week 2</h1><p>Mitosis has four phases.</p>"
                    "</body></html>")
    note = library.import_file(db, paths, book, html, starter=None).document_id
    ctx = AppContext(paths=paths, db=db)
    pane = LibraryPane(ctx)
    ctx.adopt(pane)
    qtbot.addWidget(pane)
    pane.resize(1000, 600)
    pane.show()
    qtbot.waitExposed(pane)
    # A citation clicked in the chat or a search result asks through the app's events.
    ctx.events.open_document_requested.emit(slides, 7, "Light reactions split water")
    qtbot.waitUntil(lambda: pane.reading_viewer.is_ready() and pane.reading_viewer.current_page() == 7,
                    timeout=20000)
    assert pane.reading_viewer.highlighted.startswith("Light reactions split water")
    ctx.events.open_document_requested.emit(note, 2, "Mitosis has four phases")
    qtbot.waitUntil(lambda: pane.reading_viewer.current_page() == 2 and "Mitosis" in
                    pane.reading_viewer.text.toPlainText(), timeout=20000)
    assert "<h1>" not in pane.reading_viewer.text.toPlainText(), "an HTML note is shown as text, not markup"
    # A double-click on the deck in the library opens it at its first slide.
    pane.tree.select_node(book)
    qtbot.waitUntil(lambda: pane.table.model_.row_of(slides) >= 0, timeout=5000)
    index = pane.table.model_.index(pane.table.model_.row_of(slides), 0)
    where = pane.table.visualRect(index).center()
    QTest.mouseClick(pane.table.viewport(), Qt.LeftButton, pos=where)      # a double-click's first press
    QTest.mouseDClick(pane.table.viewport(), Qt.LeftButton, pos=where)
    qtbot.waitUntil(lambda: pane.reading_viewer.current_page() == 1 and "Topic 1" in
                    pane.reading_viewer.text.toPlainText(), timeout=20000)
    pane.shutdown()
    assert not pane.reading_viewer.isVisible()


def test_every_viewer_fits_a_1024_by_600_screen(qtbot):
    for viewer in (ReadingViewer(), ImageViewer(), PdfViewer(), NoteViewer()):
        qtbot.addWidget(viewer)
        hint = viewer.minimumSizeHint()
        assert hint.width() <= 1024 and hint.height() <= 600, (type(viewer).__name__, hint)


def test_search_hits_name_the_slide_the_chapter_and_the_section(qtbot):
    from desktop.core.search.retrieval import TextHit
    from desktop.ui.search_results import SearchResults

    results = SearchResults()
    qtbot.addWidget(results)
    hits = [TextHit(1, "Lecture 7", "slides", 7, None, "[Light] reactions"),
            TextHit(2, "Plant physiology", "ebook", 3, None, "the [light] harvesting"),
            TextHit(3, "Reading guide", "document", 2, None, "[light] and water"),
            TextHit(4, "Reader", "pdf", 12, None, "[light] absorbed")]
    results.show_results("light", [], [], hits, {})
    labels = [results.topLevelItem(i).text(0) for i in range(1, results.topLevelItemCount())]
    assert labels == ["Lecture 7 · slide 7", "Plant physiology · chapter 3", "Reading guide · section 2",
                      "Reader · page 12"]
