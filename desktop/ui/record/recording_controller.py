"""Recording controller: elapsed time, state, Record / Pause / Stop, free disk space.

It drives one ``core.lectures.recorder.Recorder`` at a time. Opening the microphone runs
on the background ``audio`` lane; the recorder reports "finished" from its own thread
through ``ui_callback``. If the recorder's writer ends without a result (its final save
failed), the student is told so in plain words instead of reading "Saving…" forever.
"""
from __future__ import annotations

import logging
import shutil
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...core.errors import LecternError
from ...core.lectures.recorder import Recorder, RecordingResult
from ...core.timefmt import format_duration, format_size
from ..background import AUDIO, Task, run_in_background, ui_callback
from ..level_meter import LevelMeter
from ..theme import set_icon

log = logging.getLogger(__name__)

BYTES_PER_HOUR = 16000 * 2 * 3600
NOT_SAVED = ("The recording stopped, but Lectern could not finish saving it. The audio recorded so far is "
             "kept on disk and is offered back the next time Lectern starts.")


def repolish(w: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    w.style().unpolish(w)
    w.style().polish(w)


class RecordingController(QWidget):
    started = Signal(int)               # recording id
    start_failed = Signal(str)          # plain message
    finished = Signal(object)           # RecordingResult (its .error says what went wrong, if anything)
    save_failed = Signal(int, str)      # recording id, plain message: the writer ended without a result
    state_changed = Signal()            # recording / paused / idle changed
    elapsed_changed = Signal(int, str)  # recording id, "m:ss"
    device_changed = Signal(str)        # plain message: the microphone went away, another one goes on

    def __init__(self, ctx: Any, meter: LevelMeter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.meter = meter
        self.recorder: Recorder | None = None
        self._starting: Task | None = None
        self._opening: Recorder | None = None      # the recorder being started
        self._stopping: Recorder | None = None     # stopped, its result not in yet
        self._closed = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(10)
        controls = QHBoxLayout()
        self.elapsed = QLabel("0:00")
        self.elapsed.setObjectName("Elapsed")
        self.status = QLabel("Ready")
        self.status.setObjectName("RecordStatus")
        controls.addWidget(self.elapsed)
        controls.addWidget(self.status)
        controls.addStretch(1)
        self.record_button = QPushButton("Record")
        set_icon(self.record_button, "record-dot", "icon_on_accent")
        self.record_button.setObjectName("RecordButton")
        self.record_button.setToolTip("Start recording (Ctrl+R)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause or resume (Space)")
        self.stop_button = QPushButton("Stop")
        set_icon(self.stop_button, "stop")
        self.stop_button.setToolTip("Stop and transcribe (Ctrl+R)")
        for b in (self.record_button, self.pause_button, self.stop_button):
            b.setMinimumWidth(110)
            controls.addWidget(b)
        lay.addLayout(controls)
        self._layout = lay
        self.disk = QLabel()
        self.disk.setObjectName("Hint")
        lay.addWidget(self.disk)

        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        self.meter_timer = QTimer(self)
        self.meter_timer.setInterval(80)
        self.meter_timer.timeout.connect(self._tick)
        self.disk_timer = QTimer(self)
        self.disk_timer.setInterval(5000)
        self.disk_timer.timeout.connect(self.update_disk)
        self.disk_timer.start()
        self.save_timer = QTimer(self)          # watches a stopped recorder until its result is in
        self.save_timer.setInterval(250)
        self.save_timer.timeout.connect(self._check_saving)
        self._finished_cb = ui_callback(self._on_finished, owner=self)
        self._device_cb = ui_callback(self.device_changed.emit, owner=self)
        self.update_disk()

    def show_under_controls(self, widget: QWidget) -> None:
        """A line the student reads with the elapsed time (how far the transcript is)."""
        self._layout.insertWidget(1, widget)

    # -- state -------------------------------------------------------------------------------
    @property
    def is_recording(self) -> bool:
        return self.recorder is not None and self.recorder.running

    @property
    def is_starting(self) -> bool:
        return self._starting is not None

    @property
    def busy(self) -> bool:
        return self.is_recording or self.is_starting

    def set_controls(self, have_device: bool) -> None:
        recording = self.is_recording
        self.record_button.setEnabled(have_device and not self.busy and self._stopping is None)
        self.pause_button.setEnabled(recording)
        self.stop_button.setEnabled(recording)
        self.pause_button.setText("Resume" if recording and self.recorder.paused else "Pause")

    def _set_status(self, text: str, state: str = "") -> None:
        self.status.setText(text)
        self.status.setProperty("state", state)
        repolish(self.status)

    # -- start -------------------------------------------------------------------------------
    def start(self, title: str, node_id: int | None, device: str,
              on_block: Callable[[np.ndarray, bool], None] | None = None,
              on_opened: Callable[[int], None] | None = None, source: str = "microphone") -> None:
        """Open the microphone in the background; ``started`` or ``start_failed`` follows.
        ``on_opened(samplerate)`` runs on that thread as soon as the stream is open."""
        if self.busy or self._closed:
            return
        rec = Recorder(self.ctx.paths, title=title, node_id=node_id, device=device, on_block=on_block,
                       on_finished=self._finished_cb, source=source, on_device_changed=self._device_cb)

        def work() -> Recorder:
            rec.start()
            if on_opened is not None:
                on_opened(rec.samplerate)
            return rec
        self._set_status("Starting…")
        self._opening = rec
        self._starting = run_in_background(work, self._on_started, self._on_start_error, lane=AUDIO, owner=self,
                                           name="open-microphone")
        self.state_changed.emit()

    def _on_started(self, rec: Recorder) -> None:
        self._starting = self._opening = None
        if self._closed:   # the pane closed while the microphone opened: keep what little there is
            rec.stop(wait=True, timeout=5)
            return
        self.recorder = rec
        self.meter_timer.start()
        self._set_status("Recording", "recording")
        self.started.emit(rec.recording_id)
        self.state_changed.emit()

    def _on_start_error(self, exc: BaseException) -> None:
        self._starting = self._opening = None
        if isinstance(exc, LecternError):
            message = str(exc)
        else:  # an unexpected PortAudio failure must still reach the student, and the log
            log.error("recording did not start", exc_info=exc)
            message = f"The recording could not start: {exc}"
        self._set_status("Ready")
        self.start_failed.emit(message)
        self.state_changed.emit()

    # -- pause / stop ----------------------------------------------------------------------------
    def toggle_pause(self) -> None:
        rec = self.recorder
        if rec is None or not rec.running:
            return
        if rec.paused:
            rec.resume()
            self._set_status("Recording", "recording")
        else:
            rec.pause()
            self._set_status("Paused", "paused")
        self.state_changed.emit()

    def stop(self) -> None:
        rec = self.recorder
        if rec is None or not rec.running:
            return
        self._set_status("Saving…")
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)
        self._stopping = rec
        rec.stop(wait=False)   # the result arrives through _on_finished
        self.save_timer.start()

    def _check_saving(self) -> None:
        rec = self._stopping
        if rec is None or rec.result is not None:
            return  # _on_finished is on its way
        writer = getattr(rec, "_writer", None)
        if writer is not None and not writer.is_alive():
            # The writer ended without a result: its final save failed. The audio is on disk
            # and the lock file is left, so recovery offers it back at the next start.
            log.error("recording %s: the writer ended without finishing the row", rec.recording_id)
            self._end(rec)
            self._set_status("Not saved", "")
            self.save_failed.emit(rec.recording_id or 0, NOT_SAVED)
            self.state_changed.emit()

    def _on_finished(self, result: RecordingResult) -> None:
        if self.recorder is not None and self.recorder.recording_id != result.recording_id:
            return
        self._end(self.recorder)
        # Not filed: the audio is complete but the library was busy; recovery files it at next start.
        self._set_status("Saved" if getattr(result, "filed", True) else "Saved, not yet filed")
        self.elapsed.setText(format_duration(result.duration_s))
        self.finished.emit(result)
        self.state_changed.emit()

    def _end(self, rec: Recorder | None) -> None:
        self.save_timer.stop()
        self.meter_timer.stop()
        self.meter.set_active(False)
        self._stopping = None
        if rec is self.recorder:
            self.recorder = None

    # -- meter, time, disk ---------------------------------------------------------------------------
    def _tick(self) -> None:
        rec = self.recorder
        if rec is None:
            return
        lvl = rec.level
        self.meter.set_level(lvl.rms, lvl.peak)
        text = format_duration(rec.elapsed_s)
        if text != self.elapsed.text():
            self.elapsed.setText(text)
            self.elapsed_changed.emit(rec.recording_id, text)

    def update_disk(self) -> None:
        try:
            free = shutil.disk_usage(self.ctx.paths.recordings).free
        except OSError:
            self.disk.setText("")
            return
        hours = free / BYTES_PER_HOUR
        room = f"room for about {hours:.0f} hours of recording" if hours >= 2 else \
            f"room for about {hours * 60:.0f} minutes of recording"
        self.disk.setText(f"{format_size(free)} free on disk · {room}")
        self.disk.setProperty("state", "low" if hours < 1 else "")
        repolish(self.disk)

    # -- closing ----------------------------------------------------------------------------------
    def shutdown(self, timeout_s: float = 5.0) -> RecordingResult | None:
        """Finish the file properly and release the microphone; returns the last result, if any.
        (The crash path would recover the file anyway; this keeps the last second too.)"""
        self._closed = True
        for t in (self.meter_timer, self.disk_timer, self.save_timer):
            t.stop()
        if self._starting is not None:
            self._starting.wait(timeout_s)
        result = None
        rec = self.recorder or self._stopping or self._opening
        self._opening = None
        if rec is not None:
            rec.on_finished = None
            result = rec.stop(wait=True, timeout=timeout_s)
            self.recorder = self._stopping = None
        return result
