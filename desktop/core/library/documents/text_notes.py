"""Plain-text and Markdown notes: read as text, cut into sections at their headings
(``chunking.note_sections``), one "page" each."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ...errors import DocumentError
from ..chunking import note_pages
from ..pdftext import EmptyFile, ExtractReport, PageText
from .common import check_present


def note_text(path: Path) -> str:
    """A text note's content; binary files renamed .txt are refused."""
    data = path.read_bytes()
    if not data:
        raise EmptyFile()
    if b"\x00" in data[:4096]:
        raise DocumentError("This file is not a text note, although its name says so.",
                            "Save it as plain text (.txt) or Markdown (.md).")
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_text_note(path: Path, report: ExtractReport) -> Iterator[PageText]:
    check_present(path)
    pages = note_pages(note_text(path))
    report.pages = len(pages)
    report.pages_with_text = len(pages)
    if not pages:
        raise DocumentError("This note is empty.", "Write something in it, then read it again.")
    yield from pages
