"""New cards before they enter a deck: the student edits a front or a back in place (kept as
their own wording), then adds the checked cards to the deck or discards them (kept aside,
never deleted). Double-clicking a source opens its page or second.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import LecternError
from ...core.study import store
from ..theme import qcolor
from . import card_text, citations

KEEP, KIND, FRONT, BACK, SOURCE = range(5)
KIND_LABEL = {store.QA: "Question", store.CLOZE: "Gap"}


class DraftPreview(QWidget):
    decided = Signal(int, int)          # accepted, discarded
    message = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.cards: list[store.Card] = []
        self._filling = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("SectionTitle")
        hint = QLabel("Check each card before it enters your deck: double-click a front or a back to correct it, "
                      "untick what you do not want. A gap card hides the words in {{c1::…}}.")
        hint.setObjectName("Hint")
        hint.setWordWrap(True)
        lay.addWidget(self.title)
        lay.addWidget(hint)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["", "Kind", "Front", "Back", "Source"])
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(KEEP, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(KIND, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(FRONT, QHeaderView.Stretch)
        header.setSectionResizeMode(BACK, QHeaderView.Stretch)
        header.setSectionResizeMode(SOURCE, QHeaderView.Interactive)
        self.table.setColumnWidth(SOURCE, 200)
        self.table.itemChanged.connect(self._edited)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.accept_button = QPushButton("Add checked cards to the deck")
        self.accept_button.setObjectName("PrimaryButton")
        self.accept_button.clicked.connect(self.accept_checked)
        self.discard_button = QPushButton("Discard checked")
        self.discard_button.clicked.connect(self.discard_checked)
        self.toggle_button = QPushButton("Uncheck all")
        self.toggle_button.clicked.connect(self._toggle_all)
        row.addWidget(self.accept_button)
        row.addWidget(self.discard_button)
        row.addStretch(1)
        row.addWidget(self.toggle_button)
        lay.addLayout(row)

    def show_cards(self, found: list[store.Card]) -> None:
        self.cards = found
        self._filling = True
        self.table.setRowCount(len(found))
        for r, c in enumerate(found):
            keep = QTableWidgetItem()
            keep.setFlags(Qt.ItemIsUserCheckable | Qt.ItemIsEnabled)
            keep.setCheckState(Qt.Checked)
            self.table.setItem(r, KEEP, keep)
            self.table.setItem(r, KIND, self._fixed(KIND_LABEL.get(c.kind, c.kind)))
            self.table.setItem(r, FRONT, QTableWidgetItem(c.front))
            back = QTableWidgetItem(c.back)
            if c.kind == store.CLOZE:
                back.setToolTip("Optional extra shown with the answer")
            self.table.setItem(r, BACK, back)
            source = self._fixed(citations.label(self.ctx.db, c.document_id, c.page, c.start_s))
            source.setToolTip("Double-click to open the source")
            source.setForeground(qcolor("link"))
            self.table.setItem(r, SOURCE, source)
        self._filling = False
        self.table.resizeRowsToContents()
        n = len(found)
        self.title.setText(f"{n} new card{'s' if n != 1 else ''} to check")
        self.toggle_button.setText("Uncheck all")
        self.setVisible(bool(found))

    @staticmethod
    def _fixed(text: str) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
        return item

    def checked_ids(self) -> list[int]:
        return [c.id for r, c in enumerate(self.cards) if self.table.item(r, KEEP).checkState() == Qt.Checked]

    def set_checked(self, row: int, on: bool) -> None:
        self.table.item(row, KEEP).setCheckState(Qt.Checked if on else Qt.Unchecked)

    def _toggle_all(self) -> None:
        on = self.toggle_button.text() == "Check all"
        for r in range(self.table.rowCount()):
            self.set_checked(r, on)
        self.toggle_button.setText("Uncheck all" if on else "Check all")

    def edit(self, row: int, column: int, text: str) -> None:
        """What a double-click and typing do (also used by tests): the cell, then the card."""
        self.table.item(row, column).setText(text)

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() not in (FRONT, BACK):
            return
        card = self.cards[item.row()]
        text = item.text()
        try:
            updated = store.edit_card(self.ctx.db, card.id, front=text if item.column() == FRONT else None,
                                      back=text if item.column() == BACK else None)
        except LecternError as exc:
            self._filling = True
            item.setText(card.front if item.column() == FRONT else card.back)
            self._filling = False
            self.message.emit(str(exc))
            return
        self.cards[item.row()] = updated

    def _double_clicked(self, row: int, column: int) -> None:
        if column == SOURCE and 0 <= row < len(self.cards):
            c = self.cards[row]
            if c.document_id is not None:
                citations.open_citation(self.ctx, c.document_id, c.page, c.start_s, card_text.plain(c.kind, c.front))

    def accept_checked(self) -> None:
        ids = self.checked_ids()
        n = store.accept(self.ctx.db, ids) if ids else 0
        self._drop(ids)
        self.decided.emit(n, 0)

    def discard_checked(self) -> None:
        ids = self.checked_ids()
        n = store.discard(self.ctx.db, ids) if ids else 0
        self._drop(ids)
        self.decided.emit(0, n)

    def _drop(self, ids: list[int]) -> None:
        self.show_cards([c for c in self.cards if c.id not in ids])
