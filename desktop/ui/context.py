"""What every pane gets: the data folder, a UI-thread db connection, job actions, app events."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..core.storage.config import DataPaths
from ..workers import submit as submit_mod


class AppEvents(QObject):
    """Cross-pane requests, named after what the student asked for."""

    open_document_requested = Signal(int, int, str)     # document id, page (1-based), text to highlight
    open_recording_requested = Signal(int, float)       # recording id, start second
    library_changed = Signal()
    pane_requested = Signal(str)                        # "library" | "record" | "chat"


@dataclass
class AppContext:
    paths: DataPaths
    db: Any                      # sqlite_utils.Database, UI thread only
    supervisor: Any = None       # core.supervisor.Supervisor (None in some tests)
    monitor: Any = None          # ui.job_monitor.JobMonitor
    events: AppEvents = field(default_factory=AppEvents)

    def adopt(self, owner: QObject) -> None:
        """Make the window (or a pane shown alone) the Qt parent of the monitor and the events.

        They are QObjects with timers and connections; a Python-owned one is destroyed
        wherever its last reference drops, which may be a worker thread, and Qt then fires a
        timer of a deleted object. Owned by a widget, they are deleted with it, on the UI thread."""
        for obj in (self.monitor, self.events):
            if obj is not None and obj.parent() is None:
                obj.setParent(owner)

    def submit(self, kind: str, payload: dict[str, Any] | None = None, target: str = "", title: str = "") -> int:
        job_id = submit_mod.submit(self.paths, kind, payload, target=target, title=title, db=self.db)
        if self.monitor:
            self.monitor.poll()
        return job_id

    def cancel(self, job_id: int) -> None:
        submit_mod.cancel(self.paths, job_id, db=self.db)
        if self.monitor:
            self.monitor.poll()

    def retry(self, job_id: int) -> bool:
        ok = submit_mod.retry(self.paths, job_id, db=self.db)
        if self.monitor:
            self.monitor.poll()
        return ok
