"""``read_pages``: the reader of a file picked from its kind and extension."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ...errors import DocumentError
from ..pdftext import ExtractReport, PageText, iter_pages
from .epub import read_epub
from .html_notes import read_html
from .images import read_image
from .legacy import converted
from .ocr import check_languages
from .scanned import with_ocr
from .slides import read_odp, read_pptx
from .text_notes import read_text_note
from .wordproc import read_docx, read_odt
from .words import WordBoxes

OCR_MODES = ("auto", "always", "never")
HTML_EXTENSIONS = (".html", ".htm", ".xhtml")

# What a "page" is called in messages, by document kind.
_UNITS = {"slides": "Slide", "document": "Section", "ebook": "Chapter"}


def read_pages(file: Path, kind: str, report: ExtractReport, ocr: str = "auto",
               words_out: Path | None = None, ocr_languages: str = "") -> Iterator[PageText]:
    """The pages of one file, read by the reader of its kind (a generator: reading is lazy).

    ``ocr_languages`` is Tesseract's "eng+deu" form ("" = English); it is checked here,
    before any page is read, only when OCR may run.
    """
    if ocr not in OCR_MODES:
        raise DocumentError(f"Unknown OCR setting '{ocr}'.", "Use auto, always or never.")
    langs = (check_languages(ocr_languages) if ocr_languages and ocr != "never" and kind in ("pdf", "image", "slides")
             else "")
    report.unit = _UNITS.get(kind, "Page")
    ext = file.suffix.lower()
    boxes = WordBoxes(words_out)
    if kind == "pdf":
        return with_ocr(file, iter_pages(file, report=report), report, ocr, boxes, langs)
    if kind == "image":
        return read_image(file, report, ocr, boxes, langs)
    if ext in (".pptx", ".pptm", ".ppsx"):
        return read_pptx(file, report, ocr, langs)
    if ext == ".odp":
        return read_odp(file, report)
    if ext in (".docx", ".docm"):
        return read_docx(file, report)
    if ext == ".odt":
        return read_odt(file, report)
    if ext == ".epub":
        return read_epub(file, report)
    if ext in HTML_EXTENSIONS:
        return read_html(file, report)
    if kind == "note":
        return read_text_note(file, report)
    if ext in (".ppt", ".pps", ".doc"):
        return _legacy(file, report, ocr, langs)
    raise DocumentError(f"Lectern cannot read a '{kind}' document this way.")


def _legacy(file: Path, report: ExtractReport, ocr: str, langs: str) -> Iterator[PageText]:
    with converted(file, report.cancel) as modern:
        if modern.suffix == ".pptx":
            yield from read_pptx(modern, report, ocr, langs)
        else:
            yield from read_docx(modern, report)
