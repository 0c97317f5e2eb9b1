"""The lines of a transcript: what was said, with the student's notes at their moment.

A row is a transcript segment or a note (its own colour and an italic "Your note"
mark). Lines can be added while the lecture is still being transcribed (``insert``
keeps the order of the lecture). Double-click or F2 edits a line; ``edited`` says which.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from ...core.timefmt import format_duration
from .. import theme

SEGMENT, NOTE = "segment", "note"
CURRENT_BG = QColor("#dbeafe")
MATCH_BG = QColor("#fef3c7")
NOTE_BG = QColor("#f0fdf4")
NOTE_FG = QColor("#166534")
TIME_FG = QColor("#2563eb")


@dataclass
class Line:
    kind: str          # SEGMENT | NOTE
    id: int
    start_s: float
    text: str
    edited: bool = False

    @property
    def key(self) -> tuple[float, int, int]:
        # Notes after the segment that began at the same second; then by id.
        return (self.start_s, 1 if self.kind == NOTE else 0, self.id)


class TranscriptLines(QTableWidget):
    edited = Signal(int, str)     # row, new text
    clicked_at = Signal(int)      # row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 2, parent)
        self.lines: list[Line] = []
        self.current_row = -1
        self.matches: list[int] = []
        self._segment_starts: list[float] = []
        self._segment_rows: list[int] = []
        self._filling = False
        self.setObjectName("TranscriptTable")
        self.setHorizontalHeaderLabels(["Time", "What was said (double-click to correct)"])
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.setWordWrap(True)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed)
        self.setTextElideMode(Qt.ElideNone)
        # Long lines wrap; their height follows the column width.
        self.horizontalHeader().sectionResized.connect(lambda *_: self.resizeRowsToContents())
        self.itemChanged.connect(self._on_item_changed)
        self.cellClicked.connect(lambda row, _c: self.clicked_at.emit(row))

    # -- filling ----------------------------------------------------------------------------
    def set_lines(self, lines: list[Line]) -> None:
        self.lines = sorted(lines, key=lambda ln: ln.key)
        self._filling = True
        self.setRowCount(len(self.lines))
        for row, line in enumerate(self.lines):
            self._put(row, line)
        self.resizeRowsToContents()
        self._filling = False
        self.current_row = -1
        self._index()

    def insert(self, line: Line) -> int:
        """Add one line where it belongs in time; returns its row."""
        row = bisect.bisect_right([ln.key for ln in self.lines], line.key)
        self.lines.insert(row, line)
        self._filling = True
        self.insertRow(row)
        self._put(row, line)
        self.resizeRowToContents(row)
        self._filling = False
        if self.current_row >= row:
            self.current_row += 1
        self.matches = [m + 1 if m >= row else m for m in self.matches]
        self._index()
        return row

    def replace_text(self, row: int, text: str, edited: bool = True) -> None:
        line = self.lines[row]
        line.text, line.edited = text, edited or line.edited
        self._filling = True
        self.item(row, 1).setText(text)
        if line.kind == SEGMENT and line.edited:
            self.item(row, 1).setToolTip("You corrected this line")
        self.resizeRowToContents(row)
        self._filling = False

    def row_of(self, kind: str, line_id: int) -> int:
        return next((r for r, ln in enumerate(self.lines) if ln.kind == kind and ln.id == line_id), -1)

    def _put(self, row: int, line: Line) -> None:
        t = QTableWidgetItem(format_duration(line.start_s))
        t.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable)
        t.setForeground(QBrush(TIME_FG))
        t.setToolTip("Play from here")
        text = QTableWidgetItem(line.text)
        text.setData(Qt.UserRole, line.id)
        if line.kind == NOTE:
            for item in (t, text):
                item.setForeground(QBrush(NOTE_FG))
                f = item.font()
                f.setItalic(True)
                item.setFont(f)
            t.setIcon(theme.icon("note", "ready"))   # a pencil: the student wrote this line
            t.setToolTip("Your note: play from here")
            text.setToolTip(f"Your note at {format_duration(line.start_s)} (double-click to edit)")
        elif line.edited:
            text.setToolTip("You corrected this line")
        self.setItem(row, 0, t)
        self.setItem(row, 1, text)
        self.paint_row(row)

    def _index(self) -> None:
        rows = [(ln.start_s, r) for r, ln in enumerate(self.lines) if ln.kind == SEGMENT]
        self._segment_starts = [s for s, _ in rows]
        self._segment_rows = [r for _, r in rows]

    # -- where the lecture is -----------------------------------------------------------------
    def row_at(self, seconds: float) -> int:
        """Row of the segment being spoken at ``seconds`` (the last one started), or -1."""
        i = bisect.bisect_right(self._segment_starts, seconds + 1e-3) - 1
        return self._segment_rows[i] if i >= 0 else -1

    def highlight(self, row: int, follow: bool) -> None:
        old, self.current_row = self.current_row, row
        for r in (old, row):
            if 0 <= r < self.rowCount():
                self.paint_row(r)
        if 0 <= row < self.rowCount() and follow:
            self.scrollToItem(self.item(row, 1), QAbstractItemView.EnsureVisible)

    def paint_row(self, r: int) -> None:
        filling, self._filling = self._filling, True
        note = self.lines[r].kind == NOTE
        bg = CURRENT_BG if r == self.current_row else MATCH_BG if r in self.matches else \
            NOTE_BG if note else QColor(0, 0, 0, 0)
        for c in range(2):
            item = self.item(r, c)
            if item is None:
                continue
            item.setBackground(QBrush(bg))
            f = item.font()
            f.setBold(r == self.current_row)
            item.setFont(f)
        self.resizeRowToContents(r)   # bold text is wider: it may need one more line
        self._filling = filling

    def set_matches(self, rows: list[int]) -> None:
        old, self.matches = set(self.matches), rows
        for r in old | set(rows):
            if r < self.rowCount():
                self.paint_row(r)

    # -- editing --------------------------------------------------------------------------------
    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() != 1:
            return
        line = self.lines[item.row()]
        if " ".join(item.text().split()) == " ".join(line.text.split()):
            return
        self.edited.emit(item.row(), item.text())

    def put_back(self, row: int) -> None:
        """Show a line's stored text again (an edit was refused)."""
        self._filling = True
        self.item(row, 1).setText(self.lines[row].text)
        self._filling = False
