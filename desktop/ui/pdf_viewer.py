"""The built-in PDF viewer (QtPdf): open at a page, highlight the cited passage, navigate.

The cited passage is outlined on its page: on a page with a text layer from the
positions the PDF engine gives for the passage's characters (``passage_span`` finds
them in the page's text), on a page read by OCR from the word boxes kept when it was
recognised (``passage_boxes``). Either way the marks are fractions of the page, drawn
over QPdfView's own painting where it put that page.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, QSizeF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QPainter, QPen
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from ..core.library import documents
from .background import run_in_background
from .viewers.common import ElidedLabel, add_keys, fit_to_screen, tool_button

MARK_FILL = QColor(253, 224, 71, 80)
MARK_EDGE = QColor("#d97706")


def highlight_candidates(text: str) -> list[str]:
    """Phrases to look for on the page, most specific first.

    A cited passage was re-flowed from the page's lines, so the whole of it rarely
    matches verbatim; its first few words, or its longest word, usually do.
    """
    text = " ".join((text or "").replace("[", " ").replace("]", " ").split())
    if not text:
        return []
    words = text.split(" ")
    out = []
    for n in (12, 8, 5, 3):
        if len(words) >= n:
            out.append(" ".join(words[:n]))
    if len(words) < 3:
        out.append(text)
    longest = sorted((re.sub(r"\W", "", w) for w in words), key=len, reverse=True)
    if longest and len(longest[0]) >= 4:
        out.append(longest[0])
    return list(dict.fromkeys(out))


class MarkedPdfView(QPdfView):
    """QPdfView that also outlines ``marks`` (fractions of one page) on that page.

    QPdfView does not say where it put each page; ``page_rect`` works it out as
    QPdfViewPrivate::calculateDocumentLayout does (screen dpi / 72, margins, spacing,
    pages centred), less the scroll position. tests/ui/test_viewers.py checks it
    against the white of the page as painted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.marks: list[Any] = []        # documents.Box
        self.marked_page = -1             # 0-based

    def set_marks(self, page_index: int, marks: list[Any]) -> None:
        self.marked_page, self.marks = page_index, list(marks)
        self.viewport().update()

    def _page_size(self, page: int) -> QSize:
        doc = self.document()
        screen = QGuiApplication.primaryScreen()
        resolution = (screen.logicalDotsPerInch() if screen else 96.0) / 72.0
        points = doc.pagePointSize(page)
        margins = self.documentMargins()
        if self.zoomMode() == QPdfView.ZoomMode.Custom:
            return QSizeF(points * resolution * self.zoomFactor()).toSize()
        size = QSizeF(points * resolution).toSize()
        if self.zoomMode() == QPdfView.ZoomMode.FitToWidth:
            factor = (self.viewport().width() - margins.left() - margins.right()) / max(1, size.width())
            return QSize(int(size.width() * factor), int(size.height() * factor))
        room = QSize(self.viewport().width() - margins.left() - margins.right(),
                     self.viewport().height() - self.pageSpacing())
        return size.scaled(room, Qt.KeepAspectRatio)

    def page_rect(self, page: int) -> QRect:
        """Where page ``page`` (0-based) is drawn in the viewport (a null rect if it is not laid out)."""
        doc = self.document()
        if doc is None or doc.status() != QPdfDocument.Status.Ready or not 0 <= page < doc.pageCount():
            return QRect()
        margins = self.documentMargins()
        if self.pageMode() == QPdfView.PageMode.SinglePage:
            current = self.pageNavigator().currentPage()
            if page != current:
                return QRect()
            pages = [current]
        else:
            pages = range(doc.pageCount())
        sizes = {p: self._page_size(p) for p in pages}
        total_width = max(sz.width() for sz in sizes.values()) + margins.left() + margins.right()
        y = margins.top()
        for p in pages:
            sz = sizes[p]
            if p == page:
                x = (max(total_width, self.viewport().width()) - sz.width()) // 2
                return QRect(x - self.horizontalScrollBar().value(), y - self.verticalScrollBar().value(),
                             sz.width(), sz.height())
            y += sz.height() + self.pageSpacing()
        return QRect()

    def mark_rects(self) -> list[QRectF]:
        if self.marked_page < 0 or not self.marks:
            return []
        r = self.page_rect(self.marked_page)
        if r.isNull():
            return []
        return [QRectF(r.x() + b.x * r.width(), r.y() + b.y * r.height(), b.w * r.width(), b.h * r.height())
                .adjusted(-2, -1, 2, 1) for b in self.marks]

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().paintEvent(event)
        rects = self.mark_rects()
        if not rects:
            return
        p = QPainter(self.viewport())
        p.setPen(QPen(MARK_EDGE, 1.5))
        for rect in rects:
            p.fillRect(rect, MARK_FILL)
            p.drawRect(rect)


class PdfViewer(QWidget):
    """A window with one PDF. ``open(path, page, highlight)``; ``current_page()`` is 1-based."""

    page_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setObjectName("PdfViewer")
        self.setWindowTitle("Lectern — viewer")
        self.path: Path | None = None
        self.highlighted = ""            # the phrase actually highlighted ("" = none found)
        self.marked_from = ""            # "text" | "ocr" | "" : where the passage's outline came from
        self._target_page = 0
        self._find_pending = False       # Enter pressed while the search was still running
        self._ocr_hits: list[Any] = []   # Find in a scan: (page, boxes) in the recognised words
        self._ocr_hits_for = ""
        self._ocr_at = 0
        self._boxes_seq = 0
        self.document = QPdfDocument(self)
        self.view = MarkedPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.search = QPdfSearchModel(self)
        self.search.setDocument(self.document)
        self.view.setSearchModel(self.search)
        self.search.countChanged.connect(self._select_hit_on_target_page)
        self.search.countChanged.connect(self._search_progressed)

        self.title = ElidedLabel()
        self.title.setObjectName("ViewerTitle")
        self.prev_btn = self._button("chevron-left", "Previous page (Page Up)", self.previous_page)
        self.next_btn = self._button("chevron-right", "Next page (Page Down)", self.next_page)
        self.page_box = QSpinBox()
        self.page_box.setMinimum(1)
        self.page_box.setKeyboardTracking(False)
        self.page_box.setMinimumWidth(64)
        self.page_box.valueChanged.connect(lambda v: self.go_to_page(v))
        self.page_count = QLabel("of 0")
        self.zoom_out = self._button("minus", "Zoom out (Ctrl+-)", lambda: self._zoom(1 / 1.2))
        self.zoom_in = self._button("plus", "Zoom in (Ctrl++)", lambda: self._zoom(1.2))
        self.fit = self._button("fit-width", "Fit the width (Ctrl+0)", self.fit_width)
        self.find = QLineEdit()
        self.find.setPlaceholderText("Find (Ctrl+F)")
        self.find.setClearButtonEnabled(True)
        self.find.setMinimumWidth(120)
        self.find.setMaximumWidth(240)
        self.find.returnPressed.connect(self._find_next)
        self.info = QLabel()
        self.info.setObjectName("ViewerInfo")
        self.info.setMinimumWidth(10)          # a long message must never widen the window

        bar = QHBoxLayout()
        bar.setContentsMargins(10, 6, 10, 6)
        bar.addWidget(self.title, 1)
        for w in (self.prev_btn, self.page_box, self.page_count, self.next_btn, self.zoom_out, self.zoom_in,
                  self.fit, self.find):
            bar.addWidget(w)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        top = QWidget()
        top.setObjectName("ViewerBar")
        top.setLayout(bar)
        lay.addWidget(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.info)
        self.view.pageNavigator().currentPageChanged.connect(self._page_moved)
        self._reading = 1
        self.view.viewport().installEventFilter(self)
        add_keys(self, [(QKeySequence.MoveToPreviousPage, self.previous_page),
                        (QKeySequence.MoveToNextPage, self.next_page), (QKeySequence.Find, self._focus_find),
                        (QKeySequence("Ctrl+0"), self.fit_width), (QKeySequence.ZoomIn, lambda: self._zoom(1.2)),
                        (QKeySequence.ZoomOut, lambda: self._zoom(1 / 1.2))])
        # A page of a book at a readable size, but never taller than the screen (an 850 px
        # laptop screen has about 800 px free) nor so wide the title and find box crowd out.
        fit_to_screen(self, 900, 1000)

    def _button(self, icon_name: str, tip: str, fn):
        return tool_button(icon_name, tip, fn)

    def _focus_find(self) -> None:
        self.find.setFocus()
        self.find.selectAll()

    # -- opening ----------------------------------------------------------------------------------
    def open(self, path: Path | str, page: int = 1, highlight: str = "", title: str = "",
             document_id: int | None = None, paths: Any = None) -> bool:
        """Show ``path`` at ``page`` (1-based), highlighting ``highlight`` there if it is found.

        With ``document_id`` and ``paths`` a page read by OCR gets the passage outlined from
        its recognised word boxes (read on a background lane)."""
        path = Path(path)
        if self.path != path:
            if not self._load(path):
                return False
            self.path = path
        self.document_id, self.paths = document_id, paths
        self.find.clear()                 # a new opening starts a new search
        self.view.setFocus()
        self._find_pending = False
        self._ocr_hits, self._ocr_hits_for = [], ""
        self.title.set_title(title or path.stem)
        self.setWindowTitle(f"{title or path.stem} — Lectern")
        self.page_count.setText(f"of {self.page_total()}")
        self.page_box.setMaximum(max(1, self.page_total()))
        self.go_to_page(page)
        self.highlight(highlight, page)
        return True

    def _load(self, path: Path) -> bool:
        self.document.setPassword("")
        err = self.document.load(str(path))
        while err == QPdfDocument.Error.IncorrectPassword:
            # Asked each time it is opened; never kept anywhere.
            pw, ok = QInputDialog.getText(self, "Password", f"{path.name} is protected. Its password:",
                                          QLineEdit.EchoMode.Password)
            if not ok:
                return False
            self.document.setPassword(pw)
            err = self.document.load(str(path))
        self.document.setPassword("")
        if err != QPdfDocument.Error.None_:
            self.info.setText(f"  This PDF could not be opened ({err.name}).")
            return False
        return True

    def page_total(self) -> int:
        return int(self.document.pageCount())

    # -- pages ------------------------------------------------------------------------------------
    def current_page(self) -> int:
        """The page shown, 1-based as the student counts."""
        return int(self.view.pageNavigator().currentPage()) + 1

    def go_to_page(self, page: int) -> None:
        total = self.page_total()
        if total <= 0:
            return
        page = max(1, min(int(page), total))
        self._target_page = page
        self._reading = page
        nav = self.view.pageNavigator()
        if nav.currentPage() != page - 1 or not self.isVisible():
            nav.jump(page - 1, QPointF(0, 0), nav.currentZoom())
        if not self.isVisible():
            # The view has no size before it is shown: jump again once laid out.
            QTimer.singleShot(0, lambda p=page: self.view.pageNavigator().jump(p - 1, QPointF(0, 0),
                                                                             self.view.pageNavigator().currentZoom()))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802
        # Fit-to-width re-zooms when the view is resized, and the old scroll position
        # would then point at another page: keep the page the student was reading.
        if obj is self.view.viewport() and event.type() == QEvent.Resize and self.page_total():
            page = self._reading
            QTimer.singleShot(0, lambda: self._keep_page(page))
        return False

    def _keep_page(self, page: int) -> None:
        nav = self.view.pageNavigator()
        if nav.currentPage() != page - 1:
            nav.jump(page - 1, QPointF(0, 0), nav.currentZoom())

    def next_page(self) -> None:
        self.go_to_page(self.current_page() + 1)

    def previous_page(self) -> None:
        self.go_to_page(self.current_page() - 1)

    def _page_moved(self, index: int) -> None:
        self._reading = index + 1
        self.page_box.blockSignals(True)
        self.page_box.setValue(index + 1)
        self.page_box.blockSignals(False)
        self.page_changed.emit(index + 1)

    def fit_width(self) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)

    def _zoom(self, factor: float) -> None:
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.25, min(6.0, self.view.zoomFactor() * factor)))

    # -- highlighting -----------------------------------------------------------------------------
    def highlight(self, text: str, page: int) -> str:
        """Outline the passage ``text`` on ``page`` and select the first candidate phrase of it
        found there; returns that phrase ("" if none)."""
        self.highlighted = ""
        self.marked_from = ""
        self.info.setText("")
        self.view.set_marks(-1, [])
        self._boxes_seq += 1
        if not text.strip():
            self.search.setSearchString("")
            return ""
        self._mark_from_text_layer(text, page)
        if getattr(self, "document_id", None) is not None and getattr(self, "paths", None) is not None:
            self._mark_from_ocr(text, page)
        for phrase in highlight_candidates(text):
            self.search.setSearchString(phrase)
            if self.search.resultsOnPage(page - 1):
                self.highlighted = phrase
                shown = phrase if len(phrase) <= 70 else phrase[:67] + "…"
                self.info.setText(f"  Highlighted on page {page}: “{shown}”")
                if self.marked_from == "text":
                    # The passage is outlined whole: a second frame around its first words
                    # would only confuse. Find starts from the passage's phrase as before.
                    self.search.setSearchString("")
                    QTimer.singleShot(0, self, self._scroll_to_marks)
                else:
                    self._select_hit_on_target_page()
                return phrase
        self.search.setSearchString("")
        if self.marked_from == "text":
            self.info.setText(f"  Highlighted on page {page}.")
            QTimer.singleShot(0, self, self._scroll_to_marks)
        return ""

    def _mark_from_text_layer(self, text: str, page: int) -> None:
        """The passage's characters on the page, as the PDF engine places them."""
        index = page - 1
        if not 0 <= index < self.page_total():
            return
        page_text = self.document.getAllText(index).text()
        span = documents.passage_span(page_text, text) if page_text.strip() else None
        if span is None:
            return
        start, end = span
        size = self.document.pagePointSize(index)
        if size.width() <= 0 or size.height() <= 0:
            return
        selection = self.document.getSelectionAtIndex(index, start, end - start)
        boxes = [_box(poly.boundingRect(), size) for poly in selection.bounds()]
        boxes = [b for b in boxes if b.w > 0 and b.h > 0]
        if boxes:
            self.view.set_marks(index, boxes)
            self.marked_from = "text"

    def _mark_from_ocr(self, text: str, page: int) -> None:
        seq = self._boxes_seq
        paths, document_id = self.paths, self.document_id

        def show(boxes: list[Any]) -> None:
            if seq != self._boxes_seq or not boxes:
                return
            self.view.set_marks(page - 1, boxes)
            self.marked_from = "ocr"
            self.info.setText(f"  Outlined on page {page}: the passage as text recognition read it from the scan.")
            self._scroll_to_marks()

        run_in_background(lambda: documents.passage_boxes(paths, document_id, page, text), show,
                          lambda _exc: None, owner=self)

    def _scroll_to_marks(self) -> None:
        """Bring the outlined passage into view (a passage low on a tall page is below the fold)."""
        rects = self.view.mark_rects()
        if not rects:
            return
        top = min(r.top() for r in rects)
        bar = self.view.verticalScrollBar()
        if top < 0 or top > self.view.viewport().height() * 0.7:
            bar.setValue(int(bar.value() + top - 40))

    def _select_hit_on_target_page(self) -> None:
        if not self.highlighted:
            return
        for i in range(self.search.count()):
            if self.search.resultAtIndex(i).page() == self._target_page - 1:
                if self.view.currentSearchResultIndex() != i:
                    self.view.setCurrentSearchResultIndex(i)
                return

    def _find_next(self) -> None:
        """Enter in the find box: the next result. The search runs page by page in the
        background, so the first Enter of a new text waits for its first result instead of
        saying it was not found."""
        text = self.find.text().strip()
        if not text:
            self.search.setSearchString("")
            return
        if self._ocr_hits and self._ocr_hits_for == text and self.search.count() == 0:
            self._show_ocr_hit(self._ocr_at + 1)
            return
        if self.search.searchString() != text:
            self.search.setSearchString(text)
            self.highlighted = ""
            self.view.setCurrentSearchResultIndex(-1)
            self.view.set_marks(-1, [])
            self._ocr_hits, self._ocr_hits_for = [], ""
        n = self.search.count()
        if n == 0:
            self._find_pending = True
            self.info.setText(f"  Looking for “{text}”…")
            QTimer.singleShot(1500, self._search_settled)
            self._find_in_recognised(text)
            return
        self._find_pending = False
        i = (self.view.currentSearchResultIndex() + 1) % n
        self.view.setCurrentSearchResultIndex(i)
        link = self.search.resultAtIndex(i)
        self.go_to_page(link.page() + 1)
        self.info.setText(f"  Result {i + 1} of {n} — page {link.page() + 1}")

    def _find_in_recognised(self, text: str) -> None:
        """Scanned pages have no text layer for the PDF engine to search: look in the words OCR
        recognised on them (read on a background lane) and outline those."""
        paths, document_id = getattr(self, "paths", None), getattr(self, "document_id", None)
        if paths is None or document_id is None:
            return

        def found(hits: list[Any]) -> None:
            if not hits or self.find.text().strip() != text or self.search.count() > 0:
                return
            self._find_pending = False
            self._ocr_hits, self._ocr_hits_for = hits, text
            self._show_ocr_hit(0)

        run_in_background(lambda: documents.recognised_hits(paths, document_id, text), found, lambda _e: None,
                          owner=self)

    def _show_ocr_hit(self, i: int) -> None:
        n = len(self._ocr_hits)
        self._ocr_at = i % n
        page, boxes = self._ocr_hits[self._ocr_at]
        self.go_to_page(page)
        self.view.set_marks(page - 1, boxes)
        self.marked_from = "ocr"
        self.info.setText(f"  Result {self._ocr_at + 1} of {n} — page {page} (in the text recognised from the scan)")
        QTimer.singleShot(0, self, self._scroll_to_marks)

    def _search_progressed(self) -> None:
        if self._find_pending and self.search.count() > 0 and self.search.searchString() == self.find.text().strip():
            self._find_pending = False
            self._find_next()

    def _search_settled(self) -> None:
        if self._find_pending and self.search.count() == 0 and not self._ocr_hits:   # a late result still jumps
            self.info.setText(f"  “{self.find.text().strip()}” was not found.")


def _box(rect: QRectF, page_size: QSizeF) -> documents.Box:
    return documents.Box(rect.x() / page_size.width(), rect.y() / page_size.height(),
                         rect.width() / page_size.width(), rect.height() / page_size.height())
