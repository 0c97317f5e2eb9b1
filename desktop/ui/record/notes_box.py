"""Notes while recording: a line to type in and the lecture's notes so far.

A note is stamped with the second of the lecture at which its typing started (shown as
12:31) and saved as it is typed: a moment after the last key, on the one background
lane that writes to the library, so a busy library never freezes typing and a crash
loses at most that moment. Enter finishes a note; the next key starts a new one. A
note in the list is edited by double-clicking it; erasing all its text removes it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from ...core import lectures
from ...core.errors import LecternError
from ...core.timefmt import format_duration
from ..background import WRITER, Task, run_in_background, thread_db

log = logging.getLogger(__name__)

SAVE_AFTER_MS = 400      # after the last key
IDLE_HINT = "Typed while recording, each at its moment."


@dataclass
class Draft:
    """A note as the student types it; ``id`` is known once its first save has run."""
    recording_id: int
    at_s: float
    text: str = ""
    id: int | None = None
    saved_text: str = ""


class NotesBox(QWidget):
    problem = Signal(str)          # plain message for the pane's banner
    saved = Signal(int)            # recording id whose notes changed

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.recording_id: int | None = None
        self.clock: Callable[[], float] | None = None   # seconds into the lecture (the recorder's)
        self.draft: Draft | None = None
        self.drafts: list[Draft] = []
        self._tasks: list[Task] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        head = QHBoxLayout()
        title = QLabel("Notes")
        title.setObjectName("SectionTitle")
        head.addWidget(title)
        self.hint = QLabel(IDLE_HINT)
        self.hint.setObjectName("Hint")
        head.addWidget(self.hint, 1)
        lay.addLayout(head)
        self.list = QTreeWidget()
        self.list.setObjectName("LectureNotes")
        self.list.setRootIsDecorated(False)
        self.list.setHeaderHidden(True)
        self.list.setColumnCount(2)
        self.list.header().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.list.header().setSectionResizeMode(1, QHeaderView.Stretch)
        self.list.setEditTriggers(QAbstractItemView.NoEditTriggers)   # only the text, never the time
        self.list.setMinimumHeight(40)
        lay.addWidget(self.list, 1)
        self.input = QLineEdit()
        self.input.setAccessibleName("New note")
        self.input.setPlaceholderText("Type a note; Enter starts the next one")
        lay.addWidget(self.input)
        self.save_timer = QTimer(self)
        self.save_timer.setSingleShot(True)
        self.save_timer.setInterval(SAVE_AFTER_MS)
        self.save_timer.timeout.connect(self.save_now)
        self.input.textEdited.connect(self._on_typed)
        self.input.returnPressed.connect(self.finish_note)
        self.list.itemChanged.connect(self._on_item_changed)
        self.list.itemDoubleClicked.connect(lambda item, _c: self.list.editItem(item, 1))
        self.set_recording(None)

    # -- which lecture ----------------------------------------------------------------------
    def set_recording(self, recording_id: int | None, clock: Callable[[], float] | None = None) -> None:
        """Take notes for this lecture (``clock`` given while it records), or for none."""
        if self.draft is not None:
            self.finish_note()
        self.recording_id, self.clock = recording_id, clock
        self.input.setEnabled(recording_id is not None and clock is not None)
        self.hint.setText("Each keeps the moment you start typing it." if self.input.isEnabled() else IDLE_HINT)
        if recording_id is not None and clock is not None:
            self.list.clear()
            self.drafts = []

    def show_lecture(self, recording_id: int) -> None:
        """The notes of a lecture recorded before, to read or change (no new ones: its moment is past)."""
        if self.clock is not None:
            return   # a recording is running: its notes stay
        if self.draft is not None:
            self.finish_note()
        self.recording_id = recording_id
        self.list.clear()
        self.drafts = [Draft(recording_id, n.at_s, n.text, id=n.id, saved_text=n.text)
                       for n in lectures.notes(self.ctx.db, recording_id)]
        for draft in self.drafts:
            self._add_item(draft)
        self.input.setEnabled(False)
        self.hint.setText("Double-click a note to change it." if self.drafts else IDLE_HINT)

    def stop_clock(self) -> None:
        """The recording ended: what is being typed is saved; the notes stay editable."""
        if self.draft is not None:
            self.finish_note()
        self.clock = None
        self.input.setEnabled(False)
        self.hint.setText("Double-click a note to change it." if self.list.topLevelItemCount() else IDLE_HINT)

    # -- typing -----------------------------------------------------------------------------
    def _on_typed(self, text: str) -> None:
        if self.recording_id is None or self.clock is None:
            return
        if not text.strip():   # all erased: no note (one already saved is removed)
            draft, self.draft = self.draft, None
            self.save_timer.stop()
            if draft is not None:
                draft.text = ""
                self._save(draft)
            return
        if self.draft is None:
            # Stamped with the moment typing started, not when it is saved or finished.
            self.draft = Draft(self.recording_id, max(0.0, self.clock()))
            self.drafts.append(self.draft)
        self.draft.text = text
        self.save_timer.start()

    def finish_note(self) -> None:
        draft, self.draft = self.draft, None
        self.save_timer.stop()
        if draft is None:
            return
        draft.text = self.input.text() if draft.text == "" else draft.text
        self.input.clear()
        self._save(draft)
        if draft.text.strip():
            self._add_item(draft)

    def save_now(self) -> None:
        if self.draft is not None:
            self._save(self.draft)

    def _save(self, draft: Draft) -> None:
        if draft.text.strip() == draft.saved_text and (draft.id is not None or not draft.text.strip()):
            return
        paths = self.ctx.paths

        def work() -> int:
            db = thread_db(paths)
            text = draft.text.strip()   # read now: the latest words, whatever was typed meanwhile
            if draft.id is None:
                if not text:
                    return draft.recording_id
                draft.id = lectures.add_note(db, draft.recording_id, draft.at_s, text).id
            elif lectures.save_note(db, draft.id, text) is None:
                draft.id = None   # emptied: removed; typing again makes a new one
            draft.saved_text = text
            return draft.recording_id

        def failed(exc: BaseException) -> None:
            if isinstance(exc, LecternError):
                self.problem.emit(str(exc))
            else:
                log.error("a note could not be saved", exc_info=exc)
                self.problem.emit(f"Your note could not be saved ({exc}). It is still in the box; keep typing to "
                                  "try again.")
        self._tasks = [t for t in self._tasks if not t.finished]
        self._tasks.append(run_in_background(work, self.saved.emit, failed, lane=WRITER, owner=self,
                                             name="save-note"))

    # -- the list -----------------------------------------------------------------------------
    def _add_item(self, draft: Draft) -> None:
        self.list.blockSignals(True)
        item = QTreeWidgetItem([format_duration(draft.at_s), draft.text.strip()])
        item.setData(0, Qt.UserRole, draft)
        item.setFlags(item.flags() | Qt.ItemIsEditable)
        item.setToolTip(1, f"Your note at {format_duration(draft.at_s)} (double-click to change it)")
        item.setForeground(0, self.palette().placeholderText())
        self.list.addTopLevelItem(item)
        self.list.scrollToBottom()
        self.list.blockSignals(False)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        if column != 1:
            return
        draft: Draft = item.data(0, Qt.UserRole)
        draft.text = item.text(1)
        self._save(draft)
        if not draft.text.strip():
            self.list.blockSignals(True)
            self.list.takeTopLevelItem(self.list.indexOfTopLevelItem(item))
            self.list.blockSignals(False)

    def item(self, row: int) -> QTreeWidgetItem:
        return self.list.topLevelItem(row)

    def notes_shown(self) -> list[tuple[float, str]]:
        return [(d.at_s, d.text.strip()) for d in (self.list.topLevelItem(i).data(0, Qt.UserRole)
                                                     for i in range(self.list.topLevelItemCount()))]

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Save what is being typed and wait for the saves, so no note is lost on quit."""
        if self.draft is not None:
            self._save(self.draft)
        self.save_timer.stop()
        for t in self._tasks:
            t.wait(timeout_s)
