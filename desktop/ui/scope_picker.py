"""What a chat looks at: everything, a semester, a subject, or chosen books and lectures.

Every choice is kept by id (``Scope.node_ids`` / ``document_ids``), so a later rename
or move of a folder or a lecture never changes what the chat looks at."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QMenu, QToolButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from ..core.catalog import outline_with_lectures
from ..core.search.scope import Scope, describe_scope
from .theme import icon

BOOK, LECTURE = "book", "lecture"


class ScopeDialog(QDialog):
    """Tick the books and lectures a chat should look at."""

    def __init__(self, db: Any, scope: Scope, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose books and lectures")
        self.resize(460, 520)
        lay = QVBoxLayout(self)
        hint = QLabel("The chat answers only from what you tick here.")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        lay.addWidget(self.tree, 1)
        self.items: list[QTreeWidgetItem] = []

        def add(parent_item: Any, node: dict[str, Any]) -> None:
            item = QTreeWidgetItem([node["name"]])
            item.setIcon(0, icon("lecture" if node["level"] == LECTURE else "folder"))
            item.setData(0, Qt.UserRole, (node["level"], node["id"]))
            if node["level"] in (BOOK, LECTURE):
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                chosen = node["id"] in (scope.node_ids if node["level"] == BOOK else scope.document_ids)
                item.setCheckState(0, Qt.Checked if chosen else Qt.Unchecked)
                self.items.append(item)
            if parent_item is None:
                self.tree.addTopLevelItem(item)
            else:
                parent_item.addChild(item)
            for c in node["children"]:
                add(item, c)

        for node in outline_with_lectures(db):
            add(None, node)
        self.tree.expandAll()
        if not self.items:
            lay.insertWidget(1, QLabel("Your library has no books or lectures yet."))
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def set_checked(self, level: str, item_id: int, checked: bool = True) -> None:
        """Tick a book (``BOOK``, its node id) or a lecture (``LECTURE``, its document id)."""
        for item in self.items:
            if item.data(0, Qt.UserRole) == (level, item_id):
                item.setCheckState(0, Qt.Checked if checked else Qt.Unchecked)

    def scope(self) -> Scope:
        books: list[int] = []
        docs: list[int] = []
        for item in self.items:
            if item.checkState(0) == Qt.Checked:
                level, key = item.data(0, Qt.UserRole)
                if level == BOOK and key not in books:
                    books.append(int(key))
                elif level == LECTURE and key not in docs:
                    docs.append(int(key))
        return Scope(node_ids=tuple(books), document_ids=tuple(docs))


class ScopeButton(QToolButton):
    """"Looking at: …" with a menu of the library's semesters and subjects."""

    scope_chosen = Signal(object)   # Scope

    def __init__(self, db: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setObjectName("ScopeButton")
        self.setPopupMode(QToolButton.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self.rebuild_menu)
        self.setMenu(self.menu_)
        self.scope = Scope()
        self.set_scope(Scope())

    def set_scope(self, scope: Scope) -> None:
        self.scope = scope
        text = "Everything" if scope.is_everything else describe_scope(self.db, scope)
        self.setText(f"Looking at: {text}")
        self.setToolTip("Which part of your library this chat answers from")

    def choices(self) -> list[tuple[str, Scope]]:
        """(label, scope) entries of the menu: everything, each semester, each subject."""
        out: list[tuple[str, Scope]] = [("Everything", Scope())]
        for sem in outline_with_lectures(self.db):
            if sem["level"] != "semester":
                continue
            out.append((sem["name"], Scope(node_ids=(sem["id"],))))
            for sub in sem["children"]:
                if sub["level"] == "subject":
                    out.append((f"    {sub['name']}", Scope(node_ids=(sub["id"],))))
        return out

    def rebuild_menu(self) -> None:
        self.menu_.clear()
        group = QActionGroup(self.menu_)
        for label, scope in self.choices():
            act = QAction(label, self.menu_, checkable=True)
            act.setChecked(scope == self.scope)
            act.triggered.connect(lambda _=False, s=scope: self._choose(s))
            group.addAction(act)
            self.menu_.addAction(act)
        self.menu_.addSeparator()
        pick = QAction("Choose books and lectures…", self.menu_)
        pick.triggered.connect(self.open_dialog)
        self.menu_.addAction(pick)

    def open_dialog(self) -> None:
        dlg = ScopeDialog(self.db, self.scope, self)
        if dlg.exec() == QDialog.Accepted:
            chosen = dlg.scope()
            self._choose(chosen)

    def _choose(self, scope: Scope) -> None:
        self.set_scope(scope)
        self.scope_chosen.emit(scope)
