"""The subject's glossary: term, definition with its citation, category, known. The student
renames a term, writes their own definition or category (double-click), marks terms known,
merges or deletes them; Build finds new terms in the subject's material (a background job)
and never undoes the student's edits.
"""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QTableWidget, QTableWidgetItem, QWidget)

from ...core.errors import LecternError
from ...core.study import glossary
from ..background import run_in_background, thread_db
from ..theme import color, qcolor
from . import citations, requests
from .list_detail import ListDetailSection

KNOWN, TERM, DEFINITION, SOURCE, CATEGORY = range(5)


class GlossaryView(ListDetailSection):
    changed = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.terms: list[glossary.Term] = []
        self._filling = False
        bar = self.bar
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Find a term…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(lambda _t: self._fill())
        self.hide_known = QCheckBox("Hide known terms")
        self.hide_known.toggled.connect(lambda _on: self._fill())
        self.build_button = QPushButton("Find terms in this subject")
        self.build_button.setObjectName("PrimaryButton")
        self.build_button.clicked.connect(self.build)
        self.merge_button = QPushButton("Merge")
        self.merge_button.setToolTip("Merge the selected terms into the first one")
        self.merge_button.clicked.connect(self.merge_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(self.delete_selected)
        bar.addWidget(self.filter, 1)
        bar.addWidget(self.hide_known)
        bar.addWidget(self.merge_button)
        bar.addWidget(self.delete_button)
        bar.addWidget(self.build_button)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Known", "Term", "Definition", "Source", "Category"])
        self.table.verticalHeader().hide()
        # Two lines a row, set once: measuring every row's text held the UI thread too long.
        self.table.verticalHeader().setDefaultSectionSize(2 * self.fontMetrics().lineSpacing() + 10)
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(KNOWN, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(TERM, QHeaderView.Interactive)
        header.setSectionResizeMode(DEFINITION, QHeaderView.Stretch)
        header.setSectionResizeMode(SOURCE, QHeaderView.Interactive)
        header.setSectionResizeMode(CATEGORY, QHeaderView.Interactive)
        self.table.setColumnWidth(TERM, 170)
        self.table.setColumnWidth(SOURCE, 170)
        self.table.setColumnWidth(CATEGORY, 140)
        self.table.itemChanged.connect(self._edited)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        self.table.itemSelectionChanged.connect(self._show_details)
        self.place(self.table, Qt.Vertical, (3, 1))
        self.details.setMinimumHeight(110)
        self.empty = QLabel()
        self.empty.setObjectName("Hint")
        self.empty.setWordWrap(True)
        self.layout_.addWidget(self.empty)

    def refresh(self) -> None:
        self.terms = glossary.terms(self.ctx.db, self.subject_id) if self.subject_id is not None else []
        self._fill()

    def shown_terms(self) -> list[glossary.Term]:
        text = self.filter.text().strip().lower()
        return [t for t in self.terms if (not text or text in t.term.lower() or text in t.definition.lower())
                and not (self.hide_known.isChecked() and t.known)]

    def _fill(self) -> None:
        shown = self.shown_terms()
        self._filling = True
        self.table.setRowCount(len(shown))
        db = self.ctx.db
        for r, t in enumerate(shown):
            known = QTableWidgetItem()
            known.setFlags(Qt.ItemIsUserCheckable | Qt.ItemIsEnabled | Qt.ItemIsSelectable)
            known.setCheckState(Qt.Checked if t.known else Qt.Unchecked)
            known.setData(Qt.UserRole, t.id)
            self.table.setItem(r, KNOWN, known)
            term = QTableWidgetItem(t.term)
            if t.edited:
                term.setToolTip("You edited this term: finding terms again leaves it as it is.")
            self.table.setItem(r, TERM, term)
            self.table.setItem(r, DEFINITION, QTableWidgetItem(t.definition))
            source = QTableWidgetItem(citations.label(db, t.document_id, t.page, t.start_s))
            source.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
            source.setForeground(qcolor("link"))
            source.setToolTip("Double-click to open the source")
            self.table.setItem(r, SOURCE, source)
            self.table.setItem(r, CATEGORY, QTableWidgetItem(t.category))
        self._filling = False
        has = bool(self.terms)
        self.table.setVisible(has)
        self.details.setVisible(has)
        self.empty.setVisible(not has)
        self.build_button.setText("Find more terms" if has else "Find terms in this subject")
        self.build_button.setEnabled(self.subject_id is not None and not self.strip.running)
        if self.subject_id is None:
            self.empty.setText("Add a book or record a lecture to a subject: its key terms can then be found here.")
        else:
            self.empty.setText("No key terms yet. Press “Find terms in this subject”: Lectern reads the subject's "
                               "books and lectures and lists the terms they use most, each with a definition "
                               "from the material and the page or moment it comes from.")
        self._show_details()

    def term_at(self, row: int) -> glossary.Term:
        term_id = int(self.table.item(row, KNOWN).data(Qt.UserRole))
        return next(t for t in self.terms if t.id == term_id)

    def row_of(self, term_id: int) -> int:
        return next(r for r in range(self.table.rowCount()) if self.table.item(r, KNOWN).data(Qt.UserRole) == term_id)

    def selected_terms(self) -> list[glossary.Term]:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.term_at(r) for r in rows]

    # -- the student's edits ---------------------------------------------------------------------
    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        t = self.term_at(item.row())
        try:
            if item.column() == KNOWN:
                glossary.set_known(self.ctx.db, t.id, item.checkState() == Qt.Checked)
            elif item.column() == TERM:
                kept = glossary.edit_term(self.ctx.db, t.id, term=item.text())
                if kept.id != t.id:
                    self.tell(f"“{item.text()}” was already a term: the two are merged.")
            elif item.column() == DEFINITION:
                glossary.edit_term(self.ctx.db, t.id, definition=item.text())
            elif item.column() == CATEGORY:
                glossary.edit_term(self.ctx.db, t.id, category=item.text())
            else:
                return
        except LecternError as exc:
            self.tell(str(exc))
        # The terms now; the table is filled again outside its own signal (its editor is still open).
        self.terms = glossary.terms(self.ctx.db, self.subject_id)
        QTimer.singleShot(0, self, self._fill)
        self.changed.emit()

    def _double_clicked(self, row: int, column: int) -> None:
        if column == SOURCE:
            t = self.term_at(row)
            if t.document_id is not None:
                citations.open_citation(self.ctx, t.document_id, t.page, t.start_s, t.definition)

    def merge_selected(self) -> None:
        chosen = self.selected_terms()
        if len(chosen) < 2:
            self.tell("Select two or more terms (Ctrl+click) to merge them into the first.")
            return
        for other in chosen[1:]:
            glossary.merge(self.ctx.db, chosen[0].id, other.id)
        self.tell(f"Merged {len(chosen) - 1} term(s) into “{chosen[0].term}”.")
        self.refresh()
        self.changed.emit()

    def delete_selected(self, confirm: bool = True) -> None:
        chosen = self.selected_terms()
        if not chosen:
            return
        what = f"“{chosen[0].term}”" if len(chosen) == 1 else f"these {len(chosen)} terms"
        if confirm and QMessageBox.question(self, "Delete", f"Delete {what} from the glossary? Finding terms again "
                                            "will not bring it back.") != QMessageBox.Yes:
            return
        for t in chosen:
            glossary.delete_term(self.ctx.db, t.id)
        self.refresh()
        self.changed.emit()

    # -- building -----------------------------------------------------------------------------------
    def build(self) -> None:
        if self.subject_id is None:
            return
        try:
            requests.start_glossary(self.ctx, self.subject_id)
        except LecternError as exc:
            self.tell(str(exc))

    def follow(self, job_id: int) -> None:
        self.build_button.setEnabled(False)
        super().follow(job_id)

    def job_finished(self, job: Any) -> None:
        self.refresh()
        if job.state == "done":
            added, dropped = int(job.result.get("added", 0)), int(job.result.get("dropped", 0))
            said = f"{added} new term(s) found." if added else "No new terms."
            if dropped:
                said += f" {dropped} term(s) found before and no longer in the material were taken out."
            self.tell(said if added or dropped else "No new terms: the glossary is up to date.")
            self.changed.emit()

    # -- details ------------------------------------------------------------------------------------
    def _show_details(self) -> None:
        chosen = self.selected_terms() if self.table.isVisible() or self.terms else []
        if not chosen:
            self.details.setHtml(f"<p style='color:{color('muted')}'>Select a term to see its source and where else it "
                                 "appears. Double-click a cell to write your own wording.</p>")
            return
        t = chosen[0]
        paths = self.ctx.paths
        run_in_background(lambda: glossary.occurrences(thread_db(paths), t.id, 8),
                          lambda found: self._details(t, found), lambda exc: self._details(t, []), owner=self)

    def _details(self, t: glossary.Term, found: list[dict]) -> None:
        current = self.selected_terms()
        if not current or current[0].id != t.id:
            return
        self.details.setHtml(term_html(self.ctx.db, t, found))


def term_html(db: Any, t: glossary.Term, found: list[dict]) -> str:
    """A term's card: definition and its source, related terms, where else it appears."""
    source = citations.link_html(db, t.document_id, t.page, t.start_s)
    elsewhere = ", ".join(citations.link_html(db, f["document_id"], f["page"], f["start_s"]) for f in found
                          if (f["document_id"], f["page"], f["start_s"]) != (t.document_id, t.page, t.start_s))
    related = ", ".join(html.escape(r) for r in t.related)
    parts = [f"<h3 style='margin:2px 0'>{html.escape(t.term)}</h3>",
             f"<p>{html.escape(t.definition) or '<i>No definition yet: double-click to write one.</i>'}</p>"]
    if source:
        parts.append(f"<p style='color:{color('muted')}'>Source: {source}</p>")
    if related:
        parts.append(f"<p style='color:{color('muted')}'>Related: {related}</p>")
    if elsewhere:
        parts.append(f"<p style='color:{color('muted')}'>Also in: {elsewhere}</p>")
    return "".join(parts)
