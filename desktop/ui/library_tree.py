"""The Semester → Subject → Book tree, with document counts, keys and drops."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView

from ..core.catalog.nodes import Node

NODE_ID = Qt.UserRole + 1
LEVEL = Qt.UserRole + 2
DOC_MIME = "application/x-lectern-documents"      # document ids dragged from the table


class LibraryTree(QTreeView):
    """Emits what the student asked for; the pane does it."""

    node_selected = Signal(object)                 # node id or None
    files_dropped = Signal(int, list)              # node id, [file paths]
    documents_dropped = Signal(int, list)          # book id, [document ids]
    rename_requested = Signal(int)
    delete_requested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("LibraryTree")
        self.model_ = QStandardItemModel(self)
        self.setModel(self.model_)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DropOnly)
        self.setAnimated(True)
        self.setIndentation(16)
        self._items: dict[int, QStandardItem] = {}
        self._drop_target: int | None = None
        self.selectionModel().currentChanged.connect(self._current_changed)

    # -- content ----------------------------------------------------------------------------------
    def reload(self, nodes: list[Node], counts: dict[int, int]) -> None:
        """Rebuild from the database rows, keeping what was open and selected."""
        keep_open = {nid for nid, it in self._items.items() if self.isExpanded(it.index())}
        first_load = not self._items
        selected = self.current_node()
        self.selectionModel().blockSignals(True)
        self.model_.clear()
        self.model_.setColumnCount(2)
        self._items = {}
        by_parent: dict[int | None, list[Node]] = {}
        for n in nodes:
            by_parent.setdefault(n.parent_id, []).append(n)
        totals: dict[int, int] = {}

        def total(n: Node) -> int:
            if n.id not in totals:
                totals[n.id] = counts.get(n.id, 0) + sum(total(c) for c in by_parent.get(n.id, []))
            return totals[n.id]

        def add(parent_item: QStandardItem, parent_id: int | None) -> None:
            for n in sorted(by_parent.get(parent_id, []), key=lambda x: x.name.lower()):
                item = QStandardItem(n.name)
                if n.level == "semester":
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                item.setData(n.id, NODE_ID)
                item.setData(n.level, LEVEL)
                item.setToolTip(f"{n.level.capitalize()} · {total(n)} document(s)")
                count = QStandardItem(str(total(n)) if total(n) else "")
                count.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                count.setForeground(Qt.gray)
                count.setData(n.id, NODE_ID)
                count.setData(n.level, LEVEL)
                parent_item.appendRow([item, count])
                self._items[n.id] = item
                add(item, n.id)

        add(self.model_.invisibleRootItem(), None)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        for nid, item in self._items.items():
            if first_load or nid in keep_open:
                self.setExpanded(item.index(), True)
        self.selectionModel().blockSignals(False)
        if selected in self._items:
            self.select_node(selected, emit=False)

    def needed_width(self) -> int:
        """Pixels to show every name in full with its count (the pane starts the tree this wide)."""
        fm = self.fontMetrics()
        bold = self.font()
        bold.setBold(True)
        from PySide6.QtGui import QFontMetrics

        fmb = QFontMetrics(bold)
        widest = 0
        for item in self._items.values():
            depth, parent = 0, item.parent()
            while parent is not None:
                depth, parent = depth + 1, parent.parent()
            metrics = fmb if item.data(LEVEL) == "semester" else fm
            widest = max(widest, (depth + 1) * self.indentation() + metrics.horizontalAdvance(item.text()))
        count_col = fm.horizontalAdvance("0000") + 12
        return widest + count_col + 2 * self.frameWidth() + 28      # item padding and a scroll bar's room

    def current_node(self) -> int | None:
        idx = self.currentIndex()
        return idx.data(NODE_ID) if idx.isValid() else None

    def current_level(self) -> str:
        idx = self.currentIndex()
        return idx.data(LEVEL) if idx.isValid() else ""

    def item_for(self, node_id: int) -> QStandardItem | None:
        return self._items.get(node_id)

    def select_node(self, node_id: int | None, emit: bool = True) -> None:
        item = self._items.get(node_id) if node_id is not None else None
        if item is None:
            return
        if not emit:
            self.selectionModel().blockSignals(True)
        self.setCurrentIndex(item.index())
        self.scrollTo(item.index())
        if not emit:
            self.selectionModel().blockSignals(False)

    def rect_of(self, node_id: int):
        """Where a node is drawn (viewport coordinates): tests drop files there."""
        item = self._items[node_id]
        return self.visualRect(item.index())

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.node_selected.emit(current.data(NODE_ID) if current.isValid() else None)

    # -- keys -------------------------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802
        node = self.current_node()
        if node is not None and event.key() == Qt.Key_F2:
            self.rename_requested.emit(node)
            return
        if node is not None and event.key() in (Qt.Key_Delete, Qt.Key_Backspace):
            self.delete_requested.emit(node)
            return
        super().keyPressEvent(event)

    # -- drops ------------------------------------------------------------------------------------
    @staticmethod
    def _files(mime) -> list[str]:
        return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]

    def _node_at(self, pos) -> tuple[int | None, str]:
        idx = self.indexAt(pos)
        if not idx.isValid():
            return None, ""
        return idx.data(NODE_ID), idx.data(LEVEL)

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        mime = event.mimeData()
        if self._files(mime) or mime.hasFormat(DOC_MIME):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        node, level = self._node_at(event.position().toPoint())
        mime = event.mimeData()
        ok = node is not None and (bool(self._files(mime)) or (mime.hasFormat(DOC_MIME) and level == "book"))
        if ok:
            idx = self.indexAt(event.position().toPoint())
            self.setCurrentIndex(idx.siblingAtColumn(0))
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802
        node, level = self._node_at(event.position().toPoint())
        mime = event.mimeData()
        if node is None:
            event.ignore()
            return
        files = self._files(mime)
        if files:
            event.acceptProposedAction()
            self.files_dropped.emit(node, [str(Path(f)) for f in files])
            return
        if mime.hasFormat(DOC_MIME) and level == "book":
            ids = [int(x) for x in bytes(mime.data(DOC_MIME)).decode().split(",") if x]
            event.acceptProposedAction()
            self.documents_dropped.emit(node, ids)
            return
        event.ignore()
