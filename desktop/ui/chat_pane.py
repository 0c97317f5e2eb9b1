"""Chat pane: conversations with the student's own material, with citations."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from .widgets import EmptyState


class ChatPane(QWidget):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        self.empty = EmptyState(
            "Ask your course material",
            "Once your books or lectures are in the library, ask a question here. Answers come from "
            "your own files and cite the page or the minute of the lecture.",
            icon="chat")
        lay.addWidget(self.empty)
