"""Record pane: microphone, level meter, record/pause/stop, live captions, recent lectures.

Everything slow happens off the UI thread: listing microphones (PortAudio re-reads
the system), opening and closing the stream, importing files, recovering crashed
recordings, captioning. Those threads report back through ``_Bridge`` signals.
"""
from __future__ import annotations

import html
import logging
import shutil
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QSizePolicy, QTextBrowser, QToolButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from ..core.lectures import audio_devices
from ..workers.submit import QueueJobs
from ..core import lectures
from ..core import library
from ..core.storage import settings as settings_mod
from ..core.errors import LecternError
from ..core.timefmt import format_duration, format_size
from .level_meter import LevelMeter

log = logging.getLogger(__name__)

BYTES_PER_HOUR = 16000 * 2 * 3600
STATE_LABELS = {"recording": "Recording", "paused": "Paused", "stopped": "Waiting to be transcribed",
                "queued": "Waiting to be transcribed", "recovered": "Recovered, waiting to be transcribed",
                "transcribing": "Transcribing", "transcribed": "Transcribed", "failed": "Failed",
                "cancelled": "Transcription cancelled"}
MEDIA_FILTER = "Audio and video (" + " ".join(f"*{e}" for e in lectures.MEDIA_EXTENSIONS) + ")"


class _Bridge(QObject):
    """Signals that carry results from worker threads to the UI thread."""

    devices_listed = Signal(object)       # list[InputDevice] or LecternError
    started = Signal(object)              # Recorder
    start_failed = Signal(str)
    finished = Signal(object)             # RecordingResult
    caption = Signal(object)              # captions.Caption
    caption_error = Signal(str)
    recovered = Signal(object)            # list[recovery.Recovered]
    imported = Signal(object, str)        # recording id or None, message


class NewSubjectDialog(QDialog):
    """Semester + subject names, for a student whose library is still empty."""

    def __init__(self, semesters: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New subject")
        self.semester = QComboBox()
        self.semester.setEditable(True)
        self.semester.addItems(semesters)
        self.semester.setCurrentText(semesters[0] if semesters else "")
        self.semester.lineEdit().setPlaceholderText("e.g. Fall 2026")
        self.subject = QLineEdit()
        self.subject.setPlaceholderText("e.g. Biology 101")
        form = QFormLayout(self)
        form.addRow("Semester", self.semester)
        form.addRow("Subject", self.subject)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class Banner(QFrame):
    """A dismissable message strip with optional action buttons."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setProperty("kind", kind)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 8)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setObjectName("BannerText")
        lay.addWidget(self.label, 1)
        self.actions_box = QHBoxLayout()
        lay.addLayout(self.actions_box)
        close = QToolButton()
        close.setText("✕")
        close.setToolTip("Dismiss")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        lay.addWidget(close)
        self._buttons: list[QPushButton] = []
        self.hide()

    def show_message(self, text: str, actions: list[tuple[str, Any]] = ()) -> None:
        self.label.setText(text)
        for b in self._buttons:
            b.deleteLater()
        self._buttons = []
        for label, fn in actions:
            b = QPushButton(label)
            b.clicked.connect(fn)
            self.actions_box.addWidget(b)
            self._buttons.append(b)
        self.show()


class RecordPane(QWidget):
    def __init__(self, ctx, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.bridge = _Bridge(self)
        self.recorder = None                      # core.recorder.Recorder while recording
        self.captioner = None                     # core.captions.LiveCaptioner while recording
        self.current_recording_id: int | None = None   # the lecture the details editors apply to
        self.transcript_viewer = None             # the last TranscriptViewer opened
        self.devices: list[audio_devices.InputDevice] = []
        self.recovered: list[Any] = []
        self._orphans: list[int] = []
        self._device_sig: tuple | None = None
        self._listing = False
        self._starting = False
        self._finals: list[str] = []
        self._partial = ""
        self._loading_details = False
        self._build()
        self._connect()
        self.refresh_pickers()
        self.refresh_recent()
        self.update_disk()
        self.refresh_devices()
        self._start_recovery()

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(10)
        head = QHBoxLayout()
        title = QLabel("Record a lecture")
        title.setObjectName("PaneTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.import_button = QPushButton("Import audio/video…")
        self.import_button.setToolTip("Add a recording or a video of a lecture and transcribe it")
        head.addWidget(self.import_button)
        outer.addLayout(head)

        self.recovered_banner = Banner("info")
        self.message_banner = Banner("warning")
        outer.addWidget(self.recovered_banner)
        outer.addWidget(self.message_banner)

        # Microphone card
        card = QFrame()
        card.setObjectName("Card")
        grid = QGridLayout(card)
        grid.setContentsMargins(16, 14, 16, 14)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        grid.addWidget(QLabel("Microphone"), 0, 0)
        self.device_combo = QComboBox()
        self.device_combo.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.device_combo.setAccessibleName("Microphone")
        grid.addWidget(self.device_combo, 0, 1, 1, 2)
        self.refresh_button = QToolButton()
        self.refresh_button.setText("⟳")
        self.refresh_button.setToolTip("Look for microphones again")
        grid.addWidget(self.refresh_button, 0, 3)
        self.no_device = QLabel()
        self.no_device.setObjectName("DeviceWarning")
        self.no_device.setWordWrap(True)
        self.no_device.hide()
        grid.addWidget(self.no_device, 1, 1, 1, 3)
        self.meter = LevelMeter()
        grid.addWidget(QLabel("Level"), 2, 0)
        grid.addWidget(self.meter, 2, 1, 1, 3)

        controls = QHBoxLayout()
        self.elapsed = QLabel("0:00")
        self.elapsed.setObjectName("Elapsed")
        self.status = QLabel("Ready")
        self.status.setObjectName("RecordStatus")
        controls.addWidget(self.elapsed)
        controls.addWidget(self.status)
        controls.addStretch(1)
        self.record_button = QPushButton("●  Record")
        self.record_button.setObjectName("RecordButton")
        self.record_button.setToolTip("Start recording (Ctrl+R)")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Pause or resume (Space)")
        self.stop_button = QPushButton("■  Stop")
        self.stop_button.setToolTip("Stop and transcribe (Ctrl+R)")
        for b in (self.record_button, self.pause_button, self.stop_button):
            b.setMinimumWidth(110)
            controls.addWidget(b)
        grid.addLayout(controls, 3, 0, 1, 4)
        self.disk = QLabel()
        self.disk.setObjectName("Hint")
        grid.addWidget(self.disk, 4, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        outer.addWidget(card)

        # Details: title, subject, book (before or after recording)
        details = QFrame()
        details.setObjectName("Card")
        dl = QGridLayout(details)
        dl.setContentsMargins(16, 10, 16, 10)
        self.details_caption = QLabel("Details of the next recording")
        self.details_caption.setObjectName("SectionTitle")
        dl.addWidget(self.details_caption, 0, 0, 1, 6)
        self.next_button = QPushButton("Details for the next lecture")
        self.next_button.setToolTip("Stop editing this lecture and prepare the next recording")
        self.next_button.setFlat(True)
        self.next_button.hide()
        dl.addWidget(self.next_button, 0, 6, Qt.AlignRight)
        dl.addWidget(QLabel("Title"), 1, 0)
        self.title_edit = QLineEdit()
        self.title_edit.setAccessibleName("Lecture title")
        dl.addWidget(self.title_edit, 1, 1)
        dl.addWidget(QLabel("Subject"), 1, 2)
        self.subject_combo = QComboBox()
        self.subject_combo.setMinimumWidth(200)
        self.subject_combo.setAccessibleName("Subject")
        dl.addWidget(self.subject_combo, 1, 3)
        self.new_subject_button = QToolButton()
        self.new_subject_button.setText("＋")
        self.new_subject_button.setToolTip("New subject…")
        dl.addWidget(self.new_subject_button, 1, 4)
        dl.addWidget(QLabel("Book"), 1, 5)
        self.book_combo = QComboBox()
        self.book_combo.setMinimumWidth(150)
        self.book_combo.setAccessibleName("Book (optional)")
        dl.addWidget(self.book_combo, 1, 6)
        dl.setColumnStretch(1, 2)
        dl.setColumnStretch(3, 2)
        dl.setColumnStretch(6, 1)
        outer.addWidget(details)

        # Live captions
        cap_head = QHBoxLayout()
        cap_title = QLabel("Live captions")
        cap_title.setObjectName("SectionTitle")
        cap_head.addWidget(cap_title)
        cap_head.addStretch(1)
        self.captions_toggle = QCheckBox("Show live captions")
        self.captions_toggle.setToolTip("A quick transcript a few seconds behind the speaker. "
                                        "The full transcript is made after you stop.")
        cap_head.addWidget(self.captions_toggle)
        outer.addLayout(cap_head)
        self.captions = QTextBrowser()
        self.captions.setObjectName("Captions")
        self.captions.setMinimumHeight(110)
        self.captions.setPlaceholderText("Captions appear here a few seconds after the speaker while you record.")
        outer.addWidget(self.captions, 2)

        # Recent lectures
        rec_head = QHBoxLayout()
        rl = QLabel("Recent lectures")
        rl.setObjectName("SectionTitle")
        rec_head.addWidget(rl)
        rec_head.addStretch(1)
        self.open_button = QPushButton("Open transcript")
        self.open_button.setToolTip("Play the lecture and read its transcript (Enter)")
        self.retry_button = QPushButton("Transcribe again")
        rec_head.addWidget(self.retry_button)
        rec_head.addWidget(self.open_button)
        outer.addLayout(rec_head)
        self.recent = QTreeWidget()
        self.recent.setObjectName("RecentLectures")
        self.recent.setRootIsDecorated(False)
        self.recent.setHeaderLabels(["Lecture", "Filed under", "Length", "Status"])
        self.recent.header().setSectionResizeMode(0, QHeaderView.Stretch)
        self.recent.header().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        self.recent.header().setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.recent.header().setSectionResizeMode(3, QHeaderView.ResizeToContents)
        self.recent.setMinimumHeight(120)
        self.recent_empty = QLabel("No lectures yet. Press Record (Ctrl+R) or import a recording.")
        self.recent_empty.setObjectName("Hint")
        outer.addWidget(self.recent, 2)
        outer.addWidget(self.recent_empty)
        self._set_controls()

    def _connect(self) -> None:
        b = self.bridge
        b.devices_listed.connect(self._on_devices)
        b.started.connect(self._on_started)
        b.start_failed.connect(self._on_start_failed)
        b.finished.connect(self._on_finished)
        b.caption.connect(self._on_caption)
        b.caption_error.connect(lambda msg: self.captions.setPlaceholderText(msg))
        b.recovered.connect(self._on_recovered)
        b.imported.connect(self._on_imported)
        self.record_button.clicked.connect(self.start_recording)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop_recording)
        self.refresh_button.clicked.connect(lambda: self.refresh_devices(force=True))
        self.import_button.clicked.connect(self._choose_files)
        self.new_subject_button.clicked.connect(self._new_subject)
        self.subject_combo.currentIndexChanged.connect(self._on_subject_changed)
        self.book_combo.currentIndexChanged.connect(self._on_book_changed)
        self.title_edit.editingFinished.connect(self._on_title_edited)
        self.device_combo.currentIndexChanged.connect(self._on_device_chosen)
        self.recent.itemActivated.connect(lambda item, _c: self.open_recording(item.data(0, Qt.UserRole), 0.0))
        self.recent.currentItemChanged.connect(self._on_recent_selected)
        self.next_button.clicked.connect(self.prepare_next)
        self.open_button.clicked.connect(self._open_selected)
        self.retry_button.clicked.connect(self._retry_selected)
        stored = settings_mod.load(self.ctx.db)
        self.captions_toggle.setChecked(stored.live_captions)
        self.captions_toggle.toggled.connect(lambda on: settings_mod.update(self.ctx.db, live_captions=on))

        sc = QShortcut(QKeySequence("Ctrl+R"), self, activated=self.toggle_recording)
        sc.setContext(Qt.WindowShortcut)
        sp = QShortcut(QKeySequence(Qt.Key_Space), self, activated=self.toggle_pause)
        sp.setContext(Qt.WidgetWithChildrenShortcut)
        self._shortcuts = (sc, sp)

        self.meter_timer = QTimer(self)
        self.meter_timer.setInterval(80)
        self.meter_timer.timeout.connect(self._tick)
        self.device_timer = QTimer(self)
        self.device_timer.setInterval(3000)
        self.device_timer.timeout.connect(self.refresh_devices)
        self.device_timer.start()
        self.disk_timer = QTimer(self)
        self.disk_timer.setInterval(5000)
        self.disk_timer.timeout.connect(self.update_disk)
        self.disk_timer.start()
        self.ctx.events.open_recording_requested.connect(self.open_recording)
        self.ctx.events.library_changed.connect(self.refresh_pickers)
        if self.ctx.monitor is not None:
            self.ctx.monitor.job_changed.connect(self._on_job_changed)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)

    # -- state of the controls ------------------------------------------------------------
    @property
    def is_recording(self) -> bool:
        return self.recorder is not None and self.recorder.running

    def _set_controls(self) -> None:
        recording = self.is_recording
        busy = recording or self._starting
        have_device = bool(self.devices)
        self.record_button.setEnabled(have_device and not busy)
        self.pause_button.setEnabled(recording)
        self.stop_button.setEnabled(recording)
        self.device_combo.setEnabled(have_device and not busy)
        self.refresh_button.setEnabled(not busy)
        self.pause_button.setText("Resume" if recording and self.recorder.paused else "Pause")
        item = self.recent.currentItem()
        self.open_button.setEnabled(item is not None)
        self.retry_button.setEnabled(item is not None and item.data(3, Qt.UserRole) in
                                     ("failed", "cancelled", "recovered", "stopped", "transcribed"))
        self.recent.setVisible(self.recent.topLevelItemCount() > 0)
        self.recent_empty.setVisible(self.recent.topLevelItemCount() == 0)

    # -- microphones ----------------------------------------------------------------------
    def refresh_devices(self, force: bool = False) -> None:
        """List microphones on a thread (PortAudio re-reads the system; that can take a moment)."""
        if self._listing or self.is_recording or self._starting:
            return
        if not force and self._device_sig is not None and not self.isVisible():
            return  # nobody is looking: check again when the pane is shown
        self._listing = True

        def work() -> None:
            try:
                result: Any = audio_devices.list_inputs(refresh=True)
            except LecternError as exc:
                result = exc
            self.bridge.devices_listed.emit(result)
        threading.Thread(target=work, name="list-microphones", daemon=True).start()

    def _on_devices(self, result: Any) -> None:
        self._listing = False
        if isinstance(result, LecternError):
            devices: list[audio_devices.InputDevice] = []
            message = str(result)
        else:
            devices = result
            message = f"{audio_devices.NO_DEVICE_MESSAGE} {audio_devices.NO_DEVICE_HINT}"
        sig = audio_devices.signature(devices)
        self.devices = devices
        if sig != self._device_sig:
            self._device_sig = sig
            wanted = settings_mod.load(self.ctx.db).input_device
            current = self.device_combo.currentData() if self.device_combo.count() else wanted
            self.device_combo.blockSignals(True)
            self.device_combo.clear()
            for d in devices:
                self.device_combo.addItem(d.label, d.name)
            pick = current if current else wanted
            idx = self.device_combo.findData(pick) if pick else -1
            if idx < 0:
                idx = next((i for i, d in enumerate(devices) if d.is_default), 0)
            self.device_combo.setCurrentIndex(idx if devices else -1)
            self.device_combo.blockSignals(False)
        self.no_device.setText(message)
        self.no_device.setVisible(not devices)
        if not devices:
            self.device_combo.setPlaceholderText("No microphone found")
            self.meter.set_active(False)
        self._set_controls()

    def _on_device_chosen(self, _index: int) -> None:
        name = self.device_combo.currentData()
        if name is not None:
            settings_mod.update(self.ctx.db, input_device=name)

    # -- library pickers ------------------------------------------------------------------
    def refresh_pickers(self) -> None:
        db = self.ctx.db
        keep = self.subject_combo.currentData()
        self.subject_combo.blockSignals(True)
        self.subject_combo.clear()
        self.subject_combo.addItem("Unfiled (choose later)", None)
        for sem in library.children(db, None):
            for subj in library.children(db, sem.id):
                self.subject_combo.addItem(f"{sem.name} › {subj.name}", subj.id)
        idx = self.subject_combo.findData(keep) if keep is not None else 0
        self.subject_combo.setCurrentIndex(max(idx, 0))
        self.subject_combo.blockSignals(False)
        self._fill_books()
        self._update_title_placeholder()

    def _fill_books(self, select: int | None = None) -> None:
        subject = self.subject_combo.currentData()
        self.book_combo.blockSignals(True)
        self.book_combo.clear()
        self.book_combo.addItem("No book", None)
        if subject is not None:
            for book in library.children(self.ctx.db, subject):
                self.book_combo.addItem(book.name, book.id)
        idx = self.book_combo.findData(select) if select is not None else 0
        self.book_combo.setCurrentIndex(max(idx, 0))
        self.book_combo.setEnabled(self.book_combo.count() > 1)
        self.book_combo.blockSignals(False)

    def chosen_node(self) -> int | None:
        return self.book_combo.currentData() or self.subject_combo.currentData()

    def _update_title_placeholder(self) -> None:
        self.title_edit.setPlaceholderText(lectures.default_title(self.ctx.db, self.chosen_node()))

    def _new_subject(self) -> None:
        sems = [n.name for n in library.children(self.ctx.db, None)]
        dlg = NewSubjectDialog(sems, self)
        if dlg.exec() != QDialog.Accepted:
            return
        try:
            node = library.ensure_path(self.ctx.db, dlg.semester.currentText(), dlg.subject.text())
        except LecternError as exc:
            self.message_banner.show_message(str(exc))
            return
        self.ctx.events.library_changed.emit()
        self.subject_combo.setCurrentIndex(self.subject_combo.findData(node))

    def _on_subject_changed(self, _i: int) -> None:
        self._fill_books()
        self._update_title_placeholder()
        self._apply_details(node=True)

    def _on_book_changed(self, _i: int) -> None:
        self._update_title_placeholder()
        self._apply_details(node=True)

    def _on_title_edited(self) -> None:
        self._apply_details(title=True)

    def _apply_details(self, title: bool = False, node: bool = False) -> None:
        """Edits to title/subject/book apply to the lecture being (or just) recorded."""
        rec_id = self.current_recording_id
        if rec_id is None or self._loading_details:
            return
        try:
            reindex = lectures.set_details(
                self.ctx.db, rec_id, title=self.title_edit.text() if title else None,
                node_id=(self.chosen_node() or lectures.unfiled_node(self.ctx.db)) if node else None)
        except LecternError as exc:
            self.message_banner.show_message(str(exc))
            return
        rec = lectures.get_recording(self.ctx.db, rec_id)
        if reindex and rec.state == "transcribed":
            self.ctx.submit(lectures.INDEX_JOB, {"recording_id": rec_id}, target=lectures.job_target(rec_id),
                            title=f"Update the index of “{rec.title}”")
        self._show_details_of(rec_id)
        self.refresh_recent()
        self.ctx.events.library_changed.emit()

    def _show_details_of(self, rec_id: int | None) -> None:
        self.current_recording_id = rec_id
        self.next_button.setVisible(rec_id is not None and not self.is_recording and not self._starting)
        if rec_id is None:
            self.details_caption.setText("Details of the next recording")
            return
        rec = lectures.get_recording(self.ctx.db, rec_id)
        verb = "being recorded" if self.is_recording else "just recorded" if rec.source == "microphone" else ""
        self.details_caption.setText(f"Details of “{rec.title}”" + (f" ({verb})" if verb else "")
                                     + " — changes apply to it")

    def _load_details(self, rec_id: int) -> None:
        """Show a lecture's title/subject/book in the editors (without re-applying them)."""
        rec = lectures.get_recording(self.ctx.db, rec_id)
        self._loading_details = True
        try:
            self.title_edit.setText(rec.title)
            subject, book = None, None
            if rec.node_id is not None:
                node = library.get_node(self.ctx.db, rec.node_id)
                if node.level == "book":
                    subject, book = node.parent_id, node.id
                elif node.level == "subject":
                    subject = node.id
            idx = self.subject_combo.findData(subject)
            self.subject_combo.blockSignals(True)
            self.subject_combo.setCurrentIndex(max(idx, 0))
            self.subject_combo.blockSignals(False)
            self._fill_books(book)
        finally:
            self._loading_details = False
        self._show_details_of(rec_id)

    def prepare_next(self) -> None:
        """Leave the last lecture alone: the editors now describe the next recording."""
        if self.is_recording:
            return
        self._loading_details = True
        self.title_edit.clear()
        self._loading_details = False
        self._show_details_of(None)
        self._update_title_placeholder()
        self.recent.setCurrentItem(None)

    def _on_recent_selected(self, item, _previous=None) -> None:
        self._set_controls()
        if item is None or self.is_recording or self._starting:
            return
        self._load_details(item.data(0, Qt.UserRole))   # rename or re-file it from here

    # -- recording ------------------------------------------------------------------------------
    def toggle_recording(self) -> None:
        if self.is_recording:
            self.stop_recording()
        elif self.record_button.isEnabled():
            self.start_recording()

    def start_recording(self) -> None:
        if self.is_recording or self._starting:
            return
        if not self.devices:
            self.message_banner.show_message(f"{audio_devices.NO_DEVICE_MESSAGE} {audio_devices.NO_DEVICE_HINT}")
            return
        from ..core.lectures.recorder import Recorder

        node = self.chosen_node()
        if self.current_recording_id is not None:
            # A new lecture: same subject, fresh title.
            self._loading_details = True
            self.title_edit.clear()
            self._loading_details = False
            self.current_recording_id = None
        title = self.title_edit.text().strip() or lectures.default_title(self.ctx.db, node)
        self.title_edit.setText(title)
        self.message_banner.hide()
        self._finals, self._partial = [], ""
        self.captions.clear()
        self.captioner = None
        want_captions = self.captions_toggle.isChecked()
        rec = Recorder(self.ctx.paths, title=title, node_id=node, device=self.device_combo.currentData() or "",
                       on_block=self._feed_captions, on_finished=self.bridge.finished.emit)
        if want_captions:
            from ..core.lectures.captions import LiveCaptioner

            self.captioner = LiveCaptioner(16000, self.bridge.caption.emit, self.bridge.caption_error.emit)
            self.captioner.start()
            self.captions.setPlaceholderText("Listening… captions appear a few seconds after the speaker.")
        self._starting = True
        self.status.setText("Starting…")
        self._set_controls()

        def work() -> None:
            try:
                rec.start()
            except LecternError as exc:
                self.bridge.start_failed.emit(str(exc))
                return
            except Exception as exc:  # an unexpected PortAudio failure must still reach the student
                log.exception("recording did not start")
                self.bridge.start_failed.emit(f"The recording could not start: {exc}")
                return
            if self.captioner is not None:
                self.captioner.samplerate = rec.samplerate
            self.bridge.started.emit(rec)
        threading.Thread(target=work, name="recorder-start", daemon=True).start()

    def _feed_captions(self, block, paused: bool) -> None:
        cap = self.captioner
        if cap is not None:
            cap.feed(block, paused)

    def _on_started(self, rec) -> None:
        self._starting = False
        self.recorder = rec
        self.meter_timer.start()
        self.status.setText("● Recording")
        self.status.setProperty("state", "recording")
        self._repolish(self.status)
        self._show_details_of(rec.recording_id)
        self._set_controls()
        self.refresh_recent()

    def _on_start_failed(self, message: str) -> None:
        self._starting = False
        if self.captioner is not None:
            self.captioner.stop(timeout=0)
            self.captioner = None
        self.status.setText("Ready")
        self.message_banner.show_message(message)
        self._set_controls()
        self.refresh_devices(force=True)

    def toggle_pause(self) -> None:
        rec = self.recorder
        if rec is None or not rec.running:
            return
        if rec.paused:
            rec.resume()
            self.status.setText("● Recording")
            self.status.setProperty("state", "recording")
        else:
            rec.pause()
            self.status.setText("Paused")
            self.status.setProperty("state", "paused")
        self._repolish(self.status)
        self._set_controls()

    def stop_recording(self) -> None:
        rec = self.recorder
        if rec is None or not rec.running:
            return
        self.status.setText("Saving…")
        self.stop_button.setEnabled(False)
        self.pause_button.setEnabled(False)
        rec.stop(wait=False)  # on_finished arrives through the bridge

    def _on_finished(self, result) -> None:
        self.meter_timer.stop()
        self.meter.set_active(False)
        cap, self.captioner = self.captioner, None
        if cap is not None:
            threading.Thread(target=cap.stop, kwargs={"flush": False}, daemon=True).start()
        self.recorder = None
        self.status.setText("Saved")
        self.status.setProperty("state", "")
        self._repolish(self.status)
        self.elapsed.setText(format_duration(result.duration_s))
        if result.error is not None:
            self.message_banner.show_message(str(result.error))
        if result.frames > 0:
            self._submit_transcription(result.recording_id)
        self._show_details_of(result.recording_id)
        self._set_controls()
        self.refresh_recent()
        self.ctx.events.library_changed.emit()

    def _submit_transcription(self, rec_id: int) -> int:
        rec = lectures.get_recording(self.ctx.db, rec_id)
        job_id = self.ctx.submit(lectures.TRANSCRIBE_JOB, lectures.transcription_payload(rec_id),
                                 target=lectures.job_target(rec_id), title=f"Transcribe “{rec.title}”")
        if rec.document_id:
            self.ctx.db.execute("UPDATE documents SET job_id=? WHERE id=?", (job_id, rec.document_id))
        return job_id

    def _tick(self) -> None:
        rec = self.recorder
        if rec is None:
            return
        lvl = rec.level
        self.meter.set_level(lvl.rms, lvl.peak)
        text = format_duration(rec.elapsed_s)
        if text != self.elapsed.text():
            self.elapsed.setText(text)
            for i in range(self.recent.topLevelItemCount()):
                item = self.recent.topLevelItem(i)
                if item.data(0, Qt.UserRole) == rec.recording_id:
                    item.setText(2, text)

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
        self._repolish(self.disk)

    # -- captions ----------------------------------------------------------------------------
    def _on_caption(self, cap) -> None:
        if cap.skipped_s >= 1:
            self._finals.append("…")
        if cap.final:
            if cap.text:
                self._finals.append(cap.text)
            self._finals = self._finals[-60:]
            self._partial = ""
        else:
            self._partial = cap.text
        body = " ".join(html.escape(t) for t in self._finals)
        if self._partial:
            body += f' <span style="color:#9ca3af; font-style:italic">{html.escape(self._partial)}</span>'
        self.captions.setHtml(f'<div style="font-size:13pt; line-height:140%">{body}</div>')
        sb = self.captions.verticalScrollBar()
        sb.setValue(sb.maximum())

    def captions_text(self) -> str:
        return " ".join(self._finals + ([self._partial] if self._partial else []))

    # -- recent lectures ---------------------------------------------------------------------
    def refresh_recent(self) -> None:
        db = self.ctx.db
        keep = self.recent.currentItem().data(0, Qt.UserRole) if self.recent.currentItem() else None
        self.recent.blockSignals(True)  # rebuilding is not the student choosing a lecture
        self.recent.clear()
        for rec in lectures.recent(db, 30):
            where = ""
            if rec.node_id is not None:
                lin = library.lineage(db, rec.node_id)
                where = " › ".join(x for x in (lin["subject"], lin["book"]) if x)
            item = QTreeWidgetItem([rec.title, where, format_duration(rec.duration_s), self._status_text(rec)])
            item.setData(0, Qt.UserRole, rec.id)
            item.setData(3, Qt.UserRole, rec.state)
            if rec.error:
                item.setToolTip(3, rec.error)
            self.recent.addTopLevelItem(item)
            if rec.id == keep:
                self.recent.setCurrentItem(item)
        self.recent.blockSignals(False)
        self._set_controls()

    def _status_text(self, rec) -> str:
        text = STATE_LABELS.get(rec.state, rec.state.capitalize())
        if rec.state == "transcribing":
            from ..core import jobs

            job = jobs.latest_for_target(self.ctx.db, lectures.job_target(rec.id))
            if job is not None and job.state == jobs.RUNNING:
                text += f" {job.progress * 100:.0f}%"
                if job.eta_s is not None:
                    text += f" · ~{format_duration(job.eta_s)} left"
        elif rec.state == "failed" and rec.error:
            text += f": {rec.error}"
        return text

    def recent_status(self, rec_id: int) -> str:
        for i in range(self.recent.topLevelItemCount()):
            item = self.recent.topLevelItem(i)
            if item.data(0, Qt.UserRole) == rec_id:
                return item.text(3)
        return ""

    def _on_job_changed(self, job) -> None:
        if not job.target.startswith("recording:"):
            return
        rec_id = int(job.target.split(":", 1)[1])
        for i in range(self.recent.topLevelItemCount()):
            item = self.recent.topLevelItem(i)
            if item.data(0, Qt.UserRole) == rec_id:
                rec = lectures.get_recording(self.ctx.db, rec_id)
                item.setText(3, self._status_text(rec))
                item.setText(2, format_duration(rec.duration_s))
                item.setData(3, Qt.UserRole, rec.state)
                item.setToolTip(3, rec.error)
                self._set_controls()
                return
        self.refresh_recent()

    def _selected_id(self) -> int | None:
        item = self.recent.currentItem()
        return item.data(0, Qt.UserRole) if item else None

    def _open_selected(self) -> None:
        rec_id = self._selected_id()
        if rec_id is not None:
            self.open_recording(rec_id, 0.0)

    def _retry_selected(self) -> None:
        rec_id = self._selected_id()
        if rec_id is not None and not self.is_recording:
            self._submit_transcription(rec_id)
            self.refresh_recent()

    # -- transcript viewer -----------------------------------------------------------------------
    def open_recording(self, recording_id: int, start_s: float = 0.0):
        """Open the transcript viewer on a lecture and play it from ``start_s``."""
        from .transcript_viewer import TranscriptViewer

        old = self.transcript_viewer
        if old is not None:
            try:
                if old.recording_id == recording_id:
                    old.seek(start_s, play=True)
                    old.show()
                    old.raise_()
                    old.activateWindow()
                    return old
                old.close()
            except RuntimeError:  # already deleted by Qt
                pass
        try:
            viewer = TranscriptViewer(self.ctx, recording_id, start_s=start_s, autoplay=True, parent=self)
        except LecternError as exc:
            self.message_banner.show_message(str(exc))
            return None
        self.transcript_viewer = viewer
        viewer.show()
        return viewer

    # -- import ------------------------------------------------------------------------------
    def _choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import lecture audio or video", str(Path.home()),
                                                f"{MEDIA_FILTER};;All files (*)")
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, files: list[Path]) -> None:
        """Copy files into the chosen subject and queue their transcription (on a thread)."""
        node = self.chosen_node()
        paths = self.ctx.paths
        self.import_button.setEnabled(False)
        self.import_button.setText("Importing…")

        def work() -> None:
            from ..core.storage.db import open_db

            db = open_db(paths.db)
            starter = QueueJobs(paths, db)
            for f in files:
                try:
                    rec_id = lectures.import_media(db, paths, f, node, None, starter=starter)
                    self.bridge.imported.emit(rec_id, f"“{f.name}” was added and is being transcribed.")
                except LecternError as exc:
                    self.bridge.imported.emit(None, str(exc))
                except Exception as exc:
                    log.exception("import of %s failed", f)
                    self.bridge.imported.emit(None, f"{f.name} could not be imported: {exc}")
            self.bridge.imported.emit(-1, "")
        threading.Thread(target=work, name="import-media", daemon=True).start()

    def _on_imported(self, rec_id, message: str) -> None:
        if rec_id == -1:
            self.import_button.setEnabled(True)
            self.import_button.setText("Import audio/video…")
            return
        if rec_id is None:
            self.message_banner.show_message(message)
        if self.ctx.monitor is not None:
            self.ctx.monitor.poll()
        self.refresh_recent()
        self.ctx.events.library_changed.emit()

    # -- recovery -------------------------------------------------------------------------------
    def _start_recovery(self) -> None:
        paths = self.ctx.paths

        def work() -> None:
            from ..core.storage.db import open_db
            from ..core.lectures.recovery import needing_transcription, recover

            try:
                db = open_db(paths.db)
                found = recover(db, paths)
                self._orphans = needing_transcription(db)
            except Exception:
                log.exception("recovery of unfinished recordings failed")
                found = []
            self.bridge.recovered.emit(found)
        threading.Thread(target=work, name="recover-recordings", daemon=True).start()

    def _on_recovered(self, found: list) -> None:
        self.recovered = found
        for rec_id in self._orphans:   # stopped but never queued: queue them now
            if rec_id not in [r.recording_id for r in found]:
                self._submit_transcription(rec_id)
        if not found:
            return
        usable = [r for r in found if r.ok]
        for r in usable:
            self._submit_transcription(r.recording_id)
        lines = [r.message for r in found]
        if usable:
            lines.append("It is being transcribed now." if len(usable) == 1 else "They are being transcribed now.")
        actions = [("Open", lambda: self.open_recording(usable[0].recording_id, 0.0))] if usable else []
        self.recovered_banner.show_message(" ".join(lines), actions)
        self.refresh_recent()
        self.ctx.events.library_changed.emit()

    # -- misc ---------------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.refresh_devices()
        self.update_disk()

    @staticmethod
    def _repolish(w: QWidget) -> None:
        w.style().unpolish(w)
        w.style().polish(w)

    def shutdown(self) -> None:
        """On quit: finish the file properly (the crash path would recover it anyway)."""
        rec = self.recorder
        if rec is not None and rec.running:
            rec.on_finished = None
            result = rec.stop(wait=True, timeout=5)
            self.recorder = None
            if result is not None and result.frames:
                self._submit_transcription(result.recording_id)  # the worker runs it at the next start
        if self.captioner is not None:
            self.captioner.stop(timeout=1)
            self.captioner = None
        for t in (self.device_timer, self.disk_timer, self.meter_timer):
            t.stop()
