"""Summaries: ask for one of a lecture or a page range of a book (a background job with progress
and cancel), read its key points, each with a citation that opens its page or second, and
export it as Markdown.
"""
from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QSplitter, QTextBrowser, QVBoxLayout, QWidget)

from ...core.errors import LecternError
from ...core.study import material, overview, summaries
from ..theme import color
from . import citations, files, requests
from .job_strip import JobStrip


class SummariesView(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.subject_id: int | None = None
        self.summary: summaries.Summary | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Summarise"))
        self.document = QComboBox()
        self.document.setMinimumContentsLength(28)
        self.document.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.document.currentIndexChanged.connect(self._document_changed)
        row.addWidget(self.document, 1)
        self.pages = QLineEdit()
        self.pages.setPlaceholderText("pages: all, or 12-30")
        self.pages.setMaximumWidth(170)
        row.addWidget(self.pages)
        self.run_button = QPushButton("Summarise")
        self.run_button.setObjectName("PrimaryButton")
        self.run_button.clicked.connect(self.run)
        row.addWidget(self.run_button)
        lay.addLayout(row)
        self.strip = JobStrip(ctx)
        self.strip.job_finished.connect(self._job_finished)
        lay.addWidget(self.strip)
        self.notice = QLabel()
        self.notice.setObjectName("LibraryBanner")
        self.notice.setWordWrap(True)
        self.notice.hide()
        lay.addWidget(self.notice)

        split = QSplitter(Qt.Horizontal)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Summaries")
        title.setObjectName("SectionTitle")
        ll.addWidget(title)
        self.list = QListWidget()
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        ll.addWidget(self.list, 1)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        self.view = QTextBrowser()
        self.view.setOpenLinks(False)
        self.view.anchorClicked.connect(self._link)
        rl.addWidget(self.view, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = QPushButton("Export Markdown…")
        self.export_button.clicked.connect(self.ask_export)
        buttons.addWidget(self.export_button)
        rl.addLayout(buttons)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([260, 700])
        lay.addWidget(split, 1)

    # -- choosing -------------------------------------------------------------------------------------
    def set_subject(self, subject_id: int | None) -> None:
        self.subject_id = subject_id
        self.notice.hide()
        self.refresh()

    def refresh(self, select: int | None = None) -> None:
        db = self.ctx.db
        keep = self.document.currentData()
        self.document.blockSignals(True)
        self.document.clear()
        docs = overview.studiable_documents(db, self.subject_id) if self.subject_id is not None else []
        for d in docs:
            self.document.addItem(f"{d.title}  ({'lecture' if d.kind == 'lecture' else 'book'})", (d.id, d.kind))
        index = self.document.findData(keep) if keep is not None else -1
        self.document.setCurrentIndex(max(index, 0) if docs else -1)
        self.document.blockSignals(False)
        self._document_changed()
        current = select if select is not None else (self.summary.id if self.summary else None)
        rows = overview.summary_rows(db, self.subject_id) if self.subject_id is not None else []
        self.list.blockSignals(True)
        self.list.clear()
        for s in rows:
            item = QListWidgetItem(f"{s.label}\n{s.points} key points")
            item.setData(Qt.UserRole, s.id)
            self.list.addItem(item)
            if s.id == current:
                self.list.setCurrentItem(item)
        if rows and self.list.currentItem() is None:
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self._show_selected()

    def choose_document(self, document_id: int) -> None:
        index = next((i for i in range(self.document.count()) if self.document.itemData(i)[0] == document_id), -1)
        if index >= 0:
            self.document.setCurrentIndex(index)

    def _document_changed(self, *_: Any) -> None:
        data = self.document.currentData()
        self.pages.setVisible(bool(data) and data[1] != "lecture")
        self.run_button.setEnabled(bool(data) and not self.strip.running)

    # -- running ----------------------------------------------------------------------------------------
    def run(self) -> None:
        data = self.document.currentData()
        if not data:
            return
        try:
            pages = material.parse_pages(self.pages.text()) if data[1] != "lecture" else None
            requests.start_summary(self.ctx, data[0], pages)
        except LecternError as exc:
            self.tell(str(exc))

    def follow(self, job_id: int, document_id: int | None = None) -> None:
        if document_id is not None:
            self.choose_document(document_id)
        self.run_button.setEnabled(False)
        self.notice.hide()
        self.strip.follow(job_id)

    def _job_finished(self, job: Any) -> None:
        self._document_changed()
        if job.state == "done" and job.result.get("summary_id"):
            self.refresh(select=int(job.result["summary_id"]))
            left_out = int(job.result.get("points_unsupported_left_out", 0) or 0)
            if left_out:
                self.tell(f"{left_out} key point(s) the material does not say were left out.")

    def tell(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    # -- showing ------------------------------------------------------------------------------------------
    def _show_selected(self) -> None:
        item = self.list.currentItem()
        self.summary = overview.summary(self.ctx.db, int(item.data(Qt.UserRole))) if item is not None else None
        self.export_button.setEnabled(self.summary is not None)
        if self.summary is None:
            self.view.setHtml(self._empty_html())
            return
        self.view.setHtml(self.summary_html(self.summary))

    def _empty_html(self) -> str:
        if self.document.count():
            text = ("No summary yet. Choose a lecture or a book above (a page range for a chapter) and press "
                    "Summarise: its key points appear here, each with the page or moment it comes from.")
        else:
            text = "Add a book or record a lecture, then choose Summarise… on it in the Library."
        return f"<p style='color:{color('muted')}; font-size:11pt; margin:18px'>{html.escape(text)}</p>"

    def summary_html(self, s: summaries.Summary) -> str:
        db = self.ctx.db
        title = citations.label(db, s.document_id, None, None)
        where = f", pages {s.pages[0]}–{s.pages[1]}" if s.pages else ""
        items = "".join(
            f"<li style='margin-bottom:8px'>{html.escape(p.text)} "
            f"<span style='color:{color('muted')}'>— {citations.link_html(db, p.document_id, p.page, p.start_s)}</span></li>"
            for p in s.points)
        share = round(s.grounded_share * 100)
        return (f"<h2 style='margin:4px 0'>{html.escape(title)}{where}</h2><ul style='font-size:12pt'>{items}</ul>"
                f"<p style='color:{color('muted')}; font-size:9pt'>{share} % of the key points were found on the page or "
                f"at the moment they cite. Written by {html.escape(s.model)}.</p>")

    def _link(self, url: Any) -> None:
        link = url.toString()
        point = next((p for p in (self.summary.points if self.summary else [])
                      if citations.href(p.document_id, p.page, p.start_s) == link), None)
        citations.open_link(self.ctx, link, point.text if point else "")

    def ask_export(self) -> None:
        if self.summary is None:
            return
        title = citations.label(self.ctx.db, self.summary.document_id, None, None)
        name = re.sub(r"[^\w\- ]+", "", f"{title} summary").strip() or "summary"
        target = files.ask_save_path(self.ctx, self, "Export summary", f"{name}.md", "Markdown (*.md)")
        if target is not None:
            self.export(target)

    def export(self, target: Any) -> None:
        try:
            target.write_text(summaries.to_markdown(self.ctx.db, self.summary), encoding="utf-8")
        except OSError as exc:
            self.tell(f"The summary could not be written to {target}: {exc.strerror or exc}.")
            return
        self.tell(f"Summary written to {target}.")
