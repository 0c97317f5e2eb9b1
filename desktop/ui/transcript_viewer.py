"""Transcript viewer: play a lecture, follow its transcript, search it, fix it, export it.

The segment being spoken is highlighted as the audio plays; clicking a segment plays
from there; double-clicking (or F2) edits its text, which is saved at once and the
lecture's index refreshed by a background job.
"""
from __future__ import annotations

import bisect
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMenu, QPushButton, QSlider, QStyle, QTableWidget, QTableWidgetItem,
                               QToolButton, QVBoxLayout, QWidget)

from ..core import jobs
from ..core import lectures
from ..core import library
from ..core.errors import LecternError
from ..core.timefmt import format_duration
from ..core.lectures.transcript_export import FORMATS, export

CURRENT_BG = QColor("#dbeafe")
MATCH_BG = QColor("#fef3c7")


class TranscriptViewer(QWidget):
    def __init__(self, ctx, recording_id: int, start_s: float = 0.0, autoplay: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Window)
        self.ctx = ctx
        self.recording_id = recording_id
        self.rec = lectures.get_recording(ctx.db, recording_id)   # raises a plain error if gone
        self.setObjectName("TranscriptViewer")
        self.setAttribute(Qt.WA_DeleteOnClose)
        self.setAttribute(Qt.WA_StyledBackground, True)
        self.setWindowTitle(f"{self.rec.title} — Lectern")
        self.resize(900, 680)
        self.segments: list[lectures.Segment] = []
        self._starts: list[float] = []
        self._current_row = -1
        self._matches: list[int] = []
        self._match_pos = -1
        self._pending_seek: float | None = max(0.0, start_s)
        self._autoplay = autoplay
        self._filling = False
        self._user_dragging = False
        self.status_text = ""
        self._shut = False

        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self._build()
        self._connect()
        self.reload()
        path = lectures.audio_path(ctx.db, ctx.paths, self.rec)
        if path.exists():
            self.player.setSource(QUrl.fromLocalFile(str(path)))
        else:
            self._say(f"The audio file of this lecture is missing ({path.name}); the transcript is still here.")

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 14, 16, 12)
        lay.setSpacing(10)
        self.title = QLabel()
        self.title.setObjectName("PaneTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("Hint")
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)

        bar = QHBoxLayout()
        self.back_button = QToolButton()
        self.back_button.setText("−10 s")
        self.back_button.setToolTip("Back 10 seconds (Left)")
        self.play_button = QPushButton("Play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPlay))
        self.play_button.setObjectName("PrimaryButton")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.setMinimumWidth(100)
        self.fwd_button = QToolButton()
        self.fwd_button.setText("+10 s")
        self.fwd_button.setToolTip("Forward 10 seconds (Right)")
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setAccessibleName("Position in the lecture")
        self.time_label = QLabel("0:00 / 0:00")
        self.time_label.setMinimumWidth(110)
        self.speed = QComboBox()
        for rate in (0.75, 1.0, 1.25, 1.5, 2.0):
            self.speed.addItem(f"{rate:g}×", rate)
        self.speed.setCurrentIndex(1)
        self.speed.setToolTip("Playback speed")
        for w in (self.back_button, self.play_button, self.fwd_button):
            bar.addWidget(w)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.time_label)
        bar.addWidget(self.speed)
        lay.addLayout(bar)

        tools = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search in the transcript (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.match_label = QLabel("")
        self.match_label.setObjectName("Hint")
        self.prev_button = QToolButton()
        self.prev_button.setText("▲")
        self.prev_button.setToolTip("Previous match (Shift+Enter)")
        self.next_button = QToolButton()
        self.next_button.setText("▼")
        self.next_button.setToolTip("Next match (Enter)")
        self.export_button = QPushButton("Export…")
        menu = QMenu(self.export_button)
        for fmt, label in FORMATS.items():
            act = QAction(label.split(" (")[0], self)
            act.triggered.connect(lambda _=False, f=fmt: self._choose_export(f))
            menu.addAction(act)
        self.export_button.setMenu(menu)
        tools.addWidget(self.search, 1)
        tools.addWidget(self.match_label)
        tools.addWidget(self.prev_button)
        tools.addWidget(self.next_button)
        tools.addSpacing(12)
        tools.addWidget(self.export_button)
        lay.addLayout(tools)

        self.table = QTableWidget(0, 2)
        self.table.setObjectName("TranscriptTable")
        self.table.setHorizontalHeaderLabels(["Time", "What was said (double-click to correct)"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.setWordWrap(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.table.setAlternatingRowColors(False)
        self.table.setTextElideMode(Qt.ElideNone)
        # Long lines wrap; their height follows the column width.
        self.table.horizontalHeader().sectionResized.connect(lambda *_: self.table.resizeRowsToContents())
        lay.addWidget(self.table, 1)
        self.empty = QLabel()
        self.empty.setObjectName("EmptyText")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty, 1)
        self.status = QLabel("")
        self.status.setObjectName("Hint")
        lay.addWidget(self.status)

    def _connect(self) -> None:
        self.play_button.clicked.connect(self.toggle_play)
        self.back_button.clicked.connect(lambda: self.seek(self.position_s() - 10))
        self.fwd_button.clicked.connect(lambda: self.seek(self.position_s() + 10))
        self.slider.sliderPressed.connect(lambda: setattr(self, "_user_dragging", True))
        self.slider.sliderReleased.connect(self._slider_released)
        self.speed.currentIndexChanged.connect(lambda _i: self.player.setPlaybackRate(self.speed.currentData()))
        self.player.durationChanged.connect(self._on_duration)
        self.player.positionChanged.connect(self._on_position)
        self.player.mediaStatusChanged.connect(self._on_status)
        self.player.playbackStateChanged.connect(self._on_playback_state)
        self.player.errorOccurred.connect(lambda _e, msg: self._say(f"The audio cannot be played: {msg}"))
        self.table.cellClicked.connect(self._on_cell_clicked)
        self.table.itemChanged.connect(self._on_item_changed)
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self.next_match)
        self.next_button.clicked.connect(self.next_match)
        self.prev_button.clicked.connect(self.prev_match)
        for keys, fn, ctx in (("Ctrl+F", self._focus_search, Qt.WindowShortcut),
                              ("Shift+Return", self.prev_match, Qt.WidgetWithChildrenShortcut),
                              ("Space", self.toggle_play, Qt.WindowShortcut),
                              ("Left", lambda: self.seek(self.position_s() - 5), Qt.WindowShortcut),
                              ("Right", lambda: self.seek(self.position_s() + 5), Qt.WindowShortcut),
                              ("Escape", self.close, Qt.WindowShortcut)):
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(ctx)
            sc.activated.connect(fn)
        if self.ctx.monitor is not None:
            self.ctx.monitor.job_changed.connect(self._on_job_changed)
        self._poll = QTimer(self)
        self._poll.setInterval(200)
        self._poll.timeout.connect(self._follow)
        self._poll.start()

    # -- data --------------------------------------------------------------------------------------
    def reload(self) -> None:
        db = self.ctx.db
        self.rec = lectures.get_recording(db, self.recording_id)
        self.title.setText(self.rec.title)
        where = ""
        if self.rec.node_id is not None:
            lin = library.lineage(db, self.rec.node_id)
            where = " › ".join(x for x in (lin["semester"], lin["subject"], lin["book"]) if x)
        bits = [b for b in (where, format_duration(self.rec.duration_s),
                            f"transcribed with {self.rec.model}" if self.rec.model else "") if b]
        self.subtitle.setText(" · ".join(bits))
        self.segments = lectures.segments(db, self.recording_id)
        self._starts = [s.start_s for s in self.segments]
        self._filling = True
        self.table.setRowCount(len(self.segments))
        for row, seg in enumerate(self.segments):
            t = QTableWidgetItem(format_duration(seg.start_s))
            t.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
            t.setForeground(QBrush(QColor("#2563eb")))
            t.setToolTip("Play from here")
            text = QTableWidgetItem(seg.text)
            text.setData(Qt.UserRole, seg.id)
            if seg.edited:
                text.setToolTip("You corrected this line")
            self.table.setItem(row, 0, t)
            self.table.setItem(row, 1, text)
        self.table.resizeRowsToContents()
        self._filling = False
        self._current_row = -1
        has = bool(self.segments)
        self.table.setVisible(has)
        self.empty.setVisible(not has)
        if not has:
            self.empty.setText(self._not_ready_text())
        self._on_search(self.search.text())
        self._follow()

    def _not_ready_text(self) -> str:
        job = jobs.latest_for_target(self.ctx.db, lectures.job_target(self.recording_id))
        if self.rec.state == "failed":
            return f"The transcript could not be made: {self.rec.error or 'unknown error'}"
        if job is not None and job.state == jobs.RUNNING:
            return f"The transcript is being made ({job.progress * 100:.0f}%). It appears here when it is ready; " \
                   "you can already listen."
        if job is not None and job.state == jobs.QUEUED:
            return "The transcript is waiting its turn. It appears here when it is ready; you can already listen."
        if self.rec.state == "transcribed":
            return "No speech was found in this recording."
        return "There is no transcript yet."

    def _on_job_changed(self, job) -> None:
        if job.target != lectures.job_target(self.recording_id) or job.kind != lectures.TRANSCRIBE_JOB:
            return
        if job.finished:
            self.reload()
        elif not self.segments:
            self.empty.setText(self._not_ready_text())

    # -- playback ------------------------------------------------------------------------------------
    def position_s(self) -> float:
        """Where playback is (or is about to start, while the audio still loads)."""
        if self._pending_seek is not None:
            return self._pending_seek
        return self.player.position() / 1000.0

    def is_playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlayingState

    def seek(self, seconds: float, play: bool = False) -> None:
        seconds = max(0.0, seconds)
        dur = self.player.duration()
        if dur > 0:
            seconds = min(seconds, dur / 1000.0)
        status = self.player.mediaStatus()
        if status in (QMediaPlayer.LoadedMedia, QMediaPlayer.BufferedMedia, QMediaPlayer.BufferingMedia,
                      QMediaPlayer.EndOfMedia) and dur > 0:
            self._pending_seek = None
            self.player.setPosition(int(seconds * 1000))
        else:
            self._pending_seek = seconds
        if play:
            self._autoplay = True
            if self._pending_seek is None:
                self.player.play()
        self._follow()

    def toggle_play(self) -> None:
        if self.is_playing():
            self.player.pause()
        else:
            if self.player.mediaStatus() == QMediaPlayer.EndOfMedia:
                self.player.setPosition(0)
            if self._pending_seek is None:
                self.player.play()
            else:
                self._autoplay = True

    def _on_status(self, status) -> None:
        if status in (QMediaPlayer.LoadedMedia, QMediaPlayer.BufferedMedia) and self._pending_seek is not None:
            target = self._pending_seek
            self._pending_seek = None
            self.player.setPosition(int(target * 1000))
            if self._autoplay:
                self.player.play()
        elif status == QMediaPlayer.InvalidMedia:
            self._say("This audio file cannot be played; the transcript is still here.")

    def _on_playback_state(self, _state) -> None:
        playing = self.is_playing()
        self.play_button.setText("Pause" if playing else "Play")
        self.play_button.setIcon(self.style().standardIcon(QStyle.SP_MediaPause if playing else QStyle.SP_MediaPlay))

    def _on_duration(self, ms: int) -> None:
        self.slider.setRange(0, max(0, ms))

    def _on_position(self, ms: int) -> None:
        if not self._user_dragging:
            self.slider.setValue(ms)

    def _slider_released(self) -> None:
        self._user_dragging = False
        self.seek(self.slider.value() / 1000.0)

    def _follow(self) -> None:
        pos = self.position_s()
        dur = self.player.duration() / 1000.0 if self.player.duration() > 0 else self.rec.duration_s
        self.time_label.setText(f"{format_duration(pos)} / {format_duration(dur)}")
        row = self.segment_at(pos)
        if row != self._current_row:
            self._highlight(row)

    def segment_at(self, seconds: float) -> int:
        """Row of the segment being spoken at ``seconds`` (the last one started), or -1."""
        return bisect.bisect_right(self._starts, seconds + 1e-3) - 1

    def current_segment(self) -> int:
        return self._current_row

    def _highlight(self, row: int) -> None:
        old = self._current_row
        self._current_row = row
        for r in (old, row):
            if 0 <= r < self.table.rowCount():
                self._paint_row(r)
        if 0 <= row < self.table.rowCount() and self.is_playing():
            self.table.scrollToItem(self.table.item(row, 1), QAbstractItemView.EnsureVisible)

    def _paint_row(self, r: int) -> None:
        self._filling = True
        bg = CURRENT_BG if r == self._current_row else (MATCH_BG if r in self._matches else QColor(0, 0, 0, 0))
        for c in range(2):
            item = self.table.item(r, c)
            if item is None:
                continue
            item.setBackground(QBrush(bg))
            f = item.font()
            f.setBold(r == self._current_row)
            item.setFont(f)
        self.table.resizeRowToContents(r)   # bold text is wider: it may need one more line
        self._filling = False

    def _on_cell_clicked(self, row: int, _col: int) -> None:
        if 0 <= row < len(self.segments):
            self.seek(self.segments[row].start_s, play=True)

    # -- search ---------------------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _on_search(self, text: str) -> None:
        needle = text.strip().lower()
        old = set(self._matches)
        self._matches = [i for i, s in enumerate(self.segments) if needle and needle in s.text.lower()]
        self._match_pos = -1
        for r in old | set(self._matches):
            if r < self.table.rowCount():
                self._paint_row(r)
        if needle:
            n = len(self._matches)
            self.match_label.setText(f"{n} match{'es' if n != 1 else ''}" if n else "No match")
            if self._matches:
                self.next_match()
        else:
            self.match_label.setText("")

    def next_match(self) -> None:
        self._step_match(+1)

    def prev_match(self) -> None:
        self._step_match(-1)

    def _step_match(self, step: int) -> None:
        if not self._matches:
            return
        self._match_pos = (self._match_pos + step) % len(self._matches)
        row = self._matches[self._match_pos]
        self.table.selectRow(row)
        self.table.scrollToItem(self.table.item(row, 1), QAbstractItemView.PositionAtCenter)
        self.match_label.setText(f"{self._match_pos + 1} of {len(self._matches)}")

    def matches(self) -> list[int]:
        return list(self._matches)

    # -- editing ----------------------------------------------------------------------------------------
    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 1:
            return
        row = item.row()
        seg = self.segments[row]
        new = item.text()
        if " ".join(new.split()) == seg.text:
            return
        self.edit_segment(row, new)

    def edit_segment(self, row: int, text: str) -> bool:
        """Save a correction and refresh the lecture's index. False (and reverted) if refused."""
        seg = self.segments[row]
        try:
            lectures.edit_segment(self.ctx.db, seg.id, text)
        except LecternError as exc:
            self._filling = True
            self.table.item(row, 1).setText(seg.text)
            self._filling = False
            self._say(str(exc))
            return False
        self.ctx.submit(lectures.INDEX_JOB, {"recording_id": self.recording_id},
                        target=lectures.job_target(self.recording_id),
                        title=f"Update the index of “{self.rec.title}”")
        self.segments[row] = lectures.Segment(seg.id, seg.idx, seg.start_s, seg.end_s, " ".join(text.split()), True)
        self._filling = True
        self.table.item(row, 1).setText(self.segments[row].text)
        self.table.item(row, 1).setToolTip("You corrected this line")
        self._filling = False
        self._say(f"Saved your correction at {format_duration(seg.start_s)}.")
        return True

    # -- export -------------------------------------------------------------------------------------------
    def _choose_export(self, fmt: str) -> None:
        suggested = Path.home() / f"{self.rec.title}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, "Export transcript", str(suggested), FORMATS[fmt])
        if path:
            self.export(Path(path), fmt)

    def export(self, path: Path, fmt: str | None = None) -> Path | None:
        try:
            out = export(path, self.rec.title, self.segments, fmt)
        except LecternError as exc:
            self._say(str(exc))
            return None
        self._say(f"Exported to {out}.")
        return out

    # -- misc ------------------------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.status_text = text
        self.status.setText(text)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.table.resizeRowsToContents()

    def closeEvent(self, event) -> None:  # noqa: N802
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Release the player and its audio output as the window closes.

        They hold decoder threads and a connection to the sound server, and must not outlive
        the window. They are deleted by the event loop, not stopped from here: ``stop()``
        (or a synchronous delete) joins the decoder threads while this thread holds Python's
        GIL, and a decoder thread tearing down calls into the Python wrapper of the audio
        output, which needs the GIL: a deadlock. From the event loop the GIL is free.
        Safe to call twice; the viewer is not used afterwards."""
        if self._shut:
            return
        self._shut = True
        self._poll.stop()
        if self.ctx.monitor is not None:
            try:
                self.ctx.monitor.job_changed.disconnect(self._on_job_changed)
            except (RuntimeError, TypeError):
                pass
        self.player.blockSignals(True)      # no more slots into a closing window
        self.player.deleteLater()           # stops playback and joins its threads
        self.audio.deleteLater()
