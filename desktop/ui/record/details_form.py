"""Details form: the title, subject and book of the next lecture, or of the one just recorded.

While a lecture is being (or was just) recorded, or one is picked in "Recent lectures",
edits apply to it at once: a rename or re-filing is one core call; a lecture already
transcribed gets its index refreshed by a job.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QFrame, QGridLayout, QLabel,
                               QLineEdit, QPushButton, QToolButton, QWidget)

from ...core import lectures, library
from ...core.errors import LecternError


class NewSubjectDialog(QDialog):
    """Semester + subject names, for a student whose library is still empty."""

    def __init__(self, semesters: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New subject")
        self.semester = QComboBox()
        self.semester.setEditable(True)
        self.semester.addItems(semesters)
        self.semester.setCurrentText(semesters[0] if semesters else "")
        self.semester.lineEdit().setPlaceholderText("e.g. Fall 2026")
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("e.g. Biology 101")
        form = QFormLayout(self)
        form.addRow("Semester", self.semester)
        form.addRow("Subject", self.subject)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class DetailsForm(QFrame):
    applied = Signal(int)        # recording id whose details changed
    problem = Signal(str)        # plain message for the pane's banner
    next_requested = Signal()

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.recording_id: int | None = None   # the lecture the editors apply to (None: the next one)
        self.recording = False                  # a recording is running (set by the pane)
        self._loading = False
        self.setObjectName("Card")
        dl = QGridLayout(self)
        dl.setContentsMargins(16, 10, 16, 10)
        self.caption = QLabel("Details of the next recording")
        self.caption.setObjectName("SectionTitle")
        dl.addWidget(self.caption, 0, 0, 1, 6)
        self.next_button = QPushButton("Details for the next lecture")
        self.next_button.setToolTip("Stop editing this lecture and prepare the next recording")
        self.next_button.setFlat(True)
        self.next_button.hide()
        dl.addWidget(self.next_button, 0, 6, Qt.AlignRight)
        dl.addWidget(QLabel("Title"), 1, 0)
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Lecture title")
        dl.addWidget(self.title_edit, 1, 1)
        dl.addWidget(QLabel("Subject"), 1, 2)
        self.subject_combo = QComboBox()
        self.subject_combo.setMinimumWidth(200)
        self.subject_combo.setAccessibleName("Subject")
        dl.addWidget(self.subject_combo, 1, 3)
        self.new_subject_button = QToolButton()
        self.new_subject_button.setText("+")   # the full-width plus is missing from common fonts
        self.new_subject_button.setToolTip("New subject…")
        dl.addWidget(self.new_subject_button, 1, 4)
        dl.addWidget(QLabel("Book"), 1, 5)
        self.book_combo = QComboBox()
        self.book_combo.setMinimumWidth(150)
        self.book_combo.setAccessibleName("Book (optional)")
        dl.addWidget(self.book_combo, 1, 6)
        dl.setColumnStretch(1, 2)
        dl.setColumnStretch(3, 2)
        dl.setColumnStretch(6, 1)

        self.new_subject_button.clicked.connect(self._new_subject)
        self.subject_combo.currentIndexChanged.connect(self._on_subject_changed)
        self.book_combo.currentIndexChanged.connect(lambda _i: self._changed(node=True))
        self.title_edit.editingFinished.connect(lambda: self._changed(title=True))
        self.next_button.clicked.connect(self.next_requested)
        self.refresh_pickers()

    # -- pickers --------------------------------------------------------------------------------
    def refresh_pickers(self) -> None:
        db = self.ctx.db
        keep = self.subject_combo.currentData()
        self.subject_combo.blockSignals(True)
        self.subject_combo.clear()
        self.subject_combo.addItem("Unfiled (choose later)", None)
        for sem in library.children(db, None):
            for subj in library.children(db, sem.id):
                self.subject_combo.addItem(f"{sem.name} › {subj.name}", subj.id)
        idx = self.subject_combo.findData(keep) if keep is not None else 0
        self.subject_combo.setCurrentIndex(max(idx, 0))
        self.subject_combo.blockSignals(False)
        self._fill_books()
        self.update_title_placeholder()

    def _fill_books(self, select: int | None = None) -> None:
        subject = self.subject_combo.currentData()
        self.book_combo.blockSignals(True)
        self.book_combo.clear()
        self.book_combo.addItem("No book", None)
        if subject is not None:
            for book in library.children(self.ctx.db, subject):
                self.book_combo.addItem(book.name, book.id)
        idx = self.book_combo.findData(select) if select is not None else 0
        self.book_combo.setCurrentIndex(max(idx, 0))
        self.book_combo.setEnabled(self.book_combo.count() > 1)
        self.book_combo.blockSignals(False)

    def chosen_node(self) -> int | None:
        return self.book_combo.currentData() or self.subject_combo.currentData()

    def update_title_placeholder(self) -> None:
        self.title_edit.setPlaceholderText(lectures.default_title(self.ctx.db, self.chosen_node()))

    def title_for_new_recording(self) -> str:
        """The title typed, or the numbered default; a new lecture never inherits the last title."""
        if self.recording_id is not None:
            self.clear_title()
            self.recording_id = None
        title = self.title_edit.text().strip() or lectures.default_title(self.ctx.db, self.chosen_node())
        self._loading = True
        self.title_edit.setText(title)
        self._loading = False
        return title

    def typed_title(self) -> str:
        """The title typed for the next recording ("" when the editors describe a lecture already made)."""
        return self.title_edit.text().strip() if self.recording_id is None else ""

    def clear_title(self) -> None:
        self._loading = True
        self.title_edit.clear()
        self._loading = False

    def _new_subject(self) -> None:
        sems = [n.name for n in library.children(self.ctx.db, None)]
        dlg = NewSubjectDialog(sems, self)
        if dlg.exec() != QDialog.Accepted:
            return
        try:
            node = library.ensure_path(self.ctx.db, dlg.semester.currentText(), dlg.subject.text())
        except LecternError as exc:
            self.problem.emit(str(exc))
            return
        self.ctx.events.library_changed.emit()
        self.subject_combo.setCurrentIndex(self.subject_combo.findData(node))

    def _on_subject_changed(self, _i: int) -> None:
        self._fill_books()
        self._changed(node=True)

    # -- applying edits to a lecture ------------------------------------------------------------------
    def _changed(self, title: bool = False, node: bool = False) -> None:
        if node:
            self.update_title_placeholder()
        rec_id = self.recording_id
        if rec_id is None or self._loading:
            return
        db = self.ctx.db
        try:
            reindex = lectures.set_details(
                db, rec_id, title=self.title_edit.text() if title else None,
                node_id=(self.chosen_node() or lectures.unfiled_node(db)) if node else None)
        except LecternError as exc:
            self.problem.emit(str(exc))
            return
        rec = lectures.get_recording(db, rec_id)
        if reindex and rec.state == "transcribed":
            self.ctx.submit(lectures.INDEX_JOB, {"recording_id": rec_id}, target=lectures.job_target(rec_id),
                            title=f"Update the index of “{rec.title}”")
        self.describe(rec_id)
        self.applied.emit(rec_id)
        self.ctx.events.library_changed.emit()

    def describe(self, rec_id: int | None) -> None:
        """Say which lecture the editors apply to."""
        self.recording_id = rec_id
        self.next_button.setVisible(rec_id is not None and not self.recording)
        if rec_id is None:
            self.caption.setText("Details of the next recording")
            return
        rec = lectures.get_recording(self.ctx.db, rec_id)
        verb = "being recorded" if self.recording else "just recorded" if rec.source == "microphone" else ""
        self.caption.setText(f"Details of “{rec.title}”" + (f" ({verb})" if verb else "") + " — changes apply to it")

    def load(self, rec_id: int) -> None:
        """Show a lecture's title/subject/book in the editors (without re-applying them)."""
        rec = lectures.get_recording(self.ctx.db, rec_id)
        self._loading = True
        try:
            self.title_edit.setText(rec.title)
            subject, book = None, None
            if rec.node_id is not None:
                node = library.get_node(self.ctx.db, rec.node_id)
                if node.level == "book":
                    subject, book = node.parent_id, node.id
                elif node.level == "subject":
                    subject = node.id
            self.subject_combo.blockSignals(True)
            self.subject_combo.setCurrentIndex(max(self.subject_combo.findData(subject), 0))
            self.subject_combo.blockSignals(False)
            self._fill_books(book)
        finally:
            self._loading = False
        self.describe(rec_id)

    def prepare_next(self) -> None:
        """The editors now describe the next recording; the last lecture is left alone."""
        self.clear_title()
        self.describe(None)
        self.update_title_placeholder()
