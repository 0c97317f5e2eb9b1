"""Scanned PDFs: pages without a text layer (or with garbage text) are rendered to an
image and read by OCR; pages with real text are never touched.

``--ocr auto`` (the default) recognises only those pages; ``always`` recognises every
page (for a scan whose hidden text layer is wrong); ``never`` reads text layers only.
Pages are rendered with poppler's ``pdftoppm`` at 300 dpi in grey, one at a time,
under a time limit like the recognition itself.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import Iterator

from ...errors import DocumentError
from ..pdftext import ExtractReport, NoTextFound, PageText
from . import ocr as engine
from .ocr import OcrTimeout, recognise, run_limited
from .words import WordBoxes

RENDER_DPI = 300
BAD_SHARE = 0.3               # more than this share of unreadable characters: a broken text layer
_UNREADABLE = ("Co", "Cn", "Cs", "Cc", "So")   # private use, unassigned, surrogates, controls, symbols


def is_garbage(text: str) -> bool:
    """True for a page with no usable text layer: no letters at all (a scan, perhaps with a
    stamped page number), or mostly characters a broken font encoding produces (boxes,
    private-use and replacement characters). A table of contents full of dot leaders, code
    full of brackets, or a page holding only a running header over a figure is real text
    and is never sent to OCR."""
    chars = [c for c in text if not c.isspace()]
    if not any(c.isalpha() for c in chars):
        return True
    bad = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in _UNREADABLE)
    return bad / len(chars) > BAD_SHARE


def render_page(pdf: Path, number: int, dpi: int = RENDER_DPI, timeout_s: float | None = None,
                cancel: threading.Event | None = None):
    """One page as a grey PIL image."""
    from PIL import Image

    exe = shutil.which("pdftoppm")
    if exe is None:
        raise DocumentError("Scanned pages cannot be read: poppler's pdftoppm is not installed.",
                            "Install poppler-utils (Debian/Ubuntu: apt install poppler-utils) and retry.")
    with tempfile.TemporaryDirectory(prefix="lectern-render-") as tmp:
        out = Path(tmp) / "page"
        run_limited([exe, "-r", str(dpi), "-f", str(number), "-l", str(number), "-gray", "-singlefile",
                     str(pdf), str(out)], engine.PAGE_TIMEOUT_S if timeout_s is None else timeout_s, cancel)
        pgm = out.with_suffix(".pgm")      # uncompressed grey: no time spent on PNG deflate
        if not pgm.exists():
            raise OSError("the page could not be rendered")
        img = Image.open(pgm)
        img.load()
        return img


def with_ocr(pdf: Path, pages: Iterator[PageText], report: ExtractReport, ocr: str,
             boxes: WordBoxes | None, langs: str = "") -> Iterator[PageText]:
    """``pages`` (from ``pdftext.iter_pages``) with scanned pages replaced by their OCR text."""
    if ocr == "never":
        yield from pages
        if boxes is not None:
            boxes.save()      # no page recognised this time: old boxes would point at nothing
        return
    try:
        for page in pages:
            wanted = ocr == "always" or bool(page.error) or is_garbage(page.text)
            if not wanted:
                yield page
                continue
            yield _recognised(pdf, page, report, boxes, langs)
    except NoTextFound:
        if report.ocr_pages == 0:
            raise NoTextFound(ocr_tried=True) from None
    finally:
        report.stage = ""
        if boxes is not None:
            boxes.save()


def _recognised(pdf: Path, page: PageText, report: ExtractReport, boxes: WordBoxes | None,
                langs: str) -> PageText:
    report.stage = f"Recognising text, page {page.number} of {report.pages}"
    had_text = bool(page.text.strip()) and not page.error
    try:
        result = recognise(render_page(pdf, page.number, cancel=report.cancel), langs=langs or None,
                           cancel=report.cancel)
    except OcrTimeout:
        report.slow_pages.append(page.number)
        return page
    except OSError:
        return page
    if not result.text.strip():
        return page
    if page.error and page.number in report.bad_pages:
        report.bad_pages.remove(page.number)
    if not had_text:
        report.pages_with_text += 1
    report.ocr_pages += 1
    if boxes is not None:
        boxes.add(page.number, result, dpi=RENDER_DPI)
    return PageText(page.number, result.text)
