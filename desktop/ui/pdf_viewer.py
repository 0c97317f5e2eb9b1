"""The built-in PDF viewer (QtPdf): open at a page, highlight the cited words, navigate."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtPdf import QPdfDocument, QPdfSearchModel
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (QHBoxLayout, QInputDialog, QLabel, QLineEdit, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)


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


class PdfViewer(QWidget):
    """A window with one PDF. ``open(path, page, highlight)``; ``current_page()`` is 1-based."""

    page_changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setObjectName("PdfViewer")
        self.setWindowTitle("Lectern — viewer")
        self.resize(900, 1000)
        self.path: Path | None = None
        self.highlighted = ""            # the phrase actually highlighted ("" = none found)
        self._target_page = 0
        self.document = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.search = QPdfSearchModel(self)
        self.search.setDocument(self.document)
        self.view.setSearchModel(self.search)
        self.search.countChanged.connect(self._select_hit_on_target_page)

        self.title = QLabel()
        self.title.setObjectName("ViewerTitle")
        self.prev_btn = self._button("◀", "Previous page (Page Up)", self.previous_page)
        self.next_btn = self._button("▶", "Next page (Page Down)", self.next_page)
        self.page_box = QSpinBox()
        self.page_box.setMinimum(1)
        self.page_box.setKeyboardTracking(False)
        self.page_box.setMinimumWidth(70)
        self.page_box.valueChanged.connect(lambda v: self.go_to_page(v))
        self.page_count = QLabel("of 0")
        self.zoom_out = self._button("−", "Zoom out (Ctrl+-)", lambda: self._zoom(1 / 1.2))
        self.zoom_in = self._button("+", "Zoom in (Ctrl++)", lambda: self._zoom(1.2))
        self.fit = self._button("↔", "Fit the width (Ctrl+0)", self.fit_width)
        self.find = QLineEdit()
        self.find.setPlaceholderText("Find in this PDF (Ctrl+F)")
        self.find.setClearButtonEnabled(True)
        self.find.setMaximumWidth(260)
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
        for keys, fn in ((QKeySequence.MoveToPreviousPage, self.previous_page),
                         (QKeySequence.MoveToNextPage, self.next_page), (QKeySequence.Find, self.find.setFocus),
                         (QKeySequence("Ctrl+0"), self.fit_width), (QKeySequence.ZoomIn, lambda: self._zoom(1.2)),
                         (QKeySequence.ZoomOut, lambda: self._zoom(1 / 1.2)), (QKeySequence.Close, self.close)):
            act = QAction(self)
            act.setShortcut(keys)
            act.triggered.connect(fn)
            self.addAction(act)

    def _button(self, text: str, tip: str, fn) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.clicked.connect(fn)
        b.setAutoRaise(True)
        return b

    # -- opening ----------------------------------------------------------------------------------
    def open(self, path: Path | str, page: int = 1, highlight: str = "", title: str = "") -> bool:
        """Show ``path`` at ``page`` (1-based), highlighting ``highlight`` there if it is found."""
        path = Path(path)
        if self.path != path:
            if not self._load(path):
                return False
            self.path = path
        self.title.setText(f"<b>{title or path.stem}</b>")
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
        """Highlight the first candidate phrase found on ``page``; returns it ("" if none)."""
        self.highlighted = ""
        self.info.setText("")
        for phrase in highlight_candidates(text):
            self.search.setSearchString(phrase)
            if self.search.resultsOnPage(page - 1):
                self.highlighted = phrase
                shown = phrase if len(phrase) <= 70 else phrase[:67] + "…"
                self.info.setText(f"  Highlighted on page {page}: “{shown}”")
                self._select_hit_on_target_page()
                return phrase
        self.search.setSearchString("")
        return ""

    def _select_hit_on_target_page(self) -> None:
        if not self.highlighted:
            return
        for i in range(self.search.count()):
            if self.search.resultAtIndex(i).page() == self._target_page - 1:
                if self.view.currentSearchResultIndex() != i:
                    self.view.setCurrentSearchResultIndex(i)
                return

    def _find_next(self) -> None:
        text = self.find.text().strip()
        if not text:
            self.search.setSearchString("")
            return
        if self.search.searchString() != text:
            self.search.setSearchString(text)
            self.highlighted = ""
            self.view.setCurrentSearchResultIndex(-1)
        n = self.search.count()
        if n == 0:
            self.info.setText(f"  “{text}” was not found.")
            return
        i = (self.view.currentSearchResultIndex() + 1) % n
        self.view.setCurrentSearchResultIndex(i)
        link = self.search.resultAtIndex(i)
        self.go_to_page(link.page() + 1)
        self.info.setText(f"  Result {i + 1} of {n} — page {link.page() + 1}")
