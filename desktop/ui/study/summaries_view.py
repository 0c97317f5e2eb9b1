"""Summaries: ask for one of a lecture, a page range of a book, or a week of the subject's
lectures (a background job with progress and cancel), read its key points, each with a
citation that opens its page or second, and export it as Markdown.
"""
from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPushButton, QVBoxLayout, QWidget)

from ...core.errors import LecternError
from ...core.study import material, overview, summaries, weeks
from ...core.study.weeks import Week
from ..theme import color
from . import citations, files, requests
from .list_detail import ListDetailSection


class SummariesView(ListDetailSection):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.summary: summaries.Summary | None = None
        self._this_week = Week.this()
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.addWidget(QLabel("A lecture or book"), 0, 0)
        self.document = QComboBox()
        self.document.setMinimumContentsLength(28)
        self.document.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.document.currentIndexChanged.connect(self._document_changed)
        grid.addWidget(self.document, 0, 1)
        self.pages = QLineEdit()
        self.pages.setPlaceholderText("pages: all, or 12-30")
        self.pages.setMaximumWidth(170)
        grid.addWidget(self.pages, 0, 2)
        self.run_button = QPushButton("Summarise")
        self.run_button.setObjectName("PrimaryButton")
        self.run_button.clicked.connect(self.run)
        grid.addWidget(self.run_button, 0, 3)

        grid.addWidget(QLabel("A week of lectures"), 1, 0)
        self.week = QComboBox()
        self.week.setMinimumContentsLength(28)
        self.week.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.week.setToolTip("All the subject's lectures recorded that week, with your notes in them, in one summary")
        self.week.currentIndexChanged.connect(self._week_changed)
        grid.addWidget(self.week, 1, 1, 1, 2)
        self.week_button = QPushButton("Summarise the week")
        self.week_button.clicked.connect(self.run_week)
        grid.addWidget(self.week_button, 1, 3)
        grid.setColumnStretch(1, 1)
        # The two buttons one above the other, as wide as each other.
        wide = max(b.sizeHint().width() for b in (self.run_button, self.week_button))
        for b in (self.run_button, self.week_button):
            b.setMinimumWidth(wide)
        self.bar.addLayout(grid)
        self.week_hint = QLabel()
        self.week_hint.setObjectName("Hint")
        self.week_hint.setWordWrap(True)
        self.week_hint.hide()
        self.layout_.insertWidget(1, self.week_hint)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Summaries")
        title.setObjectName("SectionTitle")
        ll.addWidget(title)
        self.list = QListWidget()
        self.list.setWordWrap(True)          # a long title wraps instead of hiding behind a scroll bar
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.list.currentItemChanged.connect(lambda *_: self._show_selected())
        ll.addWidget(self.list, 1)
        buttons = QWidget()
        bl = QHBoxLayout(buttons)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addStretch(1)
        self.export_button = QPushButton("Export Markdown…")
        self.export_button.clicked.connect(self.ask_export)
        bl.addWidget(self.export_button)
        self.place(left, Qt.Horizontal, (1, 3), details_below=buttons)
        self.split.setSizes([260, 700])

    # -- choosing -------------------------------------------------------------------------------------
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
        self._fill_weeks()
        current = select if select is not None else (self.summary.id if self.summary else None)
        rows = overview.summary_rows(db, self.subject_id) if self.subject_id is not None else []
        self.list.blockSignals(True)
        self.list.clear()
        for s in rows:
            what = f"{s.points} key points" + (", all lectures" if s.week is not None else "")
            item = QListWidgetItem(f"{s.label}\n{what}")
            item.setData(Qt.UserRole, s.id)
            self.list.addItem(item)
            if s.id == current:
                self.list.setCurrentItem(item)
        if rows and self.list.currentItem() is None:
            self.list.setCurrentRow(0)
        self.list.blockSignals(False)
        self._show_selected()

    def _fill_weeks(self) -> None:
        """This week first (chosen unless another was), then the earlier ones, each with its lectures."""
        keep = self.chosen_week()
        self._this_week = Week.this()
        found = weeks.recent_weeks(self.ctx.db, self.subject_id, self._this_week) if self.subject_id is not None else []
        self.week.blockSignals(True)
        self.week.clear()
        for week, n in found:
            name = "This week" if week == self._this_week else f"Week {week.number}"
            count = f"{n} lecture{'s' if n != 1 else ''}" if n else "no lectures"
            self.week.addItem(f"{name} · {week.days} · {count}", (str(week), n))
        # The week chosen stays chosen (its count may have changed), else this week.
        wanted = [str(w) for w in (keep, self._this_week) if w is not None]
        index = next((i for w in wanted for i in range(self.week.count()) if self.week.itemData(i)[0] == w), -1)
        self.week.setCurrentIndex(max(index, 0) if found else -1)
        self.week.blockSignals(False)
        self._week_changed()

    def choose_document(self, document_id: int) -> None:
        index = next((i for i in range(self.document.count()) if self.document.itemData(i)[0] == document_id), -1)
        if index >= 0:
            self.document.setCurrentIndex(index)

    def choose_week(self, week: Week) -> None:
        index = next((i for i in range(self.week.count()) if self.week.itemData(i)[0] == str(week)), -1)
        if index >= 0:
            self.week.setCurrentIndex(index)

    def chosen_week(self) -> Week | None:
        data = self.week.currentData()
        return Week.parse(data[0]) if data else None

    def _document_changed(self, *_: Any) -> None:
        data = self.document.currentData()
        self.pages.setVisible(bool(data) and data[1] != "lecture")
        self.run_button.setEnabled(bool(data) and not self.strip.running)

    def _week_changed(self, *_: Any) -> None:
        data = self.week.currentData()
        lectures = data[1] if data else 0
        self.week_button.setEnabled(lectures > 0 and not self.strip.running)
        week = self.chosen_week()
        if week is not None and not lectures:
            when = "this week" if week == self._this_week else f"in week {week.number} ({week.days})"
            self.week_hint.setText(f"There are no lectures of this subject {when}. Record one in the Record pane, "
                                   "or choose a week that has lectures.")
        self.week_hint.setVisible(week is not None and not lectures)

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

    def run_week(self) -> None:
        week = self.chosen_week()
        if week is None or self.subject_id is None:
            return
        try:
            requests.start_week_summary(self.ctx, self.subject_id, week)
        except LecternError as exc:
            self.tell(str(exc))

    def follow(self, job_id: int, document_id: int | None = None, week: str | None = None) -> None:
        if document_id is not None:
            self.choose_document(document_id)
        if week:
            self.choose_week(Week.parse(week))
        self.run_button.setEnabled(False)
        self.week_button.setEnabled(False)
        super().follow(job_id)

    def job_finished(self, job: Any) -> None:
        self._document_changed()
        self._week_changed()
        if job.state == "done" and job.result.get("summary_id"):
            self.refresh(select=int(job.result["summary_id"]))
            left_out = int(job.result.get("points_unsupported_left_out", 0) or 0)
            if left_out:
                self.tell(f"{left_out} key point(s) the material does not say were left out.")

    # -- showing ------------------------------------------------------------------------------------------
    def _show_selected(self) -> None:
        item = self.list.currentItem()
        self.summary = overview.summary(self.ctx.db, int(item.data(Qt.UserRole))) if item is not None else None
        self.export_button.setEnabled(self.summary is not None)
        if self.summary is None:
            self.details.setHtml(self._empty_html())
            return
        self.details.setHtml(self.summary_html(self.summary))

    def _empty_html(self) -> str:
        if self.document.count():
            text = ("No summary yet. Choose a lecture or a book above (a page range for a chapter) and press "
                    "Summarise, or summarise a whole week of lectures: the key points appear here, each with the "
                    "page or moment it comes from.")
        else:
            text = "Add a book or record a lecture, then choose Summarise… on it in the Library."
        return f"<p style='color:{color('muted')}; font-size:11pt; margin:18px'>{html.escape(text)}</p>"

    def summary_html(self, s: summaries.Summary) -> str:
        db = self.ctx.db
        items = "".join(
            f"<li style='margin-bottom:8px'>{html.escape(p.text)} "
            f"<span style='color:{color('muted')}'>— {citations.link_html(db, p.document_id, p.page, p.start_s)}</span></li>"
            for p in s.points)
        share = round(s.grounded_share * 100)
        return (f"<h2 style='margin:4px 0'>{html.escape(summaries.title(db, s))}</h2><ul style='font-size:12pt'>{items}</ul>"
                f"<p style='color:{color('muted')}; font-size:9pt'>{share} % of the key points were found on the page or "
                f"at the moment they cite. Written by {html.escape(s.model)}.</p>")

    def open_link(self, link: str, text: str = "") -> None:
        point = next((p for p in (self.summary.points if self.summary else [])
                      if citations.href(p.document_id, p.page, p.start_s) == link), None)
        super().open_link(link, point.text if point else text)

    def ask_export(self) -> None:
        if self.summary is None:
            return
        s = self.summary
        if s.week is not None:
            title = summaries.title(self.ctx.db, s).split(" — ")[0] + f" {s.week}"
        else:
            title = citations.label(self.ctx.db, s.document_id, None, None)
        name = re.sub(r"[^\w\- ]+", "", f"{title} summary").strip() or "summary"
        target = files.ask_save_path(self.ctx, self, "Export summary", f"{name}.md", "Markdown (*.md)")
        if target is not None:
            self.export(target)

    def export(self, target: Any) -> None:
        if self.summary is None:
            return
        try:
            summaries.write_markdown(self.ctx.db, self.summary, target)
        except LecternError as exc:
            self.tell(str(exc))
            return
        self.tell(f"Summary written to {target}.")
