"""The transcript of a chat: the student's questions and Lectern's answers, newest at the bottom."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from .answer_card import AnswerWidget

COLUMN_MAX_WIDTH = 980


class UserBubble(QFrame):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("UserBubble")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addStretch(1)
        self.label = QLabel(text)
        self.label.setObjectName("UserText")
        self.label.setTextFormat(Qt.PlainText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        # Wide enough for a short question on one line, wrapped past a comfortable width.
        longest = max((self.label.fontMetrics().horizontalAdvance(line) for line in text.split("\n")), default=0)
        self.label.setMinimumWidth(min(560, longest + 32))
        self.label.setMaximumWidth(620)
        lay.addWidget(self.label)
        self.text = text


class ChatView(QScrollArea):
    """Questions and answers, newest at the bottom; follows the stream unless scrolled up."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatView")
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.NoFrame)
        outer = QWidget()
        outer.setObjectName("ChatViewInner")
        row = QHBoxLayout(outer)
        row.setContentsMargins(0, 0, 0, 0)
        inner = QWidget()
        inner.setObjectName("ChatViewInner")
        # Lines of a comfortable length on a wide screen: the column stops growing here.
        inner.setMaximumWidth(COLUMN_MAX_WIDTH)
        row.addStretch(0)
        row.addWidget(inner, 1)
        row.addStretch(0)
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(4, 8, 12, 8)
        self.column.setSpacing(12)
        self.column.addStretch(1)
        self.setWidget(outer)
        self.items: list[QWidget] = []
        self._follow = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(lambda v: setattr(self, "_follow", v >= bar.maximum() - 24))
        bar.rangeChanged.connect(lambda _lo, hi: self._follow and bar.setValue(hi))

    def _add(self, w: QWidget) -> QWidget:
        self.column.insertWidget(self.column.count() - 1, w)
        self.items.append(w)
        self._follow = True
        return w

    def add_user(self, text: str) -> UserBubble:
        return self._add(UserBubble(text))  # type: ignore[return-value]

    def add_answer(self) -> AnswerWidget:
        return self._add(AnswerWidget())  # type: ignore[return-value]

    def remove(self, w: QWidget) -> None:
        if w in self.items:
            self.items.remove(w)
            self.column.removeWidget(w)
            w.deleteLater()

    def clear(self) -> None:
        for w in list(self.items):
            self.remove(w)

    def answers(self) -> list[AnswerWidget]:
        return [w for w in self.items if isinstance(w, AnswerWidget)]

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
