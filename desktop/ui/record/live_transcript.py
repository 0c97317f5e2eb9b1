"""The transcript made while recording: one line in the recording card that says how far it is.

"Transcript up to date", "Transcript 4 min behind", "Finishing the transcript…" after
Stop, then "Transcript ready". The transcriber itself (``core.lectures.live_transcriber``)
runs on its own thread in this process; it is attached to a recorder that has started
(attaching files the lecture in the library, so that runs in the background) and
finishes by itself once the recorder's file is complete. When it fails, the pane queues
the ordinary transcription job, which goes on from what was stored.
"""
from __future__ import annotations

import html
import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from ...core.lectures.live_transcriber import LiveStatus, LiveTranscriber, attach
from ..background import WRITER, run_in_background

log = logging.getLogger(__name__)


class LiveTranscriptLine(QLabel):
    """Status of the transcript being made while recording; hidden when there is none."""

    finished = Signal(int, bool)     # recording id, True when the transcript is complete
    status_changed = Signal(int, str)  # recording id, the line shown
    open_requested = Signal(int)     # recording id: "open it" was clicked once the transcript is ready

    options: dict[str, Any] = {}     # passed to ``attach`` (window sizes; tests shorten them)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("TranscriptStatus")
        self.setWordWrap(True)
        self.setTextFormat(Qt.PlainText)
        self.linkActivated.connect(lambda _link: self.recording_id is not None
                                   and self.open_requested.emit(self.recording_id))
        self.recording_id: int | None = None
        self.live: LiveTranscriber | None = None
        self.earlier: list[LiveTranscriber] = []   # still finishing the lectures recorded before
        self._attaching = False
        self._failed = False
        self._reported = False
        self._closed = False
        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self.update_status)
        self.message = ""
        self.hide()

    # -- what the pane asks -----------------------------------------------------------------
    def covers(self, recording_id: int) -> bool:
        """True while this recording's transcript is (or is about to be) made here, so no job is needed."""
        return recording_id == self.recording_id and not self._failed and (self._attaching or self.live is not None)

    @property
    def busy(self) -> bool:
        return self.live is not None and not self.live.done.is_set()

    def status(self) -> LiveStatus | None:
        return self.live.status() if self.live is not None else None

    def attach(self, recorder: Any) -> None:
        """Start transcribing a recorder that has just started (``options`` go to the transcriber)."""
        if self._closed:
            return
        if self.live is not None and not self.live.done.is_set():
            self.earlier.append(self.live)   # it finishes the last lecture on its own; watched below
        self.recording_id = recorder.recording_id
        self.live = None
        self._attaching, self._failed, self._reported = True, False, False
        self._show("Transcript starting…")
        options = dict(self.options)
        rec_id = recorder.recording_id

        def attached(live: LiveTranscriber) -> None:
            self._attaching = False
            if self._closed or rec_id != self.recording_id:
                live.abandon()
                return
            self.live = live
            self.timer.start()
            self.update_status()

        def failed(exc: BaseException) -> None:
            self._attaching = False
            log.error("recording %s: the transcript could not start while recording", rec_id, exc_info=exc)
            if self.earlier:
                self.timer.start()   # the lectures before still finish, and are watched
            if rec_id == self.recording_id:
                self._failed = True
                self._show(f"The transcript will be made after Stop ({exc}).")
                self._report(False)
        run_in_background(lambda: attach(recorder, **options), attached, failed, lane=WRITER, owner=self,
                          name="attach-live-transcript")

    def update_status(self) -> None:
        for live in [lv for lv in self.earlier if lv.done.is_set()]:
            self.earlier.remove(live)
            self.finished.emit(live.recording_id, live.status().state == "done")
        if not self.earlier and (self.live is None or self.live.done.is_set()):
            self.timer.stop()
        live = self.live
        if live is None or self.recording_id is None:
            return
        st = live.status()
        self._show(st.message, st.state)
        if live.done.is_set():
            self._failed = st.state != "done"
            self._report(st.state == "done")

    def _report(self, complete: bool) -> None:
        if not self._reported and self.recording_id is not None:
            self._reported = True
            self.finished.emit(self.recording_id, complete)

    def _show(self, text: str, state: str = "") -> None:
        self.message = text
        if state == "done":   # where the student looks: the transcript is one click away
            self.setTextFormat(Qt.RichText)
            self.setText(f'{html.escape(text)} · <a href="open">Open it</a>')
        else:
            self.setTextFormat(Qt.PlainText)
            self.setText(text)
        self.setProperty("state", state)
        self.style().unpolish(self)
        self.style().polish(self)
        self.show()
        if self.recording_id is not None:
            self.status_changed.emit(self.recording_id, text)

    def shutdown(self, timeout_s: float = 5.0) -> list[int]:
        """Stop after the window being worked on; returns the recordings whose transcript was left unfinished."""
        self._closed = True
        self.timer.stop()
        left: list[int] = []
        for live in self.earlier + ([self.live] if self.live is not None else []):
            if live.done.is_set() and live.result is not None:
                continue
            live.abandon(timeout_s)
            left.append(live.recording_id)
        self.live, self.earlier = None, []
        return left
