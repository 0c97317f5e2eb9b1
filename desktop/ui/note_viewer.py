"""A plain reader for text and Markdown notes, opened at a section."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor, QTextDocument
from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from ..core.library.chunking import note_sections


class NoteViewer(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.setObjectName("NoteViewer")
        self.resize(760, 820)
        self.title = QLabel()
        self.title.setObjectName("ViewerTitle")
        self.text = QTextBrowser()
        self.text.setOpenExternalLinks(False)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.text, 1)
        self.section = 1

    def open(self, path: Path, section: int = 1, highlight: str = "", title: str = "") -> None:
        from ..core.library.ingest import note_text

        content = note_text(path)
        self.title.setText(f"<b>{title or path.stem}</b>")
        self.setWindowTitle(f"{title or path.stem} — Lectern")
        if path.suffix.lower() in (".md", ".markdown"):
            self.text.setMarkdown(content)
        else:
            self.text.setPlainText(content)
        self.section = max(1, section)
        sections = note_sections(content)
        target = sections[self.section - 1] if 0 < self.section <= len(sections) else None
        self.text.moveCursor(QTextCursor.Start)
        anchor = (target.title if target and target.title else "") or (highlight.split()[0] if highlight else "")
        if anchor:
            self.text.find(anchor, QTextDocument.FindFlags())
        if highlight:
            self.text.find(highlight.split("\n")[0][:60], QTextDocument.FindFlags())
