"""Media import: the "Import audio/video…" button, which files lecture recordings and videos.

Each file is copied into the library and queued for transcription on the background
``long`` lane, one after the other, so the list fills as each one lands. A title typed in
"Details of the next recording" names what is imported (several files: "Title (2)", …);
otherwise each is named after its file.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFileDialog, QPushButton, QWidget

from ...core import lectures
from ...core.errors import LecternError
from ...workers.submit import QueueJobs
from ..background import LONG, Task, run_in_background, thread_db

log = logging.getLogger(__name__)

LABEL = "Import audio/video…"
MEDIA_FILTER = "Audio and video (" + " ".join(f"*{e}" for e in lectures.MEDIA_EXTENSIONS) + ")"


class MediaImportButton(QPushButton):
    imported = Signal(int)       # recording id, once a file is in the library
    problem = Signal(str)        # plain message for one file that could not be imported
    all_done = Signal()
    title_used = Signal()        # the typed title went to an import: the next recording needs its own

    def __init__(self, ctx: Any, node_for_import: Callable[[], int | None],
                 title_for_import: Callable[[], str] = lambda: "", parent: QWidget | None = None) -> None:
        super().__init__(LABEL, parent)
        self.ctx = ctx
        self.node_for_import = node_for_import
        self.title_for_import = title_for_import
        self.setToolTip("Add a recording or a video of a lecture and transcribe it")
        self._queue: list[tuple[Path, int | None, str | None]] = []
        self._task: Task | None = None
        self._closed = False
        self.clicked.connect(self._choose_files)

    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import lecture audio or video", str(Path.home()),
                                                f"{MEDIA_FILTER};;All files (*)")
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, files: list[Path]) -> None:
        """File each one under the subject chosen now (with the title typed, if any), and queue its
        transcription."""
        node = self.node_for_import()
        title = " ".join(self.title_for_import().split())
        for i, f in enumerate(files, start=1):
            named = (title if len(files) == 1 or i == 1 else f"{title} ({i})") if title else None
            self._queue.append((Path(f), node, named))
        if title:
            self.title_used.emit()
        self.setEnabled(False)
        self.setText("Importing…")
        if self._task is None:
            self._next()

    def _next(self) -> None:
        if self._closed or not self._queue:
            self._task = None
            self.setEnabled(True)
            self.setText(LABEL)
            self.all_done.emit()
            return
        path, node, title = self._queue.pop(0)
        paths = self.ctx.paths

        def work() -> int:
            db = thread_db(paths)
            return lectures.import_media(db, paths, path, node, title, starter=QueueJobs(paths, db))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, LecternError):
                self.problem.emit(str(exc))
            else:
                log.error("import of %s failed", path, exc_info=exc)
                self.problem.emit(f"{path.name} could not be imported: {exc}")
            self._next()

        def done(rec_id: int) -> None:
            self.imported.emit(rec_id)
            self._next()
        self._task = run_in_background(work, done, failed, lane=LONG, owner=self, name="import-media")

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """Import no further file; let the one being copied land whole."""
        self._closed = True
        self._queue.clear()
        if self._task is not None:
            self._task.wait(timeout_s)
