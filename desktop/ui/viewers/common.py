"""What every viewer window shares: a size that fits the screen it opens on, the bar
above the page (title, previous/next, page box, find), and the keys students expect
(Ctrl+W closes, Ctrl+F finds, Page Up/Down turn pages)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QSpinBox, QToolButton, QVBoxLayout,
                               QWidget)

from ..widgets import icon_button

MARGIN = 24          # room left around a viewer for the window frame and panels


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Give ``window`` the size it would like, but never more than the screen it opens on
    has free (a 1366×768 laptop with a panel has about 1366×720), and put it there."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        window.resize(width, height)
        return
    free = screen.availableGeometry()
    w = max(320, min(width, free.width() - MARGIN))
    h = max(240, min(height, free.height() - MARGIN * 2))
    window.resize(w, h)
    x = free.x() + max(0, (free.width() - w) // 2)
    y = free.y() + max(0, (free.height() - h) // 3)
    window.move(x, y)


def add_keys(window: QWidget, keys: list[tuple[QKeySequence | str, Callable[[], None]]]) -> None:
    """Window-wide shortcuts; Ctrl+W (and the platform's Close keys) always close it.

    One action per command with all its keys: two actions on the same keys would make
    the shortcut ambiguous, and Qt then runs neither."""
    taken: set[str] = set()
    close = [QKeySequence("Ctrl+W"), *QKeySequence.keyBindings(QKeySequence.Close)]
    for seqs, fn in [*(([s], f) for s, f in keys), (close, window.close)]:
        unique = []
        for seq in seqs:
            for one in (QKeySequence.keyBindings(seq) if isinstance(seq, QKeySequence.StandardKey)
                        else [QKeySequence(seq)]):
                if one.toString() and one.toString() not in taken:
                    taken.add(one.toString())
                    unique.append(one)
        if not unique:
            continue
        act = QAction(window)
        act.setShortcuts(unique)
        act.setShortcutContext(Qt.WindowShortcut)
        act.triggered.connect(fn)
        window.addAction(act)


def tool_button(icon_name: str, tip: str, fn: Callable[[], None]) -> QToolButton:
    """An icon button (resources/icons/<icon_name>.svg, drawn the same with every font),
    named for screen readers by its tooltip."""
    return icon_button(icon_name, tip, fn)


class ElidedLabel(QLabel):
    """A title that gives way to the buttons: cut with … when the window is narrow."""

    def __init__(self) -> None:
        super().__init__()
        self.full = ""
        self.setTextFormat(Qt.PlainText)
        self.setStyleSheet("font-weight: 600;")
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setMinimumWidth(40)

    def set_title(self, text: str) -> None:
        self.full = text
        self.setToolTip(text)
        self._elide()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        super().setText(self.fontMetrics().elidedText(self.full, Qt.ElideRight, max(20, self.width() - 16)))


class PageBar(QWidget):
    """Title · previous [page] of N next · (extra buttons) · Find. The owner connects ``page_box``,
    the arrows and ``find``; the bar only lays them out."""

    def __init__(self, unit: str, previous: Callable[[], None], following: Callable[[], None],
                 find_hint: str, extra: list[QWidget] | None = None) -> None:
        super().__init__()
        self.setObjectName("ViewerBar")
        self.title = ElidedLabel()
        self.title.setObjectName("ViewerTitle")
        self.prev_btn = tool_button("chevron-left", f"Previous {unit} (Page Up)", previous)
        self.next_btn = tool_button("chevron-right", f"Next {unit} (Page Down)", following)
        self.unit = QLabel(unit.capitalize())
        self.unit.setObjectName("ViewerUnit")
        self.page_box = QSpinBox()
        self.page_box.setMinimum(1)
        self.page_box.setKeyboardTracking(False)     # jump on Enter, not on every digit
        self.page_box.setMinimumWidth(64)
        self.page_box.setAccessibleName(f"{unit.capitalize()} number")
        self.page_count = QLabel("of 0")
        self.find = QLineEdit()
        self.find.setPlaceholderText(find_hint)
        self.find.setClearButtonEnabled(True)
        self.find.setMinimumWidth(120)
        self.find.setMaximumWidth(240)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(10, 6, 10, 6)
        bar.setSpacing(4)
        bar.addWidget(self.title, 1)
        for w in (self.prev_btn, self.unit, self.page_box, self.page_count, self.next_btn, *(extra or []),
                  self.find):
            bar.addWidget(w)

    def set_unit(self, unit: str) -> None:
        self.unit.setText(unit.capitalize())
        for button, tip in ((self.prev_btn, f"Previous {unit} (Page Up)"), (self.next_btn, f"Next {unit} (Page Down)")):
            button.setToolTip(tip)
            button.setAccessibleName(tip.split(" (")[0])
        self.page_box.setAccessibleName(f"{unit.capitalize()} number")

    def set_count(self, count: int) -> None:
        self.page_box.setMaximum(max(1, count))
        self.page_count.setText(f"of {count}")

    def show_page(self, number: int) -> None:
        """Show ``number`` in the box without asking for that page again."""
        self.page_box.blockSignals(True)
        self.page_box.setValue(number)
        self.page_box.blockSignals(False)


class TitleBar(QWidget):
    """Title · Find: the bar of a viewer without pages. The owner connects ``find``."""

    def __init__(self, find_hint: str) -> None:
        super().__init__()
        self.setObjectName("ViewerBar")
        self.title = ElidedLabel()
        self.title.setObjectName("ViewerTitle")
        self.find = QLineEdit()
        self.find.setPlaceholderText(find_hint)
        self.find.setClearButtonEnabled(True)
        self.find.setMaximumWidth(240)
        bar = QHBoxLayout(self)
        bar.setContentsMargins(10, 6, 10, 6)
        bar.addWidget(self.title, 1)
        bar.addWidget(self.find)


def stack_viewer(window: QWidget, bar: QWidget, body: QWidget) -> QLabel:
    """Lay a viewer out as bar, body, and a status line under it; returns the status line."""
    info = QLabel()
    info.setObjectName("ViewerInfo")
    info.setMinimumWidth(10)          # a long message must never widen the window
    lay = QVBoxLayout(window)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(0)
    lay.addWidget(bar)
    lay.addWidget(body, 1)
    lay.addWidget(info)
    return info
