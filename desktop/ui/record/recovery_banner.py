"""Recovery banner: recordings cut by a crash are repaired at start and offered back.

Repairing a long WAV takes a moment, so it runs on the background ``long`` lane. Every
usable recovered lecture, and every one stopped but never queued, is then queued for
transcription; the banner says so and offers to open it.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from ...core.lectures.recovery import Recovered, needing_transcription, recover
from ..background import LONG, Task, run_in_background, thread_db
from ..widgets import Banner

log = logging.getLogger(__name__)


class RecoveryBanner(Banner):
    open_requested = Signal(int)       # recording id
    recovered_some = Signal()          # the lecture list changed

    def __init__(self, ctx: Any, transcribe: Callable[[int], Any], parent: QWidget | None = None) -> None:
        super().__init__("info", parent)
        self.ctx = ctx
        self.transcribe = transcribe
        self.recovered: list[Recovered] = []
        self._task: Task | None = None

    def start(self) -> None:
        paths = self.ctx.paths

        def work() -> tuple[list[Recovered], list[int]]:
            db = thread_db(paths)
            return recover(db, paths), needing_transcription(db)

        def failed(exc: BaseException) -> None:
            log.error("recovery of unfinished recordings failed", exc_info=exc)
            self.show_message("Lectern could not check for recordings left unfinished last time "
                              f"({exc}). Your audio files are untouched.")
        self._task = run_in_background(work, self._on_recovered, failed, lane=LONG, owner=self,
                                       name="recover-recordings")

    def _on_recovered(self, result: tuple[list[Recovered], list[int]]) -> None:
        found, orphans = result
        self.recovered = found
        found_ids = {r.recording_id for r in found}
        for rec_id in orphans:   # stopped but never queued: queue them now
            if rec_id not in found_ids:
                self.transcribe(rec_id)
        if not found:
            if orphans:
                self.recovered_some.emit()
            return
        usable = [r for r in found if r.ok]
        for r in usable:
            self.transcribe(r.recording_id)
        lines = [r.message for r in found]
        if usable:
            lines.append("It is being transcribed now." if len(usable) == 1 else "They are being transcribed now.")
        actions = [("Open", lambda: self.open_requested.emit(usable[0].recording_id))] if usable else []
        self.show_message(" ".join(lines), actions)
        self.recovered_some.emit()

    def shutdown(self, timeout_s: float = 30.0) -> None:
        """A repair in progress finishes its file before the window goes."""
        if self._task is not None:
            self._task.wait(timeout_s)
