"""One study job followed live: its stage, a progress bar and Cancel; says how it ended.

The strip reads the job's row (one indexed query) a few times a second while it follows
a job, so it works with or without the window's job monitor.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from ...core import jobs

POLL_MS = 250


class JobStrip(QWidget):
    job_finished = Signal(object)     # jobs.Job, once it is done, failed or cancelled

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.job_id: int | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 4)
        self.stage = QLabel()
        self.stage.setObjectName("Hint")
        self.stage.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(8)
        self.bar.setMinimumWidth(160)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        lay.addWidget(self.stage, 1)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel_button)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)
        self.hide()

    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def follow(self, job_id: int) -> None:
        self.job_id = job_id
        self.bar.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.stage.setText("Waiting for the background worker…")
        self.bar.setValue(0)
        self.show()
        self._timer.start()
        self.poll()

    def cancel(self) -> None:
        if self.job_id is not None:
            self.cancel_button.setEnabled(False)
            self.stage.setText("Cancelling…")
            self.ctx.cancel(self.job_id)

    def poll(self) -> None:
        if self.job_id is None:
            return
        job = jobs.get_job(self.ctx.db, self.job_id)
        if job is None:
            self._timer.stop()
            self.hide()
            return
        if not job.finished:
            self.bar.setValue(int(job.progress * 1000))
            if self.cancel_button.isEnabled():
                self.stage.setText(job.stage or "Waiting for the background worker…")
            return
        self._timer.stop()
        self.bar.hide()
        self.cancel_button.hide()
        if job.state == jobs.DONE:
            self.stage.setText("Done.")
            self.hide()
        elif job.state == jobs.CANCELLED:
            self.stage.setText("Cancelled: nothing was changed.")
        else:
            self.stage.setText(job.error or "The job failed.")
        self.job_finished.emit(job)

    def stop(self) -> None:
        self._timer.stop()
