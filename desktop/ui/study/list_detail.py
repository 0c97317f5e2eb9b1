"""The set-up the Summaries and Glossary sections share: controls on top, the job they start
followed live below them, a notice line, then a list and the details of what is selected
(links in the details open their page or second), side by side or one above the other.

    class SummariesView(ListDetailSection):
        def __init__(self, ctx):
            super().__init__(ctx)
            self.bar.addWidget(...)                 # the section's controls
            self.list = QListWidget()
            self.place(self.list, Qt.Horizontal, (1, 3))
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from . import citations
from .job_strip import JobStrip


class ListDetailSection(QWidget):
    """A Study section of one subject. Subclasses fill ``bar``, call ``place`` with their list,
    and give ``refresh`` (read the subject's things again) and ``job_finished``."""

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.subject_id: int | None = None
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 8, 0, 0)
        self.bar = QHBoxLayout()
        self.layout_.addLayout(self.bar)
        self.strip = JobStrip(ctx)
        self.strip.job_finished.connect(self.job_finished)
        self.layout_.addWidget(self.strip)
        self.notice = QLabel()
        self.notice.setObjectName("LibraryBanner")
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.layout_.addWidget(self.notice)
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.anchorClicked.connect(lambda url: self.open_link(url.toString()))
        self.split = QSplitter()

    def place(self, listing: QWidget, orientation: Qt.Orientation, stretch: tuple[int, int],
              details_below: QWidget | None = None) -> QSplitter:
        """The list and the details (with ``details_below`` under them, such as buttons) in a splitter."""
        self.split.setOrientation(orientation)
        self.split.addWidget(listing)
        if details_below is None:
            self.split.addWidget(self.details)
        else:
            right = QWidget()
            rl = QVBoxLayout(right)
            rl.setContentsMargins(0, 0, 0, 0)
            rl.addWidget(self.details, 1)
            rl.addWidget(details_below)
            self.split.addWidget(right)
        self.split.setStretchFactor(0, stretch[0])
        self.split.setStretchFactor(1, stretch[1])
        self.split.setChildrenCollapsible(False)
        self.layout_.addWidget(self.split, 1)
        return self.split

    def set_subject(self, subject_id: int | None) -> None:
        self.subject_id = subject_id
        self.notice.hide()
        self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError

    def follow(self, job_id: int) -> None:
        """Follow a job this section started (or one started elsewhere for it)."""
        self.notice.hide()
        self.strip.follow(job_id)

    def job_finished(self, job: Any) -> None:
        """The followed job ended (done, failed or cancelled: ``job.state``)."""

    def tell(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def open_link(self, link: str, text: str = "") -> None:
        """A citation in the details: its page opens, or its lecture plays from its second."""
        citations.open_link(self.ctx, link, text)
