"""The jobs drawer: every background job with progress, stage, time, cancel and retry."""
from __future__ import annotations

import html
from typing import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QVBoxLayout,
                               QWidget)

from ..core import jobs
from ..core.timefmt import format_duration

_STATE_TEXT = {jobs.QUEUED: "Waiting", jobs.RUNNING: "Running", jobs.DONE: "Done",
               jobs.FAILED: "Failed", jobs.CANCELLED: "Cancelled"}


class JobRow(QWidget):
    cancel_requested = Signal(int)
    retry_requested = Signal(int)

    def __init__(self, job: jobs.Job, title_for: Callable[[jobs.Job], str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JobRow")
        self.job_id = job.id
        self.title_for = title_for or (lambda j: j.title)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 10, 4)
        self.title = QLabel()
        self.title.setObjectName("JobTitle")
        self.title.setMinimumWidth(160)
        self.title.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setMinimumWidth(100)
        self.stage = QLabel()
        self.stage.setObjectName("JobStage")
        self.stage.setMinimumWidth(200)
        self.stage.setWordWrap(True)
        self.stage.setTextFormat(Qt.PlainText)
        self.time = QLabel()
        self.time.setObjectName("JobTime")
        self.time.setMinimumWidth(80)
        self.cancel = QPushButton("Cancel")
        self.retry = QPushButton("Retry")
        self.cancel.clicked.connect(lambda: self.cancel_requested.emit(self.job_id))
        self.retry.clicked.connect(lambda: self.retry_requested.emit(self.job_id))
        for w, s in ((self.title, 2), (self.bar, 2), (self.stage, 3), (self.time, 0)):
            lay.addWidget(w, s)
        lay.addWidget(self.cancel)
        lay.addWidget(self.retry)
        self.update_job(job)

    def update_job(self, job: jobs.Job) -> None:
        self.job = job
        title = self.title_for(job)
        self.title.setText(f"<b>{html.escape(title)}</b>")
        self.title.setToolTip(title)
        self.bar.setValue(int(job.progress * 1000))
        state = _STATE_TEXT.get(job.state, job.state)
        detail = job.error if job.state == jobs.FAILED else job.stage
        self.stage.setText(f"{state}: {detail}" if detail and detail != state else state)
        self.stage.setProperty("state", job.state)
        self.stage.style().unpolish(self.stage)
        self.stage.style().polish(self.stage)
        self.stage.setToolTip(job.error or job.stage)
        t = format_duration(job.elapsed_s) if job.started_at else ""
        if job.eta_s is not None:
            t += f" · ~{format_duration(job.eta_s)} left"
        self.time.setText(t)
        self.cancel.setVisible(job.state in (jobs.QUEUED, jobs.RUNNING))
        self.cancel.setEnabled(not job.cancel_requested)
        self.retry.setVisible(job.state in (jobs.FAILED, jobs.CANCELLED))


class JobsDrawer(QWidget):
    """Newest job first. Emits cancel/retry requests; the window carries them out."""

    cancel_requested = Signal(int)
    retry_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None, title_for: Callable[[jobs.Job], str] | None = None) -> None:
        super().__init__(parent)
        self.title_for = title_for
        self.rows: dict[int, JobRow] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel("No background jobs yet. Imports, transcriptions and syncs show up here.")
        self.empty.setObjectName("EmptyText")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignCenter)
        outer.addWidget(self.empty)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        inner = QWidget()
        self.list = QVBoxLayout(inner)
        self.list.setContentsMargins(0, 0, 0, 0)
        self.list.setSpacing(0)
        self.list.addStretch(1)
        self.scroll.setWidget(inner)
        outer.addWidget(self.scroll)
        self.scroll.hide()

    def update_job(self, job: jobs.Job) -> None:
        row = self.rows.get(job.id)
        if row is None:
            row = JobRow(job, self.title_for)
            row.cancel_requested.connect(self.cancel_requested)
            row.retry_requested.connect(self.retry_requested)
            self.rows[job.id] = row
            self.list.insertWidget(0, row)
            self.empty.hide()
            self.scroll.show()
        else:
            row.update_job(job)

    def retitle(self) -> None:
        """Names may have changed (a rename): show each job's title with the current names."""
        for r in self.rows.values():
            r.update_job(r.job)

    def active_count(self) -> int:
        return sum(1 for r in self.rows.values() if r.job.state in (jobs.QUEUED, jobs.RUNNING))

    def tick(self) -> None:
        """Refresh elapsed times of running jobs (their rows change rarely)."""
        for r in self.rows.values():
            if r.job.state == jobs.RUNNING:
                r.update_job(r.job)
