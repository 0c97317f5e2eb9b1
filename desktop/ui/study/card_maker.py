"""Make cards: from a book or lecture of the subject (a page range of a book), a summary or the
subject's glossary. Books and lectures are a background job with progress and cancel; a
summary and the glossary give cards at once (no model). New cards arrive as drafts.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ...core.errors import LecternError
from ...core.study import cards_from, material, overview
from ..background import run_in_background, thread_db
from . import requests
from .job_strip import JobStrip

DOCUMENT, SUMMARY, GLOSSARY = "document", "summary", "glossary"


class CardMaker(QWidget):
    drafts_made = Signal(object)       # the job id the drafts came from, or a list of new card ids
    message = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.subject_id: int | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Make cards from"))
        self.source = QComboBox()
        self.source.setMinimumContentsLength(28)
        self.source.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.source.currentIndexChanged.connect(self._source_changed)
        row.addWidget(self.source, 1)
        self.pages = QLineEdit()
        self.pages.setPlaceholderText("pages: all, or 12-30")
        self.pages.setMaximumWidth(170)
        row.addWidget(self.pages)
        self.use_model = QCheckBox("Questions by the model")
        self.use_model.setChecked(True)
        self.use_model.setToolTip("The chat model writes question cards too (slower). Without it only gap (cloze) cards "
                                  "are cut from the text: much quicker.")
        row.addWidget(self.use_model)
        self.make_button = QPushButton("Make cards")
        self.make_button.setObjectName("PrimaryButton")
        self.make_button.clicked.connect(self.make)
        row.addWidget(self.make_button)
        lay.addLayout(row)
        self.strip = JobStrip(ctx)
        self.strip.job_finished.connect(self._job_finished)
        lay.addWidget(self.strip)

    def set_subject(self, subject_id: int | None) -> None:
        self.subject_id = subject_id
        self.reload()

    def reload(self) -> None:
        keep = self.source.currentData()
        self.source.blockSignals(True)
        self.source.clear()
        if self.subject_id is not None:
            db = self.ctx.db
            for d in overview.studiable_documents(db, self.subject_id):
                what = "lecture" if d.kind == "lecture" else "book"
                self.source.addItem(f"{d.title}  ({what})", (DOCUMENT, d.id, d.kind))
            for s in overview.summary_rows(db, self.subject_id):
                self.source.addItem(f"Summary: {s.label}", (SUMMARY, s.id, ""))
            self.source.addItem("This subject's glossary (terms not marked known)", (GLOSSARY, self.subject_id, ""))
        index = self.source.findData(keep) if keep is not None else -1
        self.source.setCurrentIndex(max(index, 0) if self.source.count() else -1)
        self.source.blockSignals(False)
        self._source_changed()

    def choose_document(self, document_id: int) -> None:
        for i in range(self.source.count()):
            data = self.source.itemData(i)
            if data and data[0] == DOCUMENT and data[1] == document_id:
                self.source.setCurrentIndex(i)
                return

    def _source_changed(self, *_: Any) -> None:
        data = self.source.currentData()
        is_doc = bool(data) and data[0] == DOCUMENT
        self.pages.setVisible(is_doc and data[2] != "lecture")
        self.use_model.setVisible(is_doc)
        self.make_button.setEnabled(bool(data) and not self.strip.running)

    def make(self) -> None:
        data = self.source.currentData()
        if not data:
            return
        kind, ident, doc_kind = data
        try:
            if kind == DOCUMENT:
                pages = material.parse_pages(self.pages.text()) if doc_kind != "lecture" else None
                requests.start_cards(self.ctx, ident, pages, use_model=self.use_model.isChecked())
                return      # the pane hands the new job to follow()
        except LecternError as exc:
            self.message.emit(str(exc))
            return
        paths = self.ctx.paths

        def work() -> list[int]:
            db = thread_db(paths)
            made = cards_from.summary_cards(db, ident) if kind == SUMMARY else cards_from.glossary_cards(db, ident)
            return made[1]

        def done(ids: list[int]) -> None:
            self.make_button.setEnabled(True)
            if not ids:
                self.message.emit("Every point already has a card: nothing new to check.")
            self.drafts_made.emit(ids)

        def failed(exc: BaseException) -> None:
            self.make_button.setEnabled(True)
            self.message.emit(str(exc))

        self.make_button.setEnabled(False)
        run_in_background(work, done, failed, writer=True, owner=self, name="cards from study data")

    def follow(self, job_id: int) -> None:
        self.make_button.setEnabled(False)
        self.strip.follow(job_id)

    def _job_finished(self, job: Any) -> None:
        self._source_changed()
        if job.state == "done":
            self.drafts_made.emit(job.id)
