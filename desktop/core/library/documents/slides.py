"""Slide decks: PowerPoint (.pptx, python-pptx) and OpenDocument presentations (.odp, odfpy).

Each slide is one page, numbered as the deck numbers it, so a passage cites "slide 7".
A slide's text is its title, its text boxes, tables and grouped shapes in reading
order, then the speaker notes (students' decks keep half the lecture there).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ...errors import DocumentError
from ..pdftext import ExtractReport, PageText
from .common import check_office_zip, damaged, join_lines
from .images import image_from_bytes
from .ocr import OcrTimeout, OcrUnavailable, recognise

# A deck past this is not a lecture any more (a generated or broken file): read the
# first slides and say so, rather than keep the worker busy for an hour.
MAX_SLIDES = 1000
MIN_SLIDE_TEXT = 40          # a slide with less text than this has its pictures read by OCR
PICTURES_PER_SLIDE = 2       # the largest ones: logos and icons say nothing


def _shape_lines(shape: Any) -> Iterator[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE, PP_PLACEHOLDER

    if getattr(shape, "is_placeholder", False) and shape.placeholder_format.type in (
            PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.DATE):
        return              # the same footer on every slide says nothing about this one
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for inner in shape.shapes:
            yield from _shape_lines(inner)
        return
    if getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            cells = [c.text.strip() for c in row.cells if c.text.strip()]
            if cells:
                yield " | ".join(cells)
        return
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        for para in shape.text_frame.paragraphs:
            text = para.text
            if text.strip():
                yield text.strip()


def _reading_order(shapes: Any) -> list[Any]:
    """Title first, then top-to-bottom, left-to-right (placeholders have no order of their own)."""
    def key(s: Any) -> tuple[int, int, int]:
        is_title = 0 if getattr(s, "is_placeholder", False) and s.placeholder_format.type in _title_types() else 1
        return (is_title, int(s.top or 0), int(s.left or 0))
    return sorted(shapes, key=key)


def _title_types() -> tuple[Any, ...]:
    from pptx.enum.shapes import PP_PLACEHOLDER

    return (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)


def _pictures(shapes: Any) -> Iterator[Any]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _pictures(shape.shapes)
        elif shape.shape_type == MSO_SHAPE_TYPE.PICTURE:
            yield shape


def _picture_text(slide: Any, number: int, report: ExtractReport, langs: str) -> str:
    """Text of the largest pictures of a slide that has (almost) no text of its own: a
    scanned handout or a photo of a whiteboard pasted into a deck."""
    pictures = sorted(_pictures(slide.shapes), key=lambda s: -(int(s.width or 0) * int(s.height or 0)))
    out = []
    for shape in pictures[:PICTURES_PER_SLIDE]:
        report.stage = f"Recognising text, slide {number} of {report.pages}"
        try:
            img = image_from_bytes(shape.image.blob)
            page = recognise(img, langs=langs or None, cancel=report.cancel)
        except OcrTimeout:
            report.slow_pages.append(number)
            continue
        except (DocumentError, ValueError, KeyError, AttributeError):
            continue        # a picture format Pillow cannot open (EMF/WMF drawings): nothing to read
        if page.text.strip():
            report.ocr_pages += 1
            out.append(page.text)
    report.stage = ""
    return join_lines(out)


def slide_pictures(path: Path, numbers: set[int], long_side: int = 1600) -> dict[int, list[bytes]]:
    """PNG copies of the largest pictures of the given slides of a .pptx (a viewer shows them
    for a slide that is only a picture). Pictures Pillow cannot open (EMF/WMF) are left out."""
    import io

    from PIL import Image, UnidentifiedImageError
    from pptx import Presentation

    out: dict[int, list[bytes]] = {}
    if not numbers:
        return out
    deck = Presentation(str(path))
    for number, slide in enumerate(deck.slides, start=1):
        if number not in numbers:
            continue
        pictures = sorted(_pictures(slide.shapes), key=lambda sh: -(int(sh.width or 0) * int(sh.height or 0)))
        for shape in pictures[:PICTURES_PER_SLIDE]:
            try:
                img = Image.open(io.BytesIO(shape.image.blob))
                if img.width * img.height > 50_000_000:
                    continue
                img.thumbnail((long_side, long_side))
                buf = io.BytesIO()
                img.convert("RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB").save(buf, "PNG")
            except (UnidentifiedImageError, OSError, ValueError, KeyError, AttributeError):
                continue
            out.setdefault(number, []).append(buf.getvalue())
    return out


def read_pptx(path: Path, report: ExtractReport, ocr: str = "auto", langs: str = "") -> Iterator[PageText]:
    from pptx import Presentation

    check_office_zip(path, "PowerPoint", ".pptx")
    try:
        deck = Presentation(str(path))
        slides = list(deck.slides)
    except Exception as exc:   # python-pptx raises KeyError, ValueError, lxml errors on broken parts
        raise damaged(".pptx", "PowerPoint", exc) from None
    report.pages = min(len(slides), MAX_SLIDES)
    if len(slides) > MAX_SLIDES:
        report.notes.append(f"Only the first {MAX_SLIDES:,} of {len(slides):,} slides were read.")
    for number, slide in enumerate(slides[:MAX_SLIDES], start=1):
        try:
            lines = [line for shape in _reading_order(slide.shapes) for line in _shape_lines(shape)]
            if slide.has_notes_slide:
                notes = slide.notes_slide.notes_text_frame
                if notes is not None and notes.text.strip():
                    lines.append("Notes: " + notes.text.strip())
        except Exception as exc:   # one broken slide must not lose the deck
            report.bad_pages.append(number)
            yield PageText(number, "", type(exc).__name__)
            continue
        text = join_lines(lines)
        if ocr != "never" and len(text) < MIN_SLIDE_TEXT:
            try:
                text = join_lines([text, _picture_text(slide, number, report, langs)])
            except OcrUnavailable:
                pass        # without OCR the slide keeps what text it has
        if text:
            report.pages_with_text += 1
        yield PageText(number, text)


def read_odp(path: Path, report: ExtractReport) -> Iterator[PageText]:
    from odf import draw, opendocument, presentation, teletype, text

    check_office_zip(path, "LibreOffice Impress", ".odp")
    try:
        doc = opendocument.load(str(path))
        pages = doc.presentation.getElementsByType(draw.Page)
    except Exception as exc:
        raise damaged(".odp", "LibreOffice Impress", exc) from None
    report.pages = min(len(pages), MAX_SLIDES)
    if len(pages) > MAX_SLIDES:
        report.notes.append(f"Only the first {MAX_SLIDES:,} of {len(pages):,} slides were read.")
    for number, page in enumerate(pages[:MAX_SLIDES], start=1):
        notes_nodes = page.getElementsByType(presentation.Notes)
        in_notes = {id(p) for n in notes_nodes for p in n.getElementsByType(text.P)}
        lines = [teletype.extractText(p) for p in page.getElementsByType(text.P) if id(p) not in in_notes]
        notes = [teletype.extractText(p) for p in (p for n in notes_nodes for p in n.getElementsByType(text.P))]
        notes = [n for n in notes if n.strip()]
        if notes:
            lines.append("Notes: " + " ".join(n.strip() for n in notes))
        body = join_lines(lines)
        if body:
            report.pages_with_text += 1
        yield PageText(number, body)
