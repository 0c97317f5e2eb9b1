"""Cutting a transcript into passages for search: windows of whole segments.

Each passage is about CHUNK_MIN_S..CHUNK_MAX_S long and carries its start and end
second, so a citation can play the lecture from there. Used by indexing (the job) and
by a student's correction of one line (which updates keyword search at once).
"""
from __future__ import annotations

from typing import Any, Iterable

from ..search.index import ChunkIn

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
