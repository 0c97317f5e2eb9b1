"""Watches the jobs table without blocking: a QTimer over one indexed query."""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from ..core import jobs


class JobMonitor(QObject):
    job_changed = Signal(object)    # jobs.Job, whenever its row changes
    job_finished = Signal(object)   # jobs.Job, when it reaches done/failed/cancelled

    def __init__(self, db, interval_ms: int = 250, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._since = 0.0
        self._known: dict[int, str] = {}
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self.poll()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        changed = jobs.changed_since(self.db, self._since)
        for job in changed:
            self._since = max(self._since, job.updated_at)
            previous = self._known.get(job.id)
            self._known[job.id] = job.state
            self.job_changed.emit(job)
            if job.finished and previous is not None and previous != job.state:
                self.job_finished.emit(job)
