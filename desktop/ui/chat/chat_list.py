"""The conversations column: new chat, search, the list of chats, rename and delete."""
from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QMenu,
                               QPushButton, QVBoxLayout, QWidget)


class ChatList(QFrame):
    """Lists the chats; says what the student asked for (new, open, rename, delete)."""

    new_requested = Signal()
    chat_chosen = Signal(int)
    rename_requested = Signal()
    delete_requested = Signal()
    search_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatList")
        ll = QVBoxLayout(self)
        ll.setContentsMargins(0, 0, 8, 0)
        head = QHBoxLayout()
        title = QLabel("Chats")
        title.setObjectName("PaneTitle")
        self.new_button = QPushButton("+ New chat")
        self.new_button.setToolTip("Start a new chat (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.new_button)
        ll.addLayout(head)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search chats…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self.search_changed.emit())
        ll.addWidget(self.search)
        self.view = QListWidget()
        self.view.setObjectName("ChatListView")
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.view.setTextElideMode(Qt.ElideRight)
        self.view.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.currentItemChanged.connect(self._on_selected)
        self.view.installEventFilter(self)
        ll.addWidget(self.view, 1)
        row = QHBoxLayout()
        self.rename_button = QPushButton("Rename")
        self.rename_button.setToolTip("Rename the chat (F2)")
        self.rename_button.clicked.connect(self.rename_requested)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the chat (Delete)")
        self.delete_button.clicked.connect(self.delete_requested)
        row.addWidget(self.rename_button)
        row.addWidget(self.delete_button)
        ll.addLayout(row)
        self.no_match = QLabel("No chat matches.")
        self.no_match.setObjectName("HintText")
        self.no_match.hide()
        ll.addWidget(self.no_match)

    def query(self) -> str:
        return self.search.text()

    def fill(self, chats: list[Any], select: int | None, has_current: bool) -> None:
        """Show ``chats`` (core Chat objects), selecting ``select`` without emitting ``chat_chosen``."""
        self.view.blockSignals(True)
        self.view.clear()
        for c in chats:
            item = QListWidgetItem(c.title)
            item.setData(Qt.UserRole, c.id)
            when = time.strftime("%d %b %Y, %H:%M", time.localtime(c.updated_at))
            item.setToolTip(f"{c.title}\nLooking at: {c.scope.describe()}\nLast used {when}")
            self.view.addItem(item)
            if c.id == select:
                self.view.setCurrentItem(item)
        self.view.blockSignals(False)
        self.no_match.setVisible(not chats and bool(self.search.text().strip()))
        self.rename_button.setEnabled(has_current)
        self.delete_button.setEnabled(has_current)

    def titles(self) -> list[str]:
        return [self.view.item(i).text() for i in range(self.view.count())]

    def clear_selection(self) -> None:
        self.view.clearSelection()
        self.view.setCurrentItem(None)

    def _on_selected(self, item: QListWidgetItem | None, _prev: Any = None) -> None:
        if item is not None:
            self.chat_chosen.emit(int(item.data(Qt.UserRole)))

    def _menu(self, pos) -> None:
        item = self.view.itemAt(pos)
        if item is None:
            return
        self.view.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction("Rename…", self.rename_requested.emit)
        menu.addAction("Delete…", self.delete_requested.emit)
        menu.exec(self.view.mapToGlobal(pos))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if obj is self.view and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Delete:
            self.delete_requested.emit()
            return True
        return super().eventFilter(obj, event)
