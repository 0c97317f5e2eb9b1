"""The subject's decks with their counts, and Export to Anki (.apkg) or CSV/TSV. A deck keeps
its notes' ids, so exporting it again updates the cards in Anki instead of adding copies.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.study import anki_export, overview
from ..background import LONG, run_in_background, thread_db
from . import files

FILTERS = "Anki package (*.apkg);;CSV for Anki (*.csv);;Tab-separated for Anki (*.tsv)"


class DeckList(QWidget):
    exported = Signal(str, int)        # file, notes
    message = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[overview.DeckRow] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Decks")
        title.setObjectName("SectionTitle")
        lay.addWidget(title)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Deck", "Cards", "New to check", "Due now"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        for column in (1, 2, 3):
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        lay.addWidget(self.table, 1)
        self.empty = QLabel("No decks yet. Choose a book or a lecture above and press Make cards; "
                            "the cards you keep go into a deck named after it.")
        self.empty.setObjectName("Hint")
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty)
        row = QHBoxLayout()
        self.export_button = QPushButton("Export to Anki…")
        self.export_button.clicked.connect(self.ask_export)
        row.addWidget(self.export_button)
        self.status = QLabel()
        self.status.setObjectName("Hint")
        row.addWidget(self.status, 1)
        lay.addLayout(row)

    def reload(self, subject_id: int | None) -> None:
        keep = self.selected_deck()
        self.rows = overview.decks(self.ctx.db, subject_id)
        self.table.setRowCount(len(self.rows))
        for r, d in enumerate(self.rows):
            for c, value in enumerate((d.name, d.active, d.drafts, d.due)):
                item = QTableWidgetItem(str(value))
                if c:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, c, item)
            if d.id == keep:
                self.table.selectRow(r)
        if self.rows and not self.table.selectedItems():
            self.table.selectRow(0)
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)
        self._selection_changed()

    def selected_deck(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.rows[rows[0].row()].id if rows and rows[0].row() < len(self.rows) else None

    def _selection_changed(self) -> None:
        deck = next((d for d in self.rows if d.id == self.selected_deck()), None)
        self.export_button.setEnabled(deck is not None and deck.active > 0)
        self.export_button.setToolTip("" if deck is None or deck.active else
                                      "Add some cards to this deck first: new cards wait to be checked.")

    def ask_export(self) -> None:
        deck = next((d for d in self.rows if d.id == self.selected_deck()), None)
        if deck is None:
            return
        name = re.sub(r"[^\w\- ]+", "", deck.name).strip() or "deck"
        target = files.ask_save_path(self.ctx, self, "Export deck", f"{name}.apkg", FILTERS)
        if target is not None:
            self.export(deck.id, target)

    def export(self, deck_id: int, target: Path) -> None:
        paths = self.ctx.paths
        self.export_button.setEnabled(False)
        self.status.setText(f"Writing {target.name}…")

        def done(n: int) -> None:
            self._selection_changed()
            self.status.setText(f"{n} cards written to {target}. Importing it again in Anki updates them.")
            self.exported.emit(str(target), n)

        def failed(exc: BaseException) -> None:
            self._selection_changed()
            self.status.setText("")
            self.message.emit(str(exc))

        run_in_background(lambda: anki_export.export(thread_db(paths), deck_id, target), done, failed,
                          lane=LONG, owner=self, name="export deck")
