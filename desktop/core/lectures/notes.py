"""The student's own notes in a lecture, each at the second its typing started.

A note is saved as it is typed (the Record pane writes it a moment after the last
key), so a crash keeps what was typed up to then; recovery never touches the table.
Notes are indexed with the lecture's passages (kind ``lecture_note``), so search and
chat find them and cite them as "your note at 12:31"; the transcript viewer shows
them at their moment and exports carry them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from ..errors import LecternError
from ..timefmt import format_duration
from .chunking import NOTE_KIND
MAX_NOTE_CHARS = 20000


@dataclass
class Note:
    id: int
    recording_id: int
    at_s: float
    text: str
    updated_at: float

    # Read like a transcript segment where both are shown (viewer, exports).
    @property
    def start_s(self) -> float:
        return self.at_s

    @property
    def end_s(self) -> float:
        return self.at_s

    @classmethod
    def from_row(cls, r: Any) -> "Note":
        return cls(int(r["id"]), int(r["recording_id"]), float(r["at_s"]), r["text"], float(r["updated_at"]))


def note_label(at_s: float) -> str:
    return f"your note at {format_duration(at_s)}"


def moment_label(kind: str, start_s: float) -> str:
    """Where a lecture passage is: '12:31', or 'your note at 12:31' for the student's note."""
    return note_label(start_s) if kind == NOTE_KIND else format_duration(start_s)


def _clean(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_NOTE_CHARS:
        raise LecternError(f"A note can be at most {MAX_NOTE_CHARS:,} characters long.",
                           "Split it into several notes.")
    return text


def add_note(db: sqlite_utils.Database, recording_id: int, at_s: float, text: str) -> Note:
    """A new note at ``at_s`` seconds into the lecture."""
    if not db.execute("SELECT 1 FROM recordings WHERE id=?", (recording_id,)).fetchone():
        raise LecternError("That lecture is no longer in the library, so the note could not be saved.")
    now = time.time()
    cur = db.execute("INSERT INTO lecture_notes (recording_id, at_s, text, updated_at) VALUES (?,?,?,?)",
                     (recording_id, max(0.0, float(at_s)), _clean(text), now))
    return Note(int(cur.lastrowid), recording_id, max(0.0, float(at_s)), _clean(text), now)


def save_note(db: sqlite_utils.Database, note_id: int, text: str) -> Note | None:
    """The note's new text (its moment stays); an emptied note is removed (None)."""
    row = db.execute("SELECT * FROM lecture_notes WHERE id=?", (note_id,)).fetchone()
    if row is None:
        raise LecternError("That note no longer exists.")
    text = _clean(text)
    if not text:
        db.execute("DELETE FROM lecture_notes WHERE id=?", (note_id,))
        return None
    now = time.time()
    db.execute("UPDATE lecture_notes SET text=?, updated_at=? WHERE id=?", (text, now, note_id))
    return get_note(db, note_id)


def get_note(db: sqlite_utils.Database, note_id: int) -> Note:
    rows = list(db.query("SELECT * FROM lecture_notes WHERE id=?", [note_id]))
    if not rows:
        raise LecternError("That note no longer exists.")
    return Note.from_row(rows[0])


def notes(db: sqlite_utils.Database, recording_id: int) -> list[Note]:
    return [Note.from_row(r) for r in db.query(
        "SELECT * FROM lecture_notes WHERE recording_id=? AND text <> '' ORDER BY at_s, id", [recording_id])]
