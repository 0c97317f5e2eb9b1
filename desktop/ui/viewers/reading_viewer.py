"""A clean reading view of a slide deck, a Word/Writer document, an EPUB or an HTML note,
one cited unit at a time: "slide 7" shows slide 7's text with its speaker notes,
"chapter 3, § 2" shows chapter 3 scrolled to the passage. Previous/Next, a page box,
Find (across the whole document), Ctrl+W.

The file is read again by the library's own readers (on a background lane), so the
numbers here are the numbers the citations use.
"""
from __future__ import annotations

import html
import os
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QWidget

from ...core.errors import LecternError
from ...core.library import documents, place_word
from ..background import run_in_background
from .common import PageBar, add_keys, fit_to_screen, stack_viewer

HIGHLIGHT = QColor("#fde68a")
FIND_HIT = QColor("#bfdbfe")


def picture_url(page: int, index: int) -> str:
    return f"slide-picture:{page}-{index}"


def drawn_url(page: int) -> str:
    return f"slide-drawn:{page}"


def page_html(page: documents.ViewPage, unit: str, picture_widths: list[int] | None = None,
              drawn_width: int = 0) -> str:
    """A page as simple HTML: the slide as drawn (``drawn_url``, when there is one), its
    title, its parts (each § anchored), a slide's pictures (as ``picture_url`` resources,
    at the given widths), a slide's notes."""
    out = [f"<p style='color:#6b7280; margin:0'>{html.escape(unit.capitalize())} {page.number}</p>"]
    if drawn_width:
        out.append("<table bgcolor='#d1d5db' cellpadding='1' cellspacing='0' style='margin: 6px 0 10px 0'><tr><td>"
                   f"<img src='{drawn_url(page.number)}' width='{drawn_width}'></td></tr></table>")
        picture_widths = []          # the drawn slide shows its pictures already
    title = page.title
    if title:
        out.append(f"<h2 style='margin-top:4px'>{html.escape(title)}</h2>")
    for i, part in enumerate(page.parts):
        text = part.text
        if i == 0 and title and text.startswith(title):
            text = text[len(title):]
        if part.number is not None:
            out.append(f"<a name='s{part.number}'></a>")
        for para in (p.strip() for p in text.split("\n\n")):
            if para:
                out.append("<p>" + "<br>".join(html.escape(l) for l in para.split("\n")) + "</p>")
    for i, width in enumerate(picture_widths or []):
        out.append(f"<p><img src='{picture_url(page.number, i)}' width='{width}'></p>")
    if not any(p.text.strip() for p in page.parts) and not picture_widths:
        out.append(f"<p style='color:#6b7280'><i>This {html.escape(unit)} has no text of its own "
                   "(it may be only a picture).</i></p>")
    if page.notes:
        notes = "<br>".join(html.escape(l) for l in page.notes.split("\n"))
        out.append("<h3 style='margin-top:18px'>Speaker notes</h3>"
                   f"<table width='100%' cellpadding='10' bgcolor='#f3f4f6'><tr><td>{notes}</td></tr></table>")
    return "\n".join(out)


class ReadingViewer(QWidget):
    """``open(path, kind, page, highlight, title)``; ``current_page()`` is 1-based.
    ``opened`` is emitted when the page is shown (after the file was read)."""

    opened = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setObjectName("ReadingViewer")
        self.setWindowTitle("Lectern — viewer")
        self.view: documents.ReadingView | None = None
        self.path: Path | None = None
        self.kind = ""
        self.highlighted = ""            # the passage highlighted on the page ("" = none)
        self._page = 0
        self._highlight = ""
        self._key: tuple[str, int] | None = None
        self._pictures: dict[int, list[QImage]] = {}     # slide → its pictures, decoded
        self._drawn: dict[int, QImage] = {}              # slide → the slide as LibreOffice draws it
        self._drawing: set[int] = set()
        self._can_draw = False
        self._shown_highlight = ""
        self._seq = 0

        self.bar = PageBar("slide", self.previous_page, self.next_page, "Find (Ctrl+F)")
        self.bar.page_box.valueChanged.connect(lambda v: self.go_to_page(v))
        self.bar.find.returnPressed.connect(self.find_next)
        self.text = QTextBrowser()
        self.text.setObjectName("ReadingText")
        self.text.setOpenLinks(False)
        self.text.document().setDocumentMargin(24)
        self.info = stack_viewer(self, self.bar, self.text)
        add_keys(self, [(QKeySequence.MoveToPreviousPage, self.previous_page),
                        (QKeySequence.MoveToNextPage, self.next_page),
                        (QKeySequence("Ctrl+PgUp"), self.previous_page), (QKeySequence("Ctrl+PgDown"), self.next_page),
                        (QKeySequence.Find, self._focus_find), (QKeySequence.FindNext, self.find_next)])
        fit_to_screen(self, 860, 900)

    # -- opening ----------------------------------------------------------------------------------
    def open(self, path: Path | str, kind: str, page: int = 1, highlight: str = "", title: str = "") -> None:
        """Show ``page`` of the file (read in the background the first time), with
        ``highlight`` marked on it when it is there."""
        path = Path(path)
        self.path, self.kind = path, kind
        self._page, self._highlight = max(1, int(page or 1)), highlight or ""
        name = title or path.stem
        self.bar.title.set_title(name)
        self.setWindowTitle(f"{name} — Lectern")
        self.bar.find.clear()
        self.text.setFocus()             # arrow keys and Page Up/Down read on at once
        self.bar.set_unit(place_word(kind))
        try:
            key = (str(path), os.stat(path).st_mtime_ns)
        except OSError:
            self._failed(LecternError("The file is missing from the library folder."))
            return
        if self.view is not None and self._key == key:
            self._show(self._page, self._highlight)
            return
        self.view, self._key = None, key
        self._drawn, self._drawing = {}, set()
        self._can_draw = kind == "slides" and documents.can_draw_slides(path)
        self._seq += 1
        seq = self._seq
        self.text.setHtml("<p style='color:#6b7280'>Opening…</p>")
        self.info.setText("")
        run_in_background(lambda: _with_pictures(documents.reading_view(path, kind)),
                          lambda v: self._loaded(seq, v), lambda e: self._seq == seq and self._failed(e), owner=self)

    def _loaded(self, seq: int, loaded: tuple[documents.ReadingView, dict[int, list[QImage]]]) -> None:
        if seq != self._seq:
            return
        self.view, self._pictures = loaded
        self.bar.set_count(len(self.view.pages))
        self.bar.set_unit(self.view.unit)
        self._show(self._page, self._highlight)

    def _failed(self, exc: BaseException) -> None:
        self.view = None
        self._key = None
        message = str(exc) if isinstance(exc, LecternError) else f"This file could not be shown ({type(exc).__name__})."
        self.text.setHtml(f"<p>{html.escape(message)}</p>")
        self.info.setText("  " + message.split("\n")[0])

    def is_ready(self) -> bool:
        return self.view is not None

    def is_drawn(self, number: int) -> bool:
        """True once slide ``number`` is shown as LibreOffice draws it."""
        return number in self._drawn

    # -- pages ------------------------------------------------------------------------------------
    def page_total(self) -> int:
        return len(self.view.pages) if self.view else 0

    def current_page(self) -> int:
        return self._page

    def go_to_page(self, number: int) -> None:
        self._show(number, "")

    def next_page(self) -> None:
        self._show(self._page + 1, "")

    def previous_page(self) -> None:
        self._show(self._page - 1, "")

    def _show(self, number: int, highlight: str) -> None:
        if self.view is None or not self.view.pages:
            return
        number = max(1, min(int(number), self.page_total()))
        page = self.view.pages[number - 1]
        self._page = page.number
        self.bar.show_page(page.number)
        self.bar.prev_btn.setEnabled(number > 1)
        self.bar.next_btn.setEnabled(number < self.page_total())
        images = self._pictures.get(page.number, [])
        room = max(120, self.text.viewport().width() - 80)
        for i, img in enumerate(images):
            self.text.document().addResource(QTextDocument.ImageResource, QUrl(picture_url(page.number, i)), img)
        drawn = self._drawn.get(page.number)
        if drawn is not None:
            self.text.document().addResource(QTextDocument.ImageResource, QUrl(drawn_url(page.number)), drawn)
        self.text.setHtml(page_html(page, self.view.unit, [min(img.width(), room) for img in images],
                                    self._drawn_width(drawn, room) if drawn is not None else 0))
        self._shown_highlight = highlight
        if drawn is None and self._can_draw:
            self._draw(page.number, room)
        self.text.moveCursor(QTextCursor.Start)
        self.highlighted = ""
        self.info.setText("  " + "  ".join(self.view.notes) if self.view.notes else "")
        if highlight:
            self._mark(highlight)
        self.opened.emit(page.number)

    def _drawn_width(self, img: QImage, room: int) -> int:
        """The drawn slide at most the view's width and half its height, so the slide's text
        (and the cited passage in it) is in view below it."""
        tall = max(120, int(self.text.viewport().height() * 0.5))
        return max(80, min(room, img.width(), int(tall * img.width() / max(1, img.height()))))

    def _draw(self, number: int, width: int) -> None:
        """Ask for the slide as it looks (LibreOffice, on the long lane); shown when it arrives.
        If it cannot be drawn the text stays, as without LibreOffice."""
        if number in self._drawing:
            return
        self._drawing.add(number)
        seq, path = self._seq, self.path

        def drawn(data: bytes) -> None:
            if seq != self._seq:
                return
            img = QImage.fromData(data)
            if img.isNull():
                return
            self._drawn[number] = img
            if self._page == number and self.view is not None:
                keep = self.text.verticalScrollBar().value()
                self._show(number, self._shown_highlight)
                if not self._shown_highlight:
                    self.text.verticalScrollBar().setValue(keep)

        def failed(exc: BaseException) -> None:
            if seq == self._seq:
                self._can_draw = False       # once is enough: the text is what there is
                self.info.setText("  " + str(exc).split("\n")[0])

        run_in_background(lambda: documents.slide_png(path, number, width * 2), drawn, failed, lane="long",
                          owner=self)

    # -- highlighting and finding -----------------------------------------------------------------
    def _mark(self, passage: str) -> None:
        doc = self.text.document()
        span = documents.passage_span(doc.toRawText(), passage)
        if span is None:
            self.text.setExtraSelections([])
            return
        start, end = span
        self._select(start, end, HIGHLIGHT)
        self.highlighted = doc.toRawText()[start:end].replace("\u2029", "\n")
        self.info.setText(f"  Highlighted on {self.view.unit if self.view else 'page'} {self._page}.")

    def _select(self, start: int, end: int, colour: QColor) -> None:
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.KeepAnchor)
        sel = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(colour)
        sel.format = fmt
        sel.cursor = cursor
        self.text.setExtraSelections([sel])
        # Bring the end into view, then the start: a passage taller than the view shows its beginning.
        for pos in (end, start):
            c = QTextCursor(self.text.document())
            c.setPosition(pos)
            self.text.setTextCursor(c)
            self.text.ensureCursorVisible()

    def _focus_find(self) -> None:
        self.bar.find.setFocus()
        self.bar.find.selectAll()

    def find_next(self) -> None:
        """The next place the Find text appears: further on this page, else on the next
        page that has it (wrapping round to the first)."""
        needle = self.bar.find.text().strip()
        if not needle or self.view is None:
            self.text.setExtraSelections([])
            return
        doc = self.text.document()
        found = doc.find(needle, self.text.textCursor().selectionEnd() if self._finding(needle) else 0)
        if not found.isNull():
            self._found(found, needle)
            return
        total = self.page_total()
        for step in range(1, total + 1):
            number = (self._page - 1 + step) % total + 1
            if needle.lower() in (self.view.pages[number - 1].text + "\n" + self.view.pages[number - 1].notes).lower():
                self._show(number, "")
                found = self.text.document().find(needle, 0, QTextDocument.FindFlags())
                if not found.isNull():
                    self._found(found, needle)
                    return
        self.info.setText(f"  “{needle}” was not found.")

    def _finding(self, needle: str) -> bool:
        sel = self.text.textCursor().selectedText()
        return bool(sel) and sel.lower() == needle.lower()

    def _found(self, cursor: QTextCursor, needle: str) -> None:
        self._select(cursor.selectionStart(), cursor.selectionEnd(), FIND_HIT)
        keep = QTextCursor(self.text.document())
        keep.setPosition(cursor.selectionStart())
        keep.setPosition(cursor.selectionEnd(), QTextCursor.KeepAnchor)
        self.text.setTextCursor(keep)     # the next Enter searches on from here
        unit = self.view.unit if self.view else "page"
        self.info.setText(f"  “{needle}” on {unit} {self._page}.")


def _with_pictures(view: documents.ReadingView) -> tuple[documents.ReadingView, dict[int, list[QImage]]]:
    """On the background lane: the slides' pictures decoded once, ready to show."""
    decoded = {p.number: [img for img in (QImage.fromData(b) for b in p.pictures) if not img.isNull()]
               for p in view.pages if p.pictures}
    return view, decoded
