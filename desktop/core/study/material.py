"""The source text a summary or a card set is made from: pages of a document or moments of a lecture.

A ``Piece`` is the smallest thing a citation points at: one page of a book, or one transcript
segment of a lecture (its corrected text: edits are stored in ``segments``). ``load_week`` gives
the lectures of a subject's week with the student's notes among their lines. ``windows`` groups
pieces into parts that fit a model's prompt, never two documents in one part.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

import sqlite_utils

from .. import catalog
from ..errors import LecternError, StudyError
from ..timefmt import format_duration
from . import weeks

_RANGE = re.compile(r"^\s*(\d+)\s*(?:[-–:]\s*(\d+))?\s*$")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Piece:
    document_id: int
    text: str
    page: int | None = None
    start_s: float | None = None

    @property
    def where(self) -> str:
        if self.page is not None:
            return f"page {self.page}"
        if self.start_s is not None:
            return format_duration(self.start_s)
        return ""

    def citation(self) -> dict[str, int | float | None]:
        return {"document_id": self.document_id, "page": self.page,
                "start_s": None if self.start_s is None else round(self.start_s, 2)}


def parse_pages(text: str | None) -> tuple[int, int] | None:
    """'12-30' -> (12, 30); '7' -> (7, 7); '' or None -> None (everything)."""
    if not text:
        return None
    m = _RANGE.match(text)
    if not m:
        raise StudyError(f"'{text}' is not a page range.", "Write it like 12-30, or a single page like 7.")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if first < 1 or last < first:
        raise StudyError(f"The page range {text} is empty.", "Give the first page, then a later one: 12-30.")
    return first, last


def load(db: sqlite_utils.Database, document_id: int, pages: tuple[int, int] | None = None) -> list[Piece]:
    """The pieces of a document in reading order; raises StudyError when there is nothing to use."""
    doc = catalog.get_document(db, document_id)
    if doc is None:
        raise StudyError(f"There is no document {document_id} in the library.",
                         "List the library with: lectern library --json")
    if doc.kind == "lecture" and doc.recording_id is not None:
        if pages is not None:
            raise StudyError("A lecture has no pages.", "Leave out --pages for a lecture.")
        pieces = [Piece(document_id, r["text"].strip(), start_s=float(r["start_s"])) for r in db.query(
            "SELECT start_s, text FROM segments WHERE recording_id = ? ORDER BY start_s, idx", [doc.recording_id])
            if r["text"].strip()]
        if not pieces:
            raise StudyError(f"'{doc.title}' has no transcript yet.", "Transcribe the lecture first.")
        return pieces
    sql, args = "SELECT page, text FROM chunks WHERE document_id = ?", [document_id]
    if pages is not None:
        sql, args = sql + " AND page BETWEEN ? AND ?", [*args, pages[0], pages[1]]
    by_page: dict[int | None, list[str]] = {}
    for r in db.query(sql + " ORDER BY ordinal", args):
        by_page.setdefault(r["page"], []).append(r["text"].strip())
    pieces = [Piece(document_id, _join(texts), page=page) for page, texts in by_page.items() if _join(texts)]
    if not pieces:
        where = f" on pages {pages[0]}–{pages[1]}" if pages else ""
        raise StudyError(f"'{doc.title}' has no readable text{where}.",
                         "Check the page range, or wait until the document is ingested.")
    return pieces


def lecture_with_notes(db: sqlite_utils.Database, doc: catalog.Document) -> list[Piece]:
    """A lecture's corrected transcript and the student's notes in it, in the order of the lecture
    (a note after the line that began at its second); [] when it has neither yet."""
    timed: list[tuple[float, int, Piece]] = [
        (float(r["start_s"]), 0, Piece(doc.id, r["text"].strip(), start_s=float(r["start_s"]))) for r in db.query(
            "SELECT start_s, text FROM segments WHERE recording_id = ? ORDER BY start_s, idx", [doc.recording_id])
        if r["text"].strip()]
    timed += [(float(r["at_s"]), 1, Piece(doc.id, r["text"].strip(), start_s=float(r["at_s"]))) for r in db.query(
        "SELECT at_s, text FROM lecture_notes WHERE recording_id = ? ORDER BY at_s, id", [doc.recording_id])
        if r["text"].strip()]
    return [p for _, _, p in sorted(timed, key=lambda t: (t[0], t[1]))]


def load_week(db: sqlite_utils.Database, subject_id: int, week: weeks.Week) -> list[Piece]:
    """The pieces of all the subject's lectures recorded in ``week`` (transcripts and notes),
    lecture after lecture; StudyError when the week has no lectures or none has text yet."""
    try:
        subject = catalog.get_node(db, subject_id)
    except LecternError:
        raise StudyError(f"There is no subject {subject_id} in the library.",
                         "List the library with: lectern library --json") from None
    if subject.level != "subject":
        raise StudyError(f"'{subject.name}' is a {subject.level}, not a subject.",
                         "Give a subject's id: lectern library --json lists them.")
    found = weeks.lectures(db, subject_id, week)
    if not found:
        raise StudyError(f"There are no lectures of {subject.name} in {week.label}.",
                         "Record a lecture that week, or choose another week.")
    pieces = [p for doc in found for p in lecture_with_notes(db, doc)]
    if not pieces:
        raise StudyError(f"The lectures of {subject.name} in {week.label} have no transcript or notes yet.",
                         "Wait until they are transcribed.")
    return pieces


def _join(texts: Iterable[str]) -> str:
    # Chunks of one page may overlap a little; keep each sentence once.
    seen: list[str] = []
    for t in texts:
        if t and t not in seen:
            seen.append(t)
    return " ".join(seen)


def split_long(piece: Piece, max_chars: int) -> list[Piece]:
    """A piece longer than ``max_chars`` as several (same page or second), cut between sentences."""
    if len(piece.text) <= max_chars:
        return [piece]
    parts: list[str] = [""]
    for sentence in _SENTENCE_END.split(piece.text):
        while len(sentence) > max_chars:          # one huge "sentence" (a table, a listing)
            parts += [sentence[:max_chars], ""]
            sentence = sentence[max_chars:]
        if parts[-1] and len(parts[-1]) + 1 + len(sentence) > max_chars:
            parts.append("")
        parts[-1] = f"{parts[-1]} {sentence}".strip()
    return [Piece(piece.document_id, t, piece.page, piece.start_s) for t in parts if t]


def windows(pieces: list[Piece], max_chars: int) -> list[list[Piece]]:
    """Consecutive pieces of one document grouped so each group's text stays under ``max_chars``
    (a long page is split between sentences first: nothing of it is left out)."""
    groups: list[list[Piece]] = []
    size = 0
    for p in (part for piece in pieces for part in split_long(piece, max_chars)):
        # A part holds one document: each part's key points then come from one lecture or book.
        if groups and size + len(p.text) <= max_chars and groups[-1][-1].document_id == p.document_id:
            groups[-1].append(p)
            size += len(p.text) + 1
        else:
            groups.append([p])
            size = len(p.text)
    return groups
