"""Small widgets shared by the panes."""
from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget


class EmptyState(QWidget):
    """A friendly 'nothing here yet - here is what to do' panel."""

    def __init__(self, title: str, text: str, actions: list[tuple[str, Callable[[], None]]] = (),
                 icon: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EmptyState")
        lay = QVBoxLayout(self)
        lay.addStretch(2)
        if icon:
            from .theme import notifier

            self.icon_name = icon
            self.icon_label = QLabel()
            self.icon_label.setObjectName("EmptyIcon")
            self.icon_label.setAlignment(Qt.AlignCenter)
            self._draw_icon()
            notifier().changed.connect(self._draw_icon)     # redrawn in the new look's colour
            lay.addWidget(self.icon_label)
        t = QLabel(title)
        t.setObjectName("EmptyTitle")
        t.setAlignment(Qt.AlignCenter)
        lay.addWidget(t)
        body = QLabel(text)
        body.setObjectName("EmptyText")
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignCenter)
        body.setMaximumWidth(520)
        body.setMinimumWidth(300)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(body)
        row.addStretch(1)
        lay.addLayout(row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.buttons: list[QPushButton] = []
        for i, (label, fn) in enumerate(actions):
            b = QPushButton(label)
            b.setObjectName("PrimaryButton" if i == 0 else "")
            b.clicked.connect(fn)
            buttons.addWidget(b)
            self.buttons.append(b)
        buttons.addStretch(1)
        lay.addSpacing(12)
        lay.addLayout(buttons)
        lay.addStretch(3)


    def _draw_icon(self, _scheme: str = "") -> None:
        from .theme import color, icon_pixmap

        self.icon_label.setPixmap(icon_pixmap(self.icon_name, 72, color("empty_icon"), self.devicePixelRatioF()))


class Banner(QFrame):
    """A dismissable message strip with optional action buttons (kind: info | warning)."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setProperty("kind", kind)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setObjectName("BannerText")
        lay.addWidget(self.label, 1)
        self.actions_box = QHBoxLayout()
        lay.addLayout(self.actions_box)
        from .theme import set_icon

        close = QToolButton()
        set_icon(close, "close")
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        lay.addWidget(close)
        self.buttons: list[QPushButton] = []
        self.hide()

    def show_message(self, text: str, actions: Sequence[tuple[str, Callable[[], None]]] = ()) -> None:
        self.label.setText(text)
        for b in self.buttons:
            b.deleteLater()
        self.buttons = []
        for label, fn in actions:
            b = QPushButton(label)
            b.clicked.connect(fn)
            self.actions_box.addWidget(b)
            self.buttons.append(b)
        self.show()


def icon_button(icon_name: str, tip: str, slot: Callable[[], None] | None = None,
                parent: QWidget | None = None) -> QToolButton:
    """A button that shows only an icon (resources/icons/<icon_name>.svg): its tooltip and its
    accessible name (what a screen reader says) are ``tip``."""
    from .theme import set_icon

    b = QToolButton(parent)
    set_icon(b, icon_name)
    b.setToolTip(tip)
    b.setAccessibleName(tip.split(" (")[0])
    b.setAutoRaise(True)
    if slot is not None:
        b.clicked.connect(slot)
    return b
