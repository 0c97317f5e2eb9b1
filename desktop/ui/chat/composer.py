"""The question box under the transcript, with its Ask and Stop buttons."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPlainTextEdit, QPushButton, QWidget

from ..theme import set_icon


class Composer(QPlainTextEdit):
    """The question box: Enter sends, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt name)
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and not event.modifiers() & Qt.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ComposerBox(QFrame):
    """Question box, Ask (shown while idle) and Stop (shown while an answer is written)."""

    send_requested = Signal()
    stop_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ComposerBox")
        bl = QHBoxLayout(self)
        bl.setContentsMargins(8, 8, 8, 8)
        self.input = Composer()
        self.input.setObjectName("Composer")
        self.input.setPlaceholderText(
            "Ask a question about your material…  (Enter to send, Shift+Enter for a new line)")
        self.input.setFixedHeight(58)
        self.input.submitted.connect(self.send_requested)
        self.send_button = QPushButton("Ask")
        self.send_button.setObjectName("PrimaryButton")
        self.send_button.setToolTip("Send the question (Enter)")
        self.send_button.clicked.connect(self.send_requested)
        self.stop_button = QPushButton("Stop")
        set_icon(self.stop_button, "stop", "icon_on_accent")
        self.stop_button.setObjectName("DangerButton")
        self.stop_button.setToolTip("Stop writing (Esc)")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.hide()
        bl.addWidget(self.input, 1)
        bl.addWidget(self.send_button)
        bl.addWidget(self.stop_button)

    def set_busy(self, busy: bool) -> None:
        self.send_button.setVisible(not busy)
        self.stop_button.setVisible(busy)
