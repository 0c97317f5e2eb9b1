"""A photo of a page (or a whiteboard) with the text recognised in it: the picture on
the left with the cited words outlined where they were read, the text on the right
with the same passage marked. Ctrl+W closes, Ctrl+F finds in the text."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QPainter, QPen, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QLabel, QSplitter, QTextEdit, QVBoxLayout, QWidget

from ...core.errors import LecternError
from ...core.library import documents
from ..background import run_in_background
from .common import TitleBar, add_keys, fit_to_screen, stack_viewer

HIGHLIGHT_FILL = QColor(253, 224, 71, 90)
HIGHLIGHT_EDGE = QColor("#d97706")


@dataclass
class Photo:
    image: QImage
    text: str
    boxes: list[Any] = field(default_factory=list)      # documents.Box, fractions of the picture


def load_photo(paths: Any, document_id: int, file: Path, passage: str) -> Photo:
    """On a background lane: the picture for the screen, its recognised text and the boxes of ``passage``."""
    pic = documents.picture_for_display(file)
    data = pic.tobytes()
    image = QImage(data, pic.width, pic.height, pic.width * 3, QImage.Format_RGB888).copy()
    boxes = documents.passage_boxes(paths, document_id, 1, passage) if passage.strip() else []
    return Photo(image, documents.recognised_text(paths, document_id, 1), boxes)


class PictureCanvas(QWidget):
    """The picture scaled to fit (aspect kept), with rectangles drawn over it."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("PictureCanvas")
        self.image = QImage()
        self.boxes: list[Any] = []
        self.setMinimumSize(200, 160)

    def set_picture(self, image: QImage, boxes: list[Any]) -> None:
        self.image, self.boxes = image, boxes
        self.update()

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn in this widget."""
        if self.image.isNull():
            return QRectF()
        size = self.image.size().scaled(self.size(), Qt.KeepAspectRatio)
        x = (self.width() - size.width()) / 2
        y = (self.height() - size.height()) / 2
        return QRectF(x, y, size.width(), size.height())

    def box_rects(self) -> list[QRectF]:
        r = self.picture_rect()
        return [QRectF(r.x() + b.x * r.width(), r.y() + b.y * r.height(), b.w * r.width(), b.h * r.height())
                .adjusted(-2, -2, 2, 2) for b in self.boxes]

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt name)
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#4b5563"))
        if self.image.isNull():
            return
        p.setRenderHint(QPainter.SmoothPixmapTransform)
        p.drawImage(self.picture_rect(), self.image)
        p.setPen(QPen(HIGHLIGHT_EDGE, 2))
        for rect in self.box_rects():
            p.fillRect(rect, HIGHLIGHT_FILL)
            p.drawRect(rect)


class ImageViewer(QWidget):
    """``open(paths, document_id, file, highlight, title)``; ``opened`` when it is shown."""

    opened = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setObjectName("ImageViewer")
        self.setWindowTitle("Lectern — viewer")
        self.highlighted = ""
        self._seq = 0
        top = TitleBar("Find (Ctrl+F)")
        self.title, self.find = top.title, top.find
        self.find.returnPressed.connect(self.find_next)
        self.canvas = PictureCanvas()
        self.text = QTextEdit()
        self.text.setReadOnly(True)
        self.text.setObjectName("RecognisedText")
        self.split = QSplitter(Qt.Horizontal)
        self.split.addWidget(self.canvas)
        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(8, 8, 8, 8)
        heading = QLabel("Text recognised in this picture")
        heading.setObjectName("Hint")
        side_lay.addWidget(heading)
        side_lay.addWidget(self.text, 1)
        self.split.addWidget(side)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.info = stack_viewer(self, top, self.split)
        add_keys(self, [(QKeySequence.Find, lambda: (self.find.setFocus(), self.find.selectAll()))])
        fit_to_screen(self, 1100, 800)
        self.split.setSizes([self.width() // 2, self.width() - self.width() // 2])

    def open(self, paths: Any, document_id: int, file: Path, highlight: str = "", title: str = "") -> None:
        name = title or Path(file).stem
        self.title.set_title(name)
        self.setWindowTitle(f"{name} — Lectern")
        self.find.clear()
        self.highlighted = ""
        self.info.setText("  Opening…")
        self._seq += 1
        seq = self._seq
        run_in_background(lambda: load_photo(paths, document_id, Path(file), highlight),
                          lambda photo: self._show(seq, photo, highlight),
                          lambda exc: self._failed(seq, exc), owner=self)

    def _show(self, seq: int, photo: Photo, highlight: str) -> None:
        if seq != self._seq:
            return
        self.canvas.set_picture(photo.image, photo.boxes)
        self.text.setPlainText(photo.text or "No text was recognised in this picture.")
        self.info.setText("")
        span = documents.passage_span(photo.text, highlight) if highlight and photo.text else None
        if span is not None:
            self._mark(*span)
            self.highlighted = photo.text[span[0]:span[1]]
            self.info.setText("  The cited passage is outlined on the picture and marked in its text.")
        self.opened.emit()

    def _failed(self, seq: int, exc: BaseException) -> None:
        if seq != self._seq:
            return
        message = str(exc) if isinstance(exc, LecternError) else f"This picture could not be shown ({type(exc).__name__})."
        self.canvas.set_picture(QImage(), [])
        self.text.setPlainText(message)
        self.info.setText("  " + message.split("\n")[0])

    def _mark(self, start: int, end: int) -> None:
        cursor = QTextCursor(self.text.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.KeepAnchor)
        sel = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(QColor("#fde68a"))
        sel.format, sel.cursor = fmt, cursor
        self.text.setExtraSelections([sel])
        c = QTextCursor(self.text.document())
        c.setPosition(start)
        self.text.setTextCursor(c)
        self.text.ensureCursorVisible()

    def find_next(self) -> None:
        needle = self.find.text().strip()
        if not needle:
            return
        if not self.text.find(needle):
            self.text.moveCursor(QTextCursor.Start)
            if not self.text.find(needle):
                self.info.setText(f"  “{needle}” was not found in the recognised text.")
                return
        self.info.setText("")
