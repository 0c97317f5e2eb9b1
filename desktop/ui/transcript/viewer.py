"""Transcript viewer: play a lecture, follow its transcript, search it, fix it, export it.

The segment being spoken is highlighted as the audio plays; clicking a line plays from
there; double-clicking (or F2) edits it, which is saved at once and the lecture's index
refreshed by a background job. The student's notes sit among the lines at their second.
A lecture still being recorded or transcribed fills in as its lines land: a timer asks
for a cheap fingerprint of the transcript (``lectures.transcript_mark``) and adds only
the lines stored since the last one shown. It never starts playing by itself.
"Summarise" and "Make cards" start the Study pane's jobs on the lecture, as the Library's
"Summarise…" and "Make cards…" do (``study.requests``), once any correction being typed is saved.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemDelegate, QAbstractItemView, QFileDialog, QHBoxLayout, QLabel, QLineEdit,
                               QMenu, QPushButton, QToolButton, QVBoxLayout, QWidget)

from ...core import jobs
from ..theme import set_icon
from ...core import lectures
from ...core import library
from ...core.errors import LecternError
from ...core.lectures.transcript_export import FORMATS, export
from ...core.timefmt import format_duration
from ..study.requests import request_cards, request_summary
from .player_bar import PlayerBar
from .transcript_lines import NOTE, SEGMENT, Line, TranscriptLines

LIVE_STATES = ("recording", "paused")
FOLLOW_MS = 1500        # how often a lecture still being transcribed is looked at
SIZE = (900, 680)       # the window's size where the screen has room for it


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
        self.status_text = ""
        self._mark: tuple | None = None
        self._last_segment_id = 0
        self._notes_seen = 0.0
        self._match_pos = -1
        self._shut = False
        self.bar = PlayerBar(start_s)
        self._build()
        self._fit_screen()
        self._connect()
        self.reload()
        path = lectures.audio_path(ctx.db, ctx.paths, self.rec)
        if path.exists():
            self.bar.set_file(path)
            if autoplay:
                self.bar.seek(start_s, play=True)
        else:
            self._say(f"The audio file of this lecture is missing ({path.name}); the transcript is still here.")

    # -- the parts tests and the pane reach ------------------------------------------------------
    @property
    def player(self):
        return self.bar.player

    @property
    def play_button(self) -> QPushButton:
        return self.bar.play_button

    @property
    def lines(self) -> list[Line]:
        return self.table.lines

    @property
    def segments(self) -> list[Line]:
        return [ln for ln in self.table.lines if ln.kind == SEGMENT]

    # -- layout ------------------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 12, 16, 10)
        lay.setSpacing(8)
        self.title = QLabel()
        self.title.setObjectName("PaneTitle")
        self.title.setWordWrap(True)
        self.subtitle = QLabel()
        self.subtitle.setObjectName("Hint")
        self.subtitle.setWordWrap(True)
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        lay.addWidget(self.bar)

        tools = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search in the transcript (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.match_label = QLabel("")
        self.match_label.setObjectName("Hint")
        self.prev_button = QToolButton()
        set_icon(self.prev_button, "chevron-up")
        self.prev_button.setToolTip("Previous match (Shift+Enter)")
        self.prev_button.setAccessibleName("Previous match")
        self.next_button = QToolButton()
        set_icon(self.next_button, "chevron-down")
        self.next_button.setToolTip("Next match (Enter)")
        self.next_button.setAccessibleName("Next match")
        self.export_button = QPushButton("Export…")
        menu = QMenu(self.export_button)
        for fmt, label in FORMATS.items():
            act = QAction(label.split(" (")[0], self)
            act.triggered.connect(lambda _=False, f=fmt: self._choose_export(f))
            menu.addAction(act)
        self.export_button.setMenu(menu)
        self.summarise_button = QPushButton("Summarise")
        self.summarise_button.clicked.connect(self.summarise)
        self.cards_button = QPushButton("Make cards")
        self.cards_button.clicked.connect(self.make_cards)
        tools.addWidget(self.search, 1)
        tools.addWidget(self.match_label)
        tools.addWidget(self.prev_button)
        tools.addWidget(self.next_button)
        tools.addSpacing(12)
        tools.addWidget(self.summarise_button)
        tools.addWidget(self.cards_button)
        tools.addWidget(self.export_button)
        lay.addLayout(tools)

        self.table = TranscriptLines()
        self.table.setMinimumHeight(120)
        lay.addWidget(self.table, 1)
        self.empty = QLabel()
        self.empty.setObjectName("EmptyText")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        lay.addWidget(self.empty, 1)
        self.status = QLabel("")
        self.status.setObjectName("Hint")
        self.status.setWordWrap(True)
        lay.addWidget(self.status)

    def _fit_screen(self) -> None:
        """Its size, or less on a small screen (1024×600 has about 560 pixels of height to give)."""
        screen = self.screen()
        w, h = SIZE
        if screen is not None:
            room = screen.availableGeometry()
            w, h = min(w, room.width() - 24), min(h, room.height() - 40)
        self.resize(max(480, w), max(360, h))

    def _connect(self) -> None:
        self.bar.moved.connect(self._follow)
        self.bar.ended.connect(self._on_ended)
        self.bar.problem.connect(self._say)
        self.table.clicked_at.connect(self._on_row_clicked)
        self.table.edited.connect(self._on_edited)
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self.next_match)
        self.next_button.clicked.connect(self.next_match)
        self.prev_button.clicked.connect(self.prev_match)
        for keys, fn, ctx in ((QKeySequence("Ctrl+F"), self._focus_search, Qt.WindowShortcut),
                              (QKeySequence("Shift+Return"), self.prev_match, Qt.WidgetWithChildrenShortcut),
                              (QKeySequence("Space"), self.toggle_play, Qt.WindowShortcut),
                              (QKeySequence("Left"), lambda: self.seek(self.position_s() - 5), Qt.WindowShortcut),
                              (QKeySequence("Right"), lambda: self.seek(self.position_s() + 5), Qt.WindowShortcut),
                              (QKeySequence(QKeySequence.Close), self.close, Qt.WindowShortcut),
                              (QKeySequence("Ctrl+W"), self.close, Qt.WindowShortcut),
                              (QKeySequence("Escape"), self.close, Qt.WindowShortcut)):
            sc = QShortcut(keys, self)
            sc.setContext(ctx)
            sc.activated.connect(fn)
        if self.ctx.monitor is not None:
            self.ctx.monitor.job_changed.connect(self._on_job_changed)
        self._poll = QTimer(self)
        self._poll.setInterval(FOLLOW_MS)
        self._poll.timeout.connect(self.refresh)
        self._poll.start()

    # -- data --------------------------------------------------------------------------------------
    def reload(self) -> None:
        db = self.ctx.db
        self.rec = lectures.get_recording(db, self.recording_id)
        self._mark = lectures.transcript_mark(db, self.recording_id)
        self._describe()
        segs = lectures.segments(db, self.recording_id)
        notes = lectures.notes(db, self.recording_id)
        self._last_segment_id = max((s.id for s in segs), default=0)
        self._notes_seen = max((n.updated_at for n in notes), default=0.0)
        self.table.set_lines([Line(SEGMENT, s.id, s.start_s, s.text, s.edited) for s in segs]
                             + [Line(NOTE, n.id, n.at_s, n.text) for n in notes])
        self._show_table()
        self._on_search(self.search.text())
        self._follow()

    def refresh(self) -> None:
        """Add what landed since the last look (a lecture still being recorded or transcribed)."""
        db = self.ctx.db
        try:
            mark = lectures.transcript_mark(db, self.recording_id)
        except Exception:   # a busy moment: the next tick looks again
            return
        if mark == self._mark:
            return
        old, self._mark = self._mark, mark
        if old is None or mark[0] < old[0] or mark[2] < old[2] or mark[4] != old[4]:
            self.reload()   # something was taken away, or the lecture changed state: read it all
            if old is not None and old[4] in LIVE_STATES and mark[4] not in LIVE_STATES:
                self.bar.reopen()   # the recording is complete: all of its audio can be played now
            return
        self.rec = lectures.get_recording(db, self.recording_id)
        self._describe()
        new = lectures.segments_after(db, self.recording_id, self._last_segment_id)
        if len(self.segments) + len(new) != mark[0]:
            self.reload()
            return
        for s in new:
            self.table.insert(Line(SEGMENT, s.id, s.start_s, s.text, s.edited))
            self._last_segment_id = max(self._last_segment_id, s.id)
        if mark[3] != self._notes_seen:
            for n in lectures.notes(db, self.recording_id):
                if n.updated_at <= self._notes_seen:
                    continue
                row = self.table.row_of(NOTE, n.id)
                if row >= 0:
                    self.table.replace_text(row, n.text, edited=False)
                else:
                    self.table.insert(Line(NOTE, n.id, n.at_s, n.text))
            self._notes_seen = mark[3]
        self._show_table()
        if self.search.text().strip():
            self._on_search(self.search.text())
        self._follow()

    def _describe(self) -> None:
        db = self.ctx.db
        self.title.setText(self.rec.title)
        where = ""
        if self.rec.node_id is not None:
            lin = library.lineage(db, self.rec.node_id)
            where = " › ".join(x for x in (lin["semester"], lin["subject"], lin["book"]) if x)
        live = self.rec.state in LIVE_STATES
        bits = [b for b in (where, "being recorded" if live else format_duration(self.rec.duration_s),
                            f"transcribed with {self.rec.model}" if self.rec.model else "") if b]
        self.subtitle.setText(" · ".join(bits))
        self.bar.fallback_duration_s = self.rec.duration_s

    def _show_table(self) -> None:
        has = bool(self.table.lines)
        self.table.setVisible(has)
        self.empty.setVisible(not has)
        if not has:
            self.empty.setText(self._not_ready_text())
        self._update_study_buttons()

    def _update_study_buttons(self) -> None:
        """Summarise and Make cards once there is a transcript to read (not while recording)."""
        ready = (self.rec.document_id is not None and self.rec.state not in LIVE_STATES
                 and any(ln.kind == SEGMENT for ln in self.table.lines))
        for button, what in ((self.summarise_button, "Key points of this lecture, each with its moment"),
                             (self.cards_button, "Flashcards from this lecture, to check before they enter a deck")):
            button.setEnabled(ready)
            button.setToolTip(f"{what}, in the Study pane (your corrections included)" if ready else
                              "Ready once the lecture is recorded and transcribed")

    def _not_ready_text(self) -> str:
        job = jobs.latest_for_target(self.ctx.db, lectures.job_target(self.recording_id))
        if self.rec.state == "failed":
            return f"The transcript could not be made: {self.rec.error or 'unknown error'}"
        if self.rec.state in ("recording", "paused"):
            return "This lecture is being recorded. Its transcript appears here as it is made."
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
        elif not self.table.lines:
            self.empty.setText(self._not_ready_text())

    # -- playback ------------------------------------------------------------------------------------
    def position_s(self) -> float:
        return self.bar.position_s()

    def is_playing(self) -> bool:
        return self.bar.is_playing()

    def seek(self, seconds: float, play: bool = False) -> None:
        self.bar.seek(seconds, play)

    def toggle_play(self) -> None:
        self.bar.toggle_play()

    def _on_ended(self) -> None:
        """At the end of what was recorded when it was loaded: a lecture still recording goes on."""
        if self.rec.state in LIVE_STATES and self.bar.has_grown():
            self.bar.reopen(play=True)

    def _follow(self) -> None:
        row = self.table.row_at(self.position_s())
        if row != self.table.current_row:
            self.table.highlight(row, follow=self.is_playing())

    def segment_at(self, seconds: float) -> int:
        """Row of the segment being spoken at ``seconds`` (the last one started), or -1."""
        return self.table.row_at(seconds)

    def current_segment(self) -> int:
        return self.table.current_row

    def _on_row_clicked(self, row: int) -> None:
        if 0 <= row < len(self.table.lines):
            self.seek(self.table.lines[row].start_s, play=True)

    # -- search ---------------------------------------------------------------------------------------
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _on_search(self, text: str) -> None:
        needle = text.strip().lower()
        self.table.set_matches([i for i, ln in enumerate(self.table.lines) if needle and needle in ln.text.lower()])
        self._match_pos = -1
        if needle:
            n = len(self.table.matches)
            self.match_label.setText(f"{n} match{'es' if n != 1 else ''}" if n else "No match")
            if n:
                self.next_match()
        else:
            self.match_label.setText("")

    def next_match(self) -> None:
        self._step_match(+1)

    def prev_match(self) -> None:
        self._step_match(-1)

    def _step_match(self, step: int) -> None:
        found = self.table.matches
        if not found:
            return
        self._match_pos = (self._match_pos + step) % len(found)
        row = found[self._match_pos]
        self.table.selectRow(row)
        self.table.scrollToItem(self.table.item(row, 1), QAbstractItemView.PositionAtCenter)
        self.match_label.setText(f"{self._match_pos + 1} of {len(found)}")

    def matches(self) -> list[int]:
        return list(self.table.matches)

    # -- editing ----------------------------------------------------------------------------------------
    def _on_edited(self, row: int, text: str) -> None:
        line = self.table.lines[row]
        if line.kind == NOTE:
            self.edit_note(row, text)
        else:
            self.edit_segment(row, text)

    def edit_segment(self, row: int, text: str) -> bool:
        """Save a correction and refresh the lecture's index. False (and put back) if refused."""
        line = self.table.lines[row]
        try:
            lectures.edit_segment(self.ctx.db, line.id, text)
        except LecternError as exc:
            self.table.put_back(row)
            self._say(str(exc))
            return False
        self._reindex()
        self.table.replace_text(row, " ".join(text.split()))
        self._mark = lectures.transcript_mark(self.ctx.db, self.recording_id)
        self._say(f"Saved your correction at {format_duration(line.start_s)}.")
        return True

    def edit_note(self, row: int, text: str) -> bool:
        """Save the student's new wording of a note (an emptied note is removed)."""
        line = self.table.lines[row]
        try:
            note = lectures.save_note(self.ctx.db, line.id, text)
        except LecternError as exc:
            self.table.put_back(row)
            self._say(str(exc))
            return False
        self._reindex()
        if note is None:
            self.reload()
            self._say(f"Removed your note at {format_duration(line.start_s)}.")
            return True
        self.table.replace_text(row, note.text, edited=False)
        self._mark = lectures.transcript_mark(self.ctx.db, self.recording_id)
        self._notes_seen = self._mark[3]
        self._say(f"Saved your note at {format_duration(line.start_s)}.")
        return True

    def _reindex(self) -> None:
        if self.rec.state in ("recording", "paused"):
            return   # the transcript made while recording indexes it with its next window
        self.ctx.submit(lectures.INDEX_JOB, {"recording_id": self.recording_id},
                        target=lectures.job_target(self.recording_id),
                        title=f"Update the index of “{self.rec.title}”")

    # -- study --------------------------------------------------------------------------------------------
    def summarise(self) -> int | None:
        """Summarise the lecture: the Library's "Summarise…", followed in the Study pane."""
        return self._study(request_summary, "summary")

    def make_cards(self) -> int | None:
        """Make cards from the lecture: the Library's "Make cards…", followed in the Study pane."""
        return self._study(request_cards, "cards")

    def _study(self, request: Callable[[Any, QWidget, int], int | None], what: str) -> int | None:
        self.commit_edit()      # the job reads the transcript as corrected, the line being typed included
        if self.rec.document_id is None:
            self._say("This lecture is not in the library yet, so it cannot be studied.")
            return None
        job_id = request(self.ctx, self, self.rec.document_id)
        if job_id is None:
            return None
        self._say(f"Making the {what} of this lecture: follow it in the Study pane.")
        main = self.parentWidget().window() if self.parentWidget() is not None else None
        if main is not None:        # the window showing the Study pane comes to the front
            main.raise_()
            main.activateWindow()
        return job_id

    def commit_edit(self) -> None:
        """Save a correction the student is still typing (an open editor), as Enter would."""
        if self.table.state() != QAbstractItemView.EditingState:
            return
        model = self.table.model()
        # The line being edited is not always the current one (an edit opened from code, a click elsewhere).
        for row in [self.table.currentRow(), *range(self.table.rowCount())]:
            editor = self.table.indexWidget(model.index(row, 1)) if row >= 0 else None
            if editor is not None:
                self.table.commitData(editor)
                self.table.closeEditor(editor, QAbstractItemDelegate.NoHint)
                return

    # -- export -------------------------------------------------------------------------------------------
    def _choose_export(self, fmt: str) -> None:
        suggested = Path.home() / f"{self.rec.title}.{fmt}"
        path, _ = QFileDialog.getSaveFileName(self, "Export transcript", str(suggested), FORMATS[fmt])
        if path:
            self.export(Path(path), fmt)

    def export(self, path: Path, fmt: str | None = None) -> Path | None:
        db = self.ctx.db
        try:
            out = export(path, self.rec.title, lectures.segments(db, self.recording_id), fmt,
                         notes=lectures.notes(db, self.recording_id))
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
        self.bar.release()
