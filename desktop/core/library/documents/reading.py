"""What a viewer shows of a slide deck, a document, an ebook or an HTML note: the same
numbered pages the index cites ("slide 7", "chapter 3, § 2"), read again from the file
by the same readers, so a citation always lands on the page it names.

Nothing is recognised here (OCR is the ingestion's work): a slide that is only a
picture comes with that picture (``ViewPage.pictures``), and a photo's text comes from
the word boxes kept when it was read (``recognised_text``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...catalog import place_word
from ..pdftext import ExtractReport
from .reader import read_pages
from .slides import MIN_SLIDE_TEXT, slide_pictures
from .words import read_word_boxes

NOTES_PREFIX = "Notes: "      # how slides.py appends a slide's speaker notes
MAX_TITLE_CHARS = 140


@dataclass
class ViewPart:
    """One § of a page (``number`` None: the page's opening, before its first §)."""

    number: int | None
    text: str


@dataclass
class ViewPage:
    number: int
    title: str = ""
    parts: list[ViewPart] = field(default_factory=list)
    notes: str = ""              # a slide's speaker notes
    pictures: list[bytes] = field(default_factory=list)   # PNGs of a slide with (almost) no text

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.parts)


@dataclass
class ReadingView:
    unit: str                    # "slide", "section", "chapter" or "page"
    pages: list[ViewPage]
    notes: list[str] = field(default_factory=list)   # what the reader said (a deck cut short)

    def page(self, number: int) -> ViewPage | None:
        return next((p for p in self.pages if p.number == number), None)


def _split_notes(text: str) -> tuple[str, str]:
    paragraphs = text.split("\n\n")
    if paragraphs and paragraphs[-1].startswith(NOTES_PREFIX):
        return "\n\n".join(paragraphs[:-1]), paragraphs[-1][len(NOTES_PREFIX):].strip()
    return text, ""


def _title(text: str) -> str:
    first = text.strip().split("\n", 1)[0].strip()
    return first if 0 < len(first) <= MAX_TITLE_CHARS else ""


def reading_view(path: Path, kind: str) -> ReadingView:
    """The pages of a slide deck, a word-processor file, an EPUB or an HTML note, as cited.

    Raises the reader's DocumentError (damaged, protected, DRM) with its plain message.
    """
    report = ExtractReport()
    pages: dict[int, ViewPage] = {}
    for pt in read_pages(Path(path), kind, report, ocr="never"):
        page = pages.setdefault(pt.number, ViewPage(pt.number))
        text = pt.text
        if kind == "slides":
            text, page.notes = _split_notes(text)
        if not page.parts and not page.title:
            page.title = _title(text)
        page.parts.append(ViewPart(pt.section, text.strip()))
    ordered = [pages[n] for n in sorted(pages)]
    if kind == "slides" and Path(path).suffix.lower() in (".pptx", ".pptm", ".ppsx"):
        bare = {p.number for p in ordered if len(p.text.strip()) < MIN_SLIDE_TEXT}
        for number, pictures in slide_pictures(Path(path), bare).items():
            pages[number].pictures = pictures
    return ReadingView(place_word(kind), ordered, list(report.notes))


def recognised_text(paths: Any, document_id: int, page: int = 1) -> str:
    """The text recognised on one page (a photo's only page), line by line, from its word boxes."""
    entry = next((p for p in read_word_boxes(paths, document_id) if p["page"] == page), None)
    if entry is None:
        return ""
    lines: dict[int, list[str]] = {}
    for text, *_box, line in entry["words"]:
        lines.setdefault(int(line), []).append(str(text))
    return "\n".join(" ".join(lines[k]) for k in sorted(lines))
