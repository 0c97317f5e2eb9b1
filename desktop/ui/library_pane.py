"""Library pane: Semester -> Subject -> Book, documents, import, search."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from .widgets import EmptyState


class LibraryPane(QWidget):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        self.empty = EmptyState(
            "Your library is empty",
            "Create a semester, a subject and a book, then drop PDFs, slides or notes onto it. "
            "Lectern reads them in the background so you can search and chat with them.",
            icon="library")
        lay.addWidget(self.empty)
