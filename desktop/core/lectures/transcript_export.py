"""A lecture's transcript as plain text, SubRip (SRT), WebVTT or Markdown with timestamps."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Protocol

from ..errors import LecternError
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


def _clean(segments: Iterable[SegmentLike]) -> list[SegmentLike]:
    return [s for s in segments if s.text.strip()]


def to_txt(title: str, segments: Iterable[SegmentLike]) -> str:
    lines = [title, ""] if title else []
    lines += [f"[{format_duration(s.start_s)}] {s.text.strip()}" for s in _clean(segments)]
    return "\n".join(lines) + "\n"


def to_srt(segments: Iterable[SegmentLike]) -> str:
    blocks = []
    for n, s in enumerate(_clean(segments), start=1):
        end = max(s.end_s, s.start_s + 0.001)
        blocks.append(f"{n}\n{_clock(s.start_s, ',')} --> {_clock(end, ',')}\n{s.text.strip()}\n")
    return "\n".join(blocks)


def to_vtt(segments: Iterable[SegmentLike]) -> str:
    blocks = ["WEBVTT\n"]
    for s in _clean(segments):
        end = max(s.end_s, s.start_s + 0.001)
        blocks.append(f"{_clock(s.start_s, '.')} --> {_clock(end, '.')}\n{s.text.strip()}\n")
    return "\n".join(blocks)


def to_markdown(title: str, segments: Iterable[SegmentLike]) -> str:
    lines = [f"# {title or 'Lecture transcript'}", ""]
    lines += [f"**[{format_duration(s.start_s)}]** {s.text.strip()}  " for s in _clean(segments)]
    return "\n".join(lines).rstrip() + "\n"


def render(fmt: str, title: str, segments: Iterable[SegmentLike]) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt == "txt":
        return to_txt(title, segments)
    if fmt == "srt":
        return to_srt(segments)
    if fmt == "vtt":
        return to_vtt(segments)
    if fmt in ("md", "markdown"):
        return to_markdown(title, segments)
    raise LecternError(f"Lectern cannot export transcripts as '{fmt}'.", "Choose TXT, SRT, VTT or Markdown.")


def export(path: Path, title: str, segments: Iterable[SegmentLike], fmt: str | None = None) -> Path:
    """Write the transcript to ``path``; the format follows its extension unless given."""
    path = Path(path)
    text = render(fmt or path.suffix or "txt", title, segments)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LecternError(f"The transcript could not be saved to {path} ({exc.strerror or exc}).",
                           "Choose another folder.") from exc
    return path
