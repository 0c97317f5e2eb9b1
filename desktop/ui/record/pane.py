"""Record pane: composes what the student sees when recording a lecture.

    header             title + MediaImportButton
    RecoveryBanner     recordings cut by a crash, offered back
    message banner     plain messages (no microphone, a failed start, a failed save)
    recording card     MicrophonePicker + RecordingController + LiveTranscriptLine
    DetailsForm        title / subject / book
    CaptionsView       live captions, beside NotesBox (the student's notes at their moment)
    RecentLectures     the last lectures and their transcription state

The pane only wires the parts together; ``shutdown()`` (from closeEvent, and from the
main window on quit) stops every thread, stream, captioner and player it started.
"""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ...core import lectures
from ...core.errors import LecternError
from ...core.lectures import audio_devices
from ...core.lectures.recorder import RecordingResult
from ..widgets import Banner
from .captions_view import CaptionsView
from .details_form import DetailsForm
from .live_transcript import LiveTranscriptLine
from .media_import import MediaImportButton
from .notes_box import NotesBox
from .microphone_picker import MicrophonePicker
from .recent_lectures import RecentLectures
from .recording_controller import RecordingController
from .recovery_banner import RecoveryBanner

log = logging.getLogger(__name__)


class _FitScroll(QScrollArea):
    """Scrolls the pane only when its minimum does not fit. (A resizable scroll area gives a
    page with wrapped text its preferred height, which would scroll a pane that fits.)"""

    def setWidget(self, widget: QWidget) -> None:  # noqa: N802 (Qt name)
        super().setWidget(widget)
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
        if obj is self.widget() and event.type() == QEvent.LayoutRequest:
            QTimer.singleShot(0, self, self._fit)
        return False

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        page = self.widget()
        if page is None:
            return
        room = self.height() - 2 * self.frameWidth()
        width = max(page.minimumSizeHint().width(), self.width() - 2 * self.frameWidth())
        need = self._needed(page, width)
        if need > room:   # it scrolls: the bar takes some width, and wrapped text may need more height
            width = max(page.minimumSizeHint().width(), width - self.verticalScrollBar().sizeHint().width())
            need = self._needed(page, width)
        page.resize(width, max(need, room))

    @staticmethod
    def _needed(page: QWidget, width: int) -> int:
        """The page's least height at this width, counting the lines wrapped text takes there.

        Each part with wrapped text is held to the height it needs at this width (a vertical
        layout short of room squeezes such parts below it and draws their rows over each other)."""
        lay = page.layout()
        if lay is None:
            return page.minimumSizeHint().height()
        inner = width - lay.contentsMargins().left() - lay.contentsMargins().right()
        for i in range(lay.count()):
            item = lay.itemAt(i)
            part = item.widget()
            if part is None or part.isHidden() or not item.hasHeightForWidth():
                continue
            least = max(part.minimumSizeHint().height(), item.heightForWidth(inner))
            if part.minimumHeight() != least:
                part.setMinimumHeight(least)
        return page.minimumSizeHint().height()


class RecordPane(QWidget):
    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.transcript_viewer = None             # the last TranscriptViewer opened
        self._closed = False
        self.microphone = MicrophonePicker(ctx)
        self.controller = RecordingController(ctx, self.microphone.meter)
        self.live_transcript = LiveTranscriptLine(ctx)
        self.details = DetailsForm(ctx)
        self.captions = CaptionsView(ctx)
        self.notes = NotesBox(ctx)
        self.recent = RecentLectures(ctx)
        self.importer = MediaImportButton(ctx, self.details.chosen_node, self.details.typed_title)
        self.recovery = RecoveryBanner(ctx, self.transcribe)
        self.message_banner = Banner("warning")
        self._build()
        self._connect()
        self._update_controls()
        self.microphone.refresh()
        self.recovery.start()

    def _build(self) -> None:
        # On a small screen (1024×600) the captions, notes and recent lectures give up room
        # first; below their minimum the pane scrolls instead of squeezing the recording card.
        page = QVBoxLayout(self)
        page.setContentsMargins(0, 0, 0, 0)
        self.scroll = _FitScroll()
        self.scroll.setObjectName("RecordScroll")
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        body = QWidget()
        body.setObjectName("RecordBody")
        self.scroll.setWidget(body)
        page.addWidget(self.scroll)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        head = QHBoxLayout()
        title = QLabel("Record a lecture")
        title.setObjectName("PaneTitle")
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.importer)
        outer.addLayout(head)
        outer.addWidget(self.recovery)
        outer.addWidget(self.message_banner)
        card = QFrame()
        card.setObjectName("Card")
        cl = QVBoxLayout(card)
        cl.setContentsMargins(16, 14, 16, 14)
        cl.setSpacing(10)
        cl.addWidget(self.microphone)
        cl.addWidget(self.controller)
        self.controller.show_under_controls(self.live_transcript)
        outer.addWidget(card)
        outer.addWidget(self.details)
        side = QHBoxLayout()
        side.setSpacing(16)
        side.addWidget(self.captions, 3)
        side.addWidget(self.notes, 2)
        outer.addLayout(side, 2)
        outer.addWidget(self.recent, 2)

    def _connect(self) -> None:
        c, d, r = self.controller, self.details, self.recent
        self.microphone.devices_changed.connect(self._update_controls)
        c.record_button.clicked.connect(self.start_recording)
        c.started.connect(self._on_started)
        c.start_failed.connect(self._on_start_failed)
        c.finished.connect(self._on_finished)
        c.save_failed.connect(self._on_save_failed)
        c.state_changed.connect(self._update_controls)
        c.device_changed.connect(self.message_banner.show_message)
        c.elapsed_changed.connect(r.set_length)
        d.applied.connect(lambda _id: r.refresh())
        d.problem.connect(self.message_banner.show_message)
        d.next_requested.connect(self.prepare_next)
        r.selected.connect(self._on_recent_selected)
        r.open_requested.connect(lambda rec_id: self.open_recording(rec_id, 0.0))
        r.retry_requested.connect(self._retry)
        self.live_transcript.status_changed.connect(r.set_live)
        self.live_transcript.finished.connect(self._on_live_finished)
        self.live_transcript.open_requested.connect(lambda rec_id: self.open_recording(rec_id, 0.0))
        self.notes.problem.connect(self.message_banner.show_message)
        self.notes.saved.connect(self._on_note_saved)
        self.importer.imported.connect(self._on_imported)
        self.importer.problem.connect(self.message_banner.show_message)
        self.importer.title_used.connect(self.details.prepare_next)
        self.recovery.open_requested.connect(lambda rec_id: self.open_recording(rec_id, 0.0))
        self.recovery.recovered_some.connect(self._library_changed)
        self.ctx.events.open_recording_requested.connect(self.open_recording)
        self.ctx.events.library_changed.connect(self.details.refresh_pickers)
        self.ctx.events.library_changed.connect(self.recent.refresh)   # lectures added by the command line too
        sc = QShortcut(QKeySequence("Ctrl+R"), self, activated=self.toggle_recording)
        sc.setWhatsThis("Start or stop recording")       # listed in Help → Keyboard shortcuts
        sc.setContext(Qt.WindowShortcut)
        sp = QShortcut(QKeySequence(Qt.Key_Space), self, activated=self.toggle_pause)
        sp.setWhatsThis("Pause or resume recording")
        sp.setContext(Qt.WidgetWithChildrenShortcut)
        self._shortcuts = (sc, sp)

    # -- state -----------------------------------------------------------------------------------
    @property
    def is_recording(self) -> bool:
        return self.controller.is_recording

    @property
    def recorder(self) -> Any:
        return self.controller.recorder

    @property
    def current_recording_id(self) -> int | None:
        return self.details.recording_id

    def _update_controls(self) -> None:
        busy = self.controller.busy
        self.controller.set_controls(self.microphone.can_record)
        self.microphone.set_busy(busy)
        self.recent.recording = busy
        self.recent.update_controls()
        if self.details.recording != self.is_recording:
            self.details.recording = self.is_recording
            self.details.describe(self.details.recording_id)

    # -- recording -------------------------------------------------------------------------------
    def toggle_recording(self) -> None:
        if self.is_recording:
            self.stop_recording()
        elif self.controller.record_button.isEnabled():
            self.start_recording()

    def toggle_pause(self) -> None:
        self.controller.toggle_pause()

    def stop_recording(self) -> None:
        self.controller.stop()

    def start_recording(self) -> None:
        if self.controller.busy or self._closed:
            return
        if not self.microphone.can_record:
            self.message_banner.show_message(f"{audio_devices.NO_DEVICE_MESSAGE} {audio_devices.NO_DEVICE_HINT}")
            return
        title = self.details.title_for_new_recording()
        self.message_banner.hide()
        self.captions.begin()
        self.controller.start(title, self.details.chosen_node(), self.microphone.chosen_device(),
                              on_block=self.captions.feed, on_opened=self.captions.set_samplerate,
                              source=self.microphone.chosen_source())

    def _on_started(self, rec_id: int) -> None:
        rec = self.recorder
        if rec is not None:
            self.live_transcript.attach(rec)   # its transcript is made as it records
            self.notes.set_recording(rec_id, clock=lambda: rec.elapsed_s)
        self.details.recording = True
        self.details.describe(rec_id)
        self.recent.refresh()

    def _on_start_failed(self, message: str) -> None:
        self.captions.end()
        self.message_banner.show_message(message)
        self.microphone.refresh(force=True)

    def _on_finished(self, result: RecordingResult) -> None:
        self.captions.end()
        self.notes.stop_clock()
        if result.error is not None:
            self.message_banner.show_message(str(result.error))
        if result.frames > 0 and getattr(result, "filed", True) and \
                not self.live_transcript.covers(result.recording_id):
            self.transcribe(result.recording_id)   # else recovery files and queues it at next start
        self.details.recording = False
        self.details.describe(result.recording_id)
        self._library_changed()

    def _on_note_saved(self, rec_id: int) -> None:
        """A note changed after its lecture's transcript was indexed: index it again."""
        if self.live_transcript.covers(rec_id) and self.live_transcript.busy:
            return   # the transcript being made takes the notes in with its next window
        rec = self.recorder
        if rec is not None and rec.recording_id == rec_id:
            return
        try:
            state = lectures.get_recording(self.ctx.db, rec_id).state
        except LecternError:
            return
        if state == "transcribed":
            self.ctx.submit(lectures.INDEX_JOB, {"recording_id": rec_id}, target=lectures.job_target(rec_id),
                            title="Update the index of a lecture's notes")

    def _on_live_finished(self, rec_id: int, complete: bool) -> None:
        if complete:
            self.recent.clear_live(rec_id)
            self._library_changed()
            return
        rec = self.recorder
        if rec is not None and rec.recording_id == rec_id:
            return   # still recording: the job is queued at Stop
        self.recent.clear_live(rec_id)
        self.transcribe(rec_id)   # goes on from what was transcribed while recording
        self.recent.refresh()

    def _on_save_failed(self, rec_id: int, message: str) -> None:
        self.captions.end()
        self.notes.stop_clock()
        self.message_banner.show_message(message)
        self.details.recording = False
        self.details.describe(None)
        self.recent.refresh()

    def transcribe(self, rec_id: int) -> int | None:
        """Queue a lecture's transcription; a problem is said in the banner."""
        try:
            return lectures.submit_transcription(self.ctx.db, self.ctx.paths, rec_id, self.ctx)
        except LecternError as exc:
            self.message_banner.show_message(str(exc))
        except sqlite3.Error as exc:   # e.g. the library stayed busy; the lecture itself is safe
            log.error("could not queue the transcription of recording %s", rec_id, exc_info=exc)
            self.message_banner.show_message(
                "The lecture is saved, but its transcription could not be queued just now "
                f"({exc}). Lectern queues it the next time it starts.")
        return None

    def _retry(self, rec_id: int) -> None:
        if not self.controller.busy:
            self.transcribe(rec_id)
            self.recent.refresh()

    # -- details ----------------------------------------------------------------------------------
    def prepare_next(self) -> None:
        """Leave the last lecture alone: the editors now describe the next recording."""
        if self.controller.busy:
            return
        self.details.prepare_next()
        self.recent.clear_selection()

    def _on_recent_selected(self, rec_id: int | None) -> None:
        if rec_id is None or self.controller.busy:
            return
        self.details.load(rec_id)   # rename or re-file it from here
        self.notes.show_lecture(rec_id)

    # -- lectures in and out ----------------------------------------------------------------------
    def import_files(self, files: list[Path]) -> None:
        self.importer.import_files(files)

    def _on_imported(self, _rec_id: int) -> None:
        if self.ctx.monitor is not None:
            self.ctx.monitor.poll()
        self._library_changed()

    def _library_changed(self) -> None:
        self.recent.refresh()
        self.ctx.events.library_changed.emit()

    def recent_status(self, rec_id: int) -> str:
        return self.recent.status_of(rec_id)

    def captions_text(self) -> str:
        return self.captions.captions_text()

    def open_recording(self, recording_id: int, start_s: float = 0.0):
        """Open the transcript viewer on a lecture at ``start_s``. A moment asked for (a citation,
        a search hit) plays from there; a lecture opened from its start waits for Play."""
        from ..transcript import TranscriptViewer   # QtMultimedia loads only when a lecture is opened

        old = self.transcript_viewer
        if old is not None:
            try:
                if old.recording_id == recording_id:
                    old.seek(start_s, play=start_s > 0)
                    old.show()
                    old.raise_()
                    old.activateWindow()
                    return old
                old.close()
            except RuntimeError:  # already deleted by Qt
                pass
        try:
            viewer = TranscriptViewer(self.ctx, recording_id, start_s=start_s, autoplay=start_s > 0, parent=self)
        except LecternError as exc:
            self.message_banner.show_message(str(exc))
            return None
        self.transcript_viewer = viewer
        viewer.show()
        return viewer

    # -- showing and closing ----------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.microphone.refresh()
        self.controller.update_disk()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop everything this pane started; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        try:
            self.ctx.events.open_recording_requested.disconnect(self.open_recording)
            self.ctx.events.library_changed.disconnect(self.details.refresh_pickers)
            self.ctx.events.library_changed.disconnect(self.recent.refresh)
        except (RuntimeError, TypeError):
            pass
        viewer, self.transcript_viewer = self.transcript_viewer, None
        if viewer is not None:
            try:
                viewer.close()
            except RuntimeError:  # already deleted by Qt
                pass
        self.notes.shutdown()   # what is being typed is saved first
        result = self.controller.shutdown()
        unfinished = self.live_transcript.shutdown()
        if result is not None and result.frames:
            self.transcribe(result.recording_id)   # the worker runs it at the next start
        for rec_id in unfinished:
            if result is None or rec_id != result.recording_id:
                self.transcribe(rec_id)   # stopped, its transcript not yet complete
        self.captions.shutdown()
        self.microphone.shutdown()
        self.importer.shutdown()
        self.recovery.shutdown()
        self.recent.shutdown()
