"""A plain reader for text and Markdown notes, opened at a section (a heading) with the
cited passage marked; Find, Ctrl+W."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QTextEdit, QWidget

from ..core.library import documents
from ..core.library.chunking import note_sections
from .viewers.common import TitleBar, add_keys, fit_to_screen, stack_viewer


class NoteViewer(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setObjectName("NoteViewer")
        top = TitleBar("Find in this note (Ctrl+F)")
        self.title, self.find = top.title, top.find
        self.find.returnPressed.connect(self.find_next)
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        self.text.document().setDocumentMargin(20)
        self.info = stack_viewer(self, top, self.text)
        add_keys(self, [(QKeySequence.Find, lambda: (self.find.setFocus(), self.find.selectAll()))])
        fit_to_screen(self, 760, 820)
        self.section = 1
        self.highlighted = ""

    def open(self, path: Path, section: int = 1, highlight: str = "", title: str = "") -> None:
        content = documents.note_text(path)
        name = title or path.stem
        self.title.set_title(name)
        self.setWindowTitle(f"{name} — Lectern")
        self.find.clear()
        self.info.setText("")
        self.highlighted = ""
        self.text.setExtraSelections([])
        if path.suffix.lower() in (".md", ".markdown"):
            self.text.setMarkdown(content)
        else:
            self.text.setPlainText(content)
        self.section = max(1, section)
        sections = note_sections(content)
        target = sections[self.section - 1] if 0 < self.section <= len(sections) else None
        self.text.moveCursor(QTextCursor.Start)
        if target is not None and target.title:
            # The heading at the top of the view: to the end of the note, then back up to it.
            self.text.moveCursor(QTextCursor.End)
            self.text.moveCursor(QTextCursor.Start)
            self.text.find(target.title, QTextDocument.FindFlags())
            self.text.ensureCursorVisible()
        if highlight:
            self._mark(highlight)

    def _mark(self, passage: str) -> None:
        doc = self.text.document()
        raw = doc.toRawText()
        span = documents.passage_span(raw, passage)
        if span is None:
            return
        start, end = span
        cursor = QTextCursor(doc)
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.KeepAnchor)
        sel = QTextEdit.ExtraSelection()
        fmt = QTextCharFormat()
        fmt.setBackground(QColor("#fde68a"))
        sel.format, sel.cursor = fmt, cursor
        self.text.setExtraSelections([sel])
        self.highlighted = raw[start:end].replace("\u2029", "\n")
        for pos in (end, start):
            c = QTextCursor(doc)
            c.setPosition(pos)
            self.text.setTextCursor(c)
            self.text.ensureCursorVisible()
        self.info.setText("  The cited passage is marked.")

    def find_next(self) -> None:
        needle = self.find.text().strip()
        if not needle:
            return
        if not self.text.find(needle):
            self.text.moveCursor(QTextCursor.Start)
            if not self.text.find(needle):
                self.info.setText(f"  “{needle}” was not found.")
                return
        self.info.setText("")
