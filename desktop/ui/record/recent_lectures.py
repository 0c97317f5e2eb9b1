"""Recent lectures: the last thirty, where they are filed, how long, how far transcribed."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QPushButton, QSizePolicy, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from ...core import jobs, lectures, library
from ...core.timefmt import format_duration

STATE_LABELS = {"recording": "Recording", "paused": "Paused", "stopped": "Waiting to be transcribed",
                "queued": "Waiting to be transcribed", "recovered": "Recovered, waiting to be transcribed",
                "transcribing": "Transcribing", "transcribed": "Transcribed", "failed": "Failed",
                "cancelled": "Transcription cancelled"}
RETRYABLE = ("failed", "cancelled", "recovered", "stopped", "transcribed")
SHOWN = 30


class RecentLectures(QWidget):
    selected = Signal(object)          # recording id, or None
    open_requested = Signal(int)       # recording id
    retry_requested = Signal(int)      # recording id

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.recording = False   # no "Transcribe again" while a recording runs
        self.live: dict[int, str] = {}   # recording id -> how far its transcript made while recording is
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        title = QLabel("Recent lectures")
        title.setObjectName("SectionTitle")
        head.addWidget(title)
        head.addStretch(1)
        self.open_button = QPushButton("Open transcript")
        self.open_button.setToolTip("Play the lecture and read its transcript (Enter)")
        self.retry_button = QPushButton("Transcribe again")
        head.addWidget(self.retry_button)
        head.addWidget(self.open_button)
        lay.addLayout(head)
        self.tree = QTreeWidget()
        self.tree.setObjectName("RecentLectures")
        self.tree.setRootIsDecorated(False)
        self.tree.setHeaderLabels(["Lecture", "Filed under", "Length", "Status"])
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        for col in (1, 2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        self.tree.setMinimumHeight(84)   # three lines; on a small screen the recording card comes first
        self.empty = QLabel("No lectures yet. Press Record (Ctrl+R) or import a recording.")
        self.empty.setObjectName("Hint")
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.empty)
        lay.addStretch(0)   # with no lectures the hint stays under the title

        self.tree.itemActivated.connect(lambda item, _c: self.open_requested.emit(item.data(0, Qt.UserRole)))
        self.tree.currentItemChanged.connect(self._on_current)
        self.open_button.clicked.connect(lambda: self._emit_for_selected(self.open_requested))
        self.retry_button.clicked.connect(lambda: self._emit_for_selected(self.retry_requested))
        if ctx.monitor is not None:
            ctx.monitor.job_changed.connect(self._on_job_changed)
        self.refresh()

    # -- rows ------------------------------------------------------------------------------
    def refresh(self) -> None:
        db = self.ctx.db
        keep = self.selected_id()
        self.tree.blockSignals(True)  # rebuilding is not the student choosing a lecture
        self.tree.clear()
        for rec in lectures.recent(db, SHOWN):
            where = ""
            if rec.node_id is not None:
                lin = library.lineage(db, rec.node_id)
                where = " › ".join(x for x in (lin["subject"], lin["book"]) if x)
            item = QTreeWidgetItem([rec.title, where, format_duration(rec.duration_s), self._status_text(rec)])
            item.setData(0, Qt.UserRole, rec.id)
            self._set_state(item, rec)
            self.tree.addTopLevelItem(item)
            if rec.id == keep:
                self.tree.setCurrentItem(item)
        self.tree.blockSignals(False)
        self.update_controls()

    def _item(self, rec_id: int) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.data(0, Qt.UserRole) == rec_id:
                return item
        return None

    @staticmethod
    def _set_state(item: QTreeWidgetItem, rec: Any) -> None:
        item.setData(3, Qt.UserRole, rec.state)
        item.setToolTip(3, rec.error or "")

    def _status_text(self, rec: Any) -> str:
        text = STATE_LABELS.get(rec.state, rec.state.capitalize())
        live = self.live.get(rec.id)
        if live and rec.state in ("recording", "paused"):
            return f"{text} · {live[0].lower() + live[1:]}"
        if live and rec.state == "stopped":
            return live
        if rec.state == "transcribing":
            job = jobs.latest_for_target(self.ctx.db, lectures.job_target(rec.id))
            if job is not None and job.state == jobs.RUNNING:
                text += f" {job.progress * 100:.0f}%"
                if job.eta_s is not None:
                    text += f" · ~{format_duration(job.eta_s)} left"
        elif rec.state == "failed" and rec.error:
            text += f": {rec.error}"
        return text

    def status_of(self, rec_id: int) -> str:
        item = self._item(rec_id)
        return item.text(3) if item is not None else ""

    def set_length(self, rec_id: int, text: str) -> None:
        item = self._item(rec_id)
        if item is not None:
            item.setText(2, text)

    def set_live(self, rec_id: int, text: str) -> None:
        """What the transcript made while recording says; shown until it is complete."""
        self.live[rec_id] = text
        item = self._item(rec_id)
        if item is None:
            return
        rec = lectures.get_recording(self.ctx.db, rec_id)
        item.setText(3, self._status_text(rec))
        self._set_state(item, rec)

    def clear_live(self, rec_id: int) -> None:
        self.live.pop(rec_id, None)
        self.refresh()

    def _on_job_changed(self, job: Any) -> None:
        if not job.target.startswith("recording:"):
            return
        rec_id = int(job.target.split(":", 1)[1])
        item = self._item(rec_id)
        if item is None:
            self.refresh()
            return
        rec = lectures.get_recording(self.ctx.db, rec_id)
        item.setText(3, self._status_text(rec))
        item.setText(2, format_duration(rec.duration_s))
        self._set_state(item, rec)
        self.update_controls()

    # -- selection ---------------------------------------------------------------------------
    def selected_id(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.UserRole) if item else None

    def clear_selection(self) -> None:
        self.tree.setCurrentItem(None)

    def _on_current(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        self.update_controls()
        self.selected.emit(item.data(0, Qt.UserRole) if item is not None else None)

    def _emit_for_selected(self, signal: Any) -> None:
        rec_id = self.selected_id()
        if rec_id is not None:
            signal.emit(rec_id)

    def update_controls(self) -> None:
        item = self.tree.currentItem()
        self.open_button.setEnabled(item is not None)
        self.retry_button.setEnabled(item is not None and not self.recording
                                     and item.data(3, Qt.UserRole) in RETRYABLE)
        count = self.tree.topLevelItemCount()
        self.tree.setVisible(count > 0)
        self.empty.setVisible(count == 0)
        # Empty, it takes only the room it needs; the captions get the rest.
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Expanding if count else QSizePolicy.Maximum)

    def shutdown(self) -> None:
        if self.ctx.monitor is not None:
            try:
                self.ctx.monitor.job_changed.disconnect(self._on_job_changed)
            except (RuntimeError, TypeError):
                pass
