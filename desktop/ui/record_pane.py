"""Record pane: microphone, level meter, record/pause/stop, live captions."""
from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from .widgets import EmptyState


class RecordPane(QWidget):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        lay = QVBoxLayout(self)
        self.empty = EmptyState(
            "Record a lecture",
            "Pick your microphone and press Record. Lectern saves audio to disk as you go and "
            "writes a timestamped transcript offline when you stop.",
            icon="record")
        lay.addWidget(self.empty)
