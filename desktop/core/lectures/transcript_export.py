"""A lecture's transcript as plain text, SubRip (SRT), WebVTT or Markdown with timestamps.

The student's notes (``notes``) go in at their second, marked as theirs: "✎ Your note:"
in text and Markdown, a cue "[Your note] …" of a few seconds in subtitles.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol

from ..errors import LecternError
from ..storage import atomic
from ..timefmt import format_duration

FORMATS = {"txt": "Plain text (*.txt)", "srt": "Subtitles SRT (*.srt)", "vtt": "Subtitles WebVTT (*.vtt)",
           "md": "Markdown (*.md)"}


class SegmentLike(Protocol):
    start_s: float
    end_s: float
    text: str


def _clock(seconds: float, sep: str) -> str:
    ms = int(round(max(0.0, seconds) * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


NOTE_CUE_S = 4.0   # how long a note shows in subtitles


@dataclass
class _NoteLine:
    start_s: float
    end_s: float
    text: str
    note: bool = True


def _clean(segments: Iterable[SegmentLike], notes: Iterable[SegmentLike] = ()) -> list[SegmentLike]:
    lines: list[SegmentLike] = [s for s in segments if s.text.strip()]
    lines += [_NoteLine(n.start_s, n.start_s + NOTE_CUE_S, n.text) for n in notes if n.text.strip()]
    lines.sort(key=lambda s: (s.start_s, bool(getattr(s, "note", False))))
    return lines


def _is_note(s: SegmentLike) -> bool:
    return bool(getattr(s, "note", False))


def _cue_text(s: SegmentLike) -> str:
    return f"[Your note] {s.text.strip()}" if _is_note(s) else s.text.strip()


def to_txt(title: str, segments: Iterable[SegmentLike], notes: Iterable[SegmentLike] = ()) -> str:
    lines = [title, ""] if title else []
    lines += [f"[{format_duration(s.start_s)}] " + ("✎ Your note: " if _is_note(s) else "") + s.text.strip()
              for s in _clean(segments, notes)]
    return "\n".join(lines) + "\n"


def to_srt(segments: Iterable[SegmentLike], notes: Iterable[SegmentLike] = ()) -> str:
    blocks = []
    for n, s in enumerate(_clean(segments, notes), start=1):
        end = max(s.end_s, s.start_s + 0.001)
        blocks.append(f"{n}\n{_clock(s.start_s, ',')} --> {_clock(end, ',')}\n{_cue_text(s)}\n")
    return "\n".join(blocks)


def to_vtt(segments: Iterable[SegmentLike], notes: Iterable[SegmentLike] = ()) -> str:
    blocks = ["WEBVTT\n"]
    for s in _clean(segments, notes):
        end = max(s.end_s, s.start_s + 0.001)
        blocks.append(f"{_clock(s.start_s, '.')} --> {_clock(end, '.')}\n{_cue_text(s)}\n")
    return "\n".join(blocks)


def to_markdown(title: str, segments: Iterable[SegmentLike], notes: Iterable[SegmentLike] = ()) -> str:
    lines = [f"# {title or 'Lecture transcript'}", ""]
    lines += [f"**[{format_duration(s.start_s)}]** " + (f"*✎ Your note: {s.text.strip()}*" if _is_note(s)
                                                          else s.text.strip()) + "  "
              for s in _clean(segments, notes)]
    return "\n".join(lines).rstrip() + "\n"


def render(fmt: str, title: str, segments: Iterable[SegmentLike], notes: Iterable[SegmentLike] = ()) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt == "txt":
        return to_txt(title, segments, notes)
    if fmt == "srt":
        return to_srt(segments, notes)
    if fmt == "vtt":
        return to_vtt(segments, notes)
    if fmt in ("md", "markdown"):
        return to_markdown(title, segments, notes)
    raise LecternError(f"Lectern cannot export transcripts as '{fmt}'.", "Choose TXT, SRT, VTT or Markdown.")


def export(path: Path, title: str, segments: Iterable[SegmentLike], fmt: str | None = None,
           notes: Iterable[SegmentLike] = ()) -> Path:
    """Write the transcript (and the notes) to ``path``; the format follows its extension unless given.
    Written under a temporary name and renamed, so a failed export never leaves half a file."""
    path = Path(path)
    text = render(fmt or path.suffix or "txt", title, segments, notes)
    try:
        atomic.write_text(path, text)
    except OSError as exc:
        raise LecternError(f"The transcript could not be saved to {path} ({exc.strerror or exc}).",
                           "Choose another folder.") from exc
    return path
