"""Cutting a transcript into passages for search: windows of whole segments.

Each passage is about CHUNK_MIN_S..CHUNK_MAX_S long and carries its start and end
second, so a citation can play the lecture from there. Used by indexing (the job) and
by a student's correction of one line (which updates keyword search at once).
The student's notes are passages of their own, placed among the transcript's at their
second (``lecture_chunks``).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Iterable

from ..search.index import ChunkIn
from ..search.language import stems

NOTE_KIND = "lecture_note"   # a passage that is the student's own note

CHUNK_MIN_S = 45.0
CHUNK_MAX_S = 60.0


def chunk_segments(segs: Iterable[Any]) -> list[ChunkIn]:
    """Windows of whole segments (stored ``Segment`` rows or fresh ``SegmentOut``s)."""
    out: list[ChunkIn] = []
    cur: list[tuple[float, float, str]] = []

    def flush() -> None:
        if cur:
            out.append(ChunkIn(text=" ".join(t for _, _, t in cur), start_s=cur[0][0], end_s=cur[-1][1]))
            cur.clear()

    for s in segs:
        start = float(getattr(s, "start_s", getattr(s, "start", 0.0)))
        end = float(getattr(s, "end_s", getattr(s, "end", start)))
        text = s.text.strip()
        if not text:
            continue
        if cur and end - cur[0][0] > CHUNK_MAX_S:
            flush()
        cur.append((start, end, text))
        if end - cur[0][0] >= CHUNK_MIN_S:
            flush()
    flush()
    return out


def lecture_chunks(segs: Iterable[Any], notes: Iterable[Any] = (), lang: str = "") -> list[ChunkIn]:
    """The transcript's passages and one per note, in the order of the lecture; in a lecture
    not in English (``lang``, the language Whisper heard) each carries its words' stems for
    keyword search, as a book's passages do."""
    from_notes = [ChunkIn(text=n.text.strip(), start_s=float(n.at_s), end_s=float(n.at_s), kind=NOTE_KIND)
                  for n in notes if n.text.strip()]
    merged = chunk_segments(segs) + from_notes
    merged.sort(key=lambda c: (c.start_s or 0.0, c.kind == NOTE_KIND))   # stable: notes after a passage begun
    return [replace(c, stems=stems(c.text, lang)) for c in merged] if lang else merged
